/**
 * Scans byte ranges of a log on the main thread and in `node:worker_threads`
 * workers. The worker code is evaluated from a string (the scanner's source),
 * so no worker file has to exist on disk, as in a compiled single binary;
 * where workers are unavailable the main thread scans every range.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { createScanner, type ScanState } from "./_scanner.ts";

/** One range's outcome. */
export interface RangeResult {
  /** File offset where the range starts. */
  start: number;
  /** The scan state at the end of the range. */
  state: ScanState;
  /** Who scanned it. */
  by: "worker" | "main";
}

/** Options for {@linkcode scanRanges}. */
export interface RangeOptions {
  /** How many bytes of the file to scan. */
  size: number;
  /** How many workers to start besides the main thread. */
  workers: number;
  /** Bytes per read. */
  chunkBytes: number;
  /** A seq whose hash to record. */
  watchSeq: number;
  /** Bytes per range. Default: 8 MiB, and at least two ranges a thread (of 1 MiB or more). */
  rangeBytes?: number;
  /** Whether the main thread scans ranges too, not only those workers left. Default: true. */
  mainThread?: boolean;
  /** Scans one range on the main thread, without a seed. */
  scanHere(start: number, end: number): Promise<ScanState>;
}

// `__name` keeps bundlers that wrap functions with a name helper working.
const WORKER_SOURCE = `"use strict";
var __name = (f) => f;
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const scanner = (${createScanner.toString()})({
  crypto: require("node:crypto"),
  buffer: require("node:buffer"),
});
parentPort.on("message", (job) => {
  let fd = -1;
  try {
    fd = fs.openSync(job.file, "r");
    const state = scanner.newState(null, job.end, job.watchSeq);
    const steps = scanner.run(state, job.start, job.size, job.chunkBytes);
    let step = steps.next(0);
    while (!step.done) {
      const read = step.value;
      step = steps.next(fs.readSync(fd, read.buffer, read.offset, read.length, read.position));
    }
    parentPort.postMessage({ state });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.stack) || error) });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
});
`;

interface WorkerReply {
  state?: ScanState;
  error?: string;
}

/**
 * Scans the first `size` bytes of `file` as consecutive ranges, each without
 * a seed, shared between the main thread and workers: whoever is free takes
 * the next range, so the main thread works while workers warm up, and a
 * worker that cannot start or fails leaves its ranges to the main thread.
 * Ranges after the first damaged one are skipped.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { scanRanges } from "./_parallel.ts";
 * import { scanner } from "./_format.ts";
 * await writeFile("/tmp/labos-empty.jsonl", "");
 * const ranges = await scanRanges("/tmp/labos-empty.jsonl", {
 *   size: 0, workers: 0, chunkBytes: 1 << 16, watchSeq: -1,
 *   scanHere: (_start, end) => Promise.resolve(scanner.newState(null, end, -1)),
 * });
 * console.assert(ranges.length === 1);
 * ```
 */
export async function scanRanges(file: string, options: RangeOptions): Promise<RangeResult[]> {
  const { size } = options;
  // Small ranges keep threads busy to the end: nobody waits long for the last one.
  const count = Math.max(
    1,
    Math.ceil(size / (options.rangeBytes ?? 8 << 20)),
    Math.min((options.workers + 1) * 2, Math.ceil(size / (1 << 20))),
  );
  const starts = Array.from({ length: count }, (_, i) => Math.floor((size * i) / count));
  const endOf = (index: number): number => index + 1 < count ? starts[index + 1] : size;
  const results: RangeResult[] = [];
  let next = 0;
  let limit = count;
  const take = (): number | undefined => next < limit ? next++ : undefined;
  const record = (index: number, state: ScanState, by: "worker" | "main"): void => {
    results[index] = { start: starts[index], state, by };
    if (state.failure) limit = Math.min(limit, index + 1);
  };
  const pool: Worker[] = [];
  const running: Promise<void>[] = [];
  const mainThread = options.mainThread ?? true;
  for (let i = 0; i < options.workers && i < count - (mainThread ? 1 : 0); i++) {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true });
    } catch {
      break;
    }
    pool.push(worker);
    running.push(
      new Promise<void>((resolve) => {
        let current: number | undefined;
        const give = (): void => {
          current = take();
          if (current === undefined) return resolve();
          worker.postMessage({
            file,
            start: starts[current],
            end: endOf(current),
            size,
            chunkBytes: options.chunkBytes,
            watchSeq: options.watchSeq,
          });
        };
        worker.on("message", (reply: WorkerReply) => {
          if (current === undefined) return;
          if (!reply.state) return resolve();
          if (!results[current]) record(current, reply.state, "worker");
          give();
        });
        worker.on("error", () => resolve());
        worker.on("exit", () => resolve());
        give();
      }),
    );
  }
  try {
    if (mainThread || pool.length === 0) {
      // When no range is left to take, the main thread also scans the ranges
      // still out with workers, lowest first, so a slow or starved worker
      // never makes it wait: the first result of a range wins.
      for (;;) {
        let index = take();
        if (index === undefined) {
          index = results.findIndex((result, i) => !result && i < limit);
          if (index < 0 && results.length < limit) index = results.length;
          if (index < 0) break;
        }
        const state = await options.scanHere(starts[index], endOf(index));
        if (!results[index]) record(index, state, "main");
      }
    } else {
      await Promise.all(running);
      for (let index = 0; index < limit; index++) {
        if (!results[index]) {
          record(index, await options.scanHere(starts[index], endOf(index)), "main");
        }
      }
    }
    return results.slice(0, limit);
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate().catch(() => 0)));
  }
}
