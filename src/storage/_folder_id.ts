import { randomBytes } from "../_crypto.ts";

/**
 * A new store id for the manifest's `folderId`: `lab_` and 26 random
 * Crockford base32 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newFolderId } from "./_folder_id.ts";
 * assert(/^lab_[0-9A-Z]{26}$/.test(newFolderId()));
 * ```
 */
export function newFolderId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  return `lab_${Array.from(randomBytes(26), (byte) => alphabet[byte % 32]).join("")}`;
}
