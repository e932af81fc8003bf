/**
 * Reads an `.eln` zip once, with the archive import's bounds: streaming
 * inflate stopped at size caps, entry names checked (no absolute path, no
 * `..`, no backslash or control character), symbolic links refused from
 * the central directory. Every entry is hashed as it streams; with a
 * staging folder its bytes are kept there (never in the data folder) for
 * an import to store once the whole crate is checked.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LabosError, quote } from "../../errors.ts";
import { concatBytes } from "../../records/mod.ts";
import { ARCHIVE_LIMITS } from "../archive.ts";
import { readZip } from "../_zip.ts";
import { METADATA_FILE } from "./_graph.ts";

/** One file of the crate. */
export interface CrateEntry {
  /** The zip entry's name. */
  name: string;
  /** Its inflated size in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its bytes. */
  sha256: string;
  /** Where its bytes were staged, when a staging folder was given and the file is large. */
  staged?: string;
  /** Its bytes, when a staging folder was given and the file is small. */
  bytes?: Uint8Array;
}

/** What {@linkcode readCrate} found. */
export interface CrateRead {
  /** The root folder: the one top-level folder holding `ro-crate-metadata.json`, if exactly one does. */
  root: string | undefined;
  /** The files inside the root folder, by path inside it (`a/b.csv`). */
  files: Map<string, CrateEntry>;
  /** The metadata document's text, when the root holds one. */
  metadata: string | undefined;
  /** Entries outside the root folder (other top-level files and folders). */
  outside: string[];
  /** Structural failures, one line each (entries outside the root, several roots, …). */
  problems: string[];
}

/** The largest file an import holds in memory rather than in its staging folder. */
const IN_MEMORY_FILE = 1 << 20;
/** The most bytes an import holds in memory in all. */
const IN_MEMORY_TOTAL = 256 << 20;

/** Limits of {@linkcode readCrate}. */
export interface CrateLimits {
  /** The most bytes all entries may inflate to. */
  maxBytes: number;
  /** The most entries. */
  maxEntries: number;
  /** The most bytes of `ro-crate-metadata.json`. */
  metadataBytes: number;
}

/** The default limits: the archive import's. */
export const CRATE_LIMITS: Readonly<CrateLimits> = {
  maxBytes: ARCHIVE_LIMITS.maxBytes,
  maxEntries: ARCHIVE_LIMITS.entries,
  metadataBytes: ARCHIVE_LIMITS.manifestBytes,
};

/**
 * Reads the crate. Throws `invalid` (naming the entry) for what no check
 * may read past: an unsafe entry name, a symbolic link, a zip bomb, an
 * entry appearing twice or a file that is not a zip; reports the other
 * structural failures in `problems`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strToU8, zipSync } from "fflate";
 * import { readCrate } from "./_crate.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/x.eln`, zipSync({
 *   "x/ro-crate-metadata.json": strToU8("{}"), "x/a.txt": strToU8("hi"),
 * }));
 * const crate = await readCrate(`${dir}/x.eln`, { context: "Cannot read" });
 * assert.equal(crate.root, "x");
 * assert.equal(crate.files.get("a.txt")?.size, 2);
 * ```
 */
export async function readCrate(
  file: string,
  options: { context: string; stageDir?: string; limits?: CrateLimits },
): Promise<CrateRead> {
  const { context, stageDir } = options;
  const limits = options.limits ?? CRATE_LIMITS;
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new LabosError("not_found", `${context}: no such file`);
  const links = await zipSymlinks(file).catch(() => []);
  if (links.length > 0) {
    throw new LabosError(
      "invalid",
      `${context}: entry ${quote(links[0])} is a symbolic link, which a crate never holds`,
    );
  }
  // A zip bomb inflates far beyond what lab data compresses to.
  const allowed = Math.min(
    limits.maxBytes,
    Math.max(ARCHIVE_LIMITS.ratioFloor, ARCHIVE_LIMITS.ratio * stat.size),
  );
  const entries = new Map<string, CrateEntry>();
  const tops = new Set<string>();
  const loose: string[] = [];
  const metadata = new Map<string, string>();
  const open = new Set<fs.FileHandle>();
  let staged = 0;
  let held = 0;
  const bomb = (limit: number) =>
    new LabosError(
      "invalid",
      `${context}: its entries inflate beyond ${limit} bytes (more than the limit, or a compression ratio above ${ARCHIVE_LIMITS.ratio}:1 that lab data never reaches: a zip bomb); nothing was imported`,
    );
  try {
    await readZip(file, {
      limit(name) {
        return name.endsWith(`/${METADATA_FILE}`) ? limits.metadataBytes : allowed;
      },
      tooLarge(name, limit) {
        return name.endsWith(`/${METADATA_FILE}`)
          ? new LabosError(
            "invalid",
            `${context}: ${quote(name)} is larger than the limit of ${limit} bytes`,
          )
          : bomb(limit);
      },
      open(name) {
        const segments = checkName(name, context);
        if (entries.has(name)) {
          throw new LabosError("invalid", `${context}: entry ${quote(name)} appears twice`);
        }
        const folder = name.endsWith("/");
        if (segments.length === 1 && !folder) loose.push(name);
        else tops.add(segments[0]);
        if (folder) return Promise.resolve(() => Promise.resolve());
        const hash = createHash("sha256");
        let size = 0;
        const isMetadata = segments.length === 2 && segments[1] === METADATA_FILE;
        const keep = isMetadata || stageDir !== undefined;
        const chunks: Uint8Array[] = [];
        let handle: fs.FileHandle | undefined;
        let target: string | undefined;
        const entry: CrateEntry = { name, size: 0, sha256: "" };
        entries.set(name, entry);
        return Promise.resolve(async (chunk: Uint8Array, final: boolean) => {
          size += chunk.byteLength;
          hash.update(chunk);
          if (keep && !handle) {
            chunks.push(chunk);
            // Small files stay in memory (up to a total); larger ones go to the staging folder.
            if (!isMetadata && (size > IN_MEMORY_FILE || held + size > IN_MEMORY_TOTAL)) {
              target = path.join(stageDir!, String(staged++));
              handle = await fs.open(target, "wx");
              open.add(handle);
              for (const kept of chunks) await handle.write(kept);
              chunks.length = 0;
            }
          } else if (handle) await handle.write(chunk);
          if (!final) return;
          if (handle) {
            open.delete(handle);
            await handle.close();
          }
          entry.size = size;
          entry.sha256 = hash.digest("hex");
          if (target) entry.staged = target;
          else if (keep && !isMetadata) {
            entry.bytes = concatBytes(chunks);
            held += size;
          }
          if (isMetadata) metadata.set(segments[0], new TextDecoder().decode(concatBytes(chunks)));
        });
      },
    }, {
      maxEntries: limits.maxEntries,
      maxTotalBytes: allowed,
      tooLarge(what, limit) {
        return what === "entries"
          ? new LabosError("invalid", `${context}: it holds more than ${limit} entries`)
          : bomb(limit);
      },
    });
  } catch (error) {
    if (error instanceof LabosError) throw error;
    throw new LabosError(
      "invalid",
      `${context}: not a readable zip archive (${String((error as Error).message).split("\n")[0]})`,
    );
  } finally {
    for (const handle of open) await handle.close().catch(() => undefined);
  }
  const problems: string[] = [];
  if (tops.size !== 1) {
    problems.push(
      tops.size === 0
        ? "the archive has no root folder"
        : `the archive has ${tops.size} top-level folders (${
          [...tops].slice(0, 3).map((r) => quote(r)).join(", ")
        }); the specification requires exactly one`,
    );
  }
  for (const name of loose) problems.push(`entry ${quote(name)} is outside the root folder`);
  const holders = [...metadata.keys()];
  const root = holders.length === 1 ? holders[0] : undefined;
  if (holders.length === 0) problems.push(`no top-level folder holds ${METADATA_FILE}`);
  if (holders.length > 1) {
    problems.push(`${holders.length} top-level folders hold a ${METADATA_FILE}`);
  }
  const files = new Map<string, CrateEntry>();
  const outside: string[] = [...loose];
  for (const [name, entry] of entries) {
    if (root !== undefined && name.startsWith(`${root}/`)) {
      files.set(name.slice(root.length + 1), entry);
    } else if (!loose.includes(name)) outside.push(name);
  }
  return {
    root,
    files,
    metadata: root === undefined ? undefined : metadata.get(root),
    outside,
    problems,
  };
}

/** Checks an entry name; returns its segments, or throws `invalid`. */
function checkName(name: string, context: string): string[] {
  const trimmed = name.endsWith("/") ? name.slice(0, -1) : name;
  const segments = trimmed.split("/");
  const safe = trimmed !== "" && !name.startsWith("/") &&
    segments.every((segment) =>
      segment !== "" && segment !== "." && segment !== ".." &&
      // deno-lint-ignore no-control-regex
      !/[\\\x00-\x1f]/.test(segment) && !/^[a-zA-Z]:$/.test(segment)
    );
  if (!safe) {
    throw new LabosError(
      "invalid",
      `${context}: entry ${
        quote(name)
      } is not a plain relative path (no "..", no absolute path, no backslash); nothing was imported`,
    );
  }
  return segments;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

/**
 * The names of the entries the central directory marks as symbolic links
 * (Unix mode `0o120000` in the external attributes). fflate does not
 * expose them, so the directory is read here, within the last 64 KiB + 22
 * bytes (the longest comment) and the directory's own declared size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strToU8, zipSync } from "fflate";
 * import { zipSymlinks } from "./_crate.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/plain.zip`, zipSync({ "a.txt": strToU8("a") }));
 * assert.deepEqual(await zipSymlinks(`${dir}/plain.zip`), []);
 * ```
 */
export async function zipSymlinks(file: string): Promise<string[]> {
  const handle = await fs.open(file, "r");
  try {
    const { size } = await handle.stat();
    const tail = Math.min(size, 65_557);
    const end = new Uint8Array(tail);
    await handle.read(end, 0, tail, size - tail);
    const view = new DataView(end.buffer);
    let at = -1;
    for (let i = tail - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) return [];
    const count = view.getUint16(at + 10, true);
    const dirSize = view.getUint32(at + 12, true);
    const dirOffset = view.getUint32(at + 16, true);
    if (dirOffset + dirSize > size) return [];
    const dir = new Uint8Array(dirSize);
    await handle.read(dir, 0, dirSize, dirOffset);
    const d = new DataView(dir.buffer);
    const links: string[] = [];
    let p = 0;
    for (let n = 0; n < count && p + 46 <= dirSize; n++) {
      if (d.getUint32(p, true) !== CENTRAL) break;
      const madeBy = d.getUint16(p + 4, true) >> 8;
      const nameLength = d.getUint16(p + 28, true);
      const extraLength = d.getUint16(p + 30, true);
      const commentLength = d.getUint16(p + 32, true);
      const mode = d.getUint32(p + 38, true) >>> 16;
      // 3 = Unix, 19 = macOS: the high 16 bits hold the file mode.
      if ((madeBy === 3 || madeBy === 19) && (mode & 0o170000) === 0o120000) {
        links.push(new TextDecoder().decode(dir.subarray(p + 46, p + 46 + nameLength)));
      }
      p += 46 + nameLength + extraLength + commentLength;
    }
    return links;
  } finally {
    await handle.close();
  }
}
