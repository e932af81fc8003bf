import type { AuditEvent } from "../audit/mod.ts";
import { verifyText } from "./_ed25519.ts";
import { parsePayload } from "./_payload.ts";

/** The audit action that publishes a user's Ed25519 public key. */
export const KEY_CREATED_ACTION = "user.key-created";
/** The audit action of a signature, with its payload, signature and public key in `details`. */
export const SIGNATURE_ACTION = "signature.created";

/** The actions {@linkcode checkSignatureEvents} reads: a log scan can skip every other event. */
export const SIGNATURE_EVENT_ACTIONS: readonly string[] = [KEY_CREATED_ACTION, SIGNATURE_ACTION];

/** What {@linkcode checkSignatureEvents} found. */
export interface SignatureEventsCheck {
  /** How many signature events were checked. */
  signatures: number;
  /** The first bad signature event, when there is one. */
  failure?: { seq: number; message: string };
}

/**
 * Checks every `signature.created` event of a log, oldest first: its
 * payload is canonical, its Ed25519 signature is valid over the payload's
 * exact UTF-8 bytes, and its public key was published for the signer by an
 * earlier `user.key-created` event. The log alone is enough: no record, no
 * key file. Stops at the first bad event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSignatureEvents } from "./_audit.ts";
 * async function* none() {}
 * assert.deepEqual(await checkSignatureEvents(none()), { signatures: 0 });
 * ```
 */
export async function checkSignatureEvents(
  events: AsyncIterable<AuditEvent>,
): Promise<SignatureEventsCheck> {
  const published = new Map<string, Set<string>>();
  let signatures = 0;
  for await (const event of events) {
    if (event.action === KEY_CREATED_ACTION) {
      const username = keyOwner(event);
      const key = event.details.publicKey;
      if (username !== undefined && typeof key === "string") {
        published.set(username, (published.get(username) ?? new Set()).add(key));
      }
      continue;
    }
    if (event.action !== SIGNATURE_ACTION) continue;
    signatures++;
    const problem = signatureProblem(event, published);
    if (problem) {
      return {
        signatures,
        failure: { seq: event.seq, message: `seq ${event.seq}: ${problem}` },
      };
    }
  }
  return { signatures };
}

/** The username a `user.key-created` event publishes a key for. */
function keyOwner(event: AuditEvent): string | undefined {
  const named = event.details.username;
  if (typeof named === "string") return named;
  return event.target.type === "user" ? event.target.id : undefined;
}

function signatureProblem(
  event: AuditEvent,
  published: Map<string, Set<string>>,
): string | undefined {
  const { payload, signature, publicKey } = event.details;
  if (
    typeof payload !== "string" || typeof signature !== "string" || typeof publicKey !== "string"
  ) {
    return `the signature event lacks its "payload", "signature" or "publicKey"`;
  }
  const parsed = parsePayload(payload);
  if (!parsed) return "the signed payload is not the canonical JSON of a signature payload";
  if (!published.get(parsed.signer)?.has(publicKey)) {
    return `the public key of the signature by ${
      JSON.stringify(parsed.signer)
    } was not published for them by an earlier "${KEY_CREATED_ACTION}" event`;
  }
  if (!verifyText(payload, { signature, publicKey })) {
    return `the signature by ${
      JSON.stringify(parsed.signer)
    } does not verify: the payload or the signature was altered`;
  }
  if (parsed.auditSeq >= event.seq) {
    return `the payload names audit seq ${parsed.auditSeq}, not before the signature's own seq`;
  }
  return undefined;
}
