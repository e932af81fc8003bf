import { LabosError, quote } from "../errors.ts";
import {
  type Cell,
  type CollectedField,
  type CollectedJob,
  type Dataset,
  type DatasetColumn,
  type Job,
  newId,
  RECORD_SCHEMA_VERSION,
} from "../records/mod.ts";
import { nearestName } from "../validation.ts";
import { type LabContext, requireReady, timestamp } from "./_context.ts";
import { checkOpen, saveDataset } from "./_datasets.ts";

/** What `labos datasets collect` takes. */
export interface CollectRequest {
  /** The jobs, one row each, in this order. */
  jobIds: string[];
  /**
   * The fields, one column each: `path` or `path=column`. A path reads the
   * job's output, or its input with the `input.` prefix; array items are
   * numbered from 0, as in `fits.1.rateConstant`.
   */
  fields: string[];
  /** The dataset title. Default: `Collected from N jobs`. */
  title?: string;
  /** The experiment to link the dataset to. */
  experimentId?: string;
  /** Why, kept in the audit event. */
  reason?: string;
}

interface FieldSpec extends CollectedField {
  /** The path's segments after the `input.` or `output.` prefix. */
  segments: string[];
  /** Where it reads: the job's input or its output. */
  from: "input" | "output";
}

/**
 * Parses a `--field` value: `path` or `path=column`, the column named after
 * the path's last segment by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCollectField } from "./_collect.ts";
 * assert.deepEqual(parseCollectField("input.temperatureK=T"), {
 *   path: "input.temperatureK", column: "T", segments: ["temperatureK"], from: "input",
 * });
 * assert.equal(parseCollectField("fits.1.rateConstant").column, "rateConstant");
 * assert.throws(() => parseCollectField("a..b"), /Invalid "--field" "a\.\.b"/);
 * ```
 */
export function parseCollectField(entry: string): FieldSpec {
  const equals = entry.indexOf("=");
  const path = (equals === -1 ? entry : entry.slice(0, equals)).trim();
  const segments = path.split(".");
  const invalid = (why: string) =>
    new LabosError(
      "invalid",
      `Invalid "--field" ${quote(entry)}: ${why}, e.g. rateConstant or input.temperatureK=T`,
    );
  if (path === "" || segments.some((segment) => segment === "")) {
    throw invalid("expected a dotted path, optionally =column");
  }
  const from = segments[0] === "input" ? "input" : "output";
  if (segments[0] === "input" || segments[0] === "output") segments.shift();
  if (segments.length === 0) throw invalid("name a field inside the input or output");
  const column = equals === -1 ? segments[segments.length - 1] : entry.slice(equals + 1).trim();
  if (column === "") throw invalid("the column name after = is empty");
  return { path, column, segments, from };
}

/**
 * Collects chosen fields of succeeded jobs into a table dataset, one row per
 * job in the order given and one column per field, with the jobs' output
 * datasets as parents. Units come from the modules' `x-unit` declarations.
 */
export async function collectJobs(lab: LabContext, request: CollectRequest): Promise<Dataset> {
  await requireReady(lab);
  const context = "Cannot collect";
  if (request.jobIds.length === 0) {
    throw new LabosError("invalid", `${context}: give at least one job id`);
  }
  if (request.fields.length === 0) {
    throw new LabosError(
      "invalid",
      `${context}: give at least one "--field", e.g. --field rateConstant`,
    );
  }
  const fields = request.fields.map(parseCollectField);
  const seenColumns = new Set<string>();
  for (const field of fields) {
    if (seenColumns.has(field.column)) {
      throw new LabosError(
        "invalid",
        `${context}: two fields make column ${
          quote(field.column)
        }: name one with path=column, e.g. ${field.path}=${field.column}2`,
      );
    }
    seenColumns.add(field.column);
  }
  const seenJobs = new Set<string>();
  const jobs: Job[] = [];
  for (const jobId of request.jobIds) {
    if (seenJobs.has(jobId)) {
      throw new LabosError("invalid", `${context}: job ${quote(jobId)} is given twice`);
    }
    seenJobs.add(jobId);
    const job = await lab.storage.get("job", jobId);
    if (job.status !== "succeeded" || job.outputDatasetId === null) {
      throw new LabosError(
        "invalid",
        `${context} from job ${quote(job.id)}: it ${
          job.status === "failed" ? "failed" : `is ${job.status}`
        }; only succeeded jobs have results`,
      );
    }
    jobs.push(job);
  }
  const outputs = await Promise.all(
    jobs.map((job) => lab.storage.get("dataset", job.outputDatasetId as string)),
  );
  const values: Cell[][] = fields.map((field) =>
    jobs.map((job, row) => cellOf(job, field, outputs[row].output))
  );
  for (const field of fields) checkSameUnit(jobs, { field, outputs: outputs.map((o) => o.output) });
  const columns: DatasetColumn[] = [];
  for (const [index, field] of fields.entries()) {
    const unit = await unitOf(lab, jobs, field);
    columns.push({
      name: field.column,
      type: columnType(values[index]),
      ...(unit === undefined ? {} : { unit }),
    });
  }
  const experimentId = request.experimentId ?? null;
  if (experimentId !== null) checkOpen(await lab.storage.get("experiment", experimentId));
  const collected: CollectedJob[] = jobs.map((job, row) => ({
    jobId: job.id,
    datasetId: outputs[row].id,
    module: job.module,
    moduleVersion: job.moduleVersion,
    outputHash: outputs[row].outputHash as string,
  }));
  const now = timestamp(lab);
  const dataset: Dataset = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: newId("dataset"),
    createdAt: now,
    updatedAt: now,
    createdBy: lab.actor,
    title: request.title?.trim() || `Collected from ${jobs.length} jobs`,
    kind: "collected",
    experimentId,
    parentIds: collected.map((job) => job.datasetId),
    table: { columns, rowCount: jobs.length, values, delimiter: "," },
    collection: {
      fields: fields.map(({ path, column }) => ({ path, column })),
      jobs: collected,
    },
  };
  return await saveDataset(lab, dataset, {
    action: "dataset.collected",
    details: {
      jobIds: collected.map((job) => job.jobId),
      parentIds: dataset.parentIds,
      fields: dataset.collection!.fields,
      ...(request.reason ? { reason: request.reason } : {}),
    },
    context,
  });
}

/** The field's value in one job, which must be a number, boolean, string or null. */
function cellOf(job: Job, field: FieldSpec, output: unknown): Cell {
  let at: unknown = field.from === "input" ? job.input : output;
  const walked: string[] = [];
  for (const segment of field.segments) {
    const container = at !== null && typeof at === "object" ? at as Record<string, unknown> : null;
    if (container === null || !Object.hasOwn(container, segment)) {
      const known = container === null ? [] : Object.keys(container);
      const near = nearestName(segment, known);
      const where = [field.from, ...walked].join(".");
      throw new LabosError(
        "invalid",
        `Cannot collect ${quote(field.path)} from job ${quote(job.id)} (${job.module}): ${
          container === null
            ? `${quote(where)} is not an object or array`
            : `${where} has no field ${quote(segment)}${
              near === undefined ? "" : ` (did you mean ${quote(near)}?)`
            }; its fields are ${known.slice(0, 20).join(", ") || "none"}`
        }`,
      );
    }
    at = container[segment];
    walked.push(segment);
  }
  if (
    at === null || typeof at === "string" || typeof at === "boolean" ||
    (typeof at === "number" && Number.isFinite(at))
  ) {
    return at;
  }
  throw new LabosError(
    "invalid",
    `Cannot collect ${quote(field.path)} from job ${quote(job.id)}: it is ${
      Array.isArray(at) ? "an array" : typeof at === "object" ? "an object" : String(at)
    }, not one value; name one item, e.g. ${field.path}.0`,
  );
}

/**
 * A value whose unit the output states beside it (`rateConstant` and
 * `rateConstantUnit`) must have one unit in every row: rate constants of
 * different orders cannot share a column.
 */
function checkSameUnit(jobs: Job[], options: { field: FieldSpec; outputs: unknown[] }): void {
  const { field, outputs } = options;
  const parent = field.segments.slice(0, -1);
  const key = `${field.segments[field.segments.length - 1]}Unit`;
  const units = jobs.map((job, row) => {
    let at: unknown = field.from === "input" ? job.input : outputs[row];
    for (const segment of parent) at = (at as Record<string, unknown>)[segment];
    const unit = (at as Record<string, unknown>)[key];
    return typeof unit === "string" ? unit : undefined;
  });
  const first = units.findIndex((unit) => unit !== undefined);
  const other = units.findIndex((unit) => unit !== undefined && unit !== units[first]);
  if (first === -1 || other === -1) return;
  throw new LabosError(
    "invalid",
    `Cannot collect ${quote(field.path)}: job ${quote(jobs[first].id)} gives it in ${
      quote(units[first]!)
    } and job ${quote(jobs[other].id)} in ${quote(units[other]!)}; one column takes one unit`,
  );
}

function columnType(cells: Cell[]): DatasetColumn["type"] {
  const present = cells.filter((cell) => cell !== null);
  if (present.length > 0 && present.every((cell) => typeof cell === "number")) {
    return present.every((cell) => Number.isInteger(cell)) ? "integer" : "number";
  }
  if (present.length > 0 && present.every((cell) => typeof cell === "boolean")) return "boolean";
  return "string";
}

/** The unit the jobs' modules declare at the field's path; jobs that disagree are refused. */
async function unitOf(
  lab: LabContext,
  jobs: Job[],
  field: FieldSpec,
): Promise<string | undefined> {
  const registry = await lab.modules();
  const { moduleInfo } = await import("../modules/registry.ts");
  const units = new Map<string, string>();
  for (const key of new Set(jobs.map((job) => job.module))) {
    let schema: unknown;
    try {
      const info = moduleInfo(registry.get(key));
      schema = field.from === "input" ? info.inputSchema : info.outputSchema;
    } catch (error) {
      // A module no longer installed declares no unit.
      if (error instanceof LabosError) continue;
      throw error;
    }
    const unit = declaredUnit(schema, field.segments);
    if (unit !== undefined) units.set(key, unit);
  }
  const distinct = new Set(units.values());
  if (distinct.size > 1) {
    throw new LabosError(
      "invalid",
      `Cannot collect ${quote(field.path)}: the modules give it different units (${
        [...units].map(([key, unit]) => `${key}: ${unit}`).join(", ")
      })`,
    );
  }
  return [...distinct][0];
}

/** The `x-unit` a JSON Schema declares at a path, on the field or its items. */
function declaredUnit(schema: unknown, segments: string[]): string | undefined {
  let node = schema;
  // An array's unit is its items' unit.
  let inherited: string | undefined;
  for (const segment of segments) {
    inherited = /^\d+$/.test(segment) ? unitAt(node) ?? inherited : undefined;
    node = childOf(node, segment);
    if (node === undefined) return undefined;
  }
  return unitAt(node) ?? inherited ?? unitAt((node as { items?: unknown }).items);
}

function childOf(node: unknown, segment: string): unknown {
  if (node === null || typeof node !== "object") return undefined;
  const schema = node as Record<string, unknown>;
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (properties && Object.hasOwn(properties, segment)) return properties[segment];
  if (/^\d+$/.test(segment) && schema.items !== undefined) return schema.items;
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const found = childOf(branch, segment);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function unitAt(node: unknown): string | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const unit = (node as Record<string, unknown>)["x-unit"];
  return typeof unit === "string" ? unit : undefined;
}
