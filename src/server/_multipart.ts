/**
 * A streaming `multipart/form-data` reader (RFC 7578) for file uploads: the
 * parts come one at a time and a file part's bytes stream through, so an
 * upload of any size is never held in memory (`Request.formData()` would
 * hold all of it).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { LabosError, quote } from "../errors.ts";

/** One part of a multipart body. Its `body` must be read (or left) before the next part comes. */
export interface MultipartPart {
  /** The form field's name. */
  name: string;
  /** The file name the client sent, for a file field. */
  fileName?: string;
  /** The part's `Content-Type`, when given. */
  contentType?: string;
  /** The part's bytes, in chunks. */
  body: AsyncIterable<Uint8Array>;
}

/** Limits of {@linkcode readMultipart}. */
export interface MultipartLimits {
  /** The most parts. Default: 16. */
  maxParts?: number;
  /** The largest header block of one part, in bytes. Default: 16 KiB. */
  maxHeaderBytes?: number;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * The boundary of a `multipart/form-data` content type; `invalid` when the
 * type is another or names no boundary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { multipartBoundary } from "./_multipart.ts";
 * assert.equal(multipartBoundary('multipart/form-data; boundary="abc"'), "abc");
 * assert.throws(() => multipartBoundary("application/json"), /multipart\/form-data/);
 * ```
 */
export function multipartBoundary(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*(;.*)$/i.exec(contentType ?? "");
  const boundary = match ? parameters(match[1]).get("boundary") : undefined;
  if (boundary === undefined || !/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary)) {
    throw new LabosError(
      "invalid",
      `Invalid upload: expected a multipart/form-data body with a boundary, got Content-Type ${
        quote(contentType ?? "")
      }`,
    );
  }
  return boundary;
}

/**
 * The parts of a multipart body, in order, streamed. A malformed or
 * truncated body is `invalid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMultipart } from "./_multipart.ts";
 * const body = new TextEncoder().encode(
 *   '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nHi\r\n--b--\r\n',
 * );
 * async function* once() { yield body; }
 * for await (const part of readMultipart(once(), "b")) {
 *   assert.equal(part.name, "title");
 *   for await (const chunk of part.body) assert.equal(new TextDecoder().decode(chunk), "Hi");
 * }
 * ```
 */
export async function* readMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const maxParts = limits.maxParts ?? 16;
  const maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  const reader = new ChunkReader(source, Buffer.from(`\r\n--${boundary}`));
  await reader.skipPreamble();
  for (let parts = 1;; parts++) {
    // After a delimiter: "--" ends the body, CRLF starts a part.
    await reader.need(2);
    if (reader.startsWith(0x2d, 0x2d)) return;
    if (!reader.startsWith(0x0d, 0x0a)) {
      throw new LabosError("invalid", "Invalid upload: malformed multipart boundary line");
    }
    reader.skip(2);
    if (parts > maxParts) {
      throw new LabosError("invalid", `Invalid upload: more than ${maxParts} form fields`);
    }
    const headers = partHeaders(await reader.headerText(maxHeaderBytes));
    const body = reader.partBody();
    yield { ...headers, body };
    // Whatever of the part was not read is skipped.
    for await (const _ of body) { /* skipped */ }
  }
}

/** The bytes of a multipart body, read as far as needed; the delimiter is `CRLF--boundary`. */
class ChunkReader {
  readonly #input: AsyncIterator<Uint8Array>;
  readonly #delimiter: Buffer;
  // The first delimiter has no line break before it: one is put in front.
  #buffer: Buffer = Buffer.from(CRLF);
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>, delimiter: Buffer) {
    this.#input = source[Symbol.asyncIterator]();
    this.#delimiter = delimiter;
  }

  async #pull(): Promise<void> {
    const next = this.#ended ? undefined : await this.#input.next();
    if (next === undefined || next.done) {
      this.#ended = true;
      throw new LabosError(
        "invalid",
        "Invalid upload: the multipart body ends before its last boundary",
      );
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
  }

  async need(bytes: number): Promise<void> {
    while (this.#buffer.length < bytes) await this.#pull();
  }

  startsWith(first: number, second: number): boolean {
    return this.#buffer[0] === first && this.#buffer[1] === second;
  }

  skip(bytes: number): void {
    this.#buffer = this.#buffer.subarray(bytes);
  }

  async skipPreamble(): Promise<void> {
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        this.skip(at + this.#delimiter.length);
        return;
      }
      this.skip(Math.max(0, this.#buffer.length - this.#delimiter.length));
      await this.#pull();
    }
  }

  /** The header block of a part, up to and without the blank line. */
  async headerText(maxBytes: number): Promise<string> {
    await this.need(2);
    // A part without headers starts with the blank line at once.
    if (this.startsWith(0x0d, 0x0a)) {
      this.skip(2);
      return "";
    }
    for (;;) {
      const end = this.#buffer.indexOf(HEADER_END);
      if (end !== -1) {
        const text = this.#buffer.subarray(0, end).toString("utf8");
        this.skip(end + HEADER_END.length);
        return text;
      }
      if (this.#buffer.length > maxBytes) {
        throw new LabosError("invalid", "Invalid upload: a form field's headers are too long");
      }
      await this.#pull();
    }
  }

  /** A part's bytes up to the next delimiter, streamed. */
  async *partBody(): AsyncGenerator<Uint8Array> {
    const length = this.#delimiter.length;
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        const chunk = this.#buffer.subarray(0, at);
        this.skip(at + length);
        if (chunk.length > 0) yield view(chunk);
        return;
      }
      // Keep what could be the start of the delimiter.
      const keep = Math.min(this.#buffer.length, length - 1);
      if (this.#buffer.length > keep) {
        const chunk = this.#buffer.subarray(0, this.#buffer.length - keep);
        this.#buffer = Buffer.from(this.#buffer.subarray(this.#buffer.length - keep));
        yield view(chunk);
      }
      await this.#pull();
    }
  }
}

/**
 * A text field's value, at most `maxBytes` of UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fieldText } from "./_multipart.ts";
 * async function* once() { yield new TextEncoder().encode("Ω"); }
 * assert.equal(await fieldText({ name: "title", body: once() }, 10), "Ω");
 * ```
 */
export async function fieldText(part: MultipartPart, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new LabosError(
        "invalid",
        `Invalid upload: the ${quote(part.name)} field is longer than ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new LabosError("invalid", `Invalid upload: the ${quote(part.name)} field is not UTF-8`);
  }
}

function view(chunk: Buffer): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function partHeaders(text: string): Omit<MultipartPart, "body"> {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  const match = /^form-data\s*(;.*)?$/i.exec(disposition ?? "");
  const params = parameters(match?.[1] ?? "");
  const name = params.get("name");
  if (!match || name === undefined) {
    throw new LabosError(
      "invalid",
      'Invalid upload: a form field has no Content-Disposition "form-data" with a name',
    );
  }
  const extended = params.get("filename*");
  const fileName = extended === undefined ? params.get("filename") : decodeExtended(extended);
  return {
    name,
    ...(fileName === undefined ? {} : { fileName }),
    ...(contentType === undefined ? {} : { contentType }),
  };
}

/** `; key=value; key="quoted \"value\""` as a map with lowercase keys. */
function parameters(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of text.matchAll(pattern)) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3].trim();
    found.set(match[1].toLowerCase(), value);
  }
  return found;
}

/** An RFC 5987 value (`UTF-8''na%C3%AFve.txt`), or the raw text when it is not one. */
function decodeExtended(value: string): string {
  const match = /^utf-8'[^']*'(.*)$/i.exec(value);
  if (!match) return value;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
