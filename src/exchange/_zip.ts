/**
 * Streaming zip writing and reading on top of fflate, with the output
 * written (and the input read) in bounded chunks so that memory stays flat.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { Unzip, type UnzipFile, UnzipInflate, Zip, ZipDeflate } from "fflate";

const CHUNK = 1 << 20;

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

/** Reads a file in chunks of at most 1 MiB. */
export async function* fileChunks(handle: fs.FileHandle): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = new Uint8Array(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/** What {@linkcode readZip} calls for each entry. */
export interface ZipEntryHandler {
  /** An entry starts; return the chunk sink (async allowed), or throw to refuse it. */
  open(name: string): Promise<(chunk: Uint8Array, final: boolean) => Promise<void>>;
}

/**
 * Streams a zip file's entries, in order, to a handler. Entries are
 * decompressed as the file is read, 1 MiB at a time, and each chunk is
 * handed over (and awaited) before more input is read.
 */
export async function readZip(file: string, handler: ZipEntryHandler): Promise<void> {
  const handle = await fs.open(file, "r");
  let failure: unknown;
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (step: () => Promise<void>): void => {
    chain = chain.then(() => (failure === undefined ? step() : undefined)).catch((error) => {
      failure ??= error;
    });
  };
  try {
    const unzip = new Unzip((entry: UnzipFile) => {
      let sink: ((chunk: Uint8Array, final: boolean) => Promise<void>) | undefined;
      enqueue(async () => {
        sink = await handler.open(entry.name);
      });
      entry.ondata = (error, chunk, final) => {
        if (error) {
          failure ??= error;
          return;
        }
        const copy = chunk.slice();
        enqueue(() => sink!(copy, final));
      };
      entry.start();
    });
    unzip.register(UnzipInflate);
    for await (const chunk of fileChunks(handle)) {
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
