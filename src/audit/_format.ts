/**
 * The v1 line format: encoding, the main-thread scanner and `head.json`.
 *
 * @module
 */
import * as buffer from "node:buffer";
import * as crypto from "node:crypto";
import * as fs from "node:fs/promises";
import { createScanner, type Scanner } from "./_scanner.ts";
import type { AuditEvent, AuditHead } from "./_types.ts";

/** The `prev` of the first event and the head hash of an empty log: 64 zeros. */
export const GENESIS_HASH: string = "0".repeat(64);

/** The log file name inside the audit folder. */
export const LOG_FILE = "log.jsonl";

/** The head file name inside the audit folder. */
export const HEAD_FILE = "head.json";

/** The scanner of the main thread. */
export const scanner: Scanner = createScanner({ crypto, buffer });

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Encodes an event as one log line. Does not validate: `AuditLog.append`
 * does, and checks every line it writes.
 *
 * @example
 * ```ts
 * import { encodeEvent, GENESIS_HASH } from "./_format.ts";
 * const { line, hash } = encodeEvent({
 *   v: 1, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * });
 * console.assert(line.endsWith(`"hash":"${hash}"}\n`));
 * ```
 */
export function encodeEvent(event: AuditEvent): { line: string; hash: string } {
  const text = JSON.stringify({
    v: event.v,
    seq: event.seq,
    id: event.id,
    ts: event.ts,
    actor: event.actor,
    action: event.action,
    target: { type: event.target.type, id: event.target.id },
    reason: event.reason,
    details: event.details,
    prev: event.prev,
  });
  const hash = crypto.createHash("sha256").update(text).digest("hex");
  return { line: `{"event":${text},"hash":"${hash}"}\n`, hash };
}

/** What `head.json` holds: absent, unreadable, or a head. */
export type HeadFileState =
  | { state: "absent" }
  | { state: "malformed" }
  | { state: "ok"; head: AuditHead };

/**
 * Reads and checks a head file.
 *
 * @example
 * ```ts
 * import { readHeadFile } from "./_format.ts";
 * const head = await readHeadFile("/nonexistent/head.json");
 * console.assert(head.state === "absent");
 * ```
 */
export async function readHeadFile(file: string): Promise<HeadFileState> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "absent" };
    throw error;
  }
  const head = parseHead(text);
  return head ? { state: "ok", head } : { state: "malformed" };
}

/**
 * Parses `{"seq":N,"hash":"<64 hex>"}`; undefined when it is anything else.
 *
 * @example
 * ```ts
 * import { parseHead } from "./_format.ts";
 * console.assert(parseHead('{"seq":0,"hash":"' + "0".repeat(64) + '"}')?.seq === 0);
 * console.assert(parseHead("{}") === undefined);
 * ```
 */
export function parseHead(text: string): AuditHead | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const { seq, hash } = record;
  if (keys.length !== 2 || keys[0] !== "seq" || keys[1] !== "hash") return undefined;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof hash !== "string" || !HASH_PATTERN.test(hash)) return undefined;
  if (seq === 0 && hash !== GENESIS_HASH) return undefined;
  return { seq, hash };
}

/**
 * Serializes a head as `head.json` content.
 *
 * @example
 * ```ts
 * import { formatHead, GENESIS_HASH } from "./_format.ts";
 * console.assert(formatHead({ seq: 0, hash: GENESIS_HASH }).startsWith('{"seq":0,'));
 * ```
 */
export function formatHead(head: AuditHead): string {
  return `${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`;
}

const decoder = new TextDecoder();

/**
 * Decodes the event of a line (`end` is its newline) that passed `checkFrame` and `checkEvent`.
 *
 * @example
 * ```ts
 * import { decodeEvent, encodeEvent, GENESIS_HASH } from "./_format.ts";
 * const event = {
 *   v: 1 as const, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * };
 * const bytes = new TextEncoder().encode(encodeEvent(event).line);
 * console.assert(decodeEvent(bytes, { start: 0, end: bytes.length - 1 }).seq === 1);
 * ```
 */
export function decodeEvent(bytes: Uint8Array, line: { start: number; end: number }): AuditEvent {
  return JSON.parse(decoder.decode(bytes.subarray(line.start + 9, line.end - 75))) as AuditEvent;
}
