import * as fs from "node:fs/promises";
import * as path from "node:path";
import { ensureDirectory } from "../durable/mod.ts";
import { LabosError } from "../errors.ts";
import {
  type Dataset,
  type Experiment,
  hashJson,
  isId,
  type Job,
  RECORD_FOLDERS,
  type RecordType,
} from "../records/mod.ts";
import type { LabCore } from "./_core.ts";
import { JOURNAL_FILE, recoverJournal, Transaction } from "./_transaction.ts";

/** One finding of `labos doctor`. */
export interface DoctorProblem {
  /** What kind of problem it is. */
  kind:
    | "corrupt-record"
    | "stray-file"
    | "dangling-reference"
    | "audit-damaged"
    | "unaudited-change"
    | "missing-record"
    | "pending-journal"
    | "index-mismatch"
    | "foreign-audit-log";
  /** The file concerned, when there is one. */
  path?: string;
  /** One line describing it. */
  message: string;
  /** True when `--repair` fixed it. */
  repaired: boolean;
}

/** The result of `labos doctor`. */
export interface DoctorReport {
  /** True when no unrepaired problem remains. */
  ok: boolean;
  /** What was checked. */
  checked: { experiments: number; datasets: number; jobs: number; events: number };
  /** Everything found, repaired or not. */
  problems: DoctorProblem[];
}

interface Loaded {
  experiment: Map<string, Experiment>;
  dataset: Map<string, Dataset>;
  job: Map<string, Job>;
}

/** Runs every check; with `repair`, the caller holds the data folder lock. */
export async function runDoctor(lab: LabCore, options: { repair: boolean }): Promise<DoctorReport> {
  const problems: DoctorProblem[] = [];
  // A torn tail is moved aside before a pending journal is replayed: the replay appends events.
  let torn: { moved: string; seq: number; message: string } | undefined;
  if (options.repair) {
    const check = await lab.audit.verify();
    if (!check.ok && check.kind === "torn") {
      const moved = await lab.audit.quarantineTornTail(
        path.join(lab.dataDir, "audit", "quarantine"),
      );
      torn = { moved, seq: check.seq, message: check.message };
    }
  }
  const journal = path.join(lab.dataDir, JOURNAL_FILE);
  if (await exists(journal)) {
    const repaired = options.repair && await recoverJournal(lab.store, lab.audit);
    problems.push({
      kind: "pending-journal",
      path: journal,
      message: "An interrupted write left a journal; it is replayed by the next write",
      repaired,
    });
  }

  await sweepTempFiles(lab, problems, options.repair);

  const loaded: Loaded = { experiment: new Map(), dataset: new Map(), job: new Map() };
  for (const type of ["experiment", "dataset", "job"] as const) {
    await loadRecords(lab, type, loaded, problems, options.repair);
  }
  checkReferences(loaded, problems, lab);
  for (const type of ["experiment", "dataset", "job"] as const) {
    await checkIndex(lab, type, problems, options.repair);
  }

  let result = await lab.audit.verify();
  if (torn) {
    const { moved } = torn;
    // LabOS never appends after damage: the event is recorded only if the rest verifies.
    if (result.ok) {
      const tx = new Transaction();
      tx.audit({
        actor: lab.actor,
        action: "audit.repaired",
        target: { type: "audit", id: "log" },
        reason: "labos doctor --repair: torn final line",
        details: { damage: "torn", seq: torn.seq, quarantine: path.relative(lab.dataDir, moved) },
      });
      await tx.commit(lab.store, lab.audit);
    }
    problems.push({
      kind: "audit-damaged",
      path: path.join(lab.dataDir, "audit", "log.jsonl"),
      message: `${torn.message}; moved the torn bytes to ${moved}`,
      repaired: true,
    });
    result = await lab.audit.verify();
  }
  if (!result.ok) {
    problems.push({
      kind: "audit-damaged",
      path: path.join(lab.dataDir, "audit", "log.jsonl"),
      message: result.message,
      repaired: false,
    });
  } else {
    const foreign = await checkFolderIdentity(lab);
    if (foreign) {
      problems.push({
        kind: "foreign-audit-log",
        path: path.join(lab.dataDir, "audit", "log.jsonl"),
        message: `seq ${foreign.seq}: ${foreign.message}`,
        repaired: false,
      });
    }
    await crossCheckAudit(lab, loaded, problems);
  }

  return {
    ok: problems.every((problem) => problem.repaired),
    checked: {
      experiments: loaded.experiment.size,
      datasets: loaded.dataset.size,
      jobs: loaded.job.size,
      events: result.events,
    },
    problems,
  };
}

async function loadRecords(
  lab: LabCore,
  type: RecordType,
  loaded: Loaded,
  problems: DoctorProblem[],
  repair: boolean,
): Promise<void> {
  const folder = path.join(lab.dataDir, RECORD_FOLDERS[type]);
  let names: string[];
  try {
    names = (await fs.readdir(folder)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const name of names) {
    const file = path.join(folder, name);
    const id = name.endsWith(".json") ? name.slice(0, -5) : "";
    if (!isId(id, type)) {
      const temp = name.startsWith(".") && name.endsWith(".tmp");
      let message = temp
        ? `Leftover temporary file from an interrupted write`
        : `Unexpected file in ${RECORD_FOLDERS[type]}/: expected "<${type} id>.json"`;
      if (repair) message += `; moved to ${await quarantine(lab, file, RECORD_FOLDERS[type])}`;
      problems.push({ kind: "stray-file", path: file, message, repaired: repair });
      continue;
    }
    try {
      (loaded[type] as Map<string, unknown>).set(id, await lab.store.get(type, id));
    } catch (error) {
      if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
      problems.push({
        kind: "corrupt-record",
        path: file,
        message: error.message,
        repaired: false,
      });
    }
  }
}

function checkReferences(loaded: Loaded, problems: DoctorProblem[], lab: LabCore): void {
  function expect(ok: boolean, type: RecordType, id: string, message: string): void {
    if (ok) return;
    problems.push({
      kind: "dangling-reference",
      path: lab.store.pathOf(type, id),
      message,
      repaired: false,
    });
  }
  for (const experiment of loaded.experiment.values()) {
    for (const jobId of experiment.jobIds) {
      expect(loaded.job.has(jobId), "experiment", experiment.id, `Job "${jobId}" does not exist`);
    }
    for (const datasetId of experiment.datasetIds) {
      expect(
        loaded.dataset.has(datasetId),
        "experiment",
        experiment.id,
        `Dataset "${datasetId}" does not exist`,
      );
    }
  }
  for (const job of loaded.job.values()) {
    if (job.experimentId) {
      expect(
        loaded.experiment.has(job.experimentId),
        "job",
        job.id,
        `Experiment "${job.experimentId}" does not exist`,
      );
    }
    for (const datasetId of [...job.inputDatasetIds, job.outputDatasetId ?? []].flat()) {
      expect(loaded.dataset.has(datasetId), "job", job.id, `Dataset "${datasetId}" does not exist`);
    }
    if (job.retryOf) {
      expect(loaded.job.has(job.retryOf), "job", job.id, `Job "${job.retryOf}" does not exist`);
    }
  }
  for (const dataset of loaded.dataset.values()) {
    if (dataset.experimentId) {
      expect(
        loaded.experiment.has(dataset.experimentId),
        "dataset",
        dataset.id,
        `Experiment "${dataset.experimentId}" does not exist`,
      );
    }
    for (const parentId of dataset.parentIds) {
      expect(
        loaded.dataset.has(parentId),
        "dataset",
        dataset.id,
        `Parent dataset "${parentId}" does not exist`,
      );
    }
    if (dataset.provenance) {
      expect(
        loaded.job.has(dataset.provenance.jobId),
        "dataset",
        dataset.id,
        `Job "${dataset.provenance.jobId}" does not exist`,
      );
    }
  }
}

async function checkIndex(
  lab: LabCore,
  type: RecordType,
  problems: DoctorProblem[],
  repair: boolean,
): Promise<void> {
  const indexed = await lab.store.indexedIds(type);
  const onDisk = await lab.store.ids(type);
  const indexedSet = new Set(indexed);
  const unindexed = onDisk.filter((id) => !indexedSet.has(id));
  const onDiskSet = new Set(onDisk);
  const stale = indexed.filter((id) => !onDiskSet.has(id));
  const duplicates = indexed.length - indexedSet.size;
  if (unindexed.length === 0 && stale.length === 0 && duplicates === 0) return;
  const file = lab.store.indexPathOf(type);
  let message =
    `The ${type} index lists ${indexed.length} ids for ${onDisk.length} files (${unindexed.length} missing, ${stale.length} stale, ${duplicates} duplicated)`;
  if (repair) {
    let moved: string | null = null;
    try {
      moved = await quarantine(lab, file, "indexes");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await ensureDirectory(path.dirname(file));
    await lab.store.addToIndex(type, onDisk);
    message += `; rebuilt it from the folder${moved ? `, old index moved to ${moved}` : ""}`;
  }
  problems.push({ kind: "index-mismatch", path: file, message, repaired: repair });
}

async function crossCheckAudit(
  lab: LabCore,
  loaded: Loaded,
  problems: DoctorProblem[],
): Promise<void> {
  const lastHash = new Map<string, { hash: string; seq: number }>();
  for await (const event of lab.audit.scan()) {
    const recordHash = event.details.recordHash;
    if (typeof recordHash === "string") {
      lastHash.set(`${event.target.type}:${event.target.id}`, { hash: recordHash, seq: event.seq });
    }
  }
  for (const type of ["experiment", "dataset", "job"] as const) {
    for (const [id, record] of loaded[type]) {
      const audited = lastHash.get(`${type}:${id}`);
      if (!audited) {
        problems.push({
          kind: "unaudited-change",
          path: lab.store.pathOf(type, id),
          message: `The ${type} has no audit event: it was not written by LabOS`,
          repaired: false,
        });
      } else if (audited.hash !== hashJson(record)) {
        problems.push({
          kind: "unaudited-change",
          path: lab.store.pathOf(type, id),
          message:
            `The ${type} differs from its last audited state (seq ${audited.seq}): it was edited outside LabOS`,
          repaired: false,
        });
      }
      lastHash.delete(`${type}:${id}`);
    }
  }
  for (const [key, audited] of lastHash) {
    const [type, id] = key.split(":") as [RecordType, string];
    if (!(type in loaded) || !isId(id, type)) continue;
    const file = lab.store.pathOf(type, id);
    if (await exists(file)) continue; // corrupt, already reported
    problems.push({
      kind: "missing-record",
      path: file,
      message: `The ${type} was audited at seq ${audited.seq} but its file is missing`,
      repaired: false,
    });
  }
}

/**
 * Whether the audit log belongs to this data folder: the folder id in
 * `labos.json` must be the one named by the log's `data.initialized` event
 * (or, for folders upgraded from a layout without ids, by `data.migrated`).
 * A log copied in from another data folder verifies on its own; this is what
 * tells it apart. Folders without an id are not checked. Returns the first
 * seq that disagrees and why, or undefined.
 */
export async function checkFolderIdentity(
  lab: Pick<LabCore, "dataDir" | "audit">,
): Promise<{ seq: number; message: string } | undefined> {
  let manifest: { folderId?: unknown };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(lab.dataDir, "labos.json"), "utf8"));
  } catch {
    return undefined;
  }
  const folderId = manifest.folderId;
  if (typeof folderId !== "string") return undefined;
  const mismatch = (seq: number, named: unknown) => ({
    seq,
    message: `the audit log belongs to another data folder: it names ${
      JSON.stringify(named)
    } but labos.json says ${JSON.stringify(folderId)} (a log copied from elsewhere)`,
  });
  for await (const event of lab.audit.scan()) {
    const details = event.details as {
      manifest?: { folderId?: unknown };
      folderId?: unknown;
    };
    if (event.seq === 1) {
      if (event.action !== "data.initialized") {
        return {
          seq: 1,
          message: `the audit log does not start with "data.initialized" (found ${
            JSON.stringify(event.action)
          }): it is not this folder's log`,
        };
      }
      const named = details.manifest?.folderId;
      if (named === folderId) return undefined;
      if (named !== undefined) return mismatch(1, named);
      continue;
    }
    if (event.action === "data.migrated" && details.folderId !== undefined) {
      return details.folderId === folderId ? undefined : mismatch(event.seq, details.folderId);
    }
  }
  return {
    seq: 1,
    message: `no event of the audit log names this data folder (${
      JSON.stringify(folderId)
    }): the log was started elsewhere`,
  };
}

/** Temporary files left by interrupted atomic writes outside the record folders. */
async function sweepTempFiles(
  lab: LabCore,
  problems: DoctorProblem[],
  repair: boolean,
): Promise<void> {
  for (const folder of [".", "audit", "indexes"]) {
    let names: string[];
    try {
      names = (await fs.readdir(path.join(lab.dataDir, folder))).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!(name.startsWith(".") && name.endsWith(".tmp"))) continue;
      const file = path.join(lab.dataDir, folder, name);
      let message = "Leftover temporary file from an interrupted write";
      if (repair) {
        const moved = await quarantine(lab, file, folder === "." ? "data" : folder, {
          reason: "labos doctor --repair: leftover temporary file of an interrupted write",
        });
        message += `; moved to ${moved}`;
      }
      problems.push({ kind: "stray-file", path: file, message, repaired: repair });
    }
  }
}

async function quarantine(
  lab: LabCore,
  file: string,
  folder: string,
  options: { reason?: string } = {},
): Promise<string> {
  const dir = path.join(lab.dataDir, "quarantine", folder);
  await ensureDirectory(dir);
  const target = path.join(dir, `${Date.now()}-${path.basename(file)}`);
  await fs.rename(file, target);
  const tx = new Transaction();
  tx.audit({
    actor: lab.actor,
    action: "data.quarantined",
    target: { type: "file", id: path.relative(lab.dataDir, file) },
    reason: options.reason ?? "labos doctor --repair: unexpected file in a record folder",
    details: { from: path.relative(lab.dataDir, file), to: path.relative(lab.dataDir, target) },
  });
  await tx.commit(lab.store, lab.audit);
  return target;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}
