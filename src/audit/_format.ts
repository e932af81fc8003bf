/**
 * The audit log format v1 in one place: the framing of a line, its byte
 * offsets, the failure codes of the checks, the line reader, event encoding
 * and decoding, the event hash and `head.json`. Every reader of the log goes
 * through this file; the byte-level checks of an event live in
 * `_scanner.ts`.
 *
 * A line is `{"event":<E>,"hash":"<64 hex>"}\n` where `<E>` is the compact
 * JSON of the event and the hash is the SHA-256 of the bytes of `<E>`.
 *
 * @module
 */
import { createSha256, sha256Hex as hashHex } from "../_crypto.ts";
import * as fs from "node:fs/promises";
import { LabosError } from "../errors.ts";
import type { AuditEvent, AuditHead } from "./_types.ts";

/** The `prev` of the first event and the head hash of an empty log: 64 zeros. */
export const GENESIS_HASH: string = "0".repeat(64);

/** The log file name inside the audit folder. */
export const LOG_FILE = "log.jsonl";

/** The head file name inside the audit folder. */
export const HEAD_FILE = "head.json";

/** What a line starts with: `{"event":`. */
export const LINE_PREFIX = '{"event":';

/** What follows the event: `,"hash":"`, then 64 hex digits and `"}`. */
export const HASH_KEY = ',"hash":"';

/** Hex digits of a hash (SHA-256): the line's `hash` and the event's `prev`. */
export const HASH_HEX = 64;

/** Bytes from a line's start to its event's first byte (`{"event":`). */
export const EVENT_OFFSET: number = LINE_PREFIX.length;

/** Bytes from the first hex digit of the line's hash to the newline: 64 + `"}`. */
export const HASH_TAIL: number = HASH_HEX + 2;

/** Bytes from the event's last byte (exclusive) to the newline: `,"hash":"` + 64 + `"}`. */
export const FRAME_TAIL: number = HASH_KEY.length + HASH_TAIL;

/** The shortest possible line without its newline: the framing around a 2-byte event. */
export const MIN_LINE: number = EVENT_OFFSET + 2 + FRAME_TAIL;

/**
 * The failure codes of the line checks (`F_*`) and the slots of the `out`
 * array they fill (`O_*`): `out[O_SEQ]` is the seq, `out[O_TS]` the offset
 * of `ts`'s first digit, and each of the string fields has a start and end
 * offset pair (quotes included) at its slot. Defined here only.
 */
export const CODES = {
  F_FRAME: 1,
  F_V: 2,
  F_SEQ: 3,
  F_ID: 4,
  F_TS: 5,
  F_ACTOR: 6,
  F_ACTION: 7,
  F_TARGET: 8,
  F_REASON: 9,
  F_DETAILS: 10,
  F_PREV: 11,
  F_UTF8: 12,
  F_HASH: 20,
  F_SEQ_ORDER: 21,
  F_LINK: 22,
  F_TORN: 23,
  O_SEQ: 0,
  O_TS: 1,
  O_ACTOR: 2,
  O_ACTION: 4,
  O_TYPE: 6,
  O_TARGET_ID: 8,
  O_PREV: 10,
  O_SIZE: 12,
} as const;

/** The field each structural failure code names in messages. */
export const FIELD_NAMES: Readonly<Record<number, string>> = {
  [CODES.F_SEQ]: "seq",
  [CODES.F_ID]: "id",
  [CODES.F_TS]: "ts",
  [CODES.F_ACTOR]: "actor",
  [CODES.F_ACTION]: "action",
  [CODES.F_TARGET]: "target",
  [CODES.F_REASON]: "reason",
  [CODES.F_DETAILS]: "details",
  [CODES.F_PREV]: "prev",
};

/**
 * Index of the first byte of the event of the line starting at `lineStart`.
 *
 * @example
 * ```ts
 * import { eventStart } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(eventStart(100), 109);
 * ```
 */
export function eventStart(lineStart: number): number {
  return lineStart + EVENT_OFFSET;
}

/**
 * Index just past the event of the line whose newline is at `lineEnd`.
 *
 * @example
 * ```ts
 * import { eventEnd } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(eventEnd(200), 125);
 * ```
 */
export function eventEnd(lineEnd: number): number {
  return lineEnd - FRAME_TAIL;
}

/**
 * Index of the first hex digit of the hash of the line whose newline is at `lineEnd`.
 *
 * @example
 * ```ts
 * import { hashStart } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hashStart(200), 134);
 * ```
 */
export function hashStart(lineEnd: number): number {
  return lineEnd - HASH_TAIL;
}

/**
 * The hash a line claims (its 64 hex digits as text); the line `b[s, e)` must have passed `checkFrame`.
 *
 * @example
 * ```ts
 * import { encodeEvent, GENESIS_HASH, storedHash } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const { line, hash } = encodeEvent({
 *   v: 1, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * });
 * const bytes = new TextEncoder().encode(line);
 * assert.equal(storedHash(bytes, bytes.length - 1), hash);
 * ```
 */
export function storedHash(b: Uint8Array, lineEnd: number): string {
  return latin1(b, { from: lineEnd - HASH_TAIL, to: lineEnd - 2 });
}

/**
 * The bytes `b[from, to)` as a string, one character a byte (for ASCII fields such as hashes).
 *
 * @example
 * ```ts
 * import { latin1 } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(latin1(new Uint8Array([97, 98, 99]), { from: 1, to: 3 }), "bc");
 * ```
 */
export function latin1(b: Uint8Array, range: { from: number; to: number }): string {
  let out = "";
  for (let k = range.from; k < range.to; k++) out += String.fromCharCode(b[k]);
  return out;
}

/**
 * Lowercase hex SHA-256 of the bytes: the hash of an event.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.ok(sha256Hex(new Uint8Array()).startsWith("e3b0c442"));
 * ```
 */
export const sha256Hex: (bytes: Uint8Array) => string = hashHex;

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Encodes an event as one log line. Does not validate: `AuditLog.append`
 * does, and checks every line it writes.
 *
 * @example
 * ```ts
 * import { encodeEvent, GENESIS_HASH } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const { line, hash } = encodeEvent({
 *   v: 1, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * });
 * assert.ok(line.endsWith(`"hash":"${hash}"}\n`));
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
  const hash = createSha256().update(text).digest("hex");
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
 * import assert from "node:assert/strict";
 * const head = await readHeadFile("/nonexistent/head.json");
 * assert.ok(head.state === "absent");
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
 * import assert from "node:assert/strict";
 * assert.ok(parseHead('{"seq":0,"hash":"' + "0".repeat(64) + '"}')?.seq === 0);
 * assert.ok(parseHead("{}") === undefined);
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
 * import assert from "node:assert/strict";
 * assert.ok(formatHead({ seq: 0, hash: GENESIS_HASH }).startsWith('{"seq":0,'));
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
 * import assert from "node:assert/strict";
 * const event = {
 *   v: 1 as const, seq: 1, id: "evt_01JAAAAAAAAAAAAAAAAAAAAAAA", ts: "2025-01-01T00:00:00.000Z",
 *   actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" },
 *   reason: null, details: {}, prev: GENESIS_HASH,
 * };
 * const bytes = new TextEncoder().encode(encodeEvent(event).line);
 * assert.ok(decodeEvent(bytes, { start: 0, end: bytes.length - 1 }).seq === 1);
 * ```
 */
export function decodeEvent(bytes: Uint8Array, line: { start: number; end: number }): AuditEvent {
  return JSON.parse(
    decoder.decode(bytes.subarray(line.start + EVENT_OFFSET, line.end - FRAME_TAIL)),
  ) as AuditEvent;
}

// The line reader: lines in large byte chunks, forwards or backwards, never decoded to one string.

/** Complete lines found in one chunk; `bytes` is only valid until the next batch. */
export interface LineBatch {
  /** The chunk. */
  bytes: Uint8Array;
  /** File offset of `bytes[0]`. */
  base: number;
  /** Index in `bytes` of each line's first byte, in file order. */
  starts: number[];
  /** Index in `bytes` of each line's newline, in file order. */
  ends: number[];
  /** Byte range in `bytes` of a final piece without a newline, at the end of the file. */
  fragment?: { start: number; end: number };
}

/**
 * Reads the lines of `file` that start at or after offset `from` (a line
 * start; default 0), up to `size` bytes, oldest first.
 *
 * @example
 * ```ts
 * import { forwardLines } from "./_format.ts";
 * import { writeFile } from "node:fs/promises";
 * import assert from "node:assert/strict";
 * await writeFile("/tmp/labos-lines.txt", "a\nb\n");
 * let count = 0;
 * for await (const batch of forwardLines("/tmp/labos-lines.txt", { size: 4 })) {
 *   count += batch.starts.length;
 * }
 * assert.ok(count === 2);
 * ```
 */
export async function* forwardLines(
  file: string,
  options: { from?: number; size: number; chunkBytes?: number },
): AsyncGenerator<LineBatch> {
  const { size } = options;
  const handle = await fs.open(file, "r");
  try {
    let bytes = new Uint8Array(options.chunkBytes ?? 1 << 20);
    let base = options.from ?? 0;
    let len = 0;
    while (base + len < size) {
      const want = Math.min(bytes.length - len, size - base - len);
      const { bytesRead } = await handle.read(bytes, len, want, base + len);
      if (bytesRead <= 0) break;
      len += bytesRead;
      const starts: number[] = [];
      const ends: number[] = [];
      let pos = 0;
      for (;;) {
        const nl = bytes.indexOf(10, pos);
        if (nl < 0 || nl >= len) break;
        starts.push(pos);
        ends.push(nl);
        pos = nl + 1;
      }
      const last = base + len >= size;
      const fragment = last && pos < len ? { start: pos, end: len } : undefined;
      if (starts.length > 0 || fragment) yield { bytes, base, starts, ends, fragment };
      if (pos === 0 && len === bytes.length) {
        const bigger = new Uint8Array(bytes.length * 2);
        bigger.set(bytes);
        bytes = bigger;
      } else {
        bytes.copyWithin(0, pos, len);
        base += pos;
        len -= pos;
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * Reads the complete lines of `file` within its first `size` bytes, newest
 * chunk first (lines inside a batch stay in file order). A final piece
 * without a newline is skipped.
 *
 * @example
 * ```ts
 * import { backwardLines } from "./_format.ts";
 * import { writeFile } from "node:fs/promises";
 * import assert from "node:assert/strict";
 * await writeFile("/tmp/labos-lines.txt", "a\nb\n");
 * for await (const batch of backwardLines("/tmp/labos-lines.txt", { size: 4 })) {
 *   assert.ok(batch.starts.length === 2);
 * }
 * ```
 */
export async function* backwardLines(
  file: string,
  options: { size: number; firstChunkBytes?: number },
): AsyncGenerator<LineBatch> {
  const { size } = options;
  if (size === 0) return;
  const handle = await fs.open(file, "r");
  try {
    let end = await lastLineEnd(handle, size);
    let carry = new Uint8Array(0);
    let chunk = options.firstChunkBytes ?? 64 << 10;
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const bytes = new Uint8Array(end - start + carry.length);
      await readFully(handle, { buffer: bytes, length: end - start, position: start });
      bytes.set(carry, end - start);
      let first = 0;
      if (start > 0) {
        const nl = bytes.indexOf(10);
        first = nl + 1;
      }
      const starts: number[] = [];
      const ends: number[] = [];
      for (let pos = first; pos < bytes.length;) {
        const nl = bytes.indexOf(10, pos);
        starts.push(pos);
        ends.push(nl);
        pos = nl + 1;
      }
      if (starts.length > 0) yield { bytes, base: start, starts, ends };
      carry = bytes.slice(0, first);
      end = start;
      chunk = Math.min(chunk * 2, 4 << 20);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The offset just past the last newline within the first `size` bytes, or 0.
 *
 * @example
 * ```ts
 * import * as fs from "node:fs/promises";
 * import { lastLineEnd } from "./_format.ts";
 * import assert from "node:assert/strict";
 * await fs.writeFile("/tmp/labos-lines.txt", "a\nb");
 * const handle = await fs.open("/tmp/labos-lines.txt", "r");
 * assert.ok(await lastLineEnd(handle, 3) === 2);
 * await handle.close();
 * ```
 */
export async function lastLineEnd(handle: fs.FileHandle, size: number): Promise<number> {
  const probe = new Uint8Array(4096);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - probe.length);
    await readFully(handle, { buffer: probe, length: end - start, position: start });
    const nl = probe.subarray(0, end - start).lastIndexOf(10);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * Reads exactly `length` bytes at file offset `position` into the start of `buffer`.
 *
 * @example
 * ```ts
 * import * as fs from "node:fs/promises";
 * import { readFully } from "./_format.ts";
 * import assert from "node:assert/strict";
 * await fs.writeFile("/tmp/labos-lines.txt", "abc");
 * const handle = await fs.open("/tmp/labos-lines.txt", "r");
 * const bytes = new Uint8Array(2);
 * await readFully(handle, { buffer: bytes, length: 2, position: 1 });
 * await handle.close();
 * assert.ok(bytes[0] === 98);
 * ```
 */
export async function readFully(
  handle: fs.FileHandle,
  read: { buffer: Uint8Array; length: number; position: number },
): Promise<void> {
  const { buffer, length, position } = read;
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead <= 0) {
      throw new LabosError(
        "check_failed",
        `Cannot read the audit log: the file ended at byte ${
          position + done
        } while it was being read`,
      );
    }
    done += bytesRead;
  }
}
