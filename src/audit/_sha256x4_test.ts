import { createHash } from "node:crypto";
import fc from "fast-check";
import { assert, assertEquals } from "../../test/_assert.ts";
import { renderWasmSource } from "../../scripts/embed_wasm.ts";
import { createBatchHasher, HEAD_BYTES, JOB_BYTES } from "./_sha256x4.ts";
import { sha256x4Module } from "./_sha256x4_module.ts";

const encoder = new TextEncoder();

Deno.test("src/audit/_sha256x4_wasm.ts is the generated module (run `deno task embed:wasm`)", async () => {
  const committed = await Deno.readTextFile(new URL("./_sha256x4_wasm.ts", import.meta.url));
  assertEquals(committed, renderWasmSource(sha256x4Module()));
});

// Lays out messages, each followed by the hex of its SHA-256 and a gap, and sets their jobs.
function layOut(messages: Uint8Array[], bufferBytes = 1 << 20) {
  const hasher = createBatchHasher(bufferBytes, Math.max(1, messages.length));
  assert(hasher, "WebAssembly SIMD is available");
  const hexAt: number[] = [];
  let pos = 0;
  messages.forEach((message, i) => {
    hasher.bytes.set(message, pos);
    const hex = createHash("sha256").update(message).digest("hex");
    hasher.bytes.set(encoder.encode(hex), pos + message.length);
    hasher.set(i, { start: pos, end: pos + message.length, hashAt: pos + message.length });
    hexAt.push(pos + message.length);
    pos += message.length + 64 + (i % 7);
  });
  return { hasher, hexAt };
}

Deno.test("every length from 0 to 300 bytes hashes as node:crypto does", () => {
  const messages = Array.from(
    { length: 301 },
    (_, n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255),
  );
  const { hasher, hexAt } = layOut(messages);
  assertEquals(hasher.check(messages.length), messages.length);
  // One wrong hex digit at a time: that message, and only it, is reported.
  for (const wrong of [0, 1, 3, 54, 55, 56, 63, 64, 119, 120, 200, 300]) {
    hasher.bytes[hexAt[wrong] + 10] ^= 1;
    assertEquals(hasher.check(messages.length), wrong);
    hasher.bytes[hexAt[wrong] + 10] ^= 1;
  }
});

Deno.test("property: check reports the first message whose hash differs", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 3 }),
      fc.boolean(),
      (messages, picks, inMessage) => {
        const { hasher, hexAt } = layOut(messages);
        const damaged = new Set<number>();
        for (const pick of picks) {
          const i = pick % messages.length;
          if (damaged.has(i)) continue;
          // A changed message byte, or a changed (still lowercase hex) digit of its hash.
          if (inMessage && messages[i].length > 0) {
            const at = hexAt[i] - messages[i].length + (pick % messages[i].length);
            hasher.bytes[at] ^= 0x40;
          } else {
            const at = hexAt[i] + (pick % 64);
            hasher.bytes[at] = hasher.bytes[at] === 48 ? 49 : 48;
          }
          damaged.add(i);
        }
        const first = damaged.size === 0 ? messages.length : Math.min(...damaged);
        assertEquals(hasher.check(messages.length), first);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a batch of more messages than one call into the module takes", () => {
  const messages = Array.from({ length: 2500 }, (_, i) => encoder.encode(`{"event":${i}}`));
  const { hasher, hexAt } = layOut(messages);
  assertEquals(hasher.check(messages.length), messages.length);
  hasher.bytes[hexAt[2100]] ^= 1;
  assertEquals(hasher.check(messages.length), 2100);
  assertEquals(hasher.check(2000), 2000);
});

// Messages of random bytes from a seeded generator, so that a failure repeats.
function randomMessage(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 255;
  }
  return out;
}

Deno.test("random messages of every length from 0 to 2000 bytes hash as node:crypto does", () => {
  for (const seed of [1, 2, 3]) {
    const messages = Array.from({ length: 2001 }, (_, n) => randomMessage(n, seed * 5000 + n));
    const { hasher, hexAt } = layOut(messages, 4 << 20);
    assertEquals(hasher.check(messages.length), messages.length);
    // Each message with one bit flipped, alone: its hash no longer matches.
    messages.forEach((_, n) => {
      if (n === 0) return;
      const start = hexAt[n] - n;
      const bit = (seed * 7919 + n * 31) % (8 * n);
      hasher.bytes[start + (bit >> 3)] ^= 1 << (bit & 7);
      hasher.set(0, { start, end: start + n, hashAt: start + n });
      assertEquals(hasher.check(1), 0, `length ${n}`);
      hasher.bytes[start + (bit >> 3)] ^= 1 << (bit & 7);
      assertEquals(hasher.check(1), 1, `length ${n}`);
    });
  }
});

Deno.test("property: random messages up to 2000 bytes hash as node:crypto does", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 2000, size: "max" }), { minLength: 1, maxLength: 30 }),
      (messages) => {
        const { hasher } = layOut(messages, 1 << 17);
        assertEquals(hasher.check(messages.length), messages.length);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("a message that ends the read buffer at the end of a memory page", () => {
  // The buffer ends exactly at a page boundary; the last partial block is read as 64 bytes.
  const bufferBytes = 65536 - (HEAD_BYTES + JOB_BYTES);
  for (let n = 0; n <= 130; n++) {
    const hasher = createBatchHasher(bufferBytes, 1);
    assert(hasher, "WebAssembly SIMD is available");
    const message = randomMessage(n, n);
    const start = bufferBytes - n;
    hasher.bytes.set(message, start);
    const hex = createHash("sha256").update(message).digest("hex");
    hasher.bytes.set(encoder.encode(hex), 0);
    hasher.set(0, { start, end: bufferBytes, hashAt: 0 });
    assertEquals(hasher.check(1), 1, `length ${n}`);
  }
});
