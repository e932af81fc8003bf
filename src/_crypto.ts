/**
 * The one way `src/` reaches `node:crypto`: loaded on first use, not with
 * the module that imports this one. Loading it costs a compiled executable
 * about a third of a hello world (its hashes are streams, and pull in the
 * stream machinery), which commands that only read, such as
 * `experiments list`, never need. Random bytes come from the Web Crypto
 * `crypto.getRandomValues`, which costs nothing to load.
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import { createRequire } from "node:module";
import process from "node:process";

let loaded: typeof NodeCrypto | undefined;

/**
 * The `node:crypto` module, loaded on the first call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeCrypto } from "./_crypto.ts";
 * assert.equal(typeof nodeCrypto().createHash, "function");
 * assert.equal(nodeCrypto(), nodeCrypto());
 * ```
 */
export function nodeCrypto(): typeof NodeCrypto {
  return loaded ??= load();
}

function load(): typeof NodeCrypto {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown })
    .getBuiltinModule;
  if (typeof getBuiltin === "function") return getBuiltin("node:crypto") as typeof NodeCrypto;
  // Node 20.0–20.15. Any absolute path will do as the base: a built-in is not
  // looked up on disk, and the verify worker's bundle has no import.meta.url.
  return createRequire(process.execPath)("node:crypto") as typeof NodeCrypto;
}

let hashOnce: ((data: string | Uint8Array) => string) | undefined;

/**
 * Lowercase hex SHA-256 of a string (as UTF-8) or of bytes, in one call
 * (`crypto.hash` where the runtime has it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./_crypto.ts";
 * assert.equal(sha256Hex("abc").slice(0, 8), "ba7816bf");
 * assert.equal(sha256Hex(new TextEncoder().encode("abc")), sha256Hex("abc"));
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  return (hashOnce ??= oneShotHash())(data);
}

function oneShotHash(): (data: string | Uint8Array) => string {
  const crypto = nodeCrypto();
  const hash = (crypto as { hash?: unknown }).hash;
  if (typeof hash === "function") {
    const once = hash as (algorithm: string, data: string | Uint8Array) => string;
    return function hashWithOneCall(data: string | Uint8Array): string {
      return once("sha256", data);
    };
  }
  return function hashWithObject(data: string | Uint8Array): string {
    return crypto.createHash("sha256").update(data).digest("hex");
  };
}

/**
 * A new incremental SHA-256 hash (`createHash("sha256")` of `node:crypto`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSha256, sha256Hex } from "./_crypto.ts";
 * assert.equal(createSha256().update("a").update("bc").digest("hex"), sha256Hex("abc"));
 * ```
 */
export function createSha256(): NodeCrypto.Hash {
  return nodeCrypto().createHash("sha256");
}

/**
 * `count` cryptographically strong random bytes, from `crypto.getRandomValues`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomBytes } from "./_crypto.ts";
 * assert.equal(randomBytes(16).length, 16);
 * ```
 */
export function randomBytes(count: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(count));
}

/**
 * `count` random bytes as lowercase hex (`2 * count` characters), as in
 * temporary file names and lock tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomHex } from "./_crypto.ts";
 * assert.match(randomHex(6), /^[0-9a-f]{12}$/);
 * ```
 */
export function randomHex(count: number): string {
  let hex = "";
  for (const byte of randomBytes(count)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
