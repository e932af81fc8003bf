import * as path from "node:path";
import type { Command } from "commander";
import type { CliContext } from "./_context.ts";

/** `labos eln export|import|check`: exchange with other lab notebooks (ELN Consortium `.eln`). */
export function registerElnCommands(program: Command, cli: CliContext): void {
  const eln = program.command("eln")
    .description("exchange experiments with other lab notebooks as .eln files (RO-Crate)");

  eln.command("export")
    .description("write every experiment, or the given ones, to one .eln file")
    .argument("[ids...]", "the experiments to export (default: every experiment you see)")
    .requiredOption("--out <file>", "the .eln file to write; it must not exist")
    .action(async (ids: string[], options: { out: string }, command: Command) => {
      const result = await (await cli.lab(command)).exportEln(
        path.resolve(cli.io.cwd, options.out),
        { experimentIds: ids },
      );
      cli.emit(
        command,
        result,
        () =>
          `Exported ${result.experiments} experiment(s), ${result.files} files (${result.bytes} bytes) to ${result.file}; SHA-256 ${result.sha256}\n`,
      );
    });

  eln.command("import")
    .description(
      "create one experiment per experiment-like dataset of an .eln from any notebook, with its files",
    )
    .argument("<file>", "the .eln file")
    .action(async (file: string, _options, command: Command) => {
      const result = await (await cli.lab(command)).importEln(path.resolve(cli.io.cwd, file));
      const { style } = cli;
      cli.emit(command, result, () =>
        [
          ...result.experiments.map((e) =>
            `${e.id}  ${e.title}  (${e.attachments} files, ${e.tables} tables; from ${e.originalId})`
          ),
          ...result.skipped.map((s) => `${style.yellow("skipped")}: ${s.id}: ${s.reason}`),
          `Imported ${result.experiments.length} experiment(s), ${result.files} files, ${result.tables} tables from ${
            result.publisher ?? "an unnamed publisher"
          }; ${result.skipped.length} skipped`,
          "",
        ].join("\n"));
    });

  eln.command("check")
    .description(
      "run the ELN Consortium's structural checks on any .eln; one line per failure, exit 1 if any",
    )
    .argument("<file>", "the .eln file")
    .action(async (file: string, _options, command: Command) => {
      const { checkEln } = await import("../exchange/eln/mod.ts");
      const result = await checkEln(path.resolve(cli.io.cwd, file));
      const { style } = cli;
      cli.emit(
        command,
        result,
        () =>
          result.ok
            ? `ok: ${result.counts.datasets} datasets, ${result.counts.files} files (${
              result.publisher ?? "no publisher"
            })\n`
            : result.failures.map((f) => `${style.red("FAILED")}: ${f}\n`).join(""),
      );
      if (!result.ok) cli.fail(1);
    });
}
