import { VERSION } from "../version.ts";
import type { CliIo } from "./_format.ts";

/** The command definitions' module, as `main` loads it. */
export interface ProgramModule {
  /** Builds the commander program and runs it; resolves to the exit code. */
  runProgram(args: string[], io: CliIo): Promise<number>;
}

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Output streams and environment; the process's file descriptors by default. */
  io?: CliIo;
  /** Imports `./_program.ts`, the command definitions, when a command needs them. */
  loadProgram: () => Promise<ProgramModule>;
  /** Imports `./_quick.ts`, the quick path of `audit verify`. Default: the program only. */
  loadQuick?: () => Promise<QuickModule>;
}

/** The quick paths' module, as `main` loads it. */
export interface QuickModule {
  /** Runs `audit verify` when nothing needs the full CLI; undefined otherwise. */
  quickAuditVerify(args: readonly string[], io: CliIo): Promise<number | undefined>;
}

/**
 * Runs the CLI and resolves to the exit code: 0 success, 1 a failed check,
 * 2 bad usage or input.
 *
 * Start-up loads only what a command uses: `--version` loads nothing more,
 * `--help` to a pipe or a file only its pre-rendered text, the command
 * definitions (for parsing and `--help` at a terminal) load next, and each
 * command's handler, with the service and whatever else it needs, only when
 * that command runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./mod.ts";
 * const out: string[] = [];
 * const code = await main(["--version"], {
 *   stdout: (text) => out.push(text), stderr: () => {}, env: {}, cwd: ".", isTTY: false,
 * });
 * assert.equal(code, 0);
 * assert.ok(out.join("").startsWith("labos "));
 * ```
 */
export function main(args: string[], io?: CliIo): Promise<number> {
  return runCli(args, { io, loadProgram: importProgram, loadQuick: importQuick });
}

/**
 * The command definitions, imported through a specifier that Deno does not
 * analyse ahead of time. Deno loads every module a program may import with a
 * literal specifier, `import()` included, before it runs the program, and
 * resolves the npm packages among them; so `deno run cli.ts --version` would
 * pay for the whole CLI. Bundles must see every import, so the bundle entry
 * (`scripts/_cli_entry.ts`) passes {@linkcode runCli} a literal `import()`
 * instead, and type-checks and import-graph tests add `src/cli/_program.ts`
 * as a root of their own.
 */
function importProgram(): Promise<ProgramModule> {
  return import(PROGRAM);
}

const PROGRAM: string = "./_program.ts";

// Not analysed ahead of time either, for the same reason.
function importQuick(): Promise<QuickModule> {
  return import(QUICK);
}

const QUICK: string = "./_quick.ts";

/**
 * Runs the CLI as {@linkcode main} does, loading the command definitions with
 * the given function; resolves to the exit code.
 */
export async function runCli(args: string[], options: RunCliOptions): Promise<number> {
  // The file-descriptor output loads only when no other is given: its node:fs
  // costs Deno more than a whole `labos --version` (cli.ts gives Deno streams).
  const io = options.io ?? (await import("./_process_io.ts")).processIo();
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    // What commander prints for the version option, without loading commander.
    io.stdout(`labos ${VERSION}\n`);
    return 0;
  }
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    // Commander renders the help for the width and colours of a terminal, but
    // for a pipe or a file always as the same text: 80 columns, no colours.
    // That text is rendered ahead of time (scripts/embed_help.ts; a test
    // keeps it equal to commander's), which spares loading commander and
    // every command's definition.
    const [{ terminals }, { HELP_TEXT }] = await Promise.all([
      import("./_terminal.ts"),
      import("./_help_text.ts"),
    ]);
    if (!(await terminals()).out) {
      io.stdout(HELP_TEXT);
      return 0;
    }
  }
  if (options.loadQuick && args.includes("audit") && args.includes("verify")) {
    const code = await (await options.loadQuick()).quickAuditVerify(args, io);
    if (code !== undefined) return code;
  }
  const { runProgram } = await options.loadProgram();
  return await runProgram(args, io);
}
