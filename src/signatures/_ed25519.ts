import {
  createPublicKey,
  type KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
} from "node:crypto";
import { Buffer } from "node:buffer";

// An Ed25519 SubjectPublicKeyInfo is this fixed DER prefix and the raw 32 key bytes (RFC 8410).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * An Ed25519 public key from the base64 of its raw 32 bytes; undefined when
 * the text is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publicKeyFromBase64 } from "./_ed25519.ts";
 * assert.equal(publicKeyFromBase64("c2hvcnQ="), undefined);
 * ```
 */
export function publicKeyFromBase64(base64: string): KeyObject | undefined {
  const raw = strictBase64(base64);
  if (raw === undefined || raw.length !== 32) return undefined;
  try {
    return createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, raw]),
      format: "der",
      type: "spki",
    });
  } catch {
    return undefined;
  }
}

/**
 * The base64 of an Ed25519 key's raw 32-byte public key, from the public or
 * the private key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync } from "node:crypto";
 * import { rawPublicKeyBase64 } from "./_ed25519.ts";
 * const { publicKey } = generateKeyPairSync("ed25519");
 * assert.equal(Buffer.from(rawPublicKeyBase64(publicKey), "base64").length, 32);
 * ```
 */
export function rawPublicKeyBase64(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(SPKI_PREFIX.length)).toString("base64");
}

/**
 * Signs a text's exact UTF-8 bytes with an Ed25519 private key; returns the
 * base64 of the 64 signature bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync } from "node:crypto";
 * import { rawPublicKeyBase64, signText, verifyText } from "./_ed25519.ts";
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const signature = signText("{}", privateKey);
 * assert.ok(verifyText("{}", { signature, publicKey: rawPublicKeyBase64(publicKey) }));
 * ```
 */
export function signText(text: string, privateKey: KeyObject): string {
  return cryptoSign(null, Buffer.from(text, "utf8"), privateKey).toString("base64");
}

/**
 * Whether `signature` (base64 of 64 bytes) is an Ed25519 signature of the
 * text's exact UTF-8 bytes under `publicKey` (base64 of the raw 32 bytes).
 * Malformed input is simply not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyText } from "./_ed25519.ts";
 * assert.equal(verifyText("{}", { signature: "AA==", publicKey: "AA==" }), false);
 * ```
 */
export function verifyText(
  text: string,
  keys: { signature: string; publicKey: string },
): boolean {
  const publicKey = publicKeyFromBase64(keys.publicKey);
  const signature = strictBase64(keys.signature);
  if (publicKey === undefined || signature === undefined || signature.length !== 64) return false;
  try {
    return cryptoVerify(null, Buffer.from(text, "utf8"), publicKey, signature);
  } catch {
    return false;
  }
}

/** Decodes canonical base64 only: Node's decoder skips characters it does not know. */
function strictBase64(text: string): Buffer | undefined {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    return undefined;
  }
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}
