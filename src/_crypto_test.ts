import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import process from "node:process";

Deno.test("_crypto: hashes where process.getBuiltinModule is missing (Node 20.0–20.15)", async () => {
  const saved = Object.getOwnPropertyDescriptor(process, "getBuiltinModule");
  // A fresh instance of the module, which has not loaded node:crypto yet.
  const fresh = await import(
    `./_crypto.ts?no-get-builtin=${Date.now()}`
  ) as typeof import("./_crypto.ts");
  Object.defineProperty(process, "getBuiltinModule", { value: undefined, configurable: true });
  try {
    assert.equal(fresh.sha256Hex("abc"), createHash("sha256").update("abc").digest("hex"));
    assert.equal(fresh.nodeCrypto().createHash, createHash);
  } finally {
    if (saved) Object.defineProperty(process, "getBuiltinModule", saved);
    else delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
  }
});

Deno.test("_crypto: random hex has the asked length and varies", async () => {
  const { randomHex } = await import("./_crypto.ts");
  const seen = new Set(Array.from({ length: 20 }, () => randomHex(8)));
  assert.equal(seen.size, 20);
  for (const hex of seen) assert.match(hex, /^[0-9a-f]{16}$/);
});
