/**
 * State upgrades: `labos migrate` upgrades a data folder from an older
 * `schemaVersion` through versioned, idempotent steps (after a backup, with
 * a `data.migrated` event), and `labos migrate --from-legacy DIR` imports
 * the records of the earlier Python LabOS, verifying their checksums and
 * audit chains. The service calls these; use `Lab.migrate` and
 * `Lab.importLegacy`.
 *
 * @module
 */
import { importLegacyRoot, type LegacyImportOptions, type LegacyImportReport } from "./_legacy.ts";
import {
  type ExchangeContext,
  migrateFolder,
  type MigrateOptions,
  type MigrateReport,
} from "./_upgrade.ts";

export { LEGACY_COPY_FOLDER } from "./_legacy.ts";
export type { LegacyImportOptions, LegacyImportReport, LegacyRecordReport } from "./_legacy.ts";
export { EXPERIMENT_STATUS_MAP, JOB_STATUS_MAP } from "./_legacy_map.ts";
export type { ExchangeContext, MigrateOptions, MigrateReport } from "./_upgrade.ts";
export { UPGRADE_STEPS } from "./_steps.ts";
export type { RawRecord, RawRecords, UpgradeStep } from "./_steps.ts";

/**
 * Upgrades a data folder to the current `schemaVersion`, one step at a time: refuses a
 * folder whose audit chain does not verify (unless `force` with a
 * `reason`), backs it up under `backups/<time>/`, rewrites the records in
 * one transaction with a `<type>.migrated` event each (before and after
 * hashes) and a `data.migrated` event, then writes the manifest. A current
 * folder is left untouched; `dryRun` writes nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "../service/mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "ada" });
 * await lab.init();
 * const report = await lab.migrate({ dryRun: true });
 * assert(!report.changed);
 * ```
 */
export function migrateDataFolder(
  lab: ExchangeContext,
  options: MigrateOptions = {},
): Promise<MigrateReport> {
  return migrateFolder(lab, options);
}

/**
 * Imports a legacy (Python) LabOS root, the folder that contains `data/`:
 * verifies every record's `.sha256` sidecar and every daily audit chain,
 * maps each record to the current schema (keeping what cannot be mapped
 * under `legacy`), copies the original files under `data/legacy/`, and
 * records a `data.imported` event per record, all in one transaction.
 * Malformed records are reported and skipped; a second run imports nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "../service/mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "ada" });
 * await lab.init();
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/data/experiments`, { recursive: true });
 * const report = await lab.importLegacy(root, { dryRun: true });
 * assert(report.records.length === 0);
 * ```
 */
export function importLegacy(
  lab: ExchangeContext,
  dir: string,
  options: LegacyImportOptions = {},
): Promise<LegacyImportReport> {
  return importLegacyRoot(lab, dir, options);
}
