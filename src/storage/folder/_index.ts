import * as fs from "node:fs/promises";
import { durableAppend } from "../../durable/mod.ts";

const ID_LENGTH: Readonly<Record<string, number>> = { exp: 30, ds: 29, job: 30 };

/**
 * An append-only list of record ids in commit order, one fixed-width line per
 * id. Because every line has the same width, the newest page and the count
 * are read from the end of the file without listing the record folder.
 * The index is derived data: doctor checks it against the folder and can
 * rebuild it.
 */
export class IdIndex {
  readonly file: string;
  readonly #width: number;

  constructor(file: string, prefix: "exp" | "ds" | "job") {
    this.file = file;
    this.#width = ID_LENGTH[prefix] + 1;
  }

  /** Whether the index file exists. */
  async exists(): Promise<boolean> {
    try {
      await fs.stat(this.file);
      return true;
    } catch {
      return false;
    }
  }

  /** How many ids the index holds. */
  async count(): Promise<number> {
    try {
      return Math.floor((await fs.stat(this.file)).size / this.#width);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
  }

  /**
   * Appends the ids that are not already at the end of the index, so that a
   * replayed transaction appends nothing twice. A torn last line (a crash
   * mid-append) is cut off first; the journal replay re-appends its id. The
   * caller holds the data folder lock.
   */
  async append(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    let size = 0;
    try {
      size = (await fs.stat(this.file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (size % this.#width !== 0) await fs.truncate(this.file, size - (size % this.#width));
    const present = new Set(await this.newest(0, ids.length));
    const missing = ids.filter((id) => !present.has(id));
    if (missing.length === 0) return;
    await durableAppend(this.file, missing.map((id) => `${id}\n`).join(""));
  }

  /** The newest `count` ids before `skip` newer ones, newest first. */
  async newest(skip: number, count: number): Promise<string[]> {
    const total = await this.count();
    const end = Math.max(0, total - skip);
    const start = Math.max(0, end - count);
    if (end <= start) return [];
    const handle = await fs.open(this.file, "r");
    try {
      const buffer = new Uint8Array((end - start) * this.#width);
      await handle.read(buffer, 0, buffer.length, start * this.#width);
      const ids = new TextDecoder().decode(buffer).split("\n");
      ids.pop();
      return ids.reverse();
    } finally {
      await handle.close();
    }
  }

  /** Every id, oldest first. */
  async all(): Promise<string[]> {
    try {
      const text = await fs.readFile(this.file, "utf8");
      const ids = text.split("\n");
      ids.pop();
      return ids;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }
}
