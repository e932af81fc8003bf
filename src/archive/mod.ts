/**
 * Backups and exchange: `labos export --out FILE.zip` writes the whole data
 * folder and a manifest of SHA-256 hashes (`labos-archive.json`), and
 * `labos import-archive FILE.zip` verifies that manifest and the archived
 * audit chain before restoring into an empty data folder. The service calls
 * these; use `Lab.exportArchive` and `Lab.importArchive`.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { AuditLog } from "../audit/mod.ts";
import type { AuditHead } from "../audit/mod.ts";
import { ensureDirectory, fsyncDirectory, LOCK_FILE } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";
import type { LabCore } from "../service/_core.ts";
import { VERSION } from "../version.ts";
import { fileChunks, readZip, ZipWriter } from "./_zip.ts";

/** The manifest's name inside an archive. */
export const ARCHIVE_MANIFEST = "labos-archive.json";

/** The `format` of an archive manifest. */
export const ARCHIVE_FORMAT = "labos-archive";

// fflate writes no Zip64 records, so no file and no archive may reach 4 GiB.
const ZIP_LIMIT = 0xffff_ffff - (64 << 20);

/** One file of an archive, as listed in its manifest. */
export interface ArchiveFile {
  /** `data/` and the path inside the data folder, with `/` separators. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its bytes. */
  sha256: string;
}

/** The manifest of an archive, `labos-archive.json`. */
export interface ArchiveManifest {
  /** Always `labos-archive`. */
  format: typeof ARCHIVE_FORMAT;
  /** The manifest format version. */
  version: 1;
  /** When the archive was written. */
  createdAt: string;
  /** Who wrote it. */
  createdBy: string;
  /** The LabOS version that wrote it. */
  labosVersion: string;
  /** The data folder's id (`labos.json` `folderId`), or null for folders without one. */
  folderId: string | null;
  /** The audit head at export time. */
  audit: AuditHead;
  /** Every file, sorted by path. */
  files: ArchiveFile[];
}

/** What {@linkcode exportArchive} wrote. */
export interface ArchiveExport {
  /** The archive file. */
  file: string;
  /** How many data files it holds. */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
  /** The audit head it carries. */
  audit: AuditHead;
  /** Paths that are not regular files (symbolic links and so on) and were left out. */
  skipped: string[];
}

/** What {@linkcode importArchive} restored. */
export interface ArchiveImport {
  /** The restored data folder. */
  dataDir: string;
  /** How many files were restored. */
  files: number;
  /** The audit head of the restored log. */
  audit: AuditHead;
}

/**
 * Writes the data folder to a zip archive: `labos-archive.json` first
 * (every file's path, size and SHA-256, and the audit head), then every
 * file under `data/`. Holds the data folder lock so the copy is consistent,
 * refuses a damaged audit log, an existing output file and an output inside
 * the data folder.
 *
 * @example
 * ```ts
 * import { openLab } from "../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
 * await lab.init();
 * const result = await lab.exportArchive(`${dir}/backup.zip`);
 * console.assert(result.files > 0);
 * ```
 */
export async function exportArchive(lab: LabCore, outFile: string): Promise<ArchiveExport> {
  const out = path.resolve(outFile);
  const context = `Cannot export to ${quote(outFile)}`;
  if (!out.toLowerCase().endsWith(".zip")) {
    throw new LabosError("invalid", `${context}: the archive name must end in ".zip"`);
  }
  const relative = path.relative(lab.dataDir, out);
  if (!relative.startsWith("..") && !path.isAbsolute(relative)) {
    throw new LabosError("invalid", `${context}: it is inside the data folder`);
  }
  const dir = path.dirname(out);
  if (!(await fs.stat(dir).then((stat) => stat.isDirectory(), () => false))) {
    throw new LabosError("not_found", `${context}: folder ${quote(dir)} does not exist`);
  }
  if (await fs.lstat(out).then(() => true, () => false)) {
    throw new LabosError("conflict", `${context}: the file exists; choose another name`);
  }
  await lab.requireReady();
  return await lab.mutate(async () => {
    const verify = await lab.audit.verify();
    if (!verify.ok) {
      throw new LabosError(
        "check_failed",
        `${context}: the audit log is damaged at seq ${verify.seq} (${verify.kind}); run \`labos doctor --repair\``,
      );
    }
    const { files, skipped } = await listDataFiles(lab.dataDir);
    const listed: ArchiveFile[] = [];
    let total = 0;
    for (const file of files) {
      const { size, sha256 } = await hashFile(file.absolute);
      if (size >= ZIP_LIMIT) {
        throw new LabosError("invalid", `${context}: ${file.absolute} is 4 GiB or larger`);
      }
      total += size;
      listed.push({ path: `data/${file.relative}`, size, sha256 });
    }
    if (total >= ZIP_LIMIT) {
      throw new LabosError("invalid", `${context}: the data folder holds 4 GiB or more`);
    }
    const manifestText = await fs.readFile(path.join(lab.dataDir, "labos.json"), "utf8");
    const folderId = (JSON.parse(manifestText) as { folderId?: unknown }).folderId;
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      version: 1,
      createdAt: lab.timestamp(),
      createdBy: lab.actor,
      labosVersion: VERSION,
      folderId: typeof folderId === "string" ? folderId : null,
      audit: { seq: verify.events, hash: verify.head },
      files: listed,
    };
    const temp = path.join(dir, `.${path.basename(out)}.${randomBytes(6).toString("hex")}.tmp`);
    const handle = await fs.open(temp, "wx");
    try {
      const zip = new ZipWriter(handle);
      await zip.add(ARCHIVE_MANIFEST, [
        new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      ]);
      for (const [index, file] of files.entries()) {
        const source = await fs.open(
          file.absolute,
          constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0),
        );
        try {
          const hash = createHash("sha256");
          let size = 0;
          await zip.add(
            listed[index].path,
            tap(fileChunks(source), (chunk) => {
              hash.update(chunk);
              size += chunk.byteLength;
            }),
          );
          if (size !== listed[index].size || hash.digest("hex") !== listed[index].sha256) {
            throw new LabosError(
              "conflict",
              `${context}: ${file.absolute} changed while it was archived (written without the lock?); try again`,
            );
          }
        } finally {
          await source.close();
        }
      }
      await zip.end();
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    await fs.rename(temp, out);
    await fsyncDirectory(dir);
    return { file: out, files: listed.length, bytes: total, audit: manifest.audit, skipped };
  });
}

/**
 * Restores an archive written by {@linkcode exportArchive} into an empty (or
 * missing) data folder. It extracts into a temporary sibling folder, checks
 * every entry name (no absolute paths, no `..`, nothing outside `data/`),
 * every file's size and SHA-256 against the manifest (no file missing, none
 * extra), the manifest and the archived audit chain, and only then renames
 * the folder into place, so a refused archive leaves nothing behind.
 *
 * @example
 * ```ts
 * import { openLab } from "../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
 * await lab.init();
 * await lab.exportArchive(`${dir}/backup.zip`);
 * const copy = openLab({ dataDir: `${dir}/restored`, actor: "ada" });
 * console.assert((await copy.importArchive(`${dir}/backup.zip`)).files > 0);
 * ```
 */
export async function importArchive(file: string, dataDir: string): Promise<ArchiveImport> {
  const target = path.resolve(dataDir);
  const context = `Cannot import ${quote(file)}`;
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
  if (!(await fs.stat(file).then((stat) => stat.isFile(), () => false))) {
    throw new LabosError("not_found", `${context}: no such file`);
  }
  await ensureDirectory(path.dirname(target));
  const staging = path.join(
    path.dirname(target),
    `.${path.basename(target)}.import-${randomBytes(6).toString("hex")}`,
  );
  await fs.mkdir(staging);
  try {
    const manifest = await extract(file, staging, context);
    await checkRestored(staging, manifest, context);
    for (const dir of await allFolders(staging)) await fsyncDirectory(dir);
    await fs.rename(staging, target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOTEMPTY" || error.code === "EEXIST") {
        throw new LabosError("conflict", `${context}: ${quote(target)} was filled meanwhile`);
      }
      throw error;
    });
    await fsyncDirectory(path.dirname(target));
    return { dataDir: target, files: manifest.files.length, audit: manifest.audit };
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    if (error instanceof LabosError) throw error;
    throw new LabosError(
      "invalid",
      `${context}: not a readable zip archive (${String((error as Error).message).split("\n")[0]})`,
    );
  }
}

/**
 * Checks an archive entry name: `labos-archive.json`, or `data/` followed by
 * a relative path of plain segments. Returns the path inside the data folder
 * (`""` for the manifest), or throws.
 *
 * @example
 * ```ts
 * import { checkEntryName } from "./mod.ts";
 * console.assert(checkEntryName("data/experiments/x.json") === "experiments/x.json");
 * ```
 */
export function checkEntryName(name: string): string {
  if (name === ARCHIVE_MANIFEST) return "";
  const segments = name.split("/");
  const safe = segments.length >= 2 && segments[0] === "data" &&
    segments.slice(1).every((segment) =>
      segment !== "" && segment !== "." && segment !== ".." &&
      // deno-lint-ignore no-control-regex
      !/[\\\x00-\x1f]/.test(segment)
    );
  if (!safe) {
    throw new LabosError(
      "invalid",
      `Refusing archive entry ${
        quote(name)
      }: entries must be "labos-archive.json" or "data/" followed by a relative path without ".."`,
    );
  }
  return segments.slice(1).join("/");
}

async function extract(file: string, staging: string, context: string): Promise<ArchiveManifest> {
  let manifest: ArchiveManifest | undefined;
  let manifestText = "";
  const expected = new Map<string, ArchiveFile>();
  const seen = new Set<string>();
  await readZip(file, {
    async open(name) {
      if (name.endsWith("/")) {
        checkEntryName(name.slice(0, -1) + "/x");
        return () => Promise.resolve();
      }
      const inside = checkEntryName(name);
      if (seen.has(name)) {
        throw new LabosError("invalid", `${context}: entry ${quote(name)} appears twice`);
      }
      seen.add(name);
      if (inside === "") {
        const decoder = new TextDecoder();
        return (chunk, final) => {
          manifestText += decoder.decode(chunk, { stream: !final });
          if (manifestText.length > 256 << 20) {
            throw new LabosError("invalid", `${context}: the manifest is too large`);
          }
          if (final) {
            manifest = parseManifest(manifestText, context);
            for (const entry of manifest.files) expected.set(entry.path, entry);
          }
          return Promise.resolve();
        };
      }
      if (!manifest) {
        throw new LabosError(
          "invalid",
          `${context}: ${ARCHIVE_MANIFEST} must be the first entry (found ${quote(name)} first)`,
        );
      }
      const listed = expected.get(name);
      if (!listed) {
        throw new LabosError("invalid", `${context}: entry ${quote(name)} is not in the manifest`);
      }
      const to = path.join(staging, inside);
      await fs.mkdir(path.dirname(to), { recursive: true });
      const handle = await fs.open(to, "wx");
      const hash = createHash("sha256");
      let size = 0;
      return async (chunk, final) => {
        size += chunk.byteLength;
        if (size > listed.size) {
          await handle.close();
          throw new LabosError(
            "invalid",
            `${context}: ${quote(name)} is larger than the manifest says (${listed.size} bytes)`,
          );
        }
        hash.update(chunk);
        await handle.write(chunk);
        if (!final) return;
        await handle.sync();
        await handle.close();
        const sha256 = hash.digest("hex");
        if (size !== listed.size || sha256 !== listed.sha256) {
          throw new LabosError(
            "invalid",
            `${context}: ${quote(name)} does not match the manifest (size ${size}, SHA-256 ${
              sha256.slice(0, 12)
            }…; expected ${listed.size}, ${listed.sha256.slice(0, 12)}…)`,
          );
        }
        expected.delete(name);
      };
    },
  });
  if (!manifest) throw new LabosError("invalid", `${context}: it has no ${ARCHIVE_MANIFEST}`);
  const missing = [...expected.keys()];
  if (missing.length > 0) {
    throw new LabosError(
      "invalid",
      `${context}: ${missing.length} file(s) of the manifest are missing, first ${
        quote(missing[0])
      }`,
    );
  }
  return manifest;
}

function parseManifest(text: string, context: string): ArchiveManifest {
  let value: ArchiveManifest;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LabosError("invalid", `${context}: ${ARCHIVE_MANIFEST} is not valid JSON`);
  }
  const hex = /^[0-9a-f]{64}$/;
  const ok = value?.format === ARCHIVE_FORMAT && value.version === 1 &&
    Number.isInteger(value.audit?.seq) && hex.test(String(value.audit?.hash)) &&
    Array.isArray(value.files) &&
    value.files.every((file) =>
      typeof file?.path === "string" && Number.isInteger(file.size) && file.size >= 0 &&
      hex.test(String(file.sha256))
    );
  if (!ok) {
    throw new LabosError(
      "invalid",
      `${context}: ${ARCHIVE_MANIFEST} is not a LabOS archive manifest (format "${ARCHIVE_FORMAT}", version 1)`,
    );
  }
  for (const file of value.files) {
    if (checkEntryName(file.path) === "") {
      throw new LabosError("invalid", `${context}: the manifest lists ${quote(file.path)}`);
    }
  }
  return value;
}

async function checkRestored(
  staging: string,
  manifest: ArchiveManifest,
  context: string,
): Promise<void> {
  const data = await fs.readFile(path.join(staging, "labos.json"), "utf8").catch(() => undefined);
  if (data === undefined) {
    throw new LabosError("invalid", `${context}: the archive has no data/labos.json`);
  }
  const result = await AuditLog.verifyFiles(
    path.join(staging, "audit", "log.jsonl"),
    path.join(staging, "audit", "head.json"),
  );
  if (!result.ok) {
    throw new LabosError(
      "check_failed",
      `${context}: the archived audit log does not verify (${result.kind} at seq ${result.seq}: ${result.message})`,
    );
  }
  if (result.events !== manifest.audit.seq || result.head !== manifest.audit.hash) {
    throw new LabosError(
      "check_failed",
      `${context}: the archived audit log ends at seq ${result.events} (${
        result.head.slice(0, 12)
      }…) but the manifest says seq ${manifest.audit.seq} (${manifest.audit.hash.slice(0, 12)}…)`,
    );
  }
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
      // The lock and temporary files of interrupted writes are not data.
      if (relative === LOCK_FILE || relative === `${LOCK_FILE}.break`) continue;
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

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of fileChunks(handle)) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    return { size, sha256: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

async function* tap(
  chunks: AsyncIterable<Uint8Array>,
  see: (chunk: Uint8Array) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    see(chunk);
    yield chunk;
  }
}

async function allFolders(root: string): Promise<string[]> {
  const folders = [root];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) folders.push(...await allFolders(path.join(root, entry.name)));
  }
  return folders;
}
