import { LabosError, quote } from "../errors.ts";
import type { LineageGraph } from "../plots/mod.ts";
import {
  checkRecordSize,
  type Dataset,
  type DatasetSummary,
  type Experiment,
  mib,
  newId,
  RECORD_SCHEMA_VERSION,
  sha256Hex,
  validateRecord,
} from "../records/mod.ts";
import type { Page, StorageTransaction } from "../storage/mod.ts";
import { parseUnit } from "../units/mod.ts";
import { type LabContext, recordEvent, requireReady, timestamp } from "./_context.ts";

export { type DatasetLimits, DEFAULT_DATASET_LIMITS } from "./_context.ts";
import { DatasetFilterSchema, parseFilter } from "./_requests.ts";

function fileSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : mib(bytes);
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** What `labos import` takes. */
export interface ImportCsvRequest {
  /** The source file's name, kept for provenance. */
  fileName: string;
  /** The file's bytes. */
  bytes: Uint8Array;
  /** The dataset title. Default: the file name. */
  title?: string;
  /** The experiment to link the dataset to. */
  experimentId?: string;
  /** Units per column, as `column=unit`. */
  units?: string[];
  /** Parse `1,5` as 1.5 (semicolon-delimited European files). */
  decimalComma?: boolean;
  /** The delimiter; detected when absent. */
  delimiter?: string;
}

/** Imports a CSV file as a dataset; a malformed file writes nothing. */
export async function importCsv(lab: LabContext, request: ImportCsvRequest): Promise<Dataset> {
  await requireReady(lab);
  const units: Record<string, string> = {};
  for (const entry of request.units ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    if (!match) {
      throw new LabosError(
        "invalid",
        `Invalid "--units" ${quote(entry)}: expected column=unit, e.g. time_s=s`,
      );
    }
    units[match[1]] = await checkedUnit(entry, match[2]);
  }
  const context = `Cannot import ${quote(request.fileName)}`;
  const { maxBytes, maxCells } = lab.datasetLimits;
  if (request.bytes.byteLength > maxBytes) {
    throw new LabosError(
      "invalid",
      `${context}: the file is ${mib(request.bytes.byteLength)}, more than the ${
        mib(maxBytes)
      } limit of a dataset`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(request.bytes);
  } catch {
    throw new LabosError(
      "invalid",
      `Cannot import ${quote(request.fileName)}: the file is not UTF-8 text`,
    );
  }
  const { CsvCellLimitError, parseCsv } = await import("../datasets/csv.ts");
  let table;
  try {
    table = parseCsv(text, {
      delimiter: request.delimiter,
      decimalComma: request.decimalComma,
      units,
      maxCells,
    });
  } catch (error) {
    if (!(error instanceof CsvCellLimitError)) throw error;
    throw new LabosError(
      "invalid",
      `${context}: its table of ${error.columns} columns passes the ${
        count(error.limit)
      }-cell limit of a dataset at ${error.where} (the file is ${
        fileSize(request.bytes.byteLength)
      })`,
    );
  }
  await checkHeaderUnits(table.columns, { given: units, context });
  const experimentId = request.experimentId ?? null;
  if (experimentId !== null) checkOpen(await lab.storage.get("experiment", experimentId));
  const now = timestamp(lab);
  const dataset: Dataset = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: newId("dataset"),
    createdAt: now,
    updatedAt: now,
    createdBy: lab.actor,
    title: request.title ?? request.fileName,
    kind: "imported",
    experimentId,
    parentIds: [],
    source: {
      fileName: request.fileName,
      sizeBytes: request.bytes.byteLength,
      sha256: sha256Hex(request.bytes),
    },
    table: {
      columns: table.columns,
      rowCount: table.rowCount,
      values: table.values,
      delimiter: table.delimiter,
      ...(table.lineJumps ? { lineJumps: table.lineJumps } : {}),
    },
  };
  return await saveDataset(lab, dataset, {
    action: "dataset.imported",
    details: {
      source: dataset.source,
      rows: table.rowCount,
      columns: table.columns.map((c) => c.name),
    },
    context,
  });
}

/** A column's unit as its UCUM code; lab spellings such as `mM` are accepted. */
async function checkedUnit(entry: string, unit: string): Promise<string> {
  try {
    return await parseUnit(unit);
  } catch (error) {
    if (!(error instanceof LabosError)) throw error;
    throw new LabosError(
      "invalid",
      `Invalid "--units" ${quote(entry)}: ${
        quote(unit.trim())
      } is not a UCUM unit, such as "s", "min", "mmol/L" or "Cel"`,
    );
  }
}

/**
 * Replaces each unit written in a header by its UCUM code, unless `--units`
 * gave the column's unit. UCUM is loaded only when a header has one.
 */
async function checkHeaderUnits(
  columns: Array<{ name: string; unit?: string; header?: string }>,
  options: { given: Record<string, string>; context: string },
): Promise<void> {
  for (const column of columns) {
    if (column.header === undefined || column.unit === undefined) continue;
    if (Object.hasOwn(options.given, column.name) || Object.hasOwn(options.given, column.header)) {
      continue;
    }
    try {
      column.unit = await parseUnit(column.unit);
    } catch (error) {
      if (!(error instanceof LabosError)) throw error;
      throw new LabosError(
        "invalid",
        `${options.context}: column ${quote(column.header)}: ${
          quote(column.unit)
        } is not a UCUM unit, such as "s", "min", "mmol/L" or "Cel"; give the column's unit with "--units"`,
      );
    }
  }
}

/** Refuses to add data to an experiment that is no longer draft or running. */
export function checkOpen(experiment: Experiment): void {
  if (experiment.status !== "draft" && experiment.status !== "running") {
    throw new LabosError(
      "conflict",
      `Cannot add data to experiment ${quote(experiment.id)}: it is ${quote(experiment.status)}`,
    );
  }
}

/**
 * Stores a new dataset: validated and size-checked first, then created,
 * audited with `action` and linked to its experiment, in one transaction.
 */
export async function saveDataset(
  lab: LabContext,
  dataset: Dataset,
  options: { action: string; details: Record<string, unknown>; context: string },
): Promise<Dataset> {
  validateRecord("dataset", dataset);
  checkRecordSize(dataset, options.context);
  return await lab.storage.transaction(async (tx) => {
    tx.create("dataset", dataset);
    tx.audit(recordEvent(lab, options.action, {
      type: "dataset",
      record: dataset,
      details: options.details,
    }));
    const experimentId = dataset.experimentId;
    if (experimentId !== null) await linkDataset(lab, tx, { experimentId, datasetId: dataset.id });
    return dataset;
  });
}

/** Links a new dataset to its experiment, in the dataset's transaction, audited. */
async function linkDataset(
  lab: LabContext,
  tx: StorageTransaction,
  link: { experimentId: string; datasetId: string },
): Promise<void> {
  const experiment = await lab.storage.get("experiment", link.experimentId);
  checkOpen(experiment);
  const updated: Experiment = {
    ...experiment,
    datasetIds: [...experiment.datasetIds, link.datasetId],
    updatedAt: timestamp(lab),
  };
  tx.put("experiment", updated);
  tx.audit(recordEvent(lab, "experiment.linked", {
    type: "experiment",
    record: updated,
    details: {
      datasetId: link.datasetId,
      before: { datasetIds: experiment.datasetIds },
      after: { datasetIds: updated.datasetIds },
    },
  }));
}

/**
 * The provenance graph of a dataset, back to its source files: datasets,
 * the jobs that made them and the files they were imported from.
 */
export async function datasetLineage(lab: LabContext, datasetId: string): Promise<LineageGraph> {
  await requireReady(lab);
  const graph: LineageGraph = { nodes: [], edges: [] };
  const seen = new Set<string>();
  async function visit(id: string): Promise<void> {
    if (seen.has(id)) return;
    seen.add(id);
    const dataset = await lab.storage.get("dataset", id);
    graph.nodes.push({ id: dataset.id, label: dataset.title, kind: "dataset" });
    if (dataset.source) {
      const fileId = `file:${dataset.source.sha256}`;
      if (!seen.has(fileId)) {
        seen.add(fileId);
        graph.nodes.push({
          id: fileId,
          label: `${dataset.source.fileName} (sha256 ${dataset.source.sha256.slice(0, 12)}…)`,
          kind: "file",
        });
      }
      graph.edges.push({ from: fileId, to: dataset.id });
    }
    if (dataset.provenance) {
      const { jobId, module, moduleVersion } = dataset.provenance;
      if (!seen.has(jobId)) {
        seen.add(jobId);
        graph.nodes.push({ id: jobId, label: `${module}@${moduleVersion}`, kind: "job" });
      }
      graph.edges.push({ from: jobId, to: dataset.id });
      for (const parentId of dataset.parentIds) {
        await visit(parentId);
        graph.edges.push({ from: parentId, to: jobId });
      }
    } else {
      for (const parentId of dataset.parentIds) {
        await visit(parentId);
        graph.edges.push({ from: parentId, to: dataset.id });
      }
    }
  }
  await visit(datasetId);
  return graph;
}

/** Filters for `Lab.listDatasets`. */
export interface DatasetFilter {
  /** Only datasets of this kind: `imported`, `module-output` or `collected`. */
  kind?: string;
  /** Only datasets of this experiment. */
  experimentId?: string;
  /** Page size. Default: 50. */
  limit?: number;
  /** Matching datasets to skip. Default: 0. */
  offset?: number;
}

/** Lists datasets, newest first, without their tables' values (which are not even read). */
export async function listDatasets(
  lab: LabContext,
  filter: DatasetFilter,
): Promise<Page<DatasetSummary>> {
  await requireReady(lab);
  const { kind, experimentId, limit, offset } = parseFilter(DatasetFilterSchema(), filter);
  return await lab.storage.listSummaries("dataset", {
    limit: limit as number | undefined,
    offset: offset as number | undefined,
    where: (dataset) =>
      (kind === undefined || dataset.kind === kind) &&
      (experimentId === undefined || dataset.experimentId === experimentId),
  });
}
