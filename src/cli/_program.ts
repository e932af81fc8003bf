import process from "node:process";
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";
import type { CliContext } from "./_context.ts";
import { type CliIo, json, makeStyle } from "./_format.ts";
import { registerAuditCommands } from "./_audit.ts";
import { registerConfigCommands } from "./_config.ts";
import { registerNewCommands } from "./_new.ts";
import { registerMigrateCommands } from "./_migrate.ts";
import { registerArchiveCommands } from "./_archive.ts";
import { registerElnCommands } from "./_eln.ts";
import { registerTemplateCommands } from "./_templates.ts";
import { registerGradebookCommand } from "./_gradebook.ts";
import { registerDataCommands } from "./_data.ts";
import { registerDemoCommand } from "./_demo.ts";
import { registerDatasetCommands } from "./_datasets.ts";
import { registerExperimentCommands } from "./_experiments.ts";
import { registerAttachCommands } from "./_attachments.ts";
import { registerModuleCommands } from "./_modules.ts";
import { registerRunCommands } from "./_runs.ts";
import { registerServeCommand } from "./_serve.ts";
import { registerSignatureCommands } from "./_signatures.ts";
import { registerUserCommands } from "./_users.ts";
import { reportError } from "./_report.ts";
import { LabSetup } from "./_setup.ts";
import { type Terminals, terminals } from "./_terminal.ts";

/** Options for {@linkcode runProgram}. */
export interface RunProgramOptions {
  /** Which of stdout and stderr to treat as terminals; asked of the process by default. */
  terminal?: Terminals;
}

/**
 * Builds the commander program (every command's name, arguments, options and
 * description, but none of their handlers) and runs it; resolves to the exit
 * code.
 */
export async function runProgram(
  args: string[],
  io: CliIo,
  options: RunProgramOptions = {},
): Promise<number> {
  let exitCode = 0;
  const setup = new LabSetup(io);
  const context: CliContext = {
    io,
    style: makeStyle(io),
    lab(command) {
      return setup.lab(command);
    },
    emit(command, value, human) {
      io.stdout(command.optsWithGlobals().json ? json(value) : human());
    },
    fail(code) {
      exitCode = code;
    },
  };

  const terminal = options.terminal ?? await terminals();
  const defaultOutput = new Command().configureOutput();
  const program = new Command("labos")
    .description("LabOS: experiments, analysis modules and a tamper-evident audit log")
    .version(`labos ${VERSION}`, "-V, --version", "print the version")
    .option("--data-dir <dir>", "data folder (else LABOS_DATA_DIR, labos.jsonc, ./data)")
    .option(
      "--store <url>",
      "a postgres:// URL to use instead of the data folder (else LABOS_STORE, labos.jsonc)",
    )
    .option("--actor <name>", "who is acting (else LABOS_ACTOR, else the OS user)")
    .option("--config <file>", "the labos.jsonc to use, trusted (else ./labos.jsonc if trusted)")
    .option("--json", "machine-readable output on stdout")
    .showSuggestionAfterError(true)
    .hook("preAction", (_program, action) => setup.prepare(action))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // One line: the message, and commander's "(Did you mean …?)" when it has one.
      outputError: (text, write) => write(oneLineError(text)),
      // Commander's defaults, asking process.stdout only when it is a
      // terminal: some runtimes build that stream on first use, at a cost
      // larger than --help.
      // Commander reads undefined as "not a terminal" (80 columns); its typings say number.
      getOutHelpWidth: () => (terminal.out ? process.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (terminal.err ? process.stderr.columns : undefined) as number,
      getOutHasColors: () => terminal.out && (defaultOutput.getOutHasColors?.() ?? false),
      getErrHasColors: () => terminal.err && (defaultOutput.getErrHasColors?.() ?? false),
    });

  // Only the group that defines the command being run: the others would only
  // cost start-up time. Without a known command (labos --help at a terminal,
  // labos help, a typo that commander suggests a fix for) every group.
  const name = commandName(args);
  const only = COMMAND_GROUPS.find((group) => group.names.includes(name ?? ""));
  for (const group of only ? [only] : COMMAND_GROUPS) group.register(program, context, setup);

  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    exitCode = reportFailure(error, io);
  }
  // The store's connections would keep the process alive: release them.
  try {
    await setup.close();
  } catch (error) {
    if (exitCode === 0) exitCode = reportFailure(error, io);
  }
  return exitCode;
}

/** A function that defines some of the top-level commands on the program. */
export type RegisterCommands = (program: Command, cli: CliContext, setup: LabSetup) => void;

/** A group of top-level commands defined together. */
export interface CommandGroup {
  /** The top-level commands the group defines. */
  names: readonly string[];
  /** Defines them. */
  register: RegisterCommands;
}

/** Every top-level command, by group, in the order that `labos --help` lists them. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ["init", "status", "doctor"], register: registerDataCommands },
  { names: ["experiments"], register: registerExperimentCommands },
  { names: ["attach"], register: registerAttachCommands },
  { names: ["templates", "assign"], register: registerTemplateCommands },
  { names: ["gradebook"], register: registerGradebookCommand },
  { names: ["sign", "signatures"], register: registerSignatureCommands },
  { names: ["audit"], register: registerAuditCommands },
  { names: ["modules"], register: registerModuleCommands },
  { names: ["run", "jobs"], register: registerRunCommands },
  { names: ["import", "datasets"], register: registerDatasetCommands },
  { names: ["demo"], register: registerDemoCommand },
  { names: ["serve"], register: registerServeCommand },
  { names: ["users"], register: registerUserCommands },
  { names: ["config", "trust"], register: registerConfigCommands },
  { names: ["new"], register: registerNewCommands },
  { names: ["migrate"], register: registerMigrateCommands },
  { names: ["export", "import-archive"], register: registerArchiveCommands },
  { names: ["eln"], register: registerElnCommands },
];

/**
 * The top-level command that `args` run, as commander finds it: the first
 * argument that is not an option, after skipping the values of the global
 * options that take one. `undefined` when there is none, or after `--`.
 */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return undefined;
    if (arg === "--data-dir" || arg === "--actor" || arg === "--config" || arg === "--store") i++;
    else if (!(arg.length > 1 && arg.startsWith("-"))) return arg;
  }
  return undefined;
}

/**
 * A commander error on one line: its first line, and the suggestion that
 * commander prints on the next one.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { oneLineError } from "./_program.ts";
 * const text = "error: unknown command 'rnu'\n(Did you mean run?)\n";
 * assert.strictEqual(oneLineError(text), "error: unknown command 'rnu' (Did you mean run?)\n");
 * ```
 */
export function oneLineError(text: string): string {
  const [first, ...rest] = text.split("\n").map((line) => line.trim());
  const hint = rest.find((line) => /^\(Did you mean /.test(line));
  return `${first}${hint ? ` ${hint}` : ""}\n`;
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (
      error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
      error.code === "commander.help"
    ) {
      return 0;
    }
    // Commander has already printed its one-line message.
    return 2;
  }
  return reportError(error, io);
}
