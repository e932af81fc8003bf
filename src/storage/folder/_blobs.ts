import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import {
  ensureDirectory,
  fsyncDirectory,
  openNoFollow,
  refuseLinks,
  writeTempFile,
} from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import { mib } from "../../records/mod.ts";
import type { BlobInfo, PutBlobOptions } from "../types.ts";

/** The folder, inside the data folder, holding the blobs: `blobs/sha256/<2 hex>/<64 hex>`. */
export const BLOB_FOLDER = "blobs";

const SHA256 = /^[0-9a-f]{64}$/;
const CHUNK = 1 << 20;

/**
 * Whether a string is a lowercase hex SHA-256, the name of a blob.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBlobHash } from "./_blobs.ts";
 * assert.ok(isBlobHash("a".repeat(64)));
 * assert.ok(!isBlobHash("../../etc/passwd"));
 * ```
 */
export function isBlobHash(value: string): boolean {
  return SHA256.test(value);
}

/**
 * The blobs of a data folder: files stored once by the SHA-256 of their
 * bytes, written atomically (temporary file, fsync, rename, fsync of the
 * folder) while they stream in, so a blob of any size is never held in
 * memory. Writes need no lock: a blob's name is its content.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlobStore } from "./_blobs.ts";
 * const blobs = new BlobStore(await Deno.makeTempDir());
 * const info = await blobs.put(new TextEncoder().encode("hello"));
 * assert.equal(info.size, 5);
 * assert.equal(await blobs.size(info.sha256), 5);
 * ```
 */
export class BlobStore {
  /** The data folder. */
  readonly root: string;
  /** `blobs/sha256` inside it. */
  readonly folder: string;

  /** The blobs of the data folder `root` (absolute). */
  constructor(root: string) {
    this.root = root;
    this.folder = path.join(root, BLOB_FOLDER, "sha256");
  }

  /** The path of a blob; `invalid` unless `sha256` is a lowercase hex SHA-256. */
  pathOf(sha256: string): string {
    if (!isBlobHash(sha256)) {
      throw new LabosError(
        "invalid",
        `Invalid blob hash ${quote(sha256)}: expected 64 lowercase hex digits`,
      );
    }
    return path.join(this.folder, sha256.slice(0, 2), sha256);
  }

  /** Streams bytes into a blob; refuses more than `maxBytes` and then leaves nothing behind. */
  async put(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options: PutBlobOptions = {},
  ): Promise<BlobInfo> {
    const { maxBytes } = options;
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
      throw new LabosError(
        "invalid",
        `Invalid "maxBytes": expected a whole number of bytes: current value is ${quote(maxBytes)}`,
      );
    }
    await refuseLinks(path.join(this.folder, "x"), { root: this.root });
    await ensureDirectory(this.folder);
    const hash = createHash("sha256");
    let size = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      const chunks = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (maxBytes !== undefined && size > maxBytes) {
          throw new LabosError(
            "invalid",
            `Cannot store the file: it is larger than the limit of ${
              mib(maxBytes)
            } (${maxBytes} bytes)`,
          );
        }
        hash.update(chunk);
        yield chunk;
      }
    }
    const temp = await writeTempFile(path.join(this.folder, "incoming"), counted(), {
      root: this.root,
    });
    try {
      const sha256 = hash.digest("hex");
      const target = this.pathOf(sha256);
      await ensureDirectory(path.dirname(target));
      await refuseLinks(target, { root: this.root });
      await fs.rename(temp, target);
      await fsyncDirectory(path.dirname(target));
      return { sha256, size };
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  /** A blob's bytes in 1 MiB chunks; `not_found` when absent. */
  async *read(sha256: string): AsyncIterable<Uint8Array> {
    const file = this.pathOf(sha256);
    await refuseLinks(file, { root: this.root });
    let handle: fs.FileHandle;
    try {
      handle = await openNoFollow(file, { root: this.root, flags: "r" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missing(sha256);
      throw error;
    }
    try {
      for (;;) {
        const buffer = new Uint8Array(CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  /** A blob's size, or undefined when absent (or not a regular file). */
  async size(sha256: string): Promise<number | undefined> {
    const stat = await fs.lstat(this.pathOf(sha256)).catch(() => undefined);
    return stat?.isFile() ? stat.size : undefined;
  }

  /** Every blob's hash, sorted; files that are not blobs are left out. */
  async *list(): AsyncIterable<string> {
    for (const prefix of await names(this.folder)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      const dir = path.join(this.folder, prefix);
      for (const name of await names(dir)) {
        if (!isBlobHash(name) || !name.startsWith(prefix)) continue;
        const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
        if (stat?.isFile()) yield name;
      }
    }
  }

  /**
   * The files under `blobs/` that are not blobs (the leftover temporary file
   * of an interrupted upload, anything else), with paths relative to the data
   * folder; symbolic links are left to the link check.
   */
  async strays(): Promise<string[]> {
    const found: string[] = [];
    const visit = async (dir: string, depth: number): Promise<void> => {
      for (const name of await names(dir)) {
        const file = path.join(dir, name);
        const stat = await fs.lstat(file).catch(() => undefined);
        if (!stat || stat.isSymbolicLink()) continue;
        const expected = depth === 0
          ? name === "sha256" && stat.isDirectory()
          : depth === 1
          ? /^[0-9a-f]{2}$/.test(name) && stat.isDirectory()
          : isBlobHash(name) && name.startsWith(path.basename(dir)) && stat.isFile();
        if (expected && depth < 2) await visit(file, depth + 1);
        else if (!expected) found.push(path.relative(this.root, file).split(path.sep).join("/"));
      }
    };
    await visit(path.join(this.root, BLOB_FOLDER), 0);
    return found;
  }
}

function missing(sha256: string): LabosError {
  return new LabosError("not_found", `No stored file with SHA-256 ${quote(sha256)}`);
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}
