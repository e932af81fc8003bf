import type { Hash } from "node:crypto";
import { createSha256, sha256Hex as hashHex } from "../_crypto.ts";

/**
 * Serialises a JSON value with object keys sorted at every level and no
 * whitespace, so that equal values always give equal bytes.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.strictEqual(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  const parts: Part[] = [];
  write(value, parts);
  if (parts.length === 0) return undefined as unknown as string;
  return parts.map((part) => typeof part === "string" ? part : DECODER.decode(part)).join("");
}

/**
 * The UTF-8 bytes of {@linkcode canonicalJson}: what the hashes cover, and
 * what a large record's file holds. The bytes of a large, wholly frozen value
 * (a job's input) are kept and reused by every record that holds it, so
 * that a 1,000,000-point input is serialised and encoded once.
 *
 * @example
 * ```ts
 * import { canonicalBytes } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.strictEqual(new TextDecoder().decode(canonicalBytes({ b: 1, a: "é" })), '{"a":"é","b":1}');
 * ```
 */
export function canonicalBytes(value: unknown): Uint8Array {
  const parts: Part[] = [];
  write(value, parts);
  return joinParts(parts);
}

type Part = string | Uint8Array;

/**
 * The canonical bytes of a value its holder will never change (a job's
 * prepared input, a run's output), kept and reused by every record that
 * holds the value, like those of a frozen value, without freezing it:
 * freezing a large array of numbers boxes every number, which costs more
 * than serialising it. A change made to the value afterwards is not seen.
 *
 * @example
 * ```ts
 * import { canonicalJson, pinCanonical } from "./canonical.ts";
 * import assert from "node:assert";
 * const values = Array.from({ length: 20_000 }, (_, i) => i / 4);
 * const text = pinCanonical(values).map((chunk) => new TextDecoder().decode(chunk)).join("");
 * assert.strictEqual(canonicalJson({ values }), `{"values":${text}}`);
 * ```
 */
export function pinCanonical(value: object): Uint8Array[] {
  const cached = CACHE.get(value);
  if (cached !== undefined) return cached;
  const parts: Part[] = [];
  write(value, parts);
  const chunks = encodeParts(parts);
  CACHE.set(value, chunks);
  return chunks;
}

/** Encoded texts of large, wholly frozen values, which cannot change, and of pinned ones. */
const CACHE = new WeakMap<object, Uint8Array[]>();
const CACHE_MIN_CHARS = 64 * 1024;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Strings at least this long are encoded on their own, never joined into a longer one first. */
const ENCODE_ALONE_CHARS = 64 * 1024;

/** The parts as UTF-8 chunks: short strings joined, long ones encoded alone, bytes kept as they are. */
function encodeParts(parts: Part[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) chunks.push(ENCODER.encode(run.join("")));
    run = [];
  };
  for (const part of parts) {
    if (typeof part !== "string") {
      flush();
      chunks.push(part);
    } else if (part.length >= ENCODE_ALONE_CHARS) {
      flush();
      if (spare === undefined) chunks.push(ENCODER.encode(part));
      else {
        // Into recycled memory, as far as it goes.
        const writer = new ChunkWriter();
        writer.write(part);
        for (const chunk of writer.chunks()) chunks.push(chunk);
      }
    } else run.push(part);
  }
  flush();
  return chunks;
}

function joinParts(parts: Part[]): Uint8Array {
  if (parts.length === 1 && typeof parts[0] !== "string") return parts[0];
  return concatBytes(encodeParts(parts));
}

/**
 * The chunks joined into one array of bytes (the chunk itself when there is
 * only one).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { concatBytes } from "./canonical.ts";
 * const bytes = concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * assert.deepStrictEqual([...bytes], [1, 2, 3]);
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * {@linkcode canonicalBytes} as a list of chunks, without joining them: the
 * kept bytes of a large value are not copied. For writing a large record.
 *
 * @example
 * ```ts
 * import { canonicalChunks } from "./canonical.ts";
 * import assert from "node:assert";
 * const chunks = canonicalChunks({ b: 1, a: "é" });
 * assert.strictEqual(chunks.map((chunk) => new TextDecoder().decode(chunk)).join(""), '{"a":"é","b":1}');
 * ```
 */
export function canonicalChunks(value: unknown): Uint8Array[] {
  const parts: Part[] = [];
  write(value, parts);
  return encodeParts(parts);
}

function partsLength(parts: Part[], from: number): number {
  let length = 0;
  for (let i = from; i < parts.length; i++) length += parts[i].length;
  return length;
}

/**
 * Appends a value's canonical JSON to `parts` (nothing for a value JSON
 * leaves out) and returns whether it holds an object that is not frozen.
 * The text equals JSON.stringify of a key-sorted copy.
 */
function write(value: unknown, parts: Part[]): boolean {
  switch (typeof value) {
    case "string":
      parts.push(JSON.stringify(value));
      return false;
    case "number":
      parts.push(Number.isFinite(value) ? JSON.stringify(value) : "null");
      return false;
    case "boolean":
      parts.push(value ? "true" : "false");
      return false;
    case "bigint":
      parts.push(JSON.stringify(value));
      return false;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) {
    parts.push("null");
    return false;
  }
  const cached = CACHE.get(value);
  if (cached !== undefined) {
    parts.push(...cached);
    return false;
  }
  const from = parts.length;
  let mutable = !Object.isFrozen(value);
  if (Array.isArray(value)) {
    const rows = flatArray(value) ? undefined : rowsText(value);
    if (rows === undefined) parts.push(JSON.stringify(value));
    else if (rows !== null) {
      for (const part of rows.parts) parts.push(part);
      if (rows.mutable) mutable = true;
    } else {
      parts.push("[");
      for (let i = 0; i < value.length; i++) {
        if (i > 0) parts.push(",");
        const before = parts.length;
        if (write(value[i], parts)) mutable = true;
        if (parts.length === before) parts.push("null");
      }
      parts.push("]");
    }
  } else {
    parts.push("{");
    let first = true;
    for (const key of sortedKeys(value)) {
      const keyText = `${first ? "" : ","}${JSON.stringify(key)}:`;
      parts.push(keyText);
      const before = parts.length;
      if (write((value as Record<string, unknown>)[key], parts)) mutable = true;
      if (parts.length === before) parts.pop();
      else first = false;
    }
    parts.push("}");
  }
  if (!mutable && partsLength(parts, from) >= CACHE_MIN_CHARS) {
    const chunks = encodeParts(parts.splice(from));
    CACHE.set(value, chunks);
    parts.push(...chunks);
  }
  return mutable;
}

/**
 * Keys in JSON.stringify's order of a key-sorted copy: integer keys first,
 * ascending (JavaScript objects always list them so), then the others sorted.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  let integers = 0;
  while (integers < keys.length && isIndex(keys[integers])) integers++;
  if (integers === 0) return keys.sort();
  return keys.slice(0, integers).concat(keys.slice(integers).sort());
}

const INTEGER_KEY = /^(?:0|[1-9]\d*)$/;

function isIndex(key: string): boolean {
  return INTEGER_KEY.test(key) && (key.length < 10 || Number(key) < 4294967295);
}

/**
 * The canonical text of an array of flat objects that all have the same
 * keys in the same order (a table's rows, a list of peaks), in UTF-8
 * chunks; null for any other array.
 */
function rowsText(values: unknown[]): { parts: Part[]; mutable: boolean } | null {
  const first = values[0];
  if (first === null || typeof first !== "object" || Array.isArray(first)) return null;
  // JSON.stringify would call a toJSON method, which canonical JSON never does.
  if ("toJSON" in first) return null;
  const keys = Object.keys(first);
  if (keys.length === 0) return null;
  const sorted = sortedKeys(first);
  const inOrder = sorted.every((key, i) => key === keys[i]);
  // Rows are written a batch at a time by JSON.stringify, which formats numbers
  // faster than String(): its text is the canonical one when the keys are sorted,
  // so rows in another order are first copied, a batch at a time, with sorted keys.
  const writer = new ChunkWriter();
  let mutable = false;
  for (let from = 0; from < values.length; from += ROWS_PER_BATCH) {
    const to = Math.min(values.length, from + ROWS_PER_BATCH);
    for (let i = from; i < to; i++) {
      if (!flatRow(values[i], keys)) return null;
      if (!mutable && !Object.isFrozen(values[i])) mutable = true;
    }
    const batch = inOrder ? values.slice(from, to) : sortedRows(values, { from, to, sorted });
    const text = JSON.stringify(batch);
    writer.write(from === 0 ? "[" : ",");
    writer.write(text.slice(1, -1));
  }
  writer.write("]");
  return { parts: writer.chunks(), mutable };
}

/** Rows formatted by one JSON.stringify: few enough that their text stays small. */
const ROWS_PER_BATCH = 1024;

/**
 * Whether a value is a plain object whose own enumerable keys are `keys`, in
 * that order, each holding a string, a number, a boolean or null.
 */
function flatRow(row: unknown, keys: string[]): boolean {
  if (row === null || typeof row !== "object" || Object.getPrototypeOf(row) !== Object.prototype) {
    return false;
  }
  // for…in walks the keys without making an array of them for each row.
  let k = 0;
  for (const key in row) {
    if (k === keys.length || key !== keys[k]) return false;
    const item = (row as Record<string, unknown>)[key];
    const type = typeof item;
    if (item !== null && type !== "number" && type !== "string" && type !== "boolean") {
      return false;
    }
    k++;
  }
  return k === keys.length;
}

/** Copies of rows `from` to `to` with their keys inserted in sorted order. */
function sortedRows(
  values: unknown[],
  range: { from: number; to: number; sorted: string[] },
): Record<string, unknown>[] {
  const { from, to, sorted } = range;
  const rows = new Array<Record<string, unknown>>(to - from);
  for (let i = from; i < to; i++) {
    const row = values[i] as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (let k = 0; k < sorted.length; k++) {
      const key = sorted[k];
      if (key === "__proto__") {
        Object.defineProperty(copy, key, { value: row[key], enumerable: true, writable: true });
      } else copy[key] = row[key];
    }
    rows[i - from] = copy;
  }
  return rows;
}

/**
 * Encodes strings one after another into a few large blocks of UTF-8, so
 * that a long text becomes a handful of chunks rather than thousands.
 */
class ChunkWriter {
  #done: Uint8Array[] = [];
  #block: Uint8Array = new Uint8Array(0);
  #at = 0;
  #recycled = false;

  /** Appends a string's UTF-8 bytes. */
  write(text: string): void {
    let rest = text;
    for (;;) {
      const { read, written } = ENCODER.encodeInto(rest, this.#block.subarray(this.#at));
      this.#at += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      this.#next(rest.length * 3);
    }
  }

  /** The bytes written, as chunks. */
  chunks(): Uint8Array[] {
    this.#next(0);
    return this.#done;
  }

  #next(wanted: number): void {
    if (this.#at > 0) this.#done.push(this.#block.subarray(0, this.#at));
    // What is left of recycled memory goes back for the next writer.
    if (this.#recycled && this.#block.length - this.#at >= RECYCLE_MIN_BYTES) {
      spare = this.#block.subarray(this.#at);
    }
    // Recycled memory is taken whole, whatever its size: the text goes on in a new block.
    this.#recycled = wanted > 0 && spare !== undefined;
    this.#block = wanted === 0
      ? new Uint8Array(0)
      : takeSpare() ?? new Uint8Array(Math.max(BLOCK_BYTES, wanted));
    this.#at = 0;
  }
}

/** The size of the blocks {@linkcode ChunkWriter} fills. */
const BLOCK_BYTES = 1024 * 1024;

/** Recycled memory smaller than this is left to the collector. */
const RECYCLE_MIN_BYTES = BLOCK_BYTES;

/** Memory its owner gave up, filled before new blocks are allocated. */
let spare: Uint8Array | undefined;

/**
 * Hands over bytes the caller will never read or write again (a large
 * input file's buffer, once decoded), for the canonical text of the next
 * large value to be written into them: on a machine where touching new
 * memory is slow, the pages already read are reused instead of new ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { canonicalChunks, recycleBytes } from "./canonical.ts";
 * recycleBytes(new Uint8Array(4 * 1024 * 1024));
 * const rows = Array.from({ length: 2000 }, (_, i) => ({ b: i, a: -i }));
 * const text = canonicalChunks(rows).map((chunk) => new TextDecoder().decode(chunk)).join("");
 * assert.strictEqual(text, JSON.stringify(rows.map(({ a, b }) => ({ a, b }))));
 * ```
 */
export function recycleBytes(bytes: Uint8Array): void {
  if (bytes.length >= RECYCLE_MIN_BYTES) spare = bytes;
}

/** The spare memory, if there is any, for one writer at a time. */
function takeSpare(): Uint8Array | undefined {
  const block = spare;
  spare = undefined;
  return block;
}

/** Whether an array holds only values that JSON.stringify writes as canonical JSON already. */
function flatArray(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    const type = typeof item;
    if (item !== null && type !== "number" && type !== "string" && type !== "boolean") return false;
  }
  return true;
}

/**
 * Lowercase hex SHA-256 of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.ok(sha256Hex("").startsWith("e3b0c442"));
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  // Encoding first is several times faster than handing node:crypto a long string.
  const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
  return hashHex(bytes);
}

/**
 * Lowercase hex SHA-256 of bytes given as chunks, in order.
 *
 * @example
 * ```ts
 * import { sha256Chunks, sha256Hex } from "./canonical.ts";
 * import assert from "node:assert";
 * const [a, b] = [new TextEncoder().encode("ab"), new TextEncoder().encode("c")];
 * assert.strictEqual(sha256Chunks([a, b]), sha256Hex("abc"));
 * ```
 */
export function sha256Chunks(chunks: readonly Uint8Array[]): string {
  const hash = createSha256();
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * SHA-256 of a value's canonical JSON: the hash used for inputs, outputs and records.
 *
 * @example
 * ```ts
 * import { hashJson } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.strictEqual(hashJson({ a: 1, b: 2 }), hashJson({ b: 2, a: 1 }));
 * ```
 */
export function hashJson(value: unknown): string {
  const parts: Part[] = [];
  write(value, parts);
  const shared = sharedPrefixHash(parts);
  if (shared !== undefined) return shared;
  // Hashed part by part: the kept bytes of a large input are never copied.
  const hash = createSha256();
  for (const chunk of encodeParts(parts)) hash.update(chunk);
  return hash.digest("hex");
}

/** Kept bytes at least this long are worth a saved hash state. */
const SHARED_PREFIX_MIN_BYTES = 1024 * 1024;

/**
 * The hash state after the text before a large kept value and the value
 * itself, by the value's first chunk: a job's queued and running records
 * differ only after their input, so the second reuses the first's state.
 */
const PREFIX_STATES = new WeakMap<
  Uint8Array,
  { prefix: string; chunks: readonly Uint8Array[]; state: Hash }
>();

/** {@linkcode hashJson} of parts that hold a large kept value, through a saved state; undefined for others. */
function sharedPrefixHash(parts: Part[]): string | undefined {
  let first = 0;
  while (first < parts.length && typeof parts[first] === "string") first++;
  let end = first;
  let bytes = 0;
  while (end < parts.length && typeof parts[end] !== "string") bytes += parts[end++].length;
  if (bytes < SHARED_PREFIX_MIN_BYTES) return undefined;
  const prefix = (parts.slice(0, first) as string[]).join("");
  const chunks = parts.slice(first, end) as Uint8Array[];
  const saved = PREFIX_STATES.get(chunks[0]);
  let state: Hash;
  if (
    saved !== undefined && saved.prefix === prefix && saved.chunks.length === chunks.length &&
    saved.chunks.every((chunk, i) => chunk === chunks[i])
  ) {
    state = saved.state.copy();
  } else {
    state = createSha256().update(ENCODER.encode(prefix));
    for (const chunk of chunks) state.update(chunk);
    PREFIX_STATES.set(chunks[0], { prefix, chunks, state: state.copy() });
  }
  for (const chunk of encodeParts(parts.slice(end))) state.update(chunk);
  return state.digest("hex");
}
