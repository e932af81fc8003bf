import * as path from "node:path";
import type { Command } from "commander";
import { LabosError, quote } from "../errors.ts";
import type { LegacyImportReport, MigrateReport } from "../service/mod.ts";
import type { StoreCopy } from "../exchange/mod.ts";
import type { CliContext } from "./_context.ts";
import { type Style, table, truncate } from "./_format.ts";

/** `labos migrate [--dry-run] [--force --reason R] [--from-legacy DIR] [--to URL]`. */
export function registerMigrateCommands(program: Command, cli: CliContext): void {
  program.command("migrate")
    .description(
      "upgrade the data folder (or PostgreSQL store) to this LabOS's schema, import a legacy LabOS root, or copy the data folder into PostgreSQL",
    )
    .option("--dry-run", "report what would change and write nothing")
    .option("--force", "migrate although the audit chain does not verify (needs --reason)")
    .option("--reason <text>", "why --force is used, recorded in the audit log")
    .option("--from-legacy <dir>", "import the records of the earlier Python LabOS root DIR")
    .option(
      "--to <url>",
      "copy the data folder into the empty PostgreSQL database URL (ids, seq and hashes kept)",
    )
    .action(
      async (
        options: {
          dryRun?: boolean;
          force?: boolean;
          reason?: string;
          fromLegacy?: string;
          to?: string;
        },
        command: Command,
      ) => {
        const lab = await cli.lab(command);
        if (options.to !== undefined) {
          if (options.dryRun || options.force || options.fromLegacy !== undefined) {
            throw new LabosError(
              "invalid",
              `"--to" copies the data folder as it is: it takes no "--dry-run", "--force" or "--from-legacy"`,
            );
          }
          const { hasPassword, isPostgresUrl, redactPassword } = await import(
            "../storage/store_url.ts"
          );
          if (!isPostgresUrl(options.to)) {
            throw new LabosError(
              "invalid",
              `Invalid --to ${
                quote(redactPassword(options.to))
              }: expected a postgres:// or postgresql:// URL`,
            );
          }
          if (hasPassword(options.to)) {
            cli.io.stderr(
              "warning: the --to URL holds a password, which other users of this computer can read in the process list; put it in PGPASSFILE instead\n",
            );
          }
          const report = await lab.migrateTo(options.to);
          cli.emit(command, report, () => describeCopy(report));
          return;
        }
        if (options.fromLegacy !== undefined) {
          if (options.force || options.reason !== undefined) {
            throw new LabosError(
              "invalid",
              `"--force" and "--reason" apply to schema upgrades, not to --from-legacy`,
            );
          }
          const report = await lab.importLegacy(path.resolve(cli.io.cwd, options.fromLegacy), {
            dryRun: options.dryRun,
          });
          cli.emit(command, report, () => describeLegacy(report, cli.style));
          if (!report.ok) cli.fail(1);
          return;
        }
        const report = await lab.migrate({
          dryRun: options.dryRun,
          force: options.force,
          reason: options.reason,
        });
        cli.emit(command, report, () => describeMigration(report));
      },
    );
}

function describeCopy(report: StoreCopy): string {
  const head = `audit head seq ${report.audit.seq} ${report.audit.hash}`;
  const skipped = report.skipped.map((file) => `warning: ${file}: not a regular file, left out\n`)
    .join("");
  return report.copied
    ? `${skipped}Migrated ${report.from} to ${report.to}: ${report.files} files (${report.bytes} bytes); the audit log verifies in both (${head})\n`
    : `${report.to} already holds ${report.from} (${head}): already migrated, nothing written\n`;
}

function describeMigration(report: MigrateReport): string {
  const tables = report.storeSchema;
  const store = tables === undefined
    ? ""
    : tables.from === tables.to
    ? `PostgreSQL schema v${tables.to} is current\n`
    : `Upgraded the PostgreSQL schema of ${report.dataDir} from v${tables.from} to v${tables.to}\n`;
  if (!report.changed) {
    return `${store}${
      tables ? "Store" : "Data folder"
    } ${report.dataDir} is at schemaVersion ${report.to}: nothing to migrate\n`;
  }
  const { experiments, datasets, jobs } = report.records;
  const lines = [
    report.dryRun
      ? `Would upgrade ${report.dataDir} from schemaVersion ${report.from} to ${report.to} (dry run: nothing written)`
      : `Upgraded ${report.dataDir} from schemaVersion ${report.from} to ${report.to}`,
    ...report.steps.map((step) => `  step ${step.from} → ${step.to}: ${step.summary}`),
    `  records rewritten: ${experiments} experiments, ${datasets} datasets, ${jobs} jobs`,
  ];
  if (report.backup) lines.push(`  backup: ${path.join(report.dataDir, report.backup)}`);
  if (report.forced) lines.push("  the audit chain did not verify: forced, reason recorded");
  return `${store}${lines.join("\n")}\n`;
}

function describeLegacy(report: LegacyImportReport, style: Style): string {
  const lines: string[] = [];
  if (report.records.length > 0) {
    lines.push(
      table(
        ["OUTCOME", "TYPE", "LEGACY ID", "LABOS ID", "CHECKSUM", "CHAIN", "FILE"],
        report.records.map((record) => [
          record.outcome,
          record.type,
          truncate(record.legacyId ?? "-", 24),
          record.id ?? "-",
          record.checksum,
          record.chainVerified === null ? "-" : record.chainVerified ? "ok" : "FAILED",
          record.source,
        ]),
      ).trimEnd(),
    );
  }
  for (const record of report.records) {
    for (const problem of record.problems) {
      const mark = record.outcome === "skipped" ? style.red("skipped") : style.yellow("warning");
      lines.push(`${mark}: ${record.source}: ${problem}`);
    }
  }
  for (const chain of report.chains) {
    lines.push(
      chain.ok
        ? `${style.green("ok")}: ${chain.source}: chain of ${chain.events} events verifies`
        : `${style.red("FAILED")}: ${chain.source}: line ${chain.line}: ${chain.problem}`,
    );
  }
  for (const skipped of report.skippedPaths) {
    lines.push(`${style.yellow("warning")}: ${skipped}: not a regular file, ignored`);
  }
  const { imported, alreadyImported, skipped } = report.counts;
  lines.push(
    `${
      report.dryRun ? "Would import" : "Imported"
    } ${imported} records from ${report.source} (${alreadyImported} already imported, ${skipped} skipped)${
      report.dryRun
        ? ": dry run, nothing written"
        : `; copied ${report.copied} files to data/legacy/`
    }`,
  );
  if (!report.ok) lines.push(style.red("Some records or chains did not verify: see above"));
  return `${lines.join("\n")}\n`;
}
