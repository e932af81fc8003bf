/**
 * Electronic signatures: the canonical payload a signer signs, Ed25519
 * signing and verification over its exact UTF-8 bytes (raw 32-byte public
 * keys in base64, as the audit log publishes them), and the check of every
 * signature event of an audit log against the keys published before it.
 *
 * @example Sign a payload and verify it
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync } from "node:crypto";
 * import { payloadText, rawPublicKeyBase64, signText, verifyText } from "./mod.ts";
 * const { privateKey } = generateKeyPairSync("ed25519");
 * const text = payloadText({
 *   signer: "ada", displayName: "Ada Lovelace", meaning: "approved", reason: "Checked",
 *   time: "2026-01-02T03:04:05.006Z", recordType: "experiment",
 *   recordId: "exp_01JAAAAAAAAAAAAAAAAAAAAAAA", recordSha256: "0".repeat(64), auditSeq: 7,
 * });
 * const signature = signText(text, privateKey);
 * assert.ok(verifyText(text, { signature, publicKey: rawPublicKeyBase64(privateKey) }));
 * assert.ok(!verifyText(text.replace("Checked", "Forged"), { signature, publicKey: rawPublicKeyBase64(privateKey) }));
 * ```
 *
 * @module
 */
export { parsePayload, payloadText, type SignaturePayload } from "./_payload.ts";
export { publicKeyFromBase64, rawPublicKeyBase64, signText, verifyText } from "./_ed25519.ts";
export {
  checkSignatureEvents,
  KEY_CREATED_ACTION,
  SIGNATURE_ACTION,
  SIGNATURE_EVENT_ACTIONS,
  type SignatureEventsCheck,
} from "./_audit.ts";
