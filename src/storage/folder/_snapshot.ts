/**
 * A data folder as files: a snapshot hashes every file LabOS wrote, under
 * the lock (or without one in a read-only folder), for `labos export`; a
 * restore fills a staging sibling folder and renames it into place.
 *
 * @module
 */
import { createSha256, randomHex } from "../../_crypto.ts";
import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { ensureDirectory, fsyncDirectory, LOCK_FILE, withLock } from "../../durable/mod.ts";
import { fileDigest } from "../../durable/files.ts";
import { LabosError, quote } from "../../errors.ts";
import type { LabStorage, RestoreSink, Snapshot, SnapshotFile } from "../types.ts";
import { exists, type FolderParts, OWN_ENTRIES } from "./_layout.ts";
import { JOURNAL_FILE, MANIFEST_FILE, recoverJournal } from "./_transaction.ts";

/** What a snapshot reads: the folder's records and audit log, and its manifest as stored. */
export interface SnapshotParts extends Pick<FolderParts, "location" | "store" | "audit"> {
  /** The manifest as stored, or undefined when there is none. */
  rawManifest(): Promise<Record<string, unknown> | undefined>;
}

/**
 * Runs `fn` on every file of the folder, hashed, under the lock. A
 * read-only folder, where no lock can be written, cannot change either:
 * it is read without one, unless an interrupted write left a journal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { AuditLog } from "../../audit/mod.ts";
 * import { RecordStore } from "./_records.ts";
 * import { snapshotFolder } from "./_snapshot.ts";
 * const location = await Deno.makeTempDir();
 * const files = await snapshotFolder({
 *   location,
 *   store: new RecordStore(location),
 *   audit: new AuditLog(join(location, "audit"), { root: location }),
 *   rawManifest: () => Promise.resolve(undefined),
 * }, (snapshot) => Promise.resolve(snapshot.files));
 * assert.deepEqual(files, []);
 * ```
 */
export async function snapshotFolder<T>(
  parts: SnapshotParts,
  fn: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  const { location } = parts;
  try {
    return await withLock(location, async () => {
      await recoverJournal(parts.store, parts.audit);
      return await snapshotFiles(parts, fn);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(code === "EROFS" || code === "EACCES" || code === "EPERM")) throw error;
    // In a folder where nothing can be created, the lock was not taken and fn never ran.
    if (!(await isReadOnly(location))) throw error;
  }
  if (await exists(path.join(location, JOURNAL_FILE))) {
    throw new LabosError(
      "check_failed",
      `Cannot read ${
        quote(location)
      }: it is read-only and an interrupted write left ${JOURNAL_FILE}; copy the folder somewhere writable and run "labos doctor --repair" there`,
    );
  }
  return await snapshotFiles(parts, fn);
}

async function snapshotFiles<T>(
  parts: SnapshotParts,
  fn: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  const audit = await parts.audit.verify();
  const { files, skipped } = await listDataFiles(parts.location);
  const listed: SnapshotFile[] = [];
  for (const file of files) {
    const { size, sha256 } = await fileDigest(file.absolute);
    listed.push({
      path: file.relative,
      size,
      sha256,
      location: file.absolute,
      read: () => readChecked(file.absolute, { size, sha256 }),
    });
  }
  const manifest = await parts.rawManifest() ?? {};
  return await fn({ files: listed, skipped, manifest, audit });
}

/**
 * Restores into an empty or missing folder through a staging sibling
 * folder, renamed into place once `fill` succeeds; refused, it leaves
 * nothing behind. `open` opens the staging folder for the sink's checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { restoreFolder } from "./_snapshot.ts";
 * import { FolderStorage } from "./_storage.ts";
 * const target = join(await Deno.makeTempDir(), "restored");
 * await assert.rejects(
 *   restoreFolder(() => Promise.reject(new Error("refused")), {
 *     target,
 *     context: "Cannot restore",
 *     open: (dir) => new FolderStorage(dir),
 *   }),
 *   /refused/,
 * );
 * await assert.rejects(Deno.stat(target));
 * ```
 */
export async function restoreFolder<T>(
  fill: (sink: RestoreSink) => Promise<T>,
  options: {
    target: string;
    context: string;
    open: (dir: string) => Pick<LabStorage, "check" | "auditScan">;
  },
): Promise<T> {
  const { target, context } = options;
  const entries = await fs.readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    if (error.code === "ENOTDIR") {
      throw new LabosError("conflict", `${context}: ${quote(target)} is a file, not a folder`);
    }
    throw error;
  });
  if (entries.length > 0) {
    throw new LabosError(
      "conflict",
      `${context}: the data folder ${
        quote(target)
      } is not empty; restore into a new or empty folder`,
    );
  }
  // The parent folders this restore creates are removed again if it is refused.
  const created = await missingFolders(path.dirname(target));
  await ensureDirectory(path.dirname(target));
  const staging = path.join(
    path.dirname(target),
    `.${path.basename(target)}.import-${randomHex(6)}`,
  );
  await fs.mkdir(staging);
  const staged = options.open(staging);
  const sink: RestoreSink = {
    async create(relative) {
      const to = path.join(staging, relative);
      await fs.mkdir(path.dirname(to), { recursive: true });
      const handle = await fs.open(to, "wx");
      return {
        async write(chunk) {
          await handle.write(chunk);
        },
        async close() {
          await handle.sync();
          await handle.close();
        },
      };
    },
    async verify() {
      const manifest = await exists(path.join(staging, MANIFEST_FILE));
      const { AuditLog } = await import("../../audit/mod.ts");
      const audit = await AuditLog.verifyFiles(
        path.join(staging, "audit", "log.jsonl"),
        path.join(staging, "audit", "head.json"),
      );
      return { manifest, audit };
    },
    check: () => staged.check({ repair: false, actor: "" }),
    auditScan: () => staged.auditScan(),
  };
  try {
    const result = await fill(sink);
    for (const dir of await allFolders(staging)) await fsyncDirectory(dir);
    await fs.rename(staging, target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOTEMPTY" || error.code === "EEXIST") {
        throw new LabosError("conflict", `${context}: ${quote(target)} was filled meanwhile`);
      }
      throw error;
    });
    await fsyncDirectory(path.dirname(target));
    return result;
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    // Deepest first; a folder something else filled meanwhile stays.
    for (const dir of created.reverse()) {
      if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
    }
    throw error;
  }
}

/** The folders of `dir`'s path, outermost first, that do not exist yet. */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = dir; !(await exists(current)); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  return missing;
}

/** Whether nothing can be created in `dir` (a read-only mount, or no write permission). */
async function isReadOnly(dir: string): Promise<boolean> {
  const probe = path.join(dir, `.write-probe-${randomHex(6)}.tmp`);
  try {
    await (await fs.open(probe, "wx")).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EROFS" || code === "EACCES" || code === "EPERM";
  }
  await fs.rm(probe, { force: true });
  return false;
}

async function listDataFiles(
  dataDir: string,
): Promise<{ files: Array<{ relative: string; absolute: string }>; skipped: string[] }> {
  const files: Array<{ relative: string; absolute: string }> = [];
  const skipped: string[] = [];
  async function visit(dir: string, prefix: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      // Only LabOS's own files: never what else lives in a folder initialised with --force.
      if (prefix === "" && !OWN_ENTRIES.has(entry.name)) continue;
      // The lock and temporary files of interrupted writes are not data.
      if (relative === LOCK_FILE || relative === `${LOCK_FILE}.break`) continue;
      if (relative === JOURNAL_FILE) continue;
      if (entry.name.startsWith(".") && entry.name.endsWith(".tmp")) continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(absolute, relative);
      else if (entry.isFile()) files.push({ relative, absolute });
      else skipped.push(relative);
    }
  }
  await visit(dataDir, "");
  return { files, skipped };
}

const CHUNK = 1 << 20;

async function* chunksOf(handle: fs.FileHandle): AsyncIterable<Uint8Array> {
  // Most files are small records: a 1 MiB buffer for each would be zeroed for nothing.
  let left = (await handle.stat()).size;
  for (;;) {
    const buffer = new Uint8Array(Math.min(CHUNK, Math.max(left, 0) + 1));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    left -= bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function* readChecked(
  file: string,
  expected: { size: number; sha256: string },
): AsyncIterable<Uint8Array> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const hash = createSha256();
    let size = 0;
    for await (const chunk of chunksOf(handle)) {
      hash.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
    if (size !== expected.size || hash.digest("hex") !== expected.sha256) {
      throw new LabosError(
        "conflict",
        `${file} changed while it was archived (written without the lock?); try again`,
      );
    }
  } finally {
    await handle.close();
  }
}

async function allFolders(root: string): Promise<string[]> {
  const folders = [root];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) folders.push(...await allFolders(path.join(root, entry.name)));
  }
  return folders;
}
