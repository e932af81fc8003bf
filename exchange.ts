/**
 * Moving data in and out, and checking it: verified zip archives
 * (`Lab.exportArchive`, `Lab.importArchive`), `.eln` exchange with other lab
 * notebooks (`Lab.exportEln`, `Lab.importEln`), the legacy import, migration
 * between schema versions and stores (`Lab.migrate`, `Lab.migrateTo`) and
 * the doctor's report (`Lab.doctor`). These all work through the storage
 * interface, never around the facade.
 *
 * @example Back up a lab to an archive
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "@labos/labos";
 * import type { ArchiveExport, DoctorReport } from "@labos/labos/exchange";
 *
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * await lab.createExperiment({ title: "Calorimetry" });
 * const backup: ArchiveExport = await lab.exportArchive(`${await Deno.makeTempDir()}/backup.zip`);
 * assert.deepEqual(backup.audit, await lab.auditHead());
 * const report: DoctorReport = await lab.doctor();
 * assert.ok(report.ok);
 * ```
 *
 * @module
 */
export type {
  ArchiveExport,
  ArchiveImport,
  ImportArchiveOptions,
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
  StoreCopy,
} from "./src/service/mod.ts";
export type { ElnCheck, ElnExport, ElnImport, ElnImportedExperiment } from "./src/service/mod.ts";
export type { DoctorProblem, DoctorReport } from "./src/service/mod.ts";
