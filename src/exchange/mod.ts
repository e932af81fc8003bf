/**
 * Exchange: archives (`labos export`, `labos import-archive`), upgrades
 * (`labos migrate`) and the legacy import. Everything here works through
 * the storage interface only; the facade loads `./archive.ts` and
 * `./migrate.ts` on demand.
 *
 * @module
 */
export type {
  ArchiveExport,
  ArchiveFile,
  ArchiveImport,
  ArchiveManifest,
  ImportArchiveOptions,
  StoreCopy,
} from "./archive.ts";
export type {
  ExchangeContext,
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
} from "./migrate.ts";
