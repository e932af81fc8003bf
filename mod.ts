/**
 * LabOS: a laboratory operating system for teaching and research labs.
 *
 * Experiments, datasets and jobs are validated JSON records in a data folder;
 * every change is written to a hash-chained, append-only audit log that anyone
 * can verify.
 *
 * This root holds {@linkcode openLab}, {@linkcode Lab} and the types of its
 * everyday methods: experiments, runs and jobs, datasets and attachments.
 *
 * @example Open a data folder, record an experiment and verify the audit log
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "@labos/labos";
 *
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const experiment = await lab.createExperiment({ title: "Coffee-cup calorimetry" });
 * await lab.transitionExperiment(experiment.id, { to: "running", reason: "Reagents ready" });
 * const result = await lab.verifyAudit();
 * assert.ok(result.ok);
 * ```
 *
 * Narrower entry points, one concept each:
 * - `@labos/labos/records` the record types `Lab` returns (users and
 *   signatures included), dataset tables, lineage graphs and shown values;
 * - `@labos/labos/class` running a class: accounts, roles, sessions,
 *   signatures, assigned templates, plans and the gradebook;
 * - `@labos/labos/exchange` archives, `.eln`, legacy import, migration and
 *   the doctor's report;
 * - `@labos/labos/module` for plugin authors;
 * - `@labos/labos/audit` for third-party verifiers of the audit log;
 * - `@labos/labos/storage` for storage implementers;
 * - `@labos/labos/templates` for template authors.
 *
 * @module
 */
export { VERSION } from "./src/version.ts";
export { type FieldIssue, LabosError, type LabosErrorKind } from "./src/errors.ts";
export {
  type InitResult,
  Lab,
  type LabStatus,
  openLab,
  type OpenLabOptions,
  type Page,
} from "./src/service/mod.ts";
export type {
  CreateExperimentInput,
  EditExperimentInput,
  ExperimentFilter,
} from "./src/service/mod.ts";
export type {
  BatchProgress,
  JobFilter,
  RerunCheck,
  RunRequest,
  RunResult,
} from "./src/service/mod.ts";
export {
  type CollectRequest,
  type DatasetFilter,
  type DatasetLimits,
  DEFAULT_DATASET_LIMITS,
  type ImportCsvRequest,
} from "./src/service/mod.ts";
export type { AttachmentBody, AttachOptions, AttachRequest } from "./src/service/mod.ts";
export type {
  Attachment,
  Dataset,
  DatasetSummary,
  Experiment,
  ExperimentStatus,
  Job,
  JobStatus,
} from "./src/records/mod.ts";
