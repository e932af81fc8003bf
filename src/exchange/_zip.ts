/**
 * Streaming zip writing and reading on top of fflate, with the output
 * written (and the input read) in bounded chunks so that memory stays flat.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { writeTempWith } from "../durable/mod.ts";
import { Unzip, type UnzipFile, UnzipInflate, Zip, ZipDeflate } from "fflate";

const CHUNK = 1 << 20;

/**
 * Writes a zip beside `out` under a temporary name and syncs it: `fill` adds
 * the entries. Returns the temporary file, for the caller to rename into
 * place; on any error the temporary file is removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as fs from "node:fs/promises";
 * import { writeZipTemp } from "./_zip.ts";
 * const out = `${await Deno.makeTempDir()}/a.zip`;
 * const temp = await writeZipTemp(out, (zip) => zip.add("a.txt", [new Uint8Array([104, 105])]));
 * await fs.rename(temp, out);
 * assert.ok((await fs.stat(out)).size > 0);
 * ```
 */
export async function writeZipTemp(
  out: string,
  fill: (zip: ZipWriter) => Promise<void>,
): Promise<string> {
  return await writeTempWith(out, async (handle) => {
    const zip = new ZipWriter(handle);
    await fill(zip);
    await zip.end();
  });
}

/** Writes a zip file entry by entry. */
export class ZipWriter {
  readonly #handle: fs.FileHandle;
  readonly #zip: Zip;
  #pending: Uint8Array[] = [];
  #error: Error | undefined;

  /** Starts a zip in an open file. */
  constructor(handle: fs.FileHandle) {
    this.#handle = handle;
    this.#zip = new Zip((error, data) => {
      if (error) this.#error = error;
      else this.#pending.push(data);
    });
  }

  /** Adds an entry whose content comes from an async source of chunks. */
  async add(name: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const entry = new ZipDeflate(name, { level: 6 });
    this.#zip.add(entry);
    for await (const chunk of chunks) {
      entry.push(chunk, false);
      await this.#flush();
    }
    entry.push(new Uint8Array(0), true);
    await this.#flush();
  }

  /** Writes the central directory. The caller syncs and closes the file. */
  async end(): Promise<void> {
    this.#zip.end();
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#error) throw this.#error;
    const chunks = this.#pending;
    this.#pending = [];
    for (const chunk of chunks) await this.#handle.write(chunk);
  }
}

/** Reads a file in chunks of at most `size` bytes (default 1 MiB), each in a fresh buffer. */
export async function* fileChunks(
  handle: fs.FileHandle,
  size: number = CHUNK,
): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = new Uint8Array(size);
    const { bytesRead } = await handle.read(buffer, 0, size, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/** What {@linkcode readZip} calls for each entry. */
export interface ZipEntryHandler {
  /** An entry starts; return the chunk sink (async allowed), or throw to refuse it. */
  open(name: string): Promise<(chunk: Uint8Array, final: boolean) => Promise<void>>;
  /**
   * The most bytes an entry may inflate to, asked as its bytes arrive (so a
   * limit that becomes known mid-archive applies from then on). Exceeding it
   * stops the reading: the error returned by `tooLarge` is thrown.
   */
  limit(name: string): number;
  /** The error for an entry that inflates beyond `limit`. */
  tooLarge(name: string, limit: number): Error;
}

/** Limits of {@linkcode readZip} over the whole archive. */
export interface ZipLimits {
  /** The most entries (folders included). */
  maxEntries: number;
  /** The most inflated bytes of all entries together. */
  maxTotalBytes: number;
  /** The error for an archive beyond one of these limits. */
  tooLarge(what: "entries" | "bytes", limit: number): Error;
}

/**
 * Input is pushed 8 KiB at a time: deflate inflates at most 1032:1, so one
 * push yields at most about 8 MiB, however the archive was built.
 */
const INPUT_CHUNK = 8 << 10;

/**
 * Streams a zip file's entries, in order, to a handler. Entries are
 * inflated as the file is read, 8 KiB of input at a time, and the inflated
 * bytes are counted as they appear: an entry beyond its limit or an archive
 * beyond its limits stops the reading at once. The handler's sinks are
 * awaited before more input is read, so memory stays bounded whatever the
 * archive holds.
 */
export async function readZip(
  file: string,
  handler: ZipEntryHandler,
  limits: ZipLimits,
): Promise<void> {
  const handle = await fs.open(file, "r");
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  let entries = 0;
  let total = 0;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  const enqueue = (step: () => Promise<void>): void => {
    chain = chain.then(() => (failure === undefined ? step() : undefined)).catch(fail);
  };
  try {
    const unzip = new Unzip((entry: UnzipFile) => {
      if (failure !== undefined) return;
      if (++entries > limits.maxEntries) {
        fail(limits.tooLarge("entries", limits.maxEntries));
        return;
      }
      // A size in the entry's header beyond its limit is refused before inflating anything.
      const declared = entry.originalSize ?? 0;
      if (declared > handler.limit(entry.name)) {
        fail(handler.tooLarge(entry.name, handler.limit(entry.name)));
        return;
      }
      let sink: ((chunk: Uint8Array, final: boolean) => Promise<void>) | undefined;
      let inflated = 0;
      enqueue(async () => {
        sink = await handler.open(entry.name);
      });
      entry.ondata = (error, chunk, final) => {
        if (failure !== undefined) return;
        if (error) return fail(error);
        inflated += chunk.byteLength;
        total += chunk.byteLength;
        const limit = handler.limit(entry.name);
        if (inflated > limit) return fail(handler.tooLarge(entry.name, limit));
        if (total > limits.maxTotalBytes) {
          return fail(limits.tooLarge("bytes", limits.maxTotalBytes));
        }
        // fflate hands over fresh arrays (inflated copies, or views of fresh input buffers).
        enqueue(() => sink!(chunk, final));
      };
      entry.start();
    });
    unzip.register(UnzipInflate);
    for await (const chunk of fileChunks(handle, INPUT_CHUNK)) {
      unzip.push(chunk, false);
      await chain;
      if (failure !== undefined) throw failure;
    }
    unzip.push(new Uint8Array(0), true);
    await chain;
    if (failure !== undefined) throw failure;
  } finally {
    await handle.close();
  }
}
