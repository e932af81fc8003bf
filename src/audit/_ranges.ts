/**
 * The ranges of one parallel scan, shared between the main thread and the
 * workers: each thread claims the next range from a counter in shared
 * memory, so no thread waits for a message to get work, and a range that
 * finds damage stops the claims past it.
 *
 * @module
 */
import type { ScanState } from "./_scanner.ts";

/** What a worker is asked to do: scan claimed ranges of one log until none is left. */
export interface ScanOrder {
  /** The log file. */
  file: string;
  /** Where each range starts, then the size of the scan: range i is `[starts[i], starts[i + 1])`. */
  starts: number[];
  /** Bytes per read. */
  chunkBytes: number;
  /** A seq whose hash to record, or -1. */
  watchSeq: number;
  /** Actions whose lines to record in each state's `marks`. */
  actions?: readonly string[];
  /** The claims: `[next range, ranges to scan]`, in shared memory; see {@linkcode claimRange}. */
  claims: Int32Array;
  /** The sender's compiled batch hasher module, so that the worker compiles none. */
  wasm?: WebAssembly.Module;
}

/** What a worker posts: a range's state, that it has no range left, or why it stopped. */
export type ScanReply =
  | { index: number; state: ScanState }
  | { done: true }
  | { error: string };

/**
 * Shared claims for `count` ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimRange, newClaims } from "./_ranges.ts";
 * const claims = newClaims(2);
 * assert.deepEqual([claimRange(claims), claimRange(claims), claimRange(claims)], [0, 1, -1]);
 * ```
 */
export function newClaims(count: number): Int32Array {
  const claims = new Int32Array(new SharedArrayBuffer(8));
  claims[1] = count;
  return claims;
}

/**
 * Claims the next range: its index, or -1 when none is left to scan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimRange, newClaims } from "./_ranges.ts";
 * assert.equal(claimRange(newClaims(1)), 0);
 * ```
 */
export function claimRange(claims: Int32Array): number {
  const index = Atomics.add(claims, 0, 1);
  return index < Atomics.load(claims, 1) ? index : -1;
}

/**
 * The number of ranges to scan: fewer once a range found damage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newClaims, rangesToScan } from "./_ranges.ts";
 * assert.equal(rangesToScan(newClaims(3)), 3);
 * ```
 */
export function rangesToScan(claims: Int32Array): number {
  return Atomics.load(claims, 1);
}

/**
 * Records that range `index` found damage: ranges after it are not claimed,
 * as their results would be dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimRange, newClaims, stopAfter } from "./_ranges.ts";
 * const claims = newClaims(5);
 * stopAfter(claims, 0);
 * assert.equal(claimRange(claims), 0);
 * assert.equal(claimRange(claims), -1);
 * ```
 */
export function stopAfter(claims: Int32Array, index: number): void {
  for (let count = Atomics.load(claims, 1); index + 1 < count;) {
    const seen = Atomics.compareExchange(claims, 1, count, index + 1);
    if (seen === count) return;
    count = seen;
  }
}
