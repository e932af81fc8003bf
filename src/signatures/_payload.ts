import { canonicalJson } from "../records/canonical.ts";
import type { SignableType, SignatureMeaning } from "../records/schemas.ts";

/**
 * What a signature covers: the signer and the manifestation (name, time,
 * meaning; 21 CFR Part 11 §11.50) and the link to the record (its type, id,
 * SHA-256 and the audit seq at signing; §11.70).
 */
export interface SignaturePayload {
  /** The signer's username. */
  signer: string;
  /** The signer's display name at signing. */
  displayName: string;
  /** What the signature means. */
  meaning: SignatureMeaning;
  /** Why the signer signed. */
  reason: string;
  /** When it was signed (RFC 3339 UTC, milliseconds). */
  time: string;
  /** The signed record's type. */
  recordType: SignableType;
  /** The signed record's id. */
  recordId: string;
  /** Lowercase hex SHA-256 of the record's canonical JSON as signed. */
  recordSha256: string;
  /** The audit head's seq when it was signed. */
  auditSeq: number;
}

const FIELDS = [
  "auditSeq",
  "displayName",
  "meaning",
  "reason",
  "recordId",
  "recordSha256",
  "recordType",
  "signer",
  "time",
] as const;

/**
 * The payload's canonical JSON text (keys sorted, no whitespace): its exact
 * UTF-8 bytes are what is signed. Only the payload's own fields are written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { payloadText } from "./_payload.ts";
 * const text = payloadText({
 *   signer: "ada", displayName: "Ada", meaning: "approved", reason: "Checked",
 *   time: "2026-01-02T03:04:05.006Z", recordType: "experiment",
 *   recordId: "exp_01JAAAAAAAAAAAAAAAAAAAAAAA", recordSha256: "0".repeat(64), auditSeq: 7,
 * });
 * assert.ok(text.startsWith('{"auditSeq":7,"displayName":"Ada","meaning":"approved"'));
 * ```
 */
export function payloadText(payload: SignaturePayload): string {
  const picked: Record<string, unknown> = {};
  for (const field of FIELDS) picked[field] = payload[field];
  return canonicalJson(picked);
}

/**
 * Reads a signed payload text back; undefined when it is not the canonical
 * JSON of a payload (other fields, another key order, whitespace, wrong types).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePayload } from "./_payload.ts";
 * assert.equal(parsePayload('{"signer":"ada"}'), undefined);
 * ```
 */
export function parsePayload(text: string): SignaturePayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.length !== FIELDS.length || keys.some((key, i) => key !== FIELDS[i])) return undefined;
  const strings = FIELDS.filter((field) => field !== "auditSeq");
  if (strings.some((field) => typeof record[field] !== "string")) return undefined;
  if (!Number.isInteger(record.auditSeq)) return undefined;
  const payload = record as unknown as SignaturePayload;
  return payloadText(payload) === text ? payload : undefined;
}
