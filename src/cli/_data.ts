import type { Command } from "commander";
import type { CliContext } from "./_context.ts";

/** "data folder", or "store" for a PostgreSQL store, for messages. */
async function storeLabel(location: string): Promise<string> {
  const { isPostgresUrl } = await import("../storage/store_url.ts");
  return isPostgresUrl(location) ? "store" : "data folder";
}

/** `labos init`, `labos status` and `labos doctor`. */
export function registerDataCommands(program: Command, cli: CliContext): void {
  program.command("init")
    .description("create the data folder layout and manifest (idempotent)")
    .option("--force", "initialise a folder that holds other files too (export leaves them out)")
    .action(async (options: { force?: boolean }, command: Command) => {
      const result = await (await cli.lab(command)).init({ force: options.force });
      const label = await storeLabel(result.dataDir);
      cli.emit(
        command,
        result,
        () =>
          result.created
            ? `Initialised LabOS ${label} ${result.dataDir}\n`
            : `${
              label === "store" ? "Store" : "Data folder"
            } ${result.dataDir} is already initialised: nothing changed\n`,
      );
    });

  program.command("status")
    .description("summarise the data folder")
    .action(async (_options, command: Command) => {
      const status = await (await cli.lab(command)).status();
      const label = await storeLabel(status.dataDir);
      cli.emit(command, status, () =>
        [
          `LabOS ${status.labosVersion}`,
          `${label.padEnd(12)} ${status.dataDir} (schema v${status.manifest.schemaVersion})`,
          `experiments  ${status.counts.experiments}`,
          `datasets     ${status.counts.datasets}`,
          `jobs         ${status.counts.jobs}`,
          `users        ${status.counts.users}`,
          `audit head   seq ${status.auditHead.seq}, ${status.auditHead.hash}`,
          "",
        ].join("\n"));
    });

  program.command("doctor")
    .description("validate every record, reference and the audit chain")
    .option("--repair", "repair what is safe to repair (moves aside, never deletes)")
    .action(async (options: { repair?: boolean }, command: Command) => {
      const report = await (await cli.lab(command)).doctor({ repair: options.repair });
      const { style } = cli;
      cli.emit(command, report, () => {
        const lines = report.problems.map((problem) =>
          `${
            problem.repaired
              ? style.green("repaired")
              : problem.notice
              ? style.yellow(problem.kind)
              : style.red(problem.kind)
          }  ${problem.path ? `${problem.path}: ` : ""}${problem.message}`
        );
        const { experiments, datasets, jobs, users, signatures, attachments, events } =
          report.checked;
        lines.push(
          `${
            report.ok ? style.green("ok") : style.red("problems found")
          }: ${experiments} experiments, ${datasets} datasets, ${jobs} jobs, ${users} users, ${signatures} signatures, ${attachments} attachments, ${events} audit events checked`,
        );
        return lines.join("\n") + "\n";
      });
      if (!report.ok) cli.fail(1);
    });
}
