import { createHash } from "node:crypto";
import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { atomicWriteFile, ensureDirectory, fsyncDirectory } from "./mod.ts";

/** A regular file found by {@linkcode walkFiles}. */
export interface FoundFile {
  /** The path relative to the walked folder, with `/` separators. */
  relative: string;
  /** The absolute path. */
  absolute: string;
  /** The size in bytes. */
  size: number;
}

/** What {@linkcode walkFiles} found besides regular files. */
export interface WalkResult {
  /** Regular files, sorted by relative path. */
  files: FoundFile[];
  /** Symbolic links and special files, never followed (relative paths). */
  skipped: string[];
}

/** Lists every regular file under a folder, never following symbolic links. */
export async function walkFiles(
  root: string,
  options: { exclude?: (relative: string, isDirectory: boolean) => boolean } = {},
): Promise<WalkResult> {
  const files: FoundFile[] = [];
  const skipped: string[] = [];
  async function visit(dir: string, prefix: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      const absolute = path.join(dir, entry.name);
      if (options.exclude?.(relative, entry.isDirectory())) continue;
      if (entry.isDirectory()) await visit(absolute, relative);
      else if (entry.isFile()) {
        files.push({ relative, absolute, size: (await fs.lstat(absolute)).size });
      } else skipped.push(relative);
    }
  }
  await visit(root, "");
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  return { files, skipped };
}

/** Lowercase hex SHA-256 of a file, streamed; never follows a symbolic link. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/** Copies one file durably, creating the target's folders. */
export async function copyFile(from: string, to: string): Promise<void> {
  await ensureDirectory(path.dirname(to));
  await atomicWriteFile(to, await fs.readFile(from));
}

/** Copies files (relative paths under `from`) into `to`, durably; returns how many. */
export async function copyFiles(from: string, to: string, relatives: string[]): Promise<number> {
  const folders = new Set<string>();
  for (const relative of relatives) {
    const target = path.join(to, relative);
    await ensureDirectory(path.dirname(target));
    await atomicWriteFile(target, await fs.readFile(path.join(from, relative)), {
      syncDirectory: false,
    });
    folders.add(path.dirname(target));
  }
  for (const folder of folders) await fsyncDirectory(folder);
  return relatives.length;
}

/** A folder name from a time: `2026-01-31T12-00-00-000Z`. */
export function stampOf(iso: string): string {
  return iso.replace(/[:.]/g, "-");
}
