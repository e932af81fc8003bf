import * as z from "zod";
import { LabosError, quote } from "../errors.ts";
import {
  checkId,
  hashJson,
  newId,
  RECORD_SCHEMA_VERSION,
  type RecordOf,
  type SignableType,
  type Signature,
  SIGNATURE_MEANINGS,
  type SignatureMeaning,
  validateRecord,
} from "../records/mod.ts";
import type { StorageTransaction } from "../storage/mod.ts";
import { lazy, parseOrThrow } from "../validation.ts";
import { type LabContext, recordEvent, requireReady, timestamp } from "./_context.ts";
import { getUser, unlockSigningKey, type UserInfo } from "./_users.ts";

/** What `Lab.sign` takes. */
export interface SignRequest {
  /** What the signature means: `authored`, `reviewed` or `approved`. */
  meaning: SignatureMeaning;
  /** Why the signer signs, recorded in the payload. */
  reason: string;
  /** The signer's password, entered again at signing: it unlocks the signing key. */
  password: string;
}

/**
 * One signature of a record, as `labos signatures list` shows it: the stored
 * signature's fields, and whether the record still has the hash that was signed.
 */
export type SignatureListing =
  & Pick<
    Signature,
    | "id"
    | "signer"
    | "displayName"
    | "meaning"
    | "reason"
    | "time"
    | "recordSha256"
    | "payload"
    | "signature"
    | "publicKey"
  >
  & {
    /** Whether the record still has the hash that was signed. */
    matches: boolean;
  };

const SignRequestSchema = lazy(() =>
  z.strictObject({
    meaning: z.enum(SIGNATURE_MEANINGS),
    reason: z.string().trim().min(1, "is required: say why you sign").max(1000),
  })
);

const PREFIXES: ReadonlyArray<[string, SignableType]> = [
  ["exp_", "experiment"],
  ["ds_", "dataset"],
  ["job_", "job"],
];

/** The record type of an id that can be signed; `invalid` for any other id. */
function signableType(recordId: unknown, context: string): SignableType {
  const type = typeof recordId === "string"
    ? PREFIXES.find(([prefix]) => recordId.startsWith(prefix))?.[1]
    : undefined;
  if (type === undefined) {
    throw new LabosError(
      "invalid",
      `${context}: ${quote(recordId)} is not an experiment, dataset or job id`,
    );
  }
  checkId(type, recordId as string);
  return type;
}

/** The experiment a record belongs to: itself, or a job's or dataset's experiment. */
async function experimentOf(
  read: Pick<StorageTransaction, "get">,
  type: SignableType,
  record: RecordOf[SignableType],
): Promise<RecordOf["experiment"] | undefined> {
  if (type === "experiment") return record as RecordOf["experiment"];
  const experimentId = (record as RecordOf["job"] | RecordOf["dataset"]).experimentId;
  if (experimentId === null) return undefined;
  try {
    return await read.get("experiment", experimentId);
  } catch (error) {
    if (error instanceof LabosError && error.kind === "not_found") return undefined;
    throw error;
  }
}

/**
 * Reads a record and its experiment. A student's storage is scoped
 * (`_scopes.ts`), so a record out of their scope answers like a missing id.
 */
async function readVisible(
  read: Pick<StorageTransaction, "get">,
  recordId: string,
  type: SignableType,
): Promise<{ record: RecordOf[SignableType]; experiment?: RecordOf["experiment"] }> {
  const record = await read.get(type, recordId);
  return { record, experiment: await experimentOf(read, type, record) };
}

/** Whether `signer` may sign: their own record, or any record with the instructor, TA or admin role. */
function maySign(
  signer: UserInfo,
  record: RecordOf[SignableType],
  experiment: RecordOf["experiment"] | undefined,
): boolean {
  if (signer.role !== "student") return true;
  if (experiment !== undefined) return experiment.owner === signer.username;
  return record.createdBy === signer.username;
}

/**
 * Signs a record as the lab's principal: checks the request, that the record
 * exists and the principal may see it, then unlocks the signer's key with
 * the password (name and password: two components), checks that the signer
 * may sign it, and, under the writer lock, signs the canonical payload and
 * writes the `signature` record and its `signature.created` audit event
 * (payload, signature and public key: the log alone verifies it).
 */
export async function signRecord(
  lab: LabContext,
  recordId: string,
  request: unknown,
): Promise<SignatureListing> {
  await requireReady(lab);
  const context = `Cannot sign ${quote(recordId)}`;
  const raw = (typeof request === "object" && request !== null ? request : {}) as Record<
    string,
    unknown
  >;
  const { password, ...rest } = raw;
  const { meaning, reason } = parseOrThrow(SignRequestSchema(), rest, context);
  if (typeof password !== "string" || password === "") {
    throw new LabosError("invalid", `${context}: "password" is required to sign`, {
      issues: [{ path: "password", message: "is required" }],
    });
  }
  const type = signableType(recordId, context);
  const { record, experiment } = await readVisible(lab.storage, recordId, type);
  const key = await unlockSigningKey(lab, lab.principal.actor, password);
  const signer = await getUser(lab, lab.principal.actor);
  if (!maySign(signer, record, experiment)) {
    throw new LabosError(
      "forbidden",
      `${context}: it belongs to ${
        quote(experiment?.owner ?? record.createdBy)
      }, and signing someone else's ${type} needs the instructor or TA role (${
        quote(signer.username)
      } is a ${signer.role})`,
    );
  }
  const { payloadText, signText } = await import("../signatures/mod.ts");
  return await lab.storage.transaction(async (tx) => {
    const current = (await readVisible(tx, recordId, type)).record;
    const head = await lab.storage.auditHead();
    const time = timestamp(lab);
    const fields = {
      signer: signer.username,
      displayName: signer.displayName,
      meaning,
      reason,
      time,
      recordType: type,
      recordId,
      recordSha256: hashJson(current),
      auditSeq: head.seq,
    };
    const payload = payloadText(fields);
    const signatureRecord: Signature = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      id: newId("signature"),
      createdAt: time,
      updatedAt: time,
      createdBy: lab.actor,
      ...fields,
      payload,
      signature: signText(payload, key.privateKey),
      publicKey: key.publicKey,
    };
    validateRecord("signature", signatureRecord);
    tx.create("signature", signatureRecord);
    tx.audit(recordEvent(lab, "signature.created", {
      type: "signature",
      record: signatureRecord,
      reason,
      details: {
        recordType: type,
        recordId,
        meaning,
        payload,
        signature: signatureRecord.signature,
        publicKey: signatureRecord.publicKey,
      },
    }));
    return listing(signatureRecord, true);
  });
}

/**
 * Every signature of a record the principal may see, oldest first, each
 * with whether the record still has the hash that was signed.
 */
export async function listSignatures(
  lab: LabContext,
  recordId: string,
): Promise<SignatureListing[]> {
  await requireReady(lab);
  const type = signableType(recordId, `Cannot list the signatures of ${quote(recordId)}`);
  const { record } = await readVisible(lab.storage, recordId, type);
  const current = hashJson(record);
  const found: Signature[] = [];
  for (let offset = 0;; offset += 1000) {
    const page = await lab.storage.list("signature", {
      limit: 1000,
      offset,
      where: (signature) => signature.recordId === recordId,
    });
    found.push(...page.items);
    if (!page.hasMore) break;
  }
  return found.sort((a, b) => (a.id < b.id ? -1 : 1)).map((signature) =>
    listing(signature, signature.recordSha256 === current)
  );
}

function listing(signature: Signature, matches: boolean): SignatureListing {
  return {
    id: signature.id,
    signer: signature.signer,
    displayName: signature.displayName,
    meaning: signature.meaning,
    reason: signature.reason,
    time: signature.time,
    recordSha256: signature.recordSha256,
    payload: signature.payload,
    signature: signature.signature,
    publicKey: signature.publicKey,
    matches,
  };
}
