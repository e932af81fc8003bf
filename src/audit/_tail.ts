/**
 * The end of the log: its last line, read backwards without scanning the
 * file, cross-checked with `head.json`. Appends and exports start here.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { LabosError } from "../errors.ts";
import {
  backwardLines,
  CODES,
  EVENT_OFFSET,
  eventEnd,
  GENESIS_HASH,
  HASH_HEX,
  latin1,
  readFully,
  readHeadFile,
  sha256Hex,
  storedHash,
} from "./_format.ts";
import { checkLine } from "./_line_check.ts";
import type { AuditHead } from "./_types.ts";

/** The last event of the log, or seq 0 for an empty log. */
export interface LogTail {
  /** The log size in bytes when it was read. */
  size: number;
  /** The last event's seq, or 0. */
  seq: number;
  /** The last event's hash, or the genesis hash. */
  hash: string;
  /** The last event's `prev`, or `""`. */
  prev: string;
  /** The last event's `ts`, or `""`. */
  ts: string;
}

/** The checked end of the log. */
export interface ResolvedHead {
  /** The last event. */
  tail: LogTail;
  /** The head the log really has: the last event's seq and hash. */
  head: AuditHead;
  /** Whether `head.json` lags an interrupted append behind and must be rewritten. */
  stale: boolean;
}

const EMPTY: Omit<LogTail, "size"> = { seq: 0, hash: GENESIS_HASH, prev: "", ts: "" };

function damaged(context: string, why: string): LabosError {
  return new LabosError("check_failed", `${context}: ${why}; run \`labos doctor --repair\``);
}

/**
 * Reads the last line of the log from the end, in growing chunks, and checks
 * it fully (framing, hash, structure). Throws `check_failed` on damage.
 *
 * @example
 * ```ts
 * import { readTail } from "./_tail.ts";
 * import assert from "node:assert/strict";
 * const tail = await readTail("/nonexistent/log.jsonl", "Cannot append to the audit log");
 * assert.equal(tail.seq, 0);
 * ```
 */
export async function readTail(
  logFile: string,
  context: string,
  options: { skipPartial?: boolean } = {},
): Promise<LogTail> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(logFile, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { size: 0, ...EMPTY };
    throw error;
  }
  try {
    let size = (await handle.stat()).size;
    if (size === 0) return { size, ...EMPTY };
    const last = new Uint8Array(1);
    await readFully(handle, { buffer: last, length: 1, position: size - 1 });
    if (last[0] !== 10) {
      if (!options.skipPartial) {
        throw damaged(context, "the last line has no trailing newline (an interrupted append)");
      }
      // Another process's append in progress: the log ends at its last complete line.
      size = await completeEnd(handle, size);
      if (size === 0) return { size, ...EMPTY };
    }
    let window = 4096;
    let line: Uint8Array;
    for (;;) {
      const start = Math.max(0, size - 1 - window);
      const bytes = new Uint8Array(size - 1 - start);
      await readFully(handle, { buffer: bytes, length: bytes.length, position: start });
      const nl = bytes.lastIndexOf(10);
      if (nl >= 0 || start === 0) {
        line = bytes.subarray(nl + 1);
        break;
      }
      window *= 4;
    }
    const out = new Float64Array(CODES.O_SIZE);
    const n = line.length;
    const valid = checkLine(line, 0, n, out) === 0 &&
      sha256Hex(line.subarray(EVENT_OFFSET, eventEnd(n))) === storedHash(line, n);
    if (!valid) throw damaged(context, "the last line is not a valid audit record");
    const ts = out[CODES.O_TS];
    const prev = out[CODES.O_PREV];
    return {
      size,
      seq: out[CODES.O_SEQ],
      hash: storedHash(line, n),
      prev: latin1(line, { from: prev, to: prev + HASH_HEX }),
      ts: latin1(line, { from: ts, to: ts + 24 }),
    };
  } finally {
    await handle.close();
  }
}

/** The end of the last complete line (after its newline), or 0. */
async function completeEnd(handle: fs.FileHandle, size: number): Promise<number> {
  for (let end = size, window = 4096; end > 0; window *= 4) {
    const start = Math.max(0, end - window);
    const bytes = new Uint8Array(end - start);
    await readFully(handle, { buffer: bytes, length: bytes.length, position: start });
    const nl = bytes.lastIndexOf(10);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * Reads the tail and checks it against `head.json`. Accepts a head that lags
 * behind the log when the events after it chain from its hash (a crash
 * between a batch append and the head write); refuses anything else that
 * disagrees. With `reader` (no lock held), a partial last line is another
 * process's append in progress and is skipped.
 *
 * @example
 * ```ts
 * import { resolveHead } from "./_tail.ts";
 * import assert from "node:assert/strict";
 * const { head } = await resolveHead("/nonexistent/log.jsonl", {
 *   headFile: "/nonexistent/head.json",
 *   context: "Cannot read the audit log head",
 * });
 * assert.equal(head.seq, 0);
 * ```
 */
export async function resolveHead(
  logFile: string,
  options: { headFile: string; context: string; reader?: boolean },
): Promise<ResolvedHead> {
  const { headFile, context } = options;
  // head.json first: a writer appends to the log before it rewrites the head, so a
  // reader without the lock that reads them in this order never sees a head ahead of the log.
  const file = await readHeadFile(headFile);
  const tail = await readTail(logFile, context, { skipPartial: options.reader });
  if (file.state === "malformed") {
    throw damaged(context, 'head.json is not {"seq":N,"hash":"<sha-256>"}');
  }
  const recorded = file.state === "ok" ? file.head : { seq: 0, hash: GENESIS_HASH };
  const head = { seq: tail.seq, hash: tail.hash };
  if (recorded.seq === tail.seq && recorded.hash === tail.hash) return { tail, head, stale: false };
  if (recorded.seq === tail.seq - 1 && recorded.hash === tail.prev) {
    return { tail, head, stale: true };
  }
  if (recorded.seq > tail.seq) {
    throw damaged(
      context,
      `head.json records ${recorded.seq} events but the log ends at seq ${tail.seq} (truncated)`,
    );
  }
  if (file.state === "absent") {
    throw damaged(context, `head.json is missing but the log has ${tail.seq} events`);
  }
  if (await chainsFrom(logFile, { size: tail.size, head: recorded })) {
    return { tail, head, stale: true };
  }
  throw damaged(
    context,
    `head.json (seq ${recorded.seq}) does not match the last event (seq ${tail.seq})`,
  );
}

/**
 * Whether the event after the recorded head links to the head's hash: then
 * the head only lags behind an interrupted batch append. Reads backwards no
 * further than the lag.
 */
async function chainsFrom(
  logFile: string,
  options: { size: number; head: AuditHead },
): Promise<boolean> {
  const { size, head } = options;
  const out = new Float64Array(CODES.O_SIZE);
  for await (const batch of backwardLines(logFile, { size })) {
    for (let i = batch.starts.length - 1; i >= 0; i--) {
      const b = batch.bytes;
      if (checkLine(b, batch.starts[i], batch.ends[i], out) !== 0) return false;
      const seq = out[CODES.O_SEQ];
      if (seq <= head.seq) return false;
      const prev = out[CODES.O_PREV];
      if (seq === head.seq + 1) return latin1(b, { from: prev, to: prev + HASH_HEX }) === head.hash;
    }
  }
  return false;
}
