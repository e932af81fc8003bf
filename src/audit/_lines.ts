/**
 * Reading a line file in large byte chunks, forwards or backwards, without
 * decoding it to one string.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { LabosError } from "../errors.ts";

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
 * import { forwardLines } from "./_lines.ts";
 * import { writeFile } from "node:fs/promises";
 * await writeFile("/tmp/labos-lines.txt", "a\nb\n");
 * let count = 0;
 * for await (const batch of forwardLines("/tmp/labos-lines.txt", { size: 4 })) {
 *   count += batch.starts.length;
 * }
 * console.assert(count === 2);
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
 * import { backwardLines } from "./_lines.ts";
 * import { writeFile } from "node:fs/promises";
 * await writeFile("/tmp/labos-lines.txt", "a\nb\n");
 * for await (const batch of backwardLines("/tmp/labos-lines.txt", { size: 4 })) {
 *   console.assert(batch.starts.length === 2);
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
 * import { lastLineEnd } from "./_lines.ts";
 * await fs.writeFile("/tmp/labos-lines.txt", "a\nb");
 * const handle = await fs.open("/tmp/labos-lines.txt", "r");
 * console.assert(await lastLineEnd(handle, 3) === 2);
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
 * import { readFully } from "./_lines.ts";
 * await fs.writeFile("/tmp/labos-lines.txt", "abc");
 * const handle = await fs.open("/tmp/labos-lines.txt", "r");
 * const bytes = new Uint8Array(2);
 * await readFully(handle, { buffer: bytes, length: 2, position: 1 });
 * await handle.close();
 * console.assert(bytes[0] === 98);
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
