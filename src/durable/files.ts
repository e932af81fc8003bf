import { createSha256 } from "../_crypto.ts";
import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LabosError, quote } from "../errors.ts";
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
  return (await fileDigest(file)).sha256;
}

/** The size and lowercase hex SHA-256 of a file, from one streamed read; never follows a symbolic link. */
export async function fileDigest(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createSha256();
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  let size = 0;
  try {
    // Sized to the file: most are small records, and a 1 MiB buffer each is zeroed for nothing.
    const buffer = new Uint8Array(Math.min(1 << 20, (await handle.stat()).size + 1));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest("hex") };
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

/** Options for {@linkcode checkOutputFile}. */
export interface OutputFileOptions {
  /** The data folder: no output file may land inside it. */
  dataDir: string;
  /** How the path was given, for messages, such as `"--out"`. */
  label: string;
  /** Refuse a file that exists (unless `force`). Default: false. */
  refuseExisting?: boolean;
  /** Overwrite an existing file. Default: false. */
  force?: boolean;
}

/**
 * Checks a file a command is about to write: after resolving symbolic links
 * (in its folder and in the file itself), it must not be inside the data
 * folder; with `refuseExisting`, it must not exist unless `force`. Returns
 * the absolute path. Nothing is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutputFile } from "./files.ts";
 * const dataDir = await Deno.makeTempDir();
 * await assert.rejects(
 *   checkOutputFile(`${dataDir}/audit/head.json`, { dataDir, label: "--out" }),
 *   /inside the data folder/,
 * );
 * assert.equal(await checkOutputFile("/tmp/x.jsonl", { dataDir, label: "--out" }), "/tmp/x.jsonl");
 * ```
 */
export async function checkOutputFile(file: string, options: OutputFileOptions): Promise<string> {
  const out = path.resolve(file);
  const dataDir = await realPath(path.resolve(options.dataDir));
  const candidates = [out, path.join(await realPath(path.dirname(out)), path.basename(out))];
  const stat = await fs.lstat(out).catch(() => undefined);
  if (stat?.isSymbolicLink()) candidates.push(await linkTarget(out));
  for (const candidate of candidates) {
    const relative = path.relative(dataDir, candidate);
    if (relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))) {
      throw new LabosError(
        "invalid",
        `Invalid ${options.label} ${quote(file)}: it is inside the data folder ${
          quote(options.dataDir)
        }; write outside it`,
      );
    }
  }
  if (options.refuseExisting && !options.force && stat !== undefined) {
    throw new LabosError(
      "conflict",
      `Invalid ${options.label} ${
        quote(file)
      }: the file exists; choose another name or pass --force`,
    );
  }
  return out;
}

/** The real path, or the path itself while it does not exist. */
async function realPath(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(await realPath(parent), path.basename(file));
  }
}

/** Where a symbolic link finally points, even when the target does not exist yet. */
async function linkTarget(link: string): Promise<string> {
  let current = link;
  for (let hops = 0; hops < 40; hops++) {
    const stat = await fs.lstat(current).catch(() => undefined);
    if (!stat?.isSymbolicLink()) return await realPath(current);
    current = path.resolve(path.dirname(current), await fs.readlink(current));
  }
  return current;
}
