/**
 * The audit log in `labos_audit`: one row per event holding its exact line
 * (format v1, with its newline) and hash, and the head in `labos_head`.
 * Lines are encoded by the audit module and checked by its verifier, which
 * reads them from a temporary copy in the folder layout.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditHead,
  encodeEvents,
  EVENT_OFFSET,
  formatHead,
  FRAME_TAIL,
  GENESIS_HASH,
  HEAD_FILE,
  LOG_FILE,
} from "../../audit/mod.ts";
import { LabosError } from "../../errors.ts";
import type { Sql } from "./_schema.ts";

/** The head row: the last event's seq, hash and ts (`""` for an empty log). */
export interface HeadRow {
  /** The last seq, or 0. */
  seq: number;
  /** The last hash, or the genesis hash. */
  hash: string;
  /** The last ts, or `""`. */
  ts: string;
}

/** The head of an empty log. */
export const EMPTY_HEAD: HeadRow = { seq: 0, hash: GENESIS_HASH, ts: "" };

/**
 * Locks and reads the head row, the first statement of every writing
 * transaction; undefined when the store has no head (not initialised).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { lockHead } from "./_audit.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await lockHead(sql));
 * await sql.end();
 * ```
 */
export async function lockHead(sql: Sql): Promise<HeadRow | undefined> {
  const [row] = await sql`SELECT seq, hash, ts FROM labos_head WHERE id = 1 FOR UPDATE`;
  return row ? { seq: Number(row.seq), hash: row.hash, ts: row.ts } : undefined;
}

/**
 * Appends events after `head` (locked by the caller) and moves the head:
 * compare-and-append, refused (`check_failed`) when the log's last row is
 * not the head. Returns the new head, the events and their lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { appendEvents, EMPTY_HEAD } from "./_audit.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await appendEvents(sql, EMPTY_HEAD, { inputs: [], now: new Date(), location: "test" }).then(() => sql`SELECT 1`));
 * await sql.end();
 * ```
 */
export async function appendEvents(
  sql: Sql,
  head: HeadRow,
  options: { inputs: AuditEventInput[]; now: Date; location: string },
): Promise<{ head: HeadRow; events: AuditEvent[]; lines: string[] }> {
  const { inputs, now, location } = options;
  if (inputs.length === 0) return { head, events: [], lines: [] };
  const [last] = await sql`SELECT seq, hash FROM labos_audit ORDER BY seq DESC LIMIT 1`;
  const lastSeq = last ? Number(last.seq) : 0;
  const lastHash = last ? last.hash : GENESIS_HASH;
  if (lastSeq !== head.seq || lastHash !== head.hash) {
    throw new LabosError(
      "check_failed",
      `Cannot append to the audit log of ${location}: its head says seq ${head.seq} but its last event is seq ${lastSeq}; run "labos doctor"`,
    );
  }
  const { events, lines, hash } = encodeEvents(inputs, head, now);
  const rows = events.map((event, index) => ({
    seq: event.seq,
    line: lines[index],
    hash: index === events.length - 1 ? hash : events[index + 1].prev,
    ts: event.ts,
    actor: event.actor,
    action: event.action,
    target_type: event.target.type,
    target_id: event.target.id,
  }));
  await insertAuditRows(sql, rows);
  const next = { seq: events[events.length - 1].seq, hash, ts: events[events.length - 1].ts };
  await sql`UPDATE labos_head SET seq = ${next.seq}, hash = ${next.hash}, ts = ${next.ts} WHERE id = 1`;
  return { head: next, events, lines };
}

/** One row of `labos_audit`. */
export interface AuditRow {
  /** The event's seq. */
  seq: number;
  /** The exact line, newline included. */
  line: string;
  /** The line's hash. */
  hash: string;
  /** The event's ts. */
  ts: string;
  /** The event's actor. */
  actor: string;
  /** The event's action. */
  action: string;
  /** The event's target type. */
  target_type: string;
  /** The event's target id. */
  target_id: string;
}

const INSERT_BATCH = 500;

/** Inserts audit rows, a few hundred per statement. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { insertAuditRows } from "./_audit.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await insertAuditRows(sql, [{ seq: 1, line: "", hash: "", ts: "", actor: "ada", action: "a.b", target_type: "t", target_id: "i" }]));
 * await sql.end();
 * ```
 */
export async function insertAuditRows(sql: Sql, rows: AuditRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH);
    await sql`INSERT INTO labos_audit ${
      sql(batch, "seq", "line", "hash", "ts", "actor", "action", "target_type", "target_id")
    }`;
  }
}

/** The event of a stored line (which ends with its newline). *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeEvent, GENESIS_HASH } from "../../audit/mod.ts";
 * import { eventOfLine } from "./_audit.ts";
 * const { line, hash } = encodeEvent({
 *   v: 1, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * });
 * assert.equal(eventOfLine(line).actor, "ada");
 * void hash;
 * ```
 */
export function eventOfLine(line: string): AuditEvent {
  return JSON.parse(line.slice(EVENT_OFFSET, line.length - 1 - FRAME_TAIL)) as AuditEvent;
}

/** The row of a line read from a log file (format v1, newline included). *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeEvent, GENESIS_HASH } from "../../audit/mod.ts";
 * import { rowOfLine } from "./_audit.ts";
 * const { line, hash } = encodeEvent({
 *   v: 1, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * });
 * assert.equal(rowOfLine(line).hash, hash);
 * ```
 */
export function rowOfLine(line: string): AuditRow {
  const event = eventOfLine(line);
  return {
    seq: event.seq,
    line,
    hash: line.slice(line.length - 1 - 66, line.length - 3),
    ts: event.ts,
    actor: event.actor,
    action: event.action,
    target_type: event.target.type,
    target_id: event.target.id,
  };
}

/**
 * Writes the log and its head in the folder layout (`log.jsonl`,
 * `head.json`) into a new temporary folder, runs `fn` on it and removes
 * it. For a consistent copy, `sql` is a repeatable-read transaction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { withAuditCopy } from "./_audit.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await withAuditCopy(sql, ({ head }) => Promise.resolve(head)));
 * await sql.end();
 * ```
 */
export async function withAuditCopy<T>(
  sql: Sql,
  fn: (
    copy: { logFile: string; headFile: string; head: AuditHead; auditDir: string },
  ) => Promise<T>,
): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "labos-pg-audit-"));
  try {
    const logFile = path.join(dir, LOG_FILE);
    const headFile = path.join(dir, HEAD_FILE);
    const [row] = await sql`SELECT seq, hash FROM labos_head WHERE id = 1`;
    const head = row ? { seq: Number(row.seq), hash: row.hash as string } : EMPTY_HEAD;
    const handle = await fs.open(logFile, "w");
    try {
      for await (const lines of auditLines(sql)) await handle.write(lines);
    } finally {
      await handle.close();
    }
    const copied = { seq: head.seq, hash: head.hash };
    await fs.writeFile(headFile, formatHead(copied));
    return await fn({ logFile, headFile, head: copied, auditDir: dir });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Every line, oldest first, joined in chunks. */
async function* auditLines(sql: Sql): AsyncIterable<string> {
  const query = sql`SELECT line FROM labos_audit ORDER BY seq`;
  for await (const rows of query.cursor(1000)) {
    yield rows.map((row) => row.line as string).join("");
  }
}
