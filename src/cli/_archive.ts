import * as path from "node:path";
import type { Command } from "commander";
import { type CliContext, wholeNumber } from "./_context.ts";

/** `labos export --out FILE.zip` and `labos import-archive FILE.zip`. */
export function registerArchiveCommands(program: Command, cli: CliContext): void {
  program.command("export")
    .description("write the whole data folder, with a manifest of SHA-256 hashes, to a zip archive")
    .requiredOption("--out <file>", "the archive to write (.zip); it must not exist")
    .action(async (options: { out: string }, command: Command) => {
      const result = await (await cli.lab(command)).exportArchive(
        path.resolve(cli.io.cwd, options.out),
      );
      cli.emit(command, result, () =>
        [
          ...result.skipped.map((skipped) =>
            `${cli.style.yellow("warning")}: ${skipped}: not a regular file, left out`
          ),
          `Exported ${result.files} files (${result.bytes} bytes) to ${result.file}; audit head seq ${result.audit.seq} ${result.audit.hash}`,
          "",
        ].join("\n"));
    });

  program.command("import-archive")
    .description(
      "verify an archive written by `labos export` and restore it into an empty data folder",
    )
    .argument("<file>", "the archive (.zip)")
    .option(
      "--max-mib <n>",
      "the most MiB the archive's files may hold together (default: just under 4 GiB)",
      wholeNumber,
    )
    .action(async (file: string, options: { maxMib?: number }, command: Command) => {
      const result = await (await cli.lab(command)).importArchive(
        path.resolve(cli.io.cwd, file),
        options.maxMib === undefined ? {} : { maxBytes: options.maxMib * 2 ** 20 },
      );
      cli.emit(
        command,
        result,
        () =>
          `Restored ${result.files} files into ${result.dataDir}; the audit log verifies (seq ${result.audit.seq}, head ${result.audit.hash})\n`,
      );
    });
}
