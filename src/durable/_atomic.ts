import { randomHex } from "../_crypto.ts";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { openNoFollow, refuseLinks } from "./_links.ts";

export interface AtomicWriteOptions {
  /**
   * Fsync the directory after the rename. Default: true. A caller writing
   * many files to one directory may pass false and fsync the directory once.
   */
  syncDirectory?: boolean;
  /**
   * The data folder the file is in: the write is refused (never followed)
   * when the file or a folder between it and `root` is a symbolic link.
   */
  root?: string;
}

/** Options for {@linkcode durableAppend}. */
export interface DurableAppendOptions {
  /**
   * The data folder the file is in: the append is refused when the file or
   * a folder between it and `root` is a symbolic link.
   */
  root?: string;
}

/**
 * Writes a file atomically: temp file, fsync, rename, fsync of the directory.
 * A reader sees either the old content or the new one, never a mix.
 *
 * @example
 * ```ts
 * import { atomicWriteFile } from "./_atomic.ts";
 * await atomicWriteFile("/tmp/labos-example.json", '{"ok":true}\n');
 * ```
 */
export async function atomicWriteFile(
  file: string,
  data: string | Uint8Array | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const temp = await writeTempFile(file, data, options);
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  if (options.syncDirectory !== false) await fsyncDirectory(dir);
}

/**
 * The first half of {@linkcode atomicWriteFile}: writes the data to a new
 * temporary file beside `file` (`.<name>.<random>.tmp`), fsyncs it and
 * returns its path; renaming it to `file` is the caller's. The directory is
 * not fsynced. Data given as chunks is written in order, without joining;
 * chunks from an async iterable are written as they come, so a large stream
 * is never held in memory. If writing or the iterable throws, the temporary
 * file is removed and the error rethrown.
 *
 * @example
 * ```ts
 * import { rename } from "node:fs/promises";
 * import { writeTempFile } from "./_atomic.ts";
 * const temp = await writeTempFile("/tmp/labos-example-staged.json", [new TextEncoder().encode("{}\n")]);
 * await rename(temp, "/tmp/labos-example-staged.json");
 * ```
 */
export async function writeTempFile(
  file: string,
  data: string | Uint8Array | readonly Uint8Array[] | AsyncIterable<Uint8Array>,
  options: { root?: string } = {},
): Promise<string> {
  if (options.root !== undefined) await refuseLinks(file, { root: options.root });
  return await writeTempWith(file, async (handle) => {
    if (typeof data === "string" || data instanceof Uint8Array) await handle.writeFile(data);
    else if (Symbol.asyncIterator in data) {
      for await (const chunk of data) await writeAll(handle, chunk);
    } else {
      for (const chunk of data) await writeAll(handle, chunk);
    }
  });
}

/**
 * Creates a temporary file beside `file`, lets `write` fill the open
 * handle, then syncs and closes it and returns its path, for the caller to
 * rename into place. On any error the temporary file is removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile, rm } from "node:fs/promises";
 * import { writeTempWith } from "./_atomic.ts";
 * const temp = await writeTempWith("/tmp/labos-example-with.txt", async (handle) => {
 *   await handle.write("hi");
 * });
 * assert.equal(await readFile(temp, "utf8"), "hi");
 * await rm(temp);
 * ```
 */
export async function writeTempWith(
  file: string,
  write: (handle: fs.FileHandle) => Promise<void>,
): Promise<string> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomHex(6)}.tmp`,
  );
  const handle = await fs.open(temp, "wx");
  try {
    await write(handle);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

async function writeAll(handle: fs.FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
  }
}

/**
 * Appends bytes to a file and fsyncs it before returning. It never appends
 * through a symbolic link at the file's name.
 *
 * @example
 * ```ts
 * import { durableAppend } from "./_atomic.ts";
 * await durableAppend("/tmp/labos-example.log", "line\n");
 * ```
 */
export async function durableAppend(
  file: string,
  data: string | Uint8Array,
  options: DurableAppendOptions = {},
): Promise<void> {
  const root = options.root ?? path.dirname(file);
  if (options.root !== undefined) await refuseLinks(path.dirname(file), { root });
  const handle = await openNoFollow(file, { root, flags: "a" });
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Fsyncs a directory so that a rename or a new entry in it survives a power
 * cut. Platforms that cannot open a directory (Windows) are skipped.
 *
 * @example
 * ```ts
 * import { fsyncDirectory } from "./_atomic.ts";
 * await fsyncDirectory("/tmp");
 * ```
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Creates a directory and its parents, fsyncing each parent it created into.
 *
 * @example
 * ```ts
 * import { ensureDirectory } from "./_atomic.ts";
 * await ensureDirectory("/tmp/labos-example/a/b");
 * ```
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const created = await fs.mkdir(dir, { recursive: true });
  if (created !== undefined) await fsyncDirectory(path.dirname(dir));
}
