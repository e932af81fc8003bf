/**
 * `labos eln export`: experiments as one `.eln` (a zipped RO-Crate 1.1, as
 * the ELN Consortium specifies it). One root folder named after the file;
 * in it `ro-crate-metadata.json` and one folder per experiment holding
 * its record, its tables as CSV (units as `PropertyValue`s), its module
 * outputs as JSON, its plots as SVG, its attachments, its jobs, its
 * signatures and its audit events as JSONL.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { type AuditEvent, encodeEvent } from "../../audit/mod.ts";
import { checkOutputFile } from "../../durable/files.ts";
import { fsyncDirectory } from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import type { Dataset, Experiment, Job, Signature } from "../../records/mod.ts";
import { tableRows } from "../../records/mod.ts";
import type { LabStorage } from "../../storage/mod.ts";
import { VERSION } from "../../version.ts";
import type { ExchangeContext } from "../_upgrade.ts";
import { writeZipTemp } from "../_zip.ts";
import { type Entity, METADATA_FILE } from "./_graph.ts";

/** The RO-Crate version LabOS writes. */
export const RO_CRATE = "https://w3id.org/ro/crate/1.1";

/** The `@id` of LabOS as the crate's publisher. */
export const LABOS_PUBLISHER_ID = "#labos";

/** Options for {@linkcode exportEln}. */
export interface ElnExportOptions {
  /** The experiments to export, in this order; default: every experiment the actor sees. */
  experimentIds?: string[];
  /** Draws a succeeded job's plot as SVG (the service's plotter); none when absent. */
  plotSvg?: (jobId: string) => Promise<string | undefined>;
}

/** What {@linkcode exportEln} wrote. */
export interface ElnExport {
  /** The `.eln` file. */
  file: string;
  /** How many experiments it holds. */
  experiments: number;
  /** How many files (besides the metadata). */
  files: number;
  /** The files' total size in bytes. */
  bytes: number;
  /** Lowercase hex SHA-256 of the `.eln` file. */
  sha256: string;
}

/** One file to write: its path inside the root folder, its entity and its bytes. */
interface PlannedFile {
  inside: string;
  entity: Entity;
  /** Its size, when known before reading (a stored attachment). */
  size?: number;
  body: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

const encoder = new TextEncoder();

/**
 * Writes the experiments as an `.eln`. The file is written beside its
 * target under a temporary name, synced, then renamed into place; an
 * existing file is refused, as is a path inside the data folder. Audited
 * as `eln.exported`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "../../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
 * await lab.init();
 * await lab.createExperiment({ title: "Melting point", tags: ["organic"] });
 * const result = await lab.exportEln(`${dir}/lab.eln`);
 * assert.equal(result.experiments, 1);
 * ```
 */
export async function exportEln(
  lab: ExchangeContext,
  outFile: string,
  options: ElnExportOptions = {},
): Promise<ElnExport> {
  const context = `Cannot export to ${quote(outFile)}`;
  const out = path.resolve(outFile);
  if (!out.toLowerCase().endsWith(".eln")) {
    throw new LabosError("invalid", `${context}: the file name must end in ".eln"`);
  }
  await checkOutputFile(out, { dataDir: lab.storage.location, label: '"--out"' });
  const dir = path.dirname(out);
  if (!(await fs.stat(dir).then((stat) => stat.isDirectory(), () => false))) {
    throw new LabosError("not_found", `${context}: folder ${quote(dir)} does not exist`);
  }
  if (await fs.lstat(out).then(() => true, () => false)) {
    throw new LabosError("conflict", `${context}: the file exists; choose another name`);
  }
  const experiments = await chosenExperiments(lab.storage, options.experimentIds);
  const rootName = rootFolderName(out);
  const planned: PlannedFile[] = [];
  const graph: Entity[] = [];
  const people = new Map<string, Entity>();
  const related = await relatedRecords(lab.storage, experiments);
  const planning = await inParallel(
    experiments,
    (experiment) => experimentFiles(lab.storage, experiment, { related, options }),
  );
  for (const [index, experiment] of experiments.entries()) {
    const files = planning[index];
    planned.push(...files);
    const owner = personId(experiment.owner);
    people.set(owner, { "@id": owner, "@type": "Person", name: experiment.owner });
    graph.push(...experimentEntity(experiment, files.map((f) => f.entity)));
    for (const file of files) graph.push(file.entity);
    for (const file of files) {
      for (const value of file.entity.variableMeasured as Entity[] | undefined ?? []) {
        graph.push(value);
      }
      if (file.entity.variableMeasured) {
        file.entity.variableMeasured = (file.entity.variableMeasured as Entity[]).map((v) => ({
          "@id": v["@id"],
        }));
      }
    }
  }
  let bytes = 0;
  const temp = await writeZipTemp(out, async (zip) => {
    // Stored files are read a few ahead, so reading overlaps deflating and writing.
    const ahead = new Map<number, Promise<Uint8Array[]>>();
    const readAhead = (index: number) => {
      const file = planned[index];
      if (file?.size !== undefined && file.size <= READ_AHEAD_BYTES && !ahead.has(index)) {
        const read = collect(file.body());
        read.catch(() => undefined);
        ahead.set(index, read);
      }
    };
    for (let index = 0; index < READ_AHEAD; index++) readAhead(index);
    for (const [index, file] of planned.entries()) {
      readAhead(index + READ_AHEAD);
      const hash = createHash("sha256");
      let size = 0;
      const early = ahead.get(index);
      ahead.delete(index);
      const body = early ? await early : file.body();
      await zip.add(
        `${rootName}/${file.inside}`,
        tee(body, (chunk) => {
          hash.update(chunk);
          size += chunk.byteLength;
        }),
      );
      file.entity.contentSize = String(size);
      file.entity.sha256 = hash.digest("hex");
      bytes += size;
    }
    const now = lab.now().toISOString();
    const metadata = {
      "@context": `${RO_CRATE}/context`,
      "@graph": [
        {
          "@id": METADATA_FILE,
          "@type": "CreativeWork",
          about: { "@id": "./" },
          conformsTo: { "@id": RO_CRATE },
          dateCreated: now,
          sdPublisher: { "@id": LABOS_PUBLISHER_ID },
          version: "1.0",
        },
        {
          "@id": "./",
          "@type": "Dataset",
          name: `LabOS export of ${experiments.length} experiment(s)`,
          description: `Experiments exported by ${lab.actor} with LabOS ${VERSION}`,
          datePublished: now,
          hasPart: experiments.map((e) => ({ "@id": experimentFolder(e) })),
        },
        {
          "@id": LABOS_PUBLISHER_ID,
          "@type": "Organization",
          name: "LabOS",
          description: `LabOS ${VERSION}`,
          version: VERSION,
        },
        ...people.values(),
        ...graph,
      ],
    };
    await zip.add(`${rootName}/${METADATA_FILE}`, [
      encoder.encode(`${JSON.stringify(metadata, null, 1)}\n`),
    ]);
  });
  const sha256 = await fileSha256(temp);
  await lab.storage.transaction((tx) => {
    tx.audit({
      actor: lab.actor,
      action: "eln.exported",
      target: { type: "data", id: "labos" },
      reason: null,
      details: {
        file: path.basename(out),
        sha256,
        experiments: experiments.map((e) => e.id),
        files: planned.length,
        bytes,
      },
    });
    return Promise.resolve();
  }).catch(async (error) => {
    await fs.rm(temp, { force: true });
    throw error;
  });
  await fs.rename(temp, out);
  await fsyncDirectory(dir);
  return { file: out, experiments: experiments.length, files: planned.length, bytes, sha256 };
}

/** Maps the items, at most 8 at a time, keeping their order. */
async function inParallel<T, R>(items: T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
  return results;
}

/** How many stored files are read ahead of the one being written. */
const READ_AHEAD = 16;
/** The largest file read ahead whole; a larger one streams when its turn comes. */
const READ_AHEAD_BYTES = 1 << 20;

async function collect(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

async function* tee(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  see: (chunk: Uint8Array) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    see(chunk);
    yield chunk;
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await fs.open(file, "r");
  try {
    for await (const chunk of handle.readableWebStream() as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/** The root folder's name: the file's name without `.eln`, as the specification suggests. */
function rootFolderName(out: string): string {
  // deno-lint-ignore no-control-regex
  const base = path.basename(out).slice(0, -4).replace(/[\\/\x00-\x1f]/g, "_");
  return base === "" || base === "." || base === ".." ? "labos-export" : base;
}

function experimentFolder(experiment: Experiment): string {
  return `./${experiment.id}/`;
}

function personId(username: string): string {
  return `#person-${encodeURIComponent(username)}`;
}

async function chosenExperiments(
  storage: LabStorage,
  ids: string[] | undefined,
): Promise<Experiment[]> {
  if (ids && ids.length > 0) {
    const seen = new Set<string>();
    const chosen: Experiment[] = [];
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      chosen.push(await storage.get("experiment", id));
    }
    return chosen;
  }
  const all: Experiment[] = [];
  for (let offset = 0;; offset += 1000) {
    const page = await storage.list("experiment", { limit: 1000, offset });
    all.push(...page.items);
    if (!page.hasMore) break;
  }
  // Oldest first, as they were made.
  return all.reverse();
}

/** The signatures and audit events of the exported experiments, read in one pass each. */
interface Related {
  /** Signatures by the signed record's id. */
  signatures: Map<string, Signature[]>;
  /** Audit events by experiment id, oldest first. */
  events: Map<string, AuditEvent[]>;
}

async function relatedRecords(storage: LabStorage, experiments: Experiment[]): Promise<Related> {
  const owner = new Map<string, string>();
  for (const experiment of experiments) {
    owner.set(experiment.id, experiment.id);
    for (const id of [...experiment.datasetIds, ...experiment.jobIds]) owner.set(id, experiment.id);
    for (const id of experiment.attachmentIds ?? []) owner.set(id, experiment.id);
  }
  const signatures = new Map<string, Signature[]>();
  for (let offset = 0;; offset += 1000) {
    const page = await storage.list("signature", {
      limit: 1000,
      offset,
      where: (s) => owner.has(s.recordId),
    });
    for (const signature of page.items) {
      owner.set(signature.id, owner.get(signature.recordId)!);
      const list = signatures.get(signature.recordId) ?? [];
      list.push(signature);
      signatures.set(signature.recordId, list);
    }
    if (!page.hasMore) break;
  }
  for (const list of signatures.values()) list.sort((a, b) => a.time.localeCompare(b.time));
  const events = new Map<string, AuditEvent[]>();
  for await (const event of storage.auditScan()) {
    const experimentId = owner.get(event.target.id);
    if (experimentId === undefined) continue;
    const list = events.get(experimentId) ?? [];
    list.push(event);
    events.set(experimentId, list);
  }
  return { signatures, events };
}

function jsonFile(
  inside: string,
  value: unknown,
  described: { name: string; description: string },
): PlannedFile {
  const bytes = encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
  return {
    inside,
    entity: {
      "@id": `./${inside}`,
      "@type": "File",
      name: described.name,
      description: described.description,
      encodingFormat: "application/json",
    },
    body: () => [bytes],
  };
}

async function experimentFiles(
  storage: LabStorage,
  experiment: Experiment,
  context: { related: Related; options: ElnExportOptions },
): Promise<PlannedFile[]> {
  const folder = experiment.id;
  const files: PlannedFile[] = [];
  files.push(jsonFile(`${folder}/experiment.json`, experiment, {
    name: "experiment.json",
    description: "The LabOS experiment record",
  }));
  const signed: Signature[] = [...(context.related.signatures.get(experiment.id) ?? [])];
  const [datasets, jobs] = await Promise.all([
    Promise.all(experiment.datasetIds.map((id) => storage.get("dataset", id))),
    Promise.all(experiment.jobIds.map((id) => storage.get("job", id))),
  ]);
  for (const dataset of datasets) {
    const datasetId = dataset.id;
    signed.push(...(context.related.signatures.get(datasetId) ?? []));
    files.push(...datasetFiles(folder, dataset));
  }
  for (const job of jobs) {
    const jobId = job.id;
    signed.push(...(context.related.signatures.get(jobId) ?? []));
    files.push(jsonFile(`${folder}/jobs/${job.id}.json`, job, {
      name: `${job.id}.json`,
      description: `LabOS job record: ${job.module}@${job.moduleVersion}, ${job.status}`,
    }));
    const svg = job.status === "succeeded" && context.options.plotSvg
      ? await context.options.plotSvg(job.id)
      : undefined;
    if (svg !== undefined) files.push(plotFile(folder, job, svg));
  }
  files.push(...await attachmentFiles(storage, experiment));
  if (signed.length > 0) {
    files.push(jsonFile(`${folder}/signatures.json`, signed, {
      name: "signatures.json",
      description:
        "LabOS electronic signatures (Ed25519 over each payload) of the experiment and its records",
    }));
  }
  const events = context.related.events.get(experiment.id) ?? [];
  const lines = encoder.encode(events.map((event) => encodeEvent(event).line).join(""));
  files.push({
    inside: `${folder}/audit.jsonl`,
    entity: {
      "@id": `./${folder}/audit.jsonl`,
      "@type": "File",
      name: "audit.jsonl",
      description:
        "LabOS audit events about the experiment and its records, as log lines: each line's hash is the SHA-256 of its event",
      encodingFormat: "application/x-ndjson",
    },
    body: () => [lines],
  });
  return files;
}

function plotFile(folder: string, job: Job, svg: string): PlannedFile {
  const bytes = encoder.encode(svg);
  return {
    inside: `${folder}/plots/${job.id}.svg`,
    entity: {
      "@id": `./${folder}/plots/${job.id}.svg`,
      "@type": ["File", "ImageObject"],
      name: `${job.id}.svg`,
      description: `Plot of job ${job.id} (${job.module})`,
      encodingFormat: "image/svg+xml",
    },
    body: () => [bytes],
  };
}

function datasetFiles(folder: string, dataset: Dataset): PlannedFile[] {
  if (!dataset.table) {
    return [jsonFile(`${folder}/outputs/${dataset.id}.json`, dataset, {
      name: `${dataset.id}.json`,
      description: `LabOS ${dataset.kind} dataset: ${dataset.title}`,
    })];
  }
  const table = dataset.table;
  const inside = `${folder}/tables/${dataset.id}.csv`;
  const columns: Entity[] = table.columns.map((column, index) => ({
    "@id": `#${dataset.id}-column-${index + 1}`,
    "@type": "PropertyValue",
    name: column.name,
    propertyID: column.name,
    value: column.type,
    ...(column.unit ? { unitCode: column.unit, unitText: column.unit } : {}),
  }));
  const { values: _, ...summary } = table;
  return [
    {
      inside,
      entity: {
        "@id": `./${inside}`,
        "@type": "File",
        name: dataset.source?.fileName ?? `${dataset.id}.csv`,
        description: `LabOS ${dataset.kind} table: ${dataset.title}`,
        encodingFormat: "text/csv",
        identifier: dataset.id,
        variableMeasured: columns,
      },
      body: () => csvChunks(table),
    },
    jsonFile(`${folder}/tables/${dataset.id}.json`, { ...dataset, table: summary }, {
      name: `${dataset.id}.json`,
      description: `LabOS dataset record of ${dataset.id}.csv, without the table's cells`,
    }),
  ];
}

/** The table as CSV, units in the header (`time [min]`), in chunks of rows. */
function* csvChunks(table: NonNullable<Dataset["table"]>): Iterable<Uint8Array> {
  const header = table.columns.map((c) => cell(c.unit ? `${c.name} [${c.unit}]` : c.name));
  yield encoder.encode(`${header.join(",")}\r\n`);
  for (let offset = 0; offset < table.rowCount; offset += 4096) {
    const lines: string[] = [];
    for (const row of tableRows(table, { offset, limit: 4096 })) {
      lines.push(`${row.map(cell).join(",")}\r\n`);
    }
    yield encoder.encode(lines.join(""));
  }
}

/** One RFC 4180 cell, quoted only when needed: an exchange keeps values exactly. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The experiment's attachments, streamed from their blobs. */
async function attachmentFiles(
  storage: LabStorage,
  experiment: Experiment,
): Promise<PlannedFile[]> {
  const files: PlannedFile[] = [];
  const attachments = await Promise.all(
    (experiment.attachmentIds ?? []).map((id) => storage.get("attachment", id)),
  );
  for (const attachment of attachments) {
    // A name such as "C:" is a drive on Windows: its entry gets another name; "name" keeps it.
    const segment = /^[a-zA-Z]:$/.test(attachment.fileName)
      ? `_${attachment.fileName.replace(":", "_")}`
      : attachment.fileName;
    const inside = `${experiment.id}/attachments/${attachment.id}/${segment}`;
    files.push({
      inside,
      entity: {
        "@id": `./${experiment.id}/attachments/${attachment.id}/${encodeURIComponent(segment)}`,
        "@type": "File",
        name: attachment.fileName,
        ...(attachment.title ? { description: attachment.title } : {}),
        encodingFormat: attachment.mediaType,
        identifier: attachment.id,
        dateCreated: attachment.createdAt,
      },
      size: attachment.size,
      body: () => storage.readBlob(attachment.sha256),
    });
  }
  return files;
}

function experimentEntity(experiment: Experiment, files: Entity[]): Entity[] {
  const values: Entity[] = [
    {
      "@id": `#${experiment.id}-owner`,
      "@type": "PropertyValue",
      propertyID: "owner",
      name: "Owner",
      value: experiment.owner,
    },
  ];
  if (experiment.template) {
    values.push({
      "@id": `#${experiment.id}-template`,
      "@type": "PropertyValue",
      propertyID: "template",
      name: "Template",
      value: experiment.template,
    });
  }
  return [{
    "@id": experimentFolder(experiment),
    "@type": "Dataset",
    name: experiment.title,
    description: experiment.purpose,
    identifier: experiment.id,
    keywords: experiment.tags,
    dateCreated: experiment.createdAt,
    dateModified: experiment.updatedAt,
    author: { "@id": personId(experiment.owner) },
    creativeWorkStatus: experiment.status,
    variableMeasured: values.map((value) => ({ "@id": value["@id"] })),
    hasPart: files.map((file) => ({ "@id": file["@id"] })),
  }, ...values];
}
