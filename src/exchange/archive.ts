/**
 * Backups and exchange: `labos export --out FILE.zip` writes the whole data
 * folder and a manifest of SHA-256 hashes (`labos-archive.json`), and
 * `labos import-archive FILE.zip` verifies that manifest and the archived
 * audit chain before restoring into an empty data folder. The service calls
 * these; use `Lab.exportArchive` and `Lab.importArchive`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { AuditHead } from "../audit/mod.ts";
import { checkOutputFile } from "../durable/files.ts";
import { fsyncDirectory, LOCK_FILE } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { concatBytes } from "../records/mod.ts";
import { compareWithAudit, type LabStorage, type RestoreSink, storeNoun } from "../storage/mod.ts";
import { VERSION } from "../version.ts";
import type { ExchangeContext } from "./_upgrade.ts";
import { readZip, writeZipTemp } from "./_zip.ts";

/** The manifest's name inside an archive. */
export const ARCHIVE_MANIFEST = "labos-archive.json";

/** The `format` of an archive manifest. */
export const ARCHIVE_FORMAT = "labos-archive";

// fflate writes no Zip64 records, so no file and no archive may reach 4 GiB.
const ZIP_LIMIT = 0xffff_ffff - (64 << 20);

/** The limits {@linkcode importArchive} holds an archive to (see {@linkcode ARCHIVE_LIMITS}). */
export interface ArchiveLimits {
  /**
   * The manifest's size in bytes. It is also held to 1 MiB plus twice the
   * archive's size: every file it lists costs the archive more header
   * bytes than the manifest's line naming it.
   */
  manifestBytes: number;
  /** Zip entries, and files the manifest lists. */
  entries: number;
  /** The files' total size, unless `maxBytes` says otherwise. */
  maxBytes: number;
  /** Declared bytes per archive byte, beyond `ratioFloor`: more is a zip bomb, not lab data. */
  ratio: number;
  /** Declared bytes allowed however small the archive. */
  ratioFloor: number;
}

/**
 * The archive limits: a 64 MiB manifest (about 350,000 files), 400,000
 * entries, just under 4 GiB of files (what a zip without Zip64 holds) and
 * a declared ratio of 200:1 beyond 64 MiB.
 */
export const ARCHIVE_LIMITS: Readonly<ArchiveLimits> = {
  manifestBytes: 64 << 20,
  entries: 400_000,
  maxBytes: ZIP_LIMIT,
  ratio: 200,
  ratioFloor: 64 << 20,
};

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
 * import assert from "node:assert/strict";
 * import { openLab } from "../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
 * await lab.init();
 * const result = await lab.exportArchive(`${dir}/backup.zip`);
 * assert(result.files > 0);
 * ```
 */
export async function exportArchive(lab: ExchangeContext, outFile: string): Promise<ArchiveExport> {
  const out = path.resolve(outFile);
  const context = `Cannot export to ${quote(outFile)}`;
  if (!out.toLowerCase().endsWith(".zip")) {
    throw new LabosError("invalid", `${context}: the archive name must end in ".zip"`);
  }
  try {
    // After resolving symbolic links: a linked folder must not lead inside either.
    await checkOutputFile(out, { dataDir: lab.storage.location, label: "archive" });
  } catch (error) {
    if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
    throw new LabosError("invalid", `${context}: it is inside the data folder`);
  }
  const dir = path.dirname(out);
  if (!(await fs.stat(dir).then((stat) => stat.isDirectory(), () => false))) {
    throw new LabosError("not_found", `${context}: folder ${quote(dir)} does not exist`);
  }
  if (await fs.lstat(out).then(() => true, () => false)) {
    throw new LabosError("conflict", `${context}: the file exists; choose another name`);
  }
  if (!(await lab.storage.manifest())) {
    throw new LabosError(
      "invalid",
      `${storeNoun(lab.storage.location)} ${
        quote(lab.storage.location)
      } is not initialised: run "labos init" first`,
    );
  }
  return await lab.storage.snapshot(
    async ({ files: all, skipped, manifest: data, audit: verify }) => {
      let files = all;
      if (!verify.ok) {
        throw new LabosError(
          "check_failed",
          `${context}: the audit log is damaged at seq ${verify.seq} (${verify.kind}); run \`labos doctor --repair\``,
        );
      }
      const listed: ArchiveFile[] = [];
      let total = 0;
      // Never the lock, a journal or a temporary file, whatever the storage lists.
      files = files.filter((file) => !isStateFile(file.path));
      for (const file of files) {
        if (file.size >= ZIP_LIMIT) {
          throw new LabosError("invalid", `${context}: ${file.location} is 4 GiB or larger`);
        }
        total += file.size;
        listed.push({ path: `data/${file.path}`, size: file.size, sha256: file.sha256 });
      }
      if (total >= ZIP_LIMIT) {
        throw new LabosError("invalid", `${context}: the data folder holds 4 GiB or more`);
      }
      const folderId = data.folderId;
      const manifest: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        version: 1,
        createdAt: lab.now().toISOString(),
        createdBy: lab.actor,
        labosVersion: VERSION,
        folderId: typeof folderId === "string" ? folderId : null,
        audit: { seq: verify.events, hash: verify.head },
        files: listed,
      };
      const temp = await writeZipTemp(out, async (zip) => {
        await zip.add(ARCHIVE_MANIFEST, [
          new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
        ]);
        for (const [index, file] of files.entries()) {
          try {
            await zip.add(listed[index].path, file.read());
          } catch (error) {
            if (error instanceof LabosError && error.kind === "conflict") {
              throw new LabosError("conflict", `${context}: ${error.message}`);
            }
            throw error;
          }
        }
      });
      await fs.rename(temp, out);
      await fsyncDirectory(dir);
      return { file: out, files: listed.length, bytes: total, audit: manifest.audit, skipped };
    },
  );
}

/**
 * Restores an archive written by {@linkcode exportArchive} into an empty (or
 * missing) data folder. It extracts into a temporary sibling folder, checks
 * every entry name (no absolute paths, no `..`, nothing outside `data/`),
 * every file's size and SHA-256 against the manifest (no file missing, none
 * extra), the manifest and the archived audit chain, then that every record
 * is its last audited state, and only then renames the folder into place,
 * so a refused archive leaves nothing behind. Entries are inflated as a
 * stream and stopped at their declared sizes and at {@linkcode ARCHIVE_LIMITS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "../service/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/data`, actor: "ada" });
 * await lab.init();
 * await lab.exportArchive(`${dir}/backup.zip`);
 * const copy = openLab({ dataDir: `${dir}/restored`, actor: "ada" });
 * assert((await copy.importArchive(`${dir}/backup.zip`)).files > 0);
 * ```
 */
export async function importArchive(
  storage: LabStorage,
  file: string,
  options: ImportArchiveOptions = {},
): Promise<ArchiveImport> {
  const context = `Cannot import ${quote(file)}`;
  const maxBytes = options.maxBytes ?? ARCHIVE_LIMITS.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new LabosError(
      "invalid",
      `${context}: "maxBytes" must be a whole number of bytes >= 0: current value is ${
        quote(maxBytes)
      }`,
    );
  }
  try {
    return await storage.restore(async (sink) => {
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat?.isFile()) throw new LabosError("not_found", `${context}: no such file`);
      const manifest = await extract(file, sink, { context, archiveBytes: stat.size, maxBytes });
      await checkRestored(sink, manifest, context);
      return { dataDir: storage.location, files: manifest.files.length, audit: manifest.audit };
    }, { context });
  } catch (error) {
    if (error instanceof LabosError) throw error;
    const failure = fileSystemFailure(error);
    if (failure) {
      const where = error instanceof EntryWriteError ? ` while writing ${quote(error.entry)}` : "";
      throw new LabosError(
        "internal",
        `${context}: ${failure}${where}; nothing was restored`,
        { cause: error },
      );
    }
    throw new LabosError(
      "invalid",
      `${context}: not a readable zip archive (${String((error as Error).message).split("\n")[0]})`,
    );
  }
}

/** Options for {@linkcode importArchive}. */
export interface ImportArchiveOptions {
  /** The most bytes the archive's files may hold together. Default: `ARCHIVE_LIMITS.maxBytes`. */
  maxBytes?: number;
}

const FILE_SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full (ENOSPC)",
  EDQUOT: "the disk quota is exceeded (EDQUOT)",
  EIO: "the disk reported an input/output error (EIO)",
  EACCES: "permission was denied (EACCES)",
  EPERM: "the operation is not permitted (EPERM)",
  EROFS: "the file system is read-only (EROFS)",
  EFBIG: "the file is too large for the file system (EFBIG)",
  EMFILE: "too many files are open (EMFILE)",
};

/** What a file system error means, for the message, or undefined for any other error. */
function fileSystemFailure(error: unknown): string | undefined {
  const cause = error instanceof EntryWriteError ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? FILE_SYSTEM_ERRORS[code] : undefined;
}

/** A failed write of one archive entry, so that the message can name it. */
class EntryWriteError extends Error {
  readonly entry: string;
  constructor(entry: string, cause: unknown) {
    super(String((cause as Error)?.message ?? cause), { cause });
    this.entry = entry;
  }
}

/**
 * Checks an archive entry name: `labos-archive.json`, or `data/` followed by
 * a relative path of plain segments. Returns the path inside the data folder
 * (`""` for the manifest), or throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkEntryName } from "./archive.ts";
 * assert.deepEqual(checkEntryName("data/experiments/x.json"), "experiments/x.json");
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

/**
 * Files of a live data folder that are state, not data: the lock, the redo
 * journal (which the first write after a restore would replay) and the
 * temporary files of interrupted writes. Export leaves them out; import
 * refuses an archive that holds one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStateFile } from "./archive.ts";
 * assert.ok(isStateFile("journal.json") && isStateFile("labos.lock"));
 * assert.ok(isStateFile("experiments/.exp_1.json.abc123.tmp"));
 * assert.ok(!isStateFile("experiments/exp_1.json"));
 * ```
 */
export function isStateFile(inside: string): boolean {
  const name = inside.split("/").at(-1) ?? "";
  return inside === "journal.json" || inside === LOCK_FILE || inside === `${LOCK_FILE}.break` ||
    (name.startsWith(".") && name.endsWith(".tmp"));
}

async function extract(
  file: string,
  sink: RestoreSink,
  options: { context: string; archiveBytes: number; maxBytes: number },
): Promise<ArchiveManifest> {
  const { context, archiveBytes, maxBytes } = options;
  const manifestLimit = Math.min(ARCHIVE_LIMITS.manifestBytes, (1 << 20) + 2 * archiveBytes);
  let manifest: ArchiveManifest | undefined;
  const expected = new Map<string, ArchiveFile>();
  const seen = new Set<string>();
  const tooLarge = (what: string, limit: number) =>
    new LabosError("invalid", `${context}: ${what} (${limit} bytes); nothing was restored`);
  // The files being written when the reading stops, closed before the staging folder goes.
  const open = new Set<{ close(): Promise<void> }>();
  try {
    await read();
  } finally {
    for (const handle of open) await handle.close().catch(() => undefined);
  }
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

  async function read(): Promise<void> {
    await readZip(file, {
      limit(name) {
        if (name === ARCHIVE_MANIFEST) return manifestLimit;
        // An entry the manifest does not list is refused when it opens, after this input chunk.
        return (manifest && expected.get(name)?.size) ?? maxBytes;
      },
      tooLarge(name, limit) {
        return name === ARCHIVE_MANIFEST
          ? tooLarge(`${ARCHIVE_MANIFEST} is larger than the limit`, limit)
          : tooLarge(`${quote(name)} is larger than the manifest says`, limit);
      },
      async open(name) {
        if (name.endsWith("/")) {
          checkEntryName(name.slice(0, -1) + "/x");
          return () => Promise.resolve();
        }
        const inside = checkEntryName(name);
        if (isStateFile(inside)) {
          throw new LabosError(
            "invalid",
            `${context}: entry ${
              quote(name)
            } is a journal, lock or temporary file, which archives never hold`,
          );
        }
        if (seen.has(name)) {
          throw new LabosError("invalid", `${context}: entry ${quote(name)} appears twice`);
        }
        seen.add(name);
        if (inside === "") {
          const chunks: Uint8Array[] = [];
          return (chunk, final) => {
            chunks.push(chunk);
            if (final) {
              manifest = parseManifest(new TextDecoder().decode(concatBytes(chunks)), context);
              chunks.length = 0;
              checkDeclared(manifest, { context, archiveBytes, maxBytes });
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
          throw new LabosError(
            "invalid",
            `${context}: entry ${quote(name)} is not in the manifest`,
          );
        }
        const handle = await sink.create(inside).catch((error) => {
          throw error instanceof LabosError ? error : new EntryWriteError(name, error);
        });
        open.add(handle);
        const hash = createHash("sha256");
        let size = 0;
        return async (chunk, final) => {
          size += chunk.byteLength;
          if (size > listed.size) {
            throw tooLarge(`${quote(name)} is larger than the manifest says`, listed.size);
          }
          hash.update(chunk);
          try {
            await handle.write(chunk);
            if (final) {
              open.delete(handle);
              await handle.close();
            }
          } catch (error) {
            throw new EntryWriteError(name, error);
          }
          if (!final) return;
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
    }, {
      maxEntries: ARCHIVE_LIMITS.entries,
      maxTotalBytes: maxBytes + manifestLimit,
      tooLarge(what, limit) {
        return what === "entries"
          ? new LabosError(
            "invalid",
            `${context}: it holds more than ${limit} entries; nothing was restored`,
          )
          : tooLarge("its files inflate beyond the limit", limit);
      },
    });
  }
}

/** Refuses, before anything is written, a manifest declaring more than the limits allow. */
function checkDeclared(
  manifest: ArchiveManifest,
  options: { context: string; archiveBytes: number; maxBytes: number },
): void {
  const { context, archiveBytes, maxBytes } = options;
  if (manifest.files.length > ARCHIVE_LIMITS.entries) {
    throw new LabosError(
      "invalid",
      `${context}: the manifest lists ${manifest.files.length} files, more than the limit of ${ARCHIVE_LIMITS.entries}`,
    );
  }
  const declared = manifest.files.reduce((sum, entry) => sum + entry.size, 0);
  if (declared > maxBytes) {
    throw new LabosError(
      "invalid",
      `${context}: the manifest declares ${declared} bytes, more than the limit of ${maxBytes} bytes; nothing was restored`,
    );
  }
  const allowed = Math.max(ARCHIVE_LIMITS.ratioFloor, ARCHIVE_LIMITS.ratio * archiveBytes);
  if (declared > allowed) {
    throw new LabosError(
      "invalid",
      `${context}: the manifest declares ${declared} bytes for an archive of ${archiveBytes} bytes, a compression ratio above ${ARCHIVE_LIMITS.ratio}:1 that lab data never reaches (a zip bomb); nothing was restored`,
    );
  }
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
  sink: RestoreSink,
  manifest: Pick<ArchiveManifest, "audit">,
  context: string,
): Promise<void> {
  const { manifest: data, audit: result } = await sink.verify();
  if (!data) {
    throw new LabosError("invalid", `${context}: the archive has no data/labos.json`);
  }
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
  await crossCheck(sink, context);
}

/** Every restored record must be its last audited state, as doctor checks it. */
async function crossCheck(sink: RestoreSink, context: string): Promise<void> {
  const check = await sink.check();
  const corrupt = check.problems.find((problem) => problem.kind === "corrupt-record");
  if (corrupt) {
    const file = corrupt.path ?? "";
    const inside = `data/${file.split(/[\\/]/).slice(-2).join("/")}`;
    throw new LabosError(
      "check_failed",
      `${context}: ${quote(inside)} is not a valid record (${
        corrupt.message.split(`${file}: `).at(-1)
      })`,
    );
  }
  const found = await compareWithAudit(sink.auditScan(), check);
  if (found.length === 0) return;
  const { kind, type, id, seq } = found[0];
  const what = kind === "unaudited"
    ? "has no audit event: it was not written by LabOS"
    : kind === "edited"
    ? `differs from its last audited state (seq ${seq}): it was edited outside LabOS`
    : `was audited at seq ${seq} but its file is missing`;
  const more = found.length > 1 ? ` (and ${found.length - 1} more record(s))` : "";
  throw new LabosError(
    "check_failed",
    `${context}: the archived ${type} ${quote(id)} ${what}${more}; nothing was restored`,
  );
}

/** What {@linkcode copyStore} did. */
export interface StoreCopy {
  /** Where the lab was copied from (the data folder). */
  from: string;
  /** Where it was copied to, without a password. */
  to: string;
  /** False when the target already held this lab's chain, so nothing was written. */
  copied: boolean;
  /** How many files the copy holds (as an archive would). */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
  /** The audit head of both stores after the copy. */
  audit: AuditHead;
  /** Paths that are not regular files and were left out. */
  skipped: string[];
}

/**
 * Copies a lab into another, empty store, as an archive export and import
 * would, without the archive: the source's snapshot (its audit chain
 * verified) is written file by file into the target's restore, checked like
 * an archive (manifest, chain, every record its last audited state), then
 * the target's chain is verified again and must end at the same head. Ids,
 * seq and hashes stay exactly as they were. When the target already holds
 * the same chain head the copy is done already and nothing is written; a
 * target holding anything else is refused (`conflict`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "../storage/folder/mod.ts";
 * import { openLab } from "../service/mod.ts";
 * import { copyStore } from "./archive.ts";
 * const dir = await Deno.makeTempDir();
 * const lab = openLab({ dataDir: `${dir}/a`, actor: "ada" });
 * await lab.init();
 * const source = { storage: new FolderStorage(`${dir}/a`), actor: "ada", now: () => new Date() };
 * const target = new FolderStorage(`${dir}/b`);
 * assert.equal((await copyStore(source, target)).copied, true);
 * assert.equal((await copyStore(source, target)).copied, false);
 * ```
 */
export async function copyStore(lab: ExchangeContext, target: LabStorage): Promise<StoreCopy> {
  const context = `Cannot migrate to ${quote(target.location)}`;
  const from = lab.storage.location;
  if (!(await lab.storage.manifest())) {
    throw new LabosError(
      "invalid",
      `${storeNoun(from)} ${quote(from)} is not initialised: there is nothing to migrate`,
    );
  }
  const done = await lab.storage.snapshot(async ({ files: all, skipped, audit: verify }) => {
    if (!verify.ok) {
      throw new LabosError(
        "check_failed",
        `${context}: the audit log of ${
          quote(from)
        } is damaged at seq ${verify.seq} (${verify.kind}); run \`labos doctor --repair\` first`,
      );
    }
    const head: AuditHead = { seq: verify.events, hash: verify.head };
    const files = all.filter((file) => !isStateFile(file.path));
    const bytes = files.reduce((sum, file) => sum + file.size, 0);
    const result = { from, to: target.location, files: files.length, bytes, audit: head, skipped };
    if (await target.rawManifest() !== undefined) {
      const held = await target.auditHead();
      if (held.seq === head.seq && held.hash === head.hash) return { ...result, copied: false };
      throw new LabosError(
        "conflict",
        `${context}: it already holds a LabOS store whose audit log ends at seq ${held.seq} (${
          held.hash.slice(0, 12)
        }…), not this data folder's seq ${head.seq} (${
          head.hash.slice(0, 12)
        }…); migrate into an empty database`,
      );
    }
    await target.restore(async (sink) => {
      for (const file of files) {
        const handle = await sink.create(file.path);
        try {
          for await (const chunk of file.read()) await handle.write(chunk);
        } finally {
          await handle.close();
        }
      }
      await checkRestored(sink, { audit: head }, context);
    }, { context });
    return { ...result, copied: true };
  });
  const after = await target.verifyAudit();
  if (!after.ok || after.events !== done.audit.seq || after.head !== done.audit.hash) {
    throw new LabosError(
      "check_failed",
      `${context}: after the copy its audit log ${
        after.ok
          ? `ends at seq ${after.events} (${after.head.slice(0, 12)}…), not seq ${done.audit.seq}`
          : `does not verify (${after.kind} at seq ${after.seq}: ${after.message})`
      }`,
    );
  }
  return done;
}
