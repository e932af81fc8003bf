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
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { AuditHead } from "../audit/mod.ts";
import { checkOutputFile } from "../durable/files.ts";
import { fsyncDirectory, LOCK_FILE } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { compareWithAudit, type LabStorage, type RestoreSink } from "../storage/mod.ts";
import { VERSION } from "../version.ts";
import type { ExchangeContext } from "./_upgrade.ts";
import { readZip, ZipWriter } from "./_zip.ts";

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
      `Data folder ${quote(lab.storage.location)} is not initialised: run "labos init" first`,
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
      const temp = path.join(dir, `.${path.basename(out)}.${randomBytes(6).toString("hex")}.tmp`);
      const handle = await fs.open(temp, "wx");
      try {
        const zip = new ZipWriter(handle);
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
    },
  );
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
export async function importArchive(storage: LabStorage, file: string): Promise<ArchiveImport> {
  const context = `Cannot import ${quote(file)}`;
  try {
    return await storage.restore(async (sink) => {
      if (!(await fs.stat(file).then((stat) => stat.isFile(), () => false))) {
        throw new LabosError("not_found", `${context}: no such file`);
      }
      const manifest = await extract(file, sink, context);
      await checkRestored(sink, manifest, context);
      return { dataDir: storage.location, files: manifest.files.length, audit: manifest.audit };
    }, { context });
  } catch (error) {
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

async function extract(file: string, sink: RestoreSink, context: string): Promise<ArchiveManifest> {
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
      const handle = await sink.create(inside);
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
  sink: RestoreSink,
  manifest: ArchiveManifest,
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
