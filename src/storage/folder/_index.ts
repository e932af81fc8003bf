import * as fs from "node:fs/promises";
import * as path from "node:path";
import {
  durableAppend,
  linkRefusal,
  openNoFollow,
  readNoFollow,
  refuseLinks,
} from "../../durable/mod.ts";
import { excerpt, LabosError } from "../../errors.ts";
import { ID_PREFIXES, isId } from "../../records/ids.ts";
import type { RecordType } from "../../records/schemas.ts";

const ID_LENGTH: Readonly<Record<string, number>> = {
  exp: 30,
  ds: 29,
  job: 30,
  usr: 30,
  ses: 30,
  sig: 30,
  att: 30,
};

/** Options for {@linkcode IdIndex}. */
export interface IdIndexOptions {
  /** The type of the ids. */
  type: RecordType;
  /** The data folder: no entry between it and the file may be a symbolic link. Default: the file's folder. */
  root?: string;
}

/**
 * An append-only list of record ids in commit order, one fixed-width line per
 * id. Because every line has the same width, the newest page and the count
 * are read from the end of the file without listing the record folder.
 * The index is derived data: doctor checks it against the folder and can
 * rebuild it. It is never read or written through a symbolic link.
 */
export class IdIndex {
  readonly file: string;
  readonly #type: RecordType;
  readonly #root: string;
  readonly #width: number;
  #folderChecked = false;

  constructor(file: string, options: IdIndexOptions) {
    this.file = file;
    this.#type = options.type;
    this.#root = options.root ?? path.dirname(file);
    this.#width = ID_LENGTH[ID_PREFIXES[options.type]] + 1;
  }

  /** The index file's size, or undefined when it does not exist; refuses a link. */
  async #size(): Promise<number | undefined> {
    if (!this.#folderChecked) {
      // Once per index object: the folders above the file do not move under a running LabOS.
      await refuseLinks(path.dirname(this.file), { root: this.#root });
      this.#folderChecked = true;
    }
    let stat;
    try {
      stat = await fs.lstat(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (stat.isSymbolicLink()) throw linkRefusal(this.file, { root: this.#root });
    return stat.size;
  }

  /** Whether the index file exists. */
  async exists(): Promise<boolean> {
    return (await this.#size()) !== undefined;
  }

  /** How many ids the index holds. */
  async count(): Promise<number> {
    return Math.floor((await this.#size() ?? 0) / this.#width);
  }

  /**
   * Appends the ids that are not already at the end of the index, so that a
   * replayed transaction appends nothing twice. A torn last line (a crash
   * mid-append) is cut off first; the journal replay re-appends its id. The
   * caller holds the data folder lock.
   */
  async append(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const size = await this.#size() ?? 0;
    if (size % this.#width !== 0) {
      const handle = await openNoFollow(this.file, { root: this.#root, flags: "r+" });
      try {
        await handle.truncate(size - (size % this.#width));
      } finally {
        await handle.close();
      }
    }
    const present = new Set(await this.newest(0, ids.length));
    const missing = ids.filter((id) => !present.has(id));
    if (missing.length === 0) return;
    await durableAppend(this.file, missing.map((id) => `${id}\n`).join(""), { root: this.#root });
  }

  /** The newest `count` ids before `skip` newer ones, newest first. */
  async newest(skip: number, count: number): Promise<string[]> {
    const total = await this.count();
    const end = Math.max(0, total - skip);
    const start = Math.max(0, end - count);
    if (end <= start) return [];
    const handle = await openNoFollow(this.file, { root: this.#root, flags: "r" });
    try {
      const buffer = new Uint8Array((end - start) * this.#width);
      await handle.read(buffer, 0, buffer.length, start * this.#width);
      const ids = new TextDecoder().decode(buffer).split("\n");
      ids.pop();
      for (const [offset, id] of ids.entries()) {
        if (!isId(id, this.#type)) throw this.#corrupt(start + offset + 1, id);
      }
      return ids.reverse();
    } finally {
      await handle.close();
    }
  }

  /** Every line, oldest first, as stored (doctor compares them with the folder). */
  async all(): Promise<string[]> {
    if (await this.#size() === undefined) return [];
    try {
      const ids = (await readNoFollow(this.file, { root: this.#root })).split("\n");
      ids.pop();
      return ids;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  #corrupt(line: number, text: string): LabosError {
    const relative = path.relative(this.#root, this.file).split(path.sep).join("/");
    return new LabosError(
      "check_failed",
      `Corrupt id index "${relative}": line ${line} is not ${
        this.#type === "experiment" ? "an" : "a"
      } ${this.#type} id (${excerpt(text)}); run "labos doctor --repair" to rebuild it`,
    );
  }
}
