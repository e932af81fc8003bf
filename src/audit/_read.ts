/**
 * Reading events for people: `list` pages newest first by reading the log
 * backwards, `scan` streams oldest first. Neither checks hashes (that is
 * `verify`), but both refuse lines that are not valid v1 records.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { LabosError, quote } from "../errors.ts";
import { backwardLines, CODES, decodeEvent, forwardLines } from "./_format.ts";
import { checkLine } from "./_line_check.ts";
import type { AuditEvent, AuditFilter, AuditPage } from "./_types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The largest page `list` returns. */
export const MAX_PAGE = 1000;

/**
 * Lists events newest first, reading backwards from the end of the log until
 * the page is full, so the first pages of a large log are cheap. Because `ts`
 * never decreases along the log, a `since` filter stops at the first older event.
 *
 * @example
 * ```ts
 * import { listEvents } from "./_read.ts";
 * import assert from "node:assert/strict";
 * const page = await listEvents("/nonexistent/log.jsonl", { limit: 10 });
 * assert.ok(page.events.length === 0 && !page.hasMore);
 * ```
 */
export async function listEvents(logFile: string, filter: AuditFilter = {}): Promise<AuditPage> {
  const limit = filter.limit ?? 50;
  const offset = filter.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw invalid("limit", { why: `must be an integer from 1 to ${MAX_PAGE}`, value: limit });
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw invalid("offset", { why: "must be a non-negative integer", value: offset });
  }
  const since = filter.since === undefined ? undefined : sinceBytes(filter.since);
  const fields: [number, Uint8Array, string][] = [];
  for (
    const [slot, key] of [
      [CODES.O_ACTOR, "actor"],
      [CODES.O_ACTION, "action"],
      [CODES.O_TYPE, "targetType"],
      [CODES.O_TARGET_ID, "targetId"],
    ] as const
  ) {
    const value = filter[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw invalid(key, { why: "must be a string", value });
    fields.push([slot, encoder.encode(JSON.stringify(value)), value]);
  }
  const size = await fileSize(logFile);
  const events: AuditEvent[] = [];
  const out = new Float64Array(CODES.O_SIZE);
  let matched = 0;
  for await (const batch of backwardLines(logFile, { size })) {
    const b = batch.bytes;
    for (let i = batch.starts.length - 1; i >= 0; i--) {
      const s = batch.starts[i];
      const e = batch.ends[i];
      if (checkLine(b, s, e, out) !== 0) throw unreadable("list", batch.base + s);
      if (since && compareAt(b, { at: out[CODES.O_TS], bytes: since }) < 0) {
        return { events, hasMore: false };
      }
      if (
        !fields.every(([slot, encoded, value]) =>
          tokenIs(b, { from: out[slot], to: out[slot + 1], encoded, value })
        )
      ) {
        continue;
      }
      matched++;
      if (matched > offset + limit) return { events, hasMore: true };
      if (matched > offset) events.push(decodeEvent(b, { start: s, end: e }));
    }
  }
  return { events, hasMore: false };
}

/**
 * Reads the events of the lines that start at the given file offsets, in
 * order; for lines a verification has just checked (see `verifyLogSelecting`).
 *
 * @example
 * ```ts
 * import { eventsAt } from "./_read.ts";
 * import assert from "node:assert/strict";
 * let count = 0;
 * for await (const _ of eventsAt("/nonexistent/log.jsonl", [])) count++;
 * assert.equal(count, 0);
 * ```
 */
export async function* eventsAt(logFile: string, offsets: number[]): AsyncGenerator<AuditEvent> {
  if (offsets.length === 0) return;
  const handle = await fs.open(logFile, "r");
  try {
    let bytes = new Uint8Array(4096);
    for (const offset of offsets) {
      let len = 0;
      for (;;) {
        const { bytesRead } = await handle.read(bytes, len, bytes.length - len, offset + len);
        if (bytesRead <= 0) throw unreadable("read", offset);
        const nl = bytes.indexOf(10, len);
        len += bytesRead;
        if (nl >= 0 && nl < len) {
          yield decodeEvent(bytes, { start: 0, end: nl });
          break;
        }
        if (len === bytes.length) {
          const bigger = new Uint8Array(bytes.length * 2);
          bigger.set(bytes);
          bytes = bigger;
        }
      }
    }
  } finally {
    await handle.close();
  }
}

/** Options for {@linkcode scanEvents}. */
export interface ScanOptions {
  /** Only events with one of these actions; the others are checked but never decoded. */
  actions?: readonly string[];
}

/**
 * Streams every event oldest first (with `actions`, only those). A final
 * line without a newline (an interrupted append) is skipped.
 *
 * @example
 * ```ts
 * import { scanEvents } from "./_read.ts";
 * for await (const event of scanEvents("/nonexistent/log.jsonl")) console.log(event.seq);
 * ```
 */
export async function* scanEvents(
  logFile: string,
  options: ScanOptions = {},
): AsyncGenerator<AuditEvent> {
  const size = await fileSize(logFile);
  if (size === 0) return;
  const out = new Float64Array(CODES.O_SIZE);
  const actions = options.actions?.map((value) => ({
    value,
    encoded: encoder.encode(JSON.stringify(value)),
  }));
  for await (const batch of forwardLines(logFile, { size })) {
    const b = batch.bytes;
    const wanted: number[] = [];
    // Every line of the batch is checked before the first is yielded, and
    // decoded only when asked for: a reader that stops early parses little.
    for (let i = 0; i < batch.starts.length; i++) {
      if (checkLine(b, batch.starts[i], batch.ends[i], out) !== 0) {
        throw unreadable("read", batch.base + batch.starts[i]);
      }
      const from = out[CODES.O_ACTION];
      const to = out[CODES.O_ACTION + 1];
      if (!actions || actions.some((action) => tokenIs(b, { from, to, ...action }))) wanted.push(i);
    }
    for (const i of wanted) {
      yield decodeEvent(b, { start: batch.starts[i], end: batch.ends[i] });
    }
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

function sinceBytes(since: unknown): Uint8Array {
  const ms = typeof since === "string" ? Date.parse(since) : NaN;
  const date = new Date(ms);
  if (Number.isNaN(ms) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) {
    throw invalid("since", { why: "must be an ISO 8601 time", value: since });
  }
  return encoder.encode(date.toISOString());
}

function compareAt(b: Uint8Array, other: { at: number; bytes: Uint8Array }): number {
  const { at, bytes } = other;
  for (let k = 0; k < bytes.length; k++) {
    if (b[at + k] !== bytes[k]) return b[at + k] - bytes[k];
  }
  return 0;
}

// Compares the JSON string token b[from, to) with the encoding of `value`;
// escapes written differently from JSON.stringify fall back to decoding.
function tokenIs(
  b: Uint8Array,
  token: { from: number; to: number; encoded: Uint8Array; value: string },
): boolean {
  const { from, to, encoded, value } = token;
  if (to - from === encoded.length && compareAt(b, { at: from, bytes: encoded }) === 0) return true;
  const raw = b.subarray(from, to);
  return raw.includes(92) && JSON.parse(decoder.decode(raw)) === value;
}

function invalid(field: string, problem: { why: string; value: unknown }): LabosError {
  const { why, value } = problem;
  return new LabosError(
    "invalid",
    `Cannot list the audit log: "${field}" ${why}, got ${quote(value)}`,
    {
      issues: [{ path: field, message: why.charAt(0).toUpperCase() + why.slice(1) }],
    },
  );
}

function unreadable(verb: string, offset: number): LabosError {
  return new LabosError(
    "check_failed",
    `Cannot ${verb} the audit log: the line at byte ${offset} is not a valid audit record; run \`labos doctor\``,
  );
}
