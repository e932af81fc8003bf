/**
 * Full verification of a log file and its head: every line's framing,
 * structure, hash, seq and link, then the head. Large logs are split into
 * byte ranges scanned in parallel by the main thread and workers, then
 * chained at the range boundaries; any anomaly is re-scanned on the main
 * thread from the last range known to be good, so both paths classify damage
 * identically.
 *
 * @module
 */
import { availableParallelism, cpus } from "node:os";
import * as fs from "node:fs/promises";
import { readSync } from "node:fs";
import {
  CODES,
  FIELD_NAMES,
  forwardLines,
  GENESIS_HASH,
  type HeadFileState,
  readHeadFile,
  storedHash,
} from "./_format.ts";
import type { RangeResult } from "./_parallel.ts";
import { checkLine } from "./_line_check.ts";
import { newState, type ScanFailure, type ScanJob, type ScanState, scanSteps } from "./_scanner.ts";
import type { AuditDamageKind, AuditHead, VerifyResult } from "./_types.ts";

/** Options for {@linkcode verifyLogFile}. */
export interface VerifyOptions {
  /** The head file; when it and `head` are both absent, the head check is skipped with a warning. */
  headFile?: string;
  /** A known head to check against instead of a file. */
  head?: AuditHead;
  /** Worker threads besides the main thread; 0 scans on the main thread only. Default: one less than the available cores, at most 3. */
  workers?: number;
  /**
   * Logs smaller than this are scanned on the main thread only. Default: 96 MiB. Starting
   * a worker blocks the main thread for 20 to 50 ms in Deno and its JIT needs warming up,
   * about 0.1 s in all; measured on two vCPUs, the parallel path wins from about 100 MB.
   */
  parallelMinBytes?: number;
  /** Bytes per read. Default: 1 MiB. */
  chunkBytes?: number;
  /** Bytes per range of the parallel path; see `scanRanges`. */
  rangeBytes?: number;
  /** Takes the ranged path even without workers, on the main thread (tests of the stitching). */
  forceRanges?: boolean;
}

/** Options for {@linkcode verifyLogSelecting}. */
export interface VerifySelectingOptions extends VerifyOptions {
  /** The actions whose lines to select. */
  actions: readonly string[];
}

/** What {@linkcode verifyLogSelecting} found. */
export interface VerifySelection {
  /** The verification. */
  result: VerifyResult;
  /** File offsets of the lines of the selected actions, in order; empty unless the log verifies. */
  lines: number[];
}

const PARALLEL_MIN_BYTES = 96 << 20;
// How long the main thread scans before it lets the event loop turn.
const YIELD_MS = 50;

/**
 * Verifies a log file against a head.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { verifyLogFile } from "./_verify.ts";
 * import assert from "node:assert/strict";
 * await writeFile("/tmp/labos-verify.jsonl", "");
 * const result = await verifyLogFile("/tmp/labos-verify.jsonl", { head: { seq: 0, hash: "0".repeat(64) } });
 * assert.ok(result.ok);
 * ```
 */
export async function verifyLogFile(
  logFile: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  return (await verifyLogSelecting(logFile, { ...options, actions: [] })).result;
}

/**
 * Verifies a log file like {@linkcode verifyLogFile} and, in the same pass,
 * finds the lines of some actions, so that a check of those events needs
 * no second read of the log.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { verifyLogSelecting } from "./_verify.ts";
 * import assert from "node:assert/strict";
 * await writeFile("/tmp/labos-verify-select.jsonl", "");
 * const { result, lines } = await verifyLogSelecting("/tmp/labos-verify-select.jsonl", {
 *   head: { seq: 0, hash: "0".repeat(64) },
 *   actions: ["user.key-created"],
 * });
 * assert.ok(result.ok && lines.length === 0);
 * ```
 */
export async function verifyLogSelecting(
  logFile: string,
  options: VerifySelectingOptions,
): Promise<VerifySelection> {
  const headState: HeadFileState | undefined = options.head
    ? { state: "ok", head: options.head }
    : options.headFile === undefined
    ? undefined
    : await readHeadFile(options.headFile);
  const size = await fileSize(logFile);
  const watchSeq = headState?.state === "ok" ? headState.head.seq : -1;
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const workers = options.workers ?? defaultWorkers();
  const genesis = { seq: 0, hash: GENESIS_HASH };
  const actions = options.actions.length > 0 ? options.actions : undefined;

  const scratch = { bytes: null };
  let state: ScanState = newState(genesis, { end: size, watchSeq });
  let before = { count: 0, watchHash: "", marks: [] as number[] };
  if (size > 0) {
    if (
      (workers >= 1 || options.forceRanges) &&
      size >= (options.parallelMinBytes ?? PARALLEL_MIN_BYTES)
    ) {
      // Loaded here: its node:worker_threads would cost every command's start-up.
      const { scanRanges } = await import("./_parallel.ts");
      const ranges = await scanRanges(logFile, {
        size,
        workers,
        chunkBytes,
        watchSeq,
        actions,
        rangeBytes: options.rangeBytes,
        async scanHere(start, end) {
          const range = newState(null, { end, watchSeq });
          await scanOnMainThread(logFile, range, { start, size, chunkBytes, scratch, actions });
          return range;
        },
      });
      const stitched = stitch(ranges);
      before = stitched;
      state = newState(stitched.seed, { end: size, watchSeq });
      state.lastPrev = stitched.lastPrev;
      if (stitched.rerunFrom !== undefined) {
        const start = stitched.rerunFrom;
        await scanOnMainThread(logFile, state, { start, size, chunkBytes, scratch, actions });
      }
    } else {
      await scanOnMainThread(logFile, state, { start: 0, size, chunkBytes, scratch, actions });
    }
  }
  const events = before.count + state.count;
  if (state.failure) {
    return { result: await classify(logFile, { size, failure: state.failure, events }), lines: [] };
  }
  const watchHash = state.watchHash || before.watchHash;
  const result = checkHead(headState, { events, state, watchHash });
  return { result, lines: result.ok ? [...before.marks, ...state.marks] : [] };
}

function defaultWorkers(): number {
  const cores = typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
  return Math.min(3, Math.max(0, cores - 1));
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function scanOnMainThread(file: string, state: ScanState, job: ScanJob): Promise<void> {
  const handle = await fs.open(file, "r");
  try {
    const steps = scanSteps(state, job);
    let yielded = performance.now();
    let step = steps.next(0);
    while (!step.done) {
      const read = step.value;
      // A synchronous read: the thread would wait for it anyway, and an
      // asynchronous one costs a hop to another thread and a copy.
      const bytesRead = readSync(handle.fd, read.buffer, read.offset, read.length, read.position);
      step = steps.next(bytesRead);
      // Other work of the event loop (a server's requests) runs every
      // YIELD_MS. Not through setImmediate, which on Deno turns the loop
      // without polling for I/O and messages.
      if (performance.now() - yielded >= YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = performance.now();
      }
    }
  } finally {
    await handle.close();
  }
}

interface Stitched {
  count: number;
  watchHash: string;
  marks: number[];
  seed: { seq: number; hash: string };
  lastPrev: string;
  rerunFrom?: number;
}

// Chains the ranges; stops at the first range that failed or does not continue the chain.
function stitch(ranges: RangeResult[]): Stitched {
  const result: Stitched = {
    count: 0,
    watchHash: "",
    marks: [],
    seed: { seq: 0, hash: GENESIS_HASH },
    lastPrev: "",
  };
  for (const { start, state } of ranges) {
    if (state.count === 0 && !state.failure) continue;
    const continues = state.count > 0 && state.firstSeq === result.seed.seq + 1 &&
      state.firstPrev === result.seed.hash;
    if (state.failure || !continues) return { ...result, rerunFrom: start };
    result.count += state.count;
    for (const mark of state.marks) result.marks.push(mark);
    result.watchHash ||= state.watchHash;
    result.lastPrev = state.lastPrev;
    result.seed = { seq: state.lastSeq, hash: state.lastHash };
  }
  return result;
}

function damage(
  kind: AuditDamageKind,
  at: { events: number; seq: number; why: string },
): VerifyResult {
  return {
    ok: false,
    events: at.events,
    seq: at.seq,
    kind,
    message: `Audit log damaged at seq ${at.seq}: ${at.why} (${kind})`,
  };
}

function checkHead(
  headState: HeadFileState | undefined,
  scan: { events: number; state: ScanState; watchHash: string },
): VerifyResult {
  const { events, state, watchHash } = scan;
  const last = { seq: state.lastSeq, hash: events > 0 ? state.lastHash : GENESIS_HASH };
  const ok = (warnings: string[]): VerifyResult => ({
    ok: true,
    events,
    head: last.hash,
    warnings,
  });
  if (headState === undefined) {
    return ok(["No head was given, so a dropped tail cannot be detected"]);
  }
  if (headState.state === "malformed") {
    return damage("malformed", {
      events,
      seq: last.seq + 1,
      why: 'head.json is not {"seq":N,"hash":"<sha-256>"}',
    });
  }
  const head = headState.state === "ok" ? headState.head : { seq: 0, hash: GENESIS_HASH };
  if (head.seq === last.seq) {
    if (head.hash === last.hash) return ok([]);
    return damage("forged", {
      events,
      seq: last.seq,
      why: `head.json records a different hash for seq ${last.seq}, so the log was rewritten`,
    });
  }
  if (head.seq > last.seq) {
    return damage("truncated", {
      events,
      seq: last.seq + 1,
      why: `head.json records ${head.seq} events but the log has ${last.seq}`,
    });
  }
  if (head.seq === last.seq - 1 && head.hash === state.lastPrev) {
    return ok([
      `head.json lags the log by one event (seq ${last.seq}): an append was interrupted; the next append repairs it`,
    ]);
  }
  if (headState.state === "absent") {
    return damage("truncated", {
      events,
      seq: last.seq + 1,
      why: "head.json is missing, so a dropped tail cannot be ruled out",
    });
  }
  if (head.seq > 0 && watchHash !== head.hash) {
    return damage("forged", {
      events,
      seq: head.seq,
      why: `head.json records a different hash for seq ${head.seq}, so the log was rewritten`,
    });
  }
  if (head.seq === 0 && head.hash !== GENESIS_HASH) {
    return damage("forged", {
      events,
      seq: 1,
      why: "head.json records seq 0 with a non-zero hash",
    });
  }
  // The log chains from the head: a batch append was interrupted before its head write.
  return ok([
    `head.json lags the log by ${last.seq - head.seq} events (seq ${
      head.seq + 1
    } to ${last.seq}): an append was interrupted; the next append repairs it`,
  ]);
}

async function classify(
  file: string,
  found: { size: number; failure: ScanFailure; events: number },
): Promise<VerifyResult> {
  const { size, failure, events } = found;
  const { code, expected, lineSeq } = failure;
  const at = (seq: number, why: string) => ({ events, seq, why });
  if (code === CODES.F_TORN) {
    return damage(
      "torn",
      at(expected, "the last line has no trailing newline; an append was interrupted"),
    );
  }
  if (code === CODES.F_HASH) return damage("edited", at(expected, "hash does not match the event"));
  if (code === CODES.F_LINK) {
    if (expected === 1) {
      return damage("forged", at(1, "event 1 does not start from the genesis hash"));
    }
    const previous = expected - 1;
    return damage(
      "forged",
      at(
        previous,
        `event ${expected} does not link to event ${previous}, so event ${previous} was rewritten and rehashed, or event ${expected} was forged`,
      ),
    );
  }
  if (code === CODES.F_SEQ_ORDER) {
    const found = `event ${lineSeq} appears where seq ${expected} was expected`;
    if (lineSeq > expected) {
      const later = await lookAhead(file, { size, failure });
      if (later.sameLine) return damage("duplicated", at(expected, `${found} and again later`));
      if (later.expected) {
        return damage("reordered", at(expected, `${found}; event ${expected} comes later`));
      }
      const gap = lineSeq - 1 === expected
        ? `event ${expected} is`
        : `events ${expected} to ${lineSeq - 1} are`;
      return damage("missing", at(expected, `${gap} missing`));
    }
    const copy = failure.lineHash === failure.prevHash ||
      failure.lineHash === await lineHash(file, { size, line: lineSeq });
    if (copy) {
      return damage(
        "duplicated",
        at(expected, `a copy of event ${lineSeq} appears where seq ${expected} was expected`),
      );
    }
    return damage(
      "forged",
      at(
        expected,
        `a second, different event claims seq ${lineSeq} where seq ${expected} was expected`,
      ),
    );
  }
  const field = FIELD_NAMES[code];
  const why = code === CODES.F_FRAME
    ? `line ${expected} is not framed as {"event":…,"hash":"<sha-256>"}`
    : code === CODES.F_UTF8
    ? `line ${expected} is not valid UTF-8`
    : field
    ? `line ${expected} has a missing or invalid "${field}"`
    : `line ${expected} is not a version 1 event`;
  return damage("malformed", at(expected, why));
}

// After a forward seq jump: is the expected event, or a copy of this line, further on?
async function lookAhead(
  file: string,
  scan: { size: number; failure: ScanFailure },
): Promise<{ expected: boolean; sameLine: boolean }> {
  const { size, failure } = scan;
  const out = new Float64Array(CODES.O_SIZE);
  let expected = false;
  for await (const batch of forwardLines(file, { from: failure.lineEnd, size })) {
    const b = batch.bytes;
    for (let i = 0; i < batch.starts.length; i++) {
      const s = batch.starts[i];
      const e = batch.ends[i];
      const code = checkLine(b, s, e, out);
      if (code === CODES.F_FRAME) continue;
      if (storedHash(b, e) === failure.lineHash) return { expected, sameLine: true };
      if (code === 0 && out[CODES.O_SEQ] === failure.expected) expected = true;
    }
  }
  return { expected, sameLine: false };
}

// The stored hash of line `line`; lines before the failure are known good, so it has that seq.
async function lineHash(file: string, scan: { size: number; line: number }): Promise<string> {
  let seen = 0;
  for await (const batch of forwardLines(file, { size: scan.size })) {
    if (seen + batch.starts.length >= scan.line) {
      const e = batch.ends[scan.line - seen - 1];
      return storedHash(batch.bytes, e);
    }
    seen += batch.starts.length;
  }
  return "";
}
