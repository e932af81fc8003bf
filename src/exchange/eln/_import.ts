/**
 * `labos eln import`: one experiment per experiment-like `Dataset` of any
 * notebook's `.eln`. The crate is read once into a staging folder outside
 * the data folder, then checked whole (structure, graph, every hash and
 * size, every record) before anything is written: the blobs are stored,
 * then every record and audit event is committed in one transaction.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { AuditEventInput } from "../../audit/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import {
  type Attachment,
  checkRecordSize,
  type Dataset,
  type Experiment,
  EXPERIMENT_STATUSES,
  type ExperimentStatus,
  newId,
  RECORD_SCHEMA_VERSION,
  validateRecord,
} from "../../records/mod.ts";
import { type LabStorage, recordEvent } from "../../storage/mod.ts";
import type { ExchangeContext } from "../_upgrade.ts";
import { declaredSize } from "./_check.ts";
import { type CrateEntry, type CrateLimits, type CrateRead, readCrate } from "./_crate.ts";
import {
  CrateGraph,
  type Entity,
  GraphError,
  idKey,
  isLocalId,
  METADATA_FILE,
  refsOf,
  textOf,
  typesOf,
} from "./_graph.ts";

/** Options for {@linkcode importEln}. */
export interface ElnImportOptions {
  /** The largest CSV file and the most cells of a table (the lab's dataset limits). */
  datasetLimits?: { maxBytes: number; maxCells: number };
  /** The largest attachment in bytes; a larger file is skipped. Default: 100 MiB. */
  maxAttachmentBytes?: number;
  /** The archive bounds; default: the archive import's. */
  limits?: CrateLimits;
}

/** One imported experiment. */
export interface ElnImportedExperiment {
  /** The new experiment's id. */
  id: string;
  /** Its title. */
  title: string;
  /** The dataset's `@id` in the crate. */
  originalId: string;
  /** Its status (`draft` when the crate's is not a LabOS status). */
  status: ExperimentStatus;
  /** How many files were attached. */
  attachments: number;
  /** How many CSV files became table datasets. */
  tables: number;
}

/** What {@linkcode importEln} did. */
export interface ElnImport {
  /** The `.eln` file. */
  file: string;
  /** Its SHA-256. */
  sha256: string;
  /** The crate's `sdPublisher`, when given. */
  publisher?: string;
  /** The experiments made, in crate order. */
  experiments: ElnImportedExperiment[];
  /** How many files were attached in all. */
  files: number;
  /** How many tables were imported in all. */
  tables: number;
  /** What was left out, and why: an `@id` (or entry name) and a reason. */
  skipped: Array<{ id: string; reason: string }>;
}

const DEFAULT_MAX_ATTACHMENT = 100 * 1024 * 1024;

/** A file of an experiment, planned. */
interface PlannedFile {
  entity: Entity;
  entry: CrateEntry;
  fileName: string;
  mediaType: string;
}

/** One experiment, planned. */
interface PlannedExperiment {
  entity: Entity;
  files: PlannedFile[];
}

/**
 * Imports an `.eln`. A crate that cannot be read safely (unsafe entry
 * names, links, a bomb), whose metadata is missing or not JSON-LD with a
 * root, whose `hasPart` is cyclic, or whose files do not match their
 * declared SHA-256 or size is refused and leaves nothing behind. Files
 * listed but absent, remote files, entries outside the root folder and
 * files outside any experiment are skipped and reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "../../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const source = openLab({ dataDir: `${dir}/a`, actor: "ada" });
 * await source.init();
 * await source.createExperiment({ title: "Melting point", tags: ["organic"] });
 * await source.exportEln(`${dir}/lab.eln`);
 * const target = openLab({ dataDir: `${dir}/b`, actor: "bo" });
 * await target.init();
 * const result = await target.importEln(`${dir}/lab.eln`);
 * assert.deepEqual(result.experiments.map((e) => e.title), ["Melting point"]);
 * ```
 */
export async function importEln(
  lab: ExchangeContext,
  file: string,
  options: ElnImportOptions = {},
): Promise<ElnImport> {
  const context = `Cannot import ${quote(file)}`;
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), "labos-eln-"));
  try {
    const crate = await readCrate(file, { context, stageDir: stage, limits: options.limits });
    const sha256 = await wholeFileSha256(file);
    const skipped: ElnImport["skipped"] = [];
    const graph = readGraph(crate, context);
    for (const name of crate.outside) {
      skipped.push({ id: name, reason: "outside the crate's root folder" });
    }
    const cycle = graph.findCycle();
    if (cycle) {
      throw new LabosError(
        "invalid",
        `${context}: hasPart is cyclic (${
          cycle.map((id) => quote(id)).join(" -> ")
        }); nothing was imported`,
      );
    }
    const plans = planExperiments(graph, crate, { context, skipped, options });
    const publisher = graph.publisher()?.slice(0, 500);
    const built = await buildRecords(lab, plans, {
      graph,
      sha256,
      publisher,
      context,
      skipped,
      options,
    });
    await storeBlobs(lab.storage, built.blobs);
    await lab.storage.transaction((tx) => {
      for (const record of built.experiments) tx.create("experiment", record);
      for (const record of built.datasets) tx.create("dataset", record);
      for (const record of built.attachments) tx.create("attachment", record);
      for (const event of built.events) tx.audit(event);
      return Promise.resolve();
    });
    return {
      file,
      sha256,
      ...(publisher ? { publisher } : {}),
      experiments: built.summary,
      files: built.attachments.length,
      tables: built.datasets.length,
      skipped,
    };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/** How many blobs are stored at once: their fsyncs overlap. */
const BLOB_WRITERS = 32;

/** Stores the crate's files as blobs, several at a time, each checked against its hash. */
async function storeBlobs(storage: LabStorage, blobs: CrateEntry[]): Promise<void> {
  let next = 0;
  async function writer(): Promise<void> {
    while (next < blobs.length) {
      const blob = blobs[next++];
      const handle = blob.bytes ? undefined : await fs.open(blob.staged!, "r");
      try {
        const stored = await storage.putBlob(handle ? chunksOf(handle) : blob.bytes!);
        if (stored.sha256 !== blob.sha256) {
          throw new LabosError(
            "internal",
            `Staged file ${quote(blob.name)} changed while it was stored; nothing was imported`,
          );
        }
      } finally {
        await handle?.close();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(BLOB_WRITERS, blobs.length) }, writer));
}

async function* chunksOf(handle: fs.FileHandle): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = new Uint8Array(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

async function wholeFileSha256(file: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  const handle = await fs.open(file, "r");
  try {
    for await (const chunk of chunksOf(handle)) hash.update(chunk);
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

function readGraph(crate: CrateRead, context: string): CrateGraph {
  if (crate.root === undefined || crate.metadata === undefined) {
    throw new LabosError(
      "invalid",
      `${context}: ${crate.problems.find((p) => p.includes(METADATA_FILE)) ?? crate.problems[0]}`,
    );
  }
  try {
    return CrateGraph.parse(crate.metadata);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    throw new LabosError("invalid", `${context}: ${error.message}`);
  }
}

/**
 * The experiments: each `Dataset` the root's `hasPart` names (one inside
 * another's folder counts as part of it), with every `File` reachable
 * through `hasPart` (nested `Dataset`s included) and every `File` the
 * root lists inside its folder.
 */
function planExperiments(
  graph: CrateGraph,
  crate: CrateRead,
  options: {
    context: string;
    skipped: ElnImport["skipped"];
    options: ElnImportOptions;
  },
): PlannedExperiment[] {
  const { context, skipped } = options;
  const top: Entity[] = [];
  const looseFiles: Entity[] = [];
  for (const id of refsOf(graph.root.hasPart)) {
    const entity = graph.get(id);
    if (!entity) {
      skipped.push({ id, reason: "listed in the root's hasPart but not in the graph" });
      continue;
    }
    const types = typesOf(entity);
    if (types.includes("Dataset")) top.push(entity);
    else if (types.includes("File")) looseFiles.push(entity);
    else skipped.push({ id, reason: `not a Dataset or a File (${types.join(", ") || "no type"})` });
  }
  const folders = top.filter((entity) => isLocalId(entity["@id"]));
  const within = (id: string, folder: Entity) =>
    isLocalId(id) && isLocalId(folder["@id"]) && idKey(folder["@id"]) !== "" &&
    idKey(id).startsWith(`${idKey(folder["@id"])}/`);
  const experiments: Entity[] = [];
  for (const entity of top) {
    if (folders.some((folder) => folder !== entity && within(entity["@id"], folder))) continue;
    if (!experimentLike(entity)) {
      skipped.push({
        id: entity["@id"],
        reason: "not experiment-like (no name, identifier, text, keywords or parts)",
      });
      continue;
    }
    experiments.push(entity);
  }
  const claimed = new Set<string>();
  const plans: PlannedExperiment[] = [];
  for (const entity of experiments) {
    const found: Entity[] = [];
    const visited = new Set<string>();
    const walk = (node: Entity): void => {
      for (const id of refsOf(node.hasPart)) {
        const key = idKey(id);
        if (visited.has(key)) continue;
        visited.add(key);
        // A part the graph does not describe is still a file when the archive holds it.
        const part = graph.get(id) ??
          (isLocalId(id) && crate.files.has(key) ? { "@id": id, "@type": "File" } : undefined);
        if (!part) {
          skipped.push({
            id,
            reason: "listed in hasPart but neither described nor in the archive",
          });
        } else if (typesOf(part).includes("File")) found.push(part);
        else if (typesOf(part).includes("Dataset")) walk(part);
      }
    };
    walk(entity);
    for (const nested of top) {
      if (nested !== entity && within(nested["@id"], entity)) walk(nested);
    }
    for (const loose of looseFiles) {
      const key = idKey(loose["@id"]);
      if (within(loose["@id"], entity) && !visited.has(key)) {
        visited.add(key);
        found.push(loose);
      }
    }
    const files: PlannedFile[] = [];
    const names = new Set<string>();
    for (const fileEntity of found) {
      const id = fileEntity["@id"];
      claimed.add(idKey(id));
      const planned = planFile(fileEntity, crate, {
        context,
        skipped,
        names,
        options: options.options,
      });
      if (planned) files.push(planned);
    }
    plans.push({ entity, files });
  }
  for (const loose of looseFiles) {
    if (!claimed.has(idKey(loose["@id"]))) {
      skipped.push({ id: loose["@id"], reason: "a file outside any experiment" });
    }
  }
  const reported = new Set(looseFiles.map((e) => idKey(e["@id"])));
  for (const entity of graph.entities) {
    const key = idKey(entity["@id"]);
    if (
      typesOf(entity).includes("File") && isLocalId(entity["@id"]) && !claimed.has(key) &&
      !reported.has(key) && crate.files.has(key)
    ) {
      skipped.push({ id: entity["@id"], reason: "a file outside any experiment" });
    }
  }
  const described = new Set(graph.entities.map((e) => idKey(e["@id"])));
  for (const inside of crate.files.keys()) {
    if (inside !== METADATA_FILE && !described.has(inside) && !claimed.has(inside)) {
      skipped.push({ id: inside, reason: "in the archive but not described in the metadata" });
    }
  }
  return plans;
}

function experimentLike(entity: Entity): boolean {
  // A description alone (RSpace's "./resources") is a folder note, not an experiment.
  return [entity.name, entity.text, entity.keywords, entity.identifier]
    .some((value) => (textOf(value) ?? "").trim() !== "") || refsOf(entity.hasPart).length > 0;
}

function planFile(
  entity: Entity,
  crate: CrateRead,
  options: {
    context: string;
    skipped: ElnImport["skipped"];
    names: Set<string>;
    options: ElnImportOptions;
  },
): PlannedFile | undefined {
  const { context, skipped, names } = options;
  const id = entity["@id"];
  if (!isLocalId(id)) {
    skipped.push({ id, reason: "a remote file (its @id is a URL), not in the archive" });
    return undefined;
  }
  const entry = crate.files.get(idKey(id));
  if (!entry || idKey(id) === METADATA_FILE) {
    skipped.push({ id, reason: "listed in the metadata but absent from the archive" });
    return undefined;
  }
  const size = declaredSize(entity.contentSize);
  if (size !== undefined && size !== entry.size) {
    throw new LabosError(
      "invalid",
      `${context}: file ${
        quote(id)
      } is ${entry.size} bytes but its "contentSize" says ${size}; nothing was imported`,
    );
  }
  const declared = textOf(entity.sha256)?.toLowerCase();
  if (declared !== undefined && declared !== entry.sha256) {
    throw new LabosError(
      "invalid",
      `${context}: file ${quote(id)} has SHA-256 ${
        entry.sha256.slice(0, 12)
      }… but its "sha256" says ${quote(declared.slice(0, 12))}…; nothing was imported`,
    );
  }
  const max = options.options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT;
  if (entry.size > max) {
    skipped.push({
      id,
      reason: `${entry.size} bytes, larger than the attachment limit of ${max} bytes`,
    });
    return undefined;
  }
  const fileName = uniqueName(safeFileName(entity, id), names);
  return { entity, entry, fileName, mediaType: mediaTypeOf(entity, fileName) };
}

/**
 * A safe attachment name: the entity's `name` (its last segment) or the path's, cleaned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeFileName } from "./_import.ts";
 * assert.equal(safeFileName({ "@id": "x", name: "https://h/a/b.jpg" }, "x"), "b.jpg");
 * assert.equal(safeFileName({ "@id": "./d/../e.txt" }, "./d/../e.txt"), "e.txt");
 * ```
 */
export function safeFileName(entity: Entity, id: string): string {
  const candidates = [textOf(entity.name), idKey(id)];
  for (const candidate of candidates) {
    const last = (candidate ?? "").split(/[\\/]/).filter(Boolean).at(-1) ?? "";
    // deno-lint-ignore no-control-regex
    const clean = last.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu, "").trim();
    if (clean !== "" && clean !== "." && clean !== "..") return cut(clean, 200);
  }
  return "file";
}

function uniqueName(name: string, names: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 2; names.has(candidate); n++) {
    candidate = cut(`${stem} (${n})`, 200 - ext.length) + ext;
  }
  names.add(candidate);
  return candidate;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${[...text].slice(0, max - 1).join("")}…`.slice(0, max);
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  md: "text/markdown",
  json: "application/json",
  jsonl: "application/x-ndjson",
  xml: "application/xml",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  html: "text/html",
  zip: "application/zip",
};

function mediaTypeOf(entity: Entity, fileName: string): string {
  const given = textOf(entity.encodingFormat) ?? textOf(entity.contentType);
  const bare = given?.split(";")[0].trim().toLowerCase();
  if (bare && /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(bare)) {
    return bare;
  }
  const ext = fileName.includes(".") ? fileName.split(".").at(-1)!.toLowerCase() : "";
  return MEDIA_TYPES[ext] ?? "application/octet-stream";
}

/** The records, events and blobs of an import, all validated. */
interface Built {
  experiments: Experiment[];
  datasets: Dataset[];
  attachments: Attachment[];
  events: AuditEventInput[];
  blobs: CrateEntry[];
  summary: ElnImportedExperiment[];
}

async function buildRecords(
  lab: ExchangeContext,
  plans: PlannedExperiment[],
  options: {
    graph: CrateGraph;
    sha256: string;
    publisher: string | undefined;
    context: string;
    skipped: ElnImport["skipped"];
    options: ElnImportOptions;
  },
): Promise<Built> {
  const { graph, sha256, publisher, skipped } = options;
  const now = lab.now().toISOString();
  const built: Built = {
    experiments: [],
    datasets: [],
    attachments: [],
    events: [],
    blobs: [],
    summary: [],
  };
  const blobs = new Set<string>();
  for (const plan of plans) {
    const { entity } = plan;
    const originalId = cut(entity["@id"], 2000);
    const experimentId = newId("experiment");
    const original = textOf(entity.creativeWorkStatus);
    const status = (EXPERIMENT_STATUSES as readonly string[]).includes(original ?? "")
      ? original as ExperimentStatus
      : "draft";
    const authors = authorsOf(graph, entity.author ?? entity.creator);
    const dateCreated = textOf(entity.dateCreated);
    const dateModified = textOf(entity.dateModified);
    const title = titleOf(entity);
    const fullPurpose = textOf(entity.text) ?? textOf(entity.description) ?? "";
    if (fullPurpose.length > 5000) {
      skipped.push({
        id: entity["@id"],
        reason: `its text is ${fullPurpose.length} characters: the purpose keeps the first 5000`,
      });
    }
    const provenance = {
      format: "eln" as const,
      fileSha256: sha256,
      ...(publisher ? { publisher } : {}),
    };
    const attachments: Attachment[] = [];
    const datasets: Dataset[] = [];
    for (const file of plan.files) {
      const attachment: Attachment = {
        schemaVersion: RECORD_SCHEMA_VERSION,
        id: newId("attachment"),
        createdAt: now,
        updatedAt: now,
        createdBy: lab.actor,
        experimentId,
        fileName: file.fileName,
        ...(textOf(file.entity.description)?.trim()
          ? { title: cut(textOf(file.entity.description)!.trim(), 200) }
          : {}),
        mediaType: file.mediaType,
        size: file.entry.size,
        sha256: file.entry.sha256,
        source: { ...provenance, originalId: cut(file.entity["@id"], 2000) },
      };
      checked(options.context, file.entity["@id"], () => validateRecord("attachment", attachment));
      attachments.push(attachment);
      if (!blobs.has(file.entry.sha256)) {
        blobs.add(file.entry.sha256);
        built.blobs.push(file.entry);
      }
      if (isCsv(file)) {
        const table = await readTable(file, options.options);
        if (typeof table === "string") {
          skipped.push({
            id: file.entity["@id"],
            reason: `attached, not imported as a table: ${table}`,
          });
        } else {
          const dataset: Dataset = {
            schemaVersion: RECORD_SCHEMA_VERSION,
            id: newId("dataset"),
            createdAt: now,
            updatedAt: now,
            createdBy: lab.actor,
            title: cut(file.fileName, 200),
            kind: "imported",
            experimentId,
            parentIds: [],
            source: {
              fileName: file.fileName,
              sizeBytes: file.entry.size,
              sha256: file.entry.sha256,
              eln: { ...provenance, originalId: cut(file.entity["@id"], 2000) },
            },
            table,
          };
          checked(options.context, file.entity["@id"], () => validateRecord("dataset", dataset));
          checkRecordSize(dataset, `${options.context}: table ${quote(file.entity["@id"])}`);
          datasets.push(dataset);
        }
      }
    }
    const experiment: Experiment = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      id: experimentId,
      createdAt: now,
      updatedAt: now,
      createdBy: lab.actor,
      title,
      purpose: cut(fullPurpose, 5000),
      owner: lab.actor,
      status,
      tags: tagsOf(entity.keywords),
      jobIds: [],
      datasetIds: datasets.map((d) => d.id),
      attachmentIds: attachments.map((a) => a.id),
      source: {
        ...provenance,
        originalId,
        ...(authors.length > 0 ? { authors } : {}),
        ...(dateCreated ? { dateCreated: cut(dateCreated, 100) } : {}),
        ...(dateModified ? { dateModified: cut(dateModified, 100) } : {}),
      },
      ...(original !== undefined && original !== status
        ? { legacy: { creativeWorkStatus: original } }
        : {}),
    };
    try {
      validateRecord("experiment", experiment);
    } catch (error) {
      if (!(error instanceof LabosError)) throw error;
      throw new LabosError(
        "invalid",
        `${options.context}: dataset ${
          quote(entity["@id"])
        } cannot become an experiment (${error.message}); nothing was imported`,
      );
    }
    for (const dataset of datasets) {
      built.events.push(recordEvent(lab.actor, "dataset.imported", {
        type: "dataset",
        record: dataset,
        details: {
          source: dataset.source,
          rows: dataset.table!.rowCount,
          columns: dataset.table!.columns.map((c) => c.name),
        },
      }));
    }
    for (const attachment of attachments) {
      built.events.push(recordEvent(lab.actor, "attachment.added", {
        type: "attachment",
        record: attachment,
        details: {
          experimentId,
          fileName: attachment.fileName,
          sha256: attachment.sha256,
          size: attachment.size,
          source: attachment.source,
        },
      }));
    }
    built.events.push(recordEvent(lab.actor, "eln.imported", {
      type: "experiment",
      record: experiment,
      details: {
        record: experiment,
        source: experiment.source,
        attachments: attachments.length,
        tables: datasets.length,
      },
    }));
    built.experiments.push(experiment);
    built.datasets.push(...datasets);
    built.attachments.push(...attachments);
    built.summary.push({
      id: experimentId,
      title,
      originalId,
      status,
      attachments: attachments.length,
      tables: datasets.length,
    });
  }
  return built;
}

/** Runs a record check; its failure names the crate's entity. */
function checked(context: string, id: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof LabosError)) throw error;
    throw new LabosError(
      "invalid",
      `${context}: ${quote(id)} cannot be stored (${error.message}); nothing was imported`,
    );
  }
}

function isCsv(file: PlannedFile): boolean {
  return file.mediaType === "text/csv" || /\.csv$/i.test(file.fileName);
}

/** The CSV as a table, or why it is not one. */
async function readTable(
  file: PlannedFile,
  options: ElnImportOptions,
): Promise<NonNullable<Dataset["table"]> | string> {
  const limits = options.datasetLimits ?? { maxBytes: 64 * 1024 * 1024, maxCells: 20_000_000 };
  if (file.entry.size > limits.maxBytes) {
    return `${file.entry.size} bytes, more than the ${limits.maxBytes}-byte limit of a dataset`;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      file.entry.bytes ?? await fs.readFile(file.entry.staged!),
    );
  } catch {
    return "not UTF-8 text";
  }
  const { parseCsv } = await import("../../datasets/csv.ts");
  try {
    const table = parseCsv(text, { maxCells: limits.maxCells });
    const { parseUnit } = await import("../../units/mod.ts");
    for (const column of table.columns) {
      if (column.unit === undefined) continue;
      try {
        column.unit = await parseUnit(column.unit);
      } catch {
        // Not a UCUM unit: the header stays whole, as written.
        column.name = column.header ?? column.name;
        delete column.unit;
        delete column.header;
      }
    }
    return {
      columns: table.columns,
      rowCount: table.rowCount,
      values: table.values,
      delimiter: table.delimiter,
      ...(table.lineJumps ? { lineJumps: table.lineJumps } : {}),
    };
  } catch (error) {
    return (error as Error).message.split("\n")[0];
  }
}

function titleOf(entity: Entity): string {
  const candidates = [
    textOf(entity.name),
    textOf(entity.identifier),
    idKey(entity["@id"]).split("/").at(-1),
  ];
  for (const candidate of candidates) {
    const clean = (candidate ?? "").replace(/\s+/g, " ").trim();
    if (clean !== "") return cut(clean, 200);
  }
  return "Untitled";
}

/**
 * Tags from `keywords`: an array, or one comma-separated string; each
 * cleaned to LabOS's tag alphabet, at most 50.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tagsOf } from "./_import.ts";
 * assert.deepEqual(tagsOf("python, script"), ["python", "script"]);
 * assert.deepEqual(tagsOf(["'exampleExperimentTag'", "high resolution"]), ["exampleExperimentTag", "high-resolution"]);
 * ```
 */
export function tagsOf(value: unknown): string[] {
  const raw = Array.isArray(value)
    ? value.map(textOf).filter((v): v is string => v !== undefined)
    : (textOf(value) ?? "").split(",");
  const tags: string[] = [];
  for (const item of raw) {
    const tag = item.trim().replace(/[^\p{L}\p{N}._:-]+/gu, "-").replace(/^[^\p{L}\p{N}]+/u, "")
      .replace(/-+$/, "").slice(0, 64);
    if (tag !== "" && !tags.includes(tag)) tags.push(tag);
  }
  return tags.slice(0, 50);
}

/** The authors' names: references to `Person`s, inline persons, or bare names. */
function authorsOf(graph: CrateGraph, value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const names: string[] = [];
  for (const item of items) {
    let name: string | undefined;
    if (typeof item === "string") name = graph.get(item) ? graph.personName(item) : item;
    else if (typeof item === "object" && item !== null) {
      const object = item as Record<string, unknown>;
      const id = typeof object["@id"] === "string" ? object["@id"] : undefined;
      const inline = [textOf(object.givenName), textOf(object.familyName)].filter(Boolean).join(
        " ",
      );
      name = textOf(object.name) || inline || (id ? graph.personName(id) : undefined);
    }
    const clean = name?.trim();
    if (clean) names.push(cut(clean, 500));
  }
  return names.slice(0, 1000);
}
