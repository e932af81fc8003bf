import { LabosError } from "../errors.ts";
import { canonicalChunks } from "./canonical.ts";

/**
 * The largest record LabOS stores: 256 MiB of JSON as written to its file.
 * JavaScript strings stop at about 512 Mi characters, and a commit writes
 * each record twice (journal and file), so larger records cannot be stored.
 */
export const MAX_RECORD_CHARS: number = 256 * 1024 * 1024;

// deno-lint-ignore no-control-regex
const ESCAPED_SHORT = /["\\\x08\x09\x0a\x0c\x0d]/g;
const ESCAPED_LONG =
  // deno-lint-ignore no-control-regex
  /[\x00-\x07\x0b\x0e-\x1f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function count(text: string, pattern: RegExp): number {
  let n = 0;
  pattern.lastIndex = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

/**
 * The length of `JSON.stringify(value, null, 2)` (or, with `compact`,
 * `JSON.stringify(value)`) without building the string, so that a value
 * too large to serialise can be refused with a clear message instead of
 * `RangeError: Invalid string length`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { jsonSize } from "./size.ts";
 * const value = { a: [1, "x\n"], b: null, c: {} };
 * assert.strictEqual(jsonSize(value), JSON.stringify(value, null, 2).length);
 * assert.strictEqual(jsonSize(value, { compact: true }), JSON.stringify(value).length);
 * ```
 */
export function jsonSize(value: unknown, options: { compact?: boolean } = {}): number {
  const indent = options.compact ? 0 : 2;
  // Before each element (line break and indent), after the last one, and between a key and its value.
  const lead = (depth: number) => indent === 0 ? 0 : 1 + indent * (depth + 1);
  const close = (depth: number) => indent === 0 ? 0 : 1 + indent * depth;
  const colon = indent === 0 ? 1 : 2;
  let total = 0;
  function visit(item: unknown, depth: number): void {
    if (item === null) total += 4;
    else if (typeof item === "string") {
      total += 2 + item.length + count(item, ESCAPED_SHORT) + 5 * count(item, ESCAPED_LONG);
    } else if (typeof item === "number") total += Number.isFinite(item) ? String(item).length : 4;
    else if (typeof item === "boolean") total += item ? 4 : 5;
    else if (Array.isArray(item)) {
      if (item.length === 0) total += 2;
      else {
        total += 2 + item.length * lead(depth) + (item.length - 1) + close(depth);
        for (const element of item) {
          if (element === undefined || typeof element === "function") total += 4;
          else visit(element, depth + 1);
        }
      }
    } else if (typeof item === "object") {
      const entries = Object.entries(item as Record<string, unknown>).filter(([, v]) =>
        v !== undefined && typeof v !== "function"
      );
      if (entries.length === 0) total += 2;
      else {
        total += 2 + entries.length * (lead(depth) + colon) + (entries.length - 1) + close(depth);
        for (const [key, element] of entries) {
          visit(key, depth + 1);
          visit(element, depth + 1);
        }
      }
    }
  }
  visit(value, 0);
  return total;
}

/**
 * The characters a record takes as stored: its JSON with two-space indents,
 * except a table's values, which are stored compact (one line).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { storedSize } from "./size.ts";
 * const values = [[1, null], [true, "x"]];
 * const record = { id: "x", table: { rowCount: 2, values } };
 * const rest = { id: "x", table: { rowCount: 2 } };
 * assert.strictEqual(
 *   storedSize(record),
 *   JSON.stringify(rest, null, 2).length + JSON.stringify(values).length,
 * );
 * ```
 */
export function storedSize(record: unknown): number {
  const table = (record as { table?: { values?: unknown } } | null)?.table;
  if (table === null || typeof table !== "object" || !Array.isArray(table.values)) {
    return jsonSize(record);
  }
  const { values, ...rest } = table;
  return jsonSize({ ...(record as object), table: rest }) + jsonSize(values, { compact: true });
}

/**
 * Refuses (`invalid`) a record larger than {@linkcode MAX_RECORD_CHARS}
 * once written ({@linkcode storedSize}), naming its size and the limit after `context`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkRecordSize } from "./size.ts";
 * checkRecordSize({ id: "x" }, "Cannot store it");
 * assert.throws(() => checkRecordSize({ id: "x" }, "Cannot store it", 5), /more than the/);
 * ```
 */
export function checkRecordSize(
  record: unknown,
  context: string,
  limit: number = MAX_RECORD_CHARS,
): void {
  const size = storedSize(record);
  if (size <= limit) return;
  throw new LabosError(
    "invalid",
    `${context}: the record would take ${mib(size)} to store, more than the ${mib(limit)} limit`,
  );
}

/** Records above this many characters are stored as compact canonical JSON. */
export const COMPACT_RECORD_CHARS: number = 1024 * 1024;

/**
 * A record's file content: indented JSON for people, or, above 1 MiB (a job
 * with a large input, a large module output), its canonical JSON on one
 * line, which is smaller, reuses the text of a pinned or frozen input, and
 * hashes to the record's hash. That one comes as a list of UTF-8 chunks,
 * to be written in order, so that a large input's bytes are never copied.
 * Refuses (`invalid`) a record larger than {@linkcode MAX_RECORD_CHARS},
 * naming its size and the limit after `context`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { recordText } from "./size.ts";
 * assert.strictEqual(recordText({ id: "x" }, "Cannot store it"), '{\n  "id": "x"\n}\n');
 * const big = { id: "y", values: new Array(300_000).fill(1.5) };
 * const chunks = recordText(big, "Cannot store it") as Uint8Array[];
 * const text = chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
 * assert.ok(text.startsWith('{"id":"y","values":[1.5,') && text.endsWith("]}\n"));
 * ```
 */
export function recordText(record: unknown, context: string): string | Uint8Array[] {
  let chunks: Uint8Array[];
  try {
    chunks = canonicalChunks(record);
  } catch (error) {
    if (!(error instanceof RangeError && /string length/i.test(error.message))) throw error;
    checkRecordSize(record, context);
    throw error;
  }
  const length = textLength(chunks);
  if (length > MAX_RECORD_CHARS) {
    throw new LabosError(
      "invalid",
      `${context}: the record would take ${mib(length)} to store, more than the ${
        mib(MAX_RECORD_CHARS)
      } limit`,
    );
  }
  if (length > COMPACT_RECORD_CHARS) return [...chunks, NEWLINE];
  checkRecordSize(record, context);
  return `${JSON.stringify(record, null, 2)}\n`;
}

const NEWLINE = new Uint8Array([10]);

/**
 * The length of a record's text: characters of a string, bytes of chunks.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { textLength } from "./size.ts";
 * assert.strictEqual(textLength([new Uint8Array(3), new Uint8Array(2)]), 5);
 * assert.strictEqual(textLength("abc"), 3);
 * ```
 */
export function textLength(text: string | Uint8Array | readonly Uint8Array[]): number {
  if (typeof text === "string" || text instanceof Uint8Array) return text.length;
  let length = 0;
  for (const chunk of text) length += chunk.length;
  return length;
}

/**
 * A size in MiB for messages: `612 MiB`, `1.5 MiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { mib } from "./size.ts";
 * assert.strictEqual(mib(256 * 1024 * 1024), "256 MiB");
 * ```
 */
export function mib(chars: number): string {
  const value = chars / (1024 * 1024);
  return value >= 10 || Number.isInteger(value)
    ? `${Math.round(value)} MiB`
    : `${value.toFixed(1)} MiB`;
}
