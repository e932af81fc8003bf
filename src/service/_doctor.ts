import { createHash } from "node:crypto";
import { hashJson, keyedId, type RecordType } from "../records/mod.ts";
import { compareWithAudit, type LabStorage, type StorageCheck } from "../storage/mod.ts";
import type { LabContext } from "./_context.ts";

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
    | "damaged-journal"
    | "index-mismatch"
    | "foreign-audit-log"
    | "bad-signature"
    | "changed-after-signing"
    | "symbolic-link"
    | "orphan-blob"
    | "missing-blob"
    | "damaged-blob";
  /** The file concerned, when there is one. */
  path?: string;
  /** One line describing it. */
  message: string;
  /** True when `--repair` fixed it. */
  repaired: boolean;
  /**
   * True for a finding that is not damage (a record changed after it was
   * signed): it is reported, leaves `ok` true, and nothing repairs it.
   */
  notice?: boolean;
}

/** The result of `labos doctor`. */
export interface DoctorReport {
  /** True when no unrepaired problem remains. */
  ok: boolean;
  /** What was checked. */
  checked: {
    experiments: number;
    datasets: number;
    jobs: number;
    users: number;
    signatures: number;
    attachments: number;
    events: number;
  };
  /** Everything found, repaired or not. */
  problems: DoctorProblem[];
}

type Loaded = StorageCheck["records"];

const LATE = new Set(["index-mismatch", "audit-damaged"]);

/** Runs every check; the storage checks its own files, this checks what the records mean. */
export async function runDoctor(
  lab: LabContext,
  options: { repair: boolean },
): Promise<DoctorReport> {
  const check = await lab.storage.check({ repair: options.repair, actor: lab.actor });
  const loaded = check.records;
  const references: DoctorProblem[] = [];
  // Behind a symbolic link nothing was read: cross-checks would report what is merely unread.
  const partial = check.problems.some((problem) => problem.kind === "symbolic-link");
  if (!partial) {
    checkReferences(loaded, references, lab.storage);
    await checkBlobs(loaded, references, lab.storage);
  }
  const problems: DoctorProblem[] = [
    ...check.problems.filter((problem) => !LATE.has(problem.kind)),
    ...references,
    ...check.problems.filter((problem) => LATE.has(problem.kind)),
  ];
  const result = check.audit;
  if (result.ok && !partial) {
    const foreign = await checkFolderIdentity(lab.storage);
    if (foreign) {
      problems.push({
        kind: "foreign-audit-log",
        path: check.auditLocation,
        message: `seq ${foreign.seq}: ${foreign.message}`,
        repaired: false,
      });
    }
    await crossCheckAudit(lab.storage, check, problems);
    const { checkSignatureEvents, SIGNATURE_EVENT_ACTIONS } = await import("../signatures/mod.ts");
    const { failure } = await checkSignatureEvents(
      lab.storage.auditScan({ actions: SIGNATURE_EVENT_ACTIONS }),
    );
    if (failure) {
      problems.push({
        kind: "bad-signature",
        path: check.auditLocation,
        message: failure.message,
        repaired: false,
      });
    }
  }
  if (!partial) checkSignedRecords(loaded, problems, lab.storage);
  return {
    ok: problems.every((problem) => problem.repaired || problem.notice === true),
    checked: {
      experiments: loaded.experiment.size,
      datasets: loaded.dataset.size,
      jobs: loaded.job.size,
      users: loaded.user.size,
      signatures: loaded.signature.size,
      attachments: loaded.attachment.size,
      events: result.events,
    },
    problems,
  };
}

function checkReferences(loaded: Loaded, problems: DoctorProblem[], storage: LabStorage): void {
  function expect(ok: boolean, type: RecordType, id: string, message: string): void {
    if (ok) return;
    problems.push({
      kind: "dangling-reference",
      path: storage.locate(type, id),
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
  for (const experiment of loaded.experiment.values()) {
    for (const attachmentId of experiment.attachmentIds ?? []) {
      expect(
        loaded.attachment.has(attachmentId),
        "experiment",
        experiment.id,
        `Attachment "${attachmentId}" does not exist`,
      );
    }
  }
  for (const attachment of loaded.attachment.values()) {
    expect(
      loaded.experiment.has(attachment.experimentId),
      "attachment",
      attachment.id,
      `Experiment "${attachment.experimentId}" does not exist`,
    );
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
  for (const user of loaded.user.values()) {
    // A user file copied under another name would be a second account with the same password.
    expect(
      user.id === keyedId("user", user.username),
      "user",
      user.id,
      `The file does not belong to user "${user.username}" (expected ${
        keyedId("user", user.username)
      })`,
    );
  }
  for (const session of loaded.session.values()) {
    expect(
      loaded.user.has(keyedId("user", session.username)),
      "session",
      session.id,
      `User "${session.username}" does not exist`,
    );
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
    for (const { jobId } of dataset.collection?.jobs ?? []) {
      expect(loaded.job.has(jobId), "dataset", dataset.id, `Job "${jobId}" does not exist`);
    }
  }
  for (const signature of loaded.signature.values()) {
    expect(
      loaded[signature.recordType].has(signature.recordId),
      "signature",
      signature.id,
      `The signed ${signature.recordType} "${signature.recordId}" does not exist`,
    );
  }
}

/**
 * Every attachment's blob: present, of the recorded size, and with the
 * recorded SHA-256 (each blob is read once, however many attachments name it).
 */
async function checkBlobs(
  loaded: Loaded,
  problems: DoctorProblem[],
  storage: LabStorage,
): Promise<void> {
  const found = new Map<string, { size: number; sha256: string } | undefined>();
  const attachments = [...loaded.attachment.values()].sort((a, b) => a.id < b.id ? -1 : 1);
  for (const attachment of attachments) {
    const { sha256, size } = attachment;
    if (!found.has(sha256)) {
      const stored = await storage.blobSize(sha256);
      found.set(
        sha256,
        stored === undefined
          ? undefined
          : stored !== size
          ? { size: stored, sha256: "" }
          : { size: stored, sha256: await blobDigest(storage, sha256) },
      );
    }
    const blob = found.get(sha256);
    const name = `The file ${JSON.stringify(attachment.fileName)} of attachment ${attachment.id}`;
    if (blob === undefined) {
      problems.push({
        kind: "missing-blob",
        path: storage.locate("attachment", attachment.id),
        message: `${name} is missing (blob ${sha256.slice(0, 12)}…); restore it from an archive`,
        repaired: false,
      });
    } else if (blob.size !== size || blob.sha256 !== sha256) {
      problems.push({
        kind: "damaged-blob",
        path: storage.locate("attachment", attachment.id),
        message: `${name} is damaged: ${
          blob.size !== size
            ? `it holds ${blob.size} bytes, expected ${size}`
            : `its SHA-256 is ${blob.sha256.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…`
        }; restore it from an archive`,
        repaired: false,
      });
    }
  }
}

async function blobDigest(storage: LabStorage, sha256: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of storage.readBlob(sha256)) hash.update(chunk);
  return hash.digest("hex");
}

/** Signed records whose current hash is not the one signed: their signatures no longer match. */
function checkSignedRecords(loaded: Loaded, problems: DoctorProblem[], storage: LabStorage): void {
  const signatures = [...loaded.signature.values()].sort((a, b) => a.id < b.id ? -1 : 1);
  const hashes = new Map<string, string | undefined>();
  for (const signature of signatures) {
    const key = `${signature.recordType}:${signature.recordId}`;
    if (!hashes.has(key)) {
      const record = loaded[signature.recordType].get(signature.recordId);
      hashes.set(key, record === undefined ? undefined : hashJson(record));
    }
    const current = hashes.get(key);
    if (current === undefined || current === signature.recordSha256) continue;
    problems.push({
      kind: "changed-after-signing",
      path: storage.locate(signature.recordType, signature.recordId),
      message: `The ${signature.recordType} changed after signing: the ${signature.meaning} ` +
        `signature ${signature.id} by ${JSON.stringify(signature.signer)} (${signature.time}) ` +
        `no longer matches`,
      repaired: false,
      notice: true,
    });
  }
}

async function crossCheckAudit(
  storage: LabStorage,
  check: StorageCheck,
  problems: DoctorProblem[],
): Promise<void> {
  for (const found of await compareWithAudit(storage.auditScan(), check)) {
    const { type, id, seq } = found;
    problems.push({
      kind: found.kind === "missing" ? "missing-record" : "unaudited-change",
      path: storage.locate(type, id),
      message: found.kind === "unaudited"
        ? `The ${type} has no audit event: it was not written by LabOS`
        : found.kind === "edited"
        ? `The ${type} differs from its last audited state (seq ${seq}): it was edited outside LabOS`
        : `The ${type} was audited at seq ${seq} but its file is missing`,
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
  storage: LabStorage,
): Promise<{ seq: number; message: string } | undefined> {
  let manifest: { folderId?: unknown } | undefined;
  try {
    manifest = await storage.rawManifest();
  } catch {
    return undefined;
  }
  const folderId = manifest?.folderId;
  if (typeof folderId !== "string") return undefined;
  const mismatch = (seq: number, named: unknown) => ({
    seq,
    message: `the audit log belongs to another data folder: it names ${
      JSON.stringify(named)
    } but labos.json says ${JSON.stringify(folderId)} (a log copied from elsewhere)`,
  });
  for await (const event of storage.auditScan()) {
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
