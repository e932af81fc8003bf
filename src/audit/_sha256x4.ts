/**
 * SHA-256 of many short messages at once: a WebAssembly module, generated
 * here as bytes, that runs four messages side by side in the four 32-bit
 * lanes of SIMD registers (multi-buffer hashing) and compares each digest
 * with the lowercase hex stored in memory. The events of the audit log are
 * hashed one by one, and each costs 1.5–4 µs through `node:crypto` on Deno,
 * whatever its size (`bench/sha256_floor.ts`); here a 400-byte event costs
 * about 0.6 µs: some 90 ns a 64-byte block in each lane, nearly all of it
 * the 64 rounds (the padding and the hex compare add some 5 ns a message).
 *
 * The module's bytes are written by `_sha256x4_module.ts` and embedded as
 * base64 in `_sha256x4_wasm.ts` (`deno task embed:wasm`), so it works the
 * same from source, in the npm bundle and in a compiled executable. Where
 * WebAssembly SIMD is missing, or on Bun, whose `node:crypto` is cheaper,
 * {@linkcode createBatchHasher} returns null and callers hash through
 * `node:crypto`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { SHA256X4_WASM } from "./_sha256x4_wasm.ts";

/** A hasher with its own memory: a read buffer and a job table in one WebAssembly memory. */
export interface BatchHasher {
  /** The read buffer, inside the hasher's memory; only messages in it can be hashed. */
  readonly bytes: Uint8Array;
  /** How many messages one {@linkcode BatchHasher.check} call takes at most. */
  readonly capacity: number;
  /**
   * Sets message `index` of the next check: the bytes `bytes[start, end)`
   * and the 64 hex digits of the expected hash at `bytes[hashAt]`.
   */
  set(index: number, message: { start: number; end: number; hashAt: number }): void;
  /** Hashes messages 0 to `count - 1`; returns the index of the first whose hash differs, or `count`. */
  check(count: number): number;
}

// Memory layout: the module's own bytes, the job table, the read buffer, then slack.
/** Bytes at the start of memory the module keeps: the padding blocks of the four lanes and the round constants. */
export const HEAD_BYTES = 1536;
/** Bytes past the read buffer: the module reads a message's last partial block as 64 bytes. */
export const SLACK_BYTES = 64;
/** Bytes of one job: message offset, length, expected hex offset, unused (all u32). */
export const JOB_BYTES = 16;

// Messages per call into the module.
const CALL_JOBS = 1024;

let compiled: WebAssembly.Module | null | undefined;

/**
 * Creates a hasher whose read buffer holds `bufferBytes` bytes and whose job
 * table holds `capacity` messages; null where WebAssembly SIMD is missing.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { createBatchHasher } from "./_sha256x4.ts";
 * import assert from "node:assert/strict";
 * const hasher = createBatchHasher(1 << 16, 8);
 * assert.ok(hasher);
 * const text = new TextEncoder().encode("abc");
 * hasher.bytes.set(text, 0);
 * hasher.bytes.set(new TextEncoder().encode(createHash("sha256").update(text).digest("hex")), 3);
 * hasher.set(0, { start: 0, end: 3, hashAt: 3 });
 * assert.equal(hasher.check(1), 1);
 * hasher.bytes[4] ^= 1;
 * assert.equal(hasher.check(1), 0);
 * ```
 */
export function createBatchHasher(bufferBytes: number, capacity: number): BatchHasher | null {
  const module = batchModule();
  if (module === null) return null;
  const jobsAt = HEAD_BYTES;
  const dataAt = jobsAt + capacity * JOB_BYTES;
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const pages = Math.ceil((dataAt + bufferBytes + SLACK_BYTES) / 65536);
  memory.grow(Math.max(0, pages - memory.buffer.byteLength / 65536));
  const run = instance.exports.check as (jobs: number, count: number) => number;
  const jobs = new Int32Array(memory.buffer, jobsAt, capacity * 4);
  return {
    bytes: new Uint8Array(memory.buffer, dataAt, bufferBytes),
    capacity,
    set(index, message) {
      const at = index << 2;
      jobs[at] = dataAt + message.start;
      jobs[at + 1] = message.end - message.start;
      jobs[at + 2] = dataAt + message.hashAt;
    },
    check(count) {
      // Short calls: the first runs on the baseline compiler, and the
      // optimised code, compiled meanwhile, only serves calls made after it is ready.
      for (let from = 0; from < count; from += CALL_JOBS) {
        const n = Math.min(CALL_JOBS, count - from);
        const bad = run(jobsAt + from * JOB_BYTES, n);
        if (bad < n) return from + bad;
      }
      return count;
    },
  };
}

/**
 * The compiled batch hasher module, compiled on first use; null where
 * WebAssembly SIMD is missing, and on Bun. A worker given it by
 * {@linkcode adoptBatchModule} neither decodes nor compiles its own.
 *
 * @example
 * ```ts
 * import { batchModule } from "./_sha256x4.ts";
 * import assert from "node:assert/strict";
 * assert.ok(batchModule() instanceof WebAssembly.Module);
 * assert.equal(batchModule(), batchModule());
 * ```
 */
export function batchModule(): WebAssembly.Module | null {
  // Bun's node:crypto costs far less per call than JavaScriptCore's SIMD
  // (a scan of 500,000 events: 0.5-0.9 s of CPU against 1.2-1.5 s).
  if (compiled === undefined) compiled = "Bun" in globalThis ? null : compile();
  return compiled;
}

/**
 * Uses `module`, the {@linkcode batchModule} of another thread, unless this
 * thread already has one.
 *
 * @example
 * ```ts
 * import { adoptBatchModule, batchModule } from "./_sha256x4.ts";
 * import assert from "node:assert/strict";
 * const module = batchModule();
 * if (module) adoptBatchModule(module);
 * assert.equal(batchModule(), module);
 * ```
 */
export function adoptBatchModule(module: WebAssembly.Module): void {
  if (compiled === undefined) compiled = module;
}

function compile(): WebAssembly.Module | null {
  try {
    const bytes = new Uint8Array(Buffer.from(SHA256X4_WASM, "base64"));
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}
