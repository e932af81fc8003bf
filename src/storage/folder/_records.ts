import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { atomicWriteFile } from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import { formatIssues, toFieldIssues } from "../../validation.ts";
import { IdIndex } from "./_index.ts";
import type { Page, RecordQuery } from "../types.ts";
import { ID_PREFIXES, isId } from "../../records/ids.ts";
import { checkId, validateRecord } from "../../records/validate.ts";
import { recordText } from "../../records/size.ts";
import { checkPage } from "../_paging.ts";
import {
  RECORD_FOLDERS,
  type RecordOf,
  type RecordType,
  safeParseRecord,
} from "../../records/schemas.ts";

/** The folder, inside the data folder, of the id indexes. */
export const INDEX_FOLDER = "indexes";

const LIST_CHUNK = 256;

/**
 * How many records of a type a store validates without zod's JIT fast path
 * before it lets zod compile one. Compiling (on the first fast parse) costs
 * more than it saves for a page or a single record, the common reads of a
 * CLI command, and pays off only over a long scan. Either way every field
 * is validated the same.
 */
const INTERPRETED_READS = 64;

// Records are never read through a symbolic link: one planted in a record folder could point out of the data folder.
const READ_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/** Options for {@linkcode RecordStore.list}. */
export type ListOptions<T> = RecordQuery<T>;

/** One page of records, newest first. */
export type RecordPage<T> = Page<T>;

/**
 * Reads and writes records, one validated JSON file per record, under the
 * data folder. Ids are time-sortable, so file names sort newest-last and a
 * page of the newest records reads only the files on that page.
 *
 * Writers must hold the data folder lock; the store does not take it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecordStore } from "./_records.ts";
 * const store = new RecordStore("/tmp/labos-example-data");
 * assert.deepEqual(store.dataDir, "/tmp/labos-example-data");
 * ```
 */
export class RecordStore {
  /** The data folder. */
  readonly dataDir: string;
  readonly #indexes: Readonly<Record<RecordType, IdIndex>>;
  readonly #reads: Record<RecordType, number> = { experiment: 0, dataset: 0, job: 0 };

  /** Opens the store of a data folder. */
  constructor(dataDir: string) {
    this.dataDir = dataDir;
    const index = (type: RecordType) =>
      new IdIndex(
        path.join(dataDir, INDEX_FOLDER, `${RECORD_FOLDERS[type]}.ids`),
        ID_PREFIXES[type] as "exp" | "ds" | "job",
      );
    this.#indexes = {
      experiment: index("experiment"),
      dataset: index("dataset"),
      job: index("job"),
    };
  }

  /** Records newly created ids in the type's index, in commit order. The caller holds the lock. */
  async addToIndex(type: RecordType, ids: string[]): Promise<void> {
    await this.#indexes[type].append(ids);
  }

  /** The path of a type's id index. */
  indexPathOf(type: RecordType): string {
    return this.#indexes[type].file;
  }

  /** Every id in a type's index, in commit order. */
  indexedIds(type: RecordType): Promise<string[]> {
    return this.#indexes[type].all();
  }

  /** How many records of a type exist, from the index when there is one. */
  async count(type: RecordType): Promise<number> {
    const index = this.#indexes[type];
    return await index.exists() ? await index.count() : (await this.ids(type)).length;
  }

  /** The path of a record's file. Throws on a malformed id, so no id can leave the data folder. */
  pathOf(type: RecordType, id: string): string {
    checkId(type, id);
    return path.join(this.dataDir, RECORD_FOLDERS[type], `${id}.json`);
  }

  /** Reads and validates one record. A missing record is `not_found`; a corrupt file is `invalid` and names its path. */
  async get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    const file = this.pathOf(type, id);
    let text: string;
    try {
      text = await fs.readFile(file, { encoding: "utf8", flag: READ_NO_FOLLOW });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new LabosError("not_found", `No ${type} with id ${quote(id)}`);
      }
      if (code === "ELOOP" || code === "EISDIR") {
        throw new LabosError(
          "invalid",
          `Corrupt ${type} record ${file}: ${
            code === "ELOOP" ? "it is a symbolic link, which LabOS never follows" : "it is a folder"
          }`,
        );
      }
      throw error;
    }
    return this.#decode(type, id, text, file);
  }

  /** Reads a record, or returns undefined when it does not exist. */
  async find<K extends RecordType>(type: K, id: string): Promise<RecordOf[K] | undefined> {
    try {
      return await this.get(type, id);
    } catch (error) {
      if (error instanceof LabosError && error.kind === "not_found") return undefined;
      throw error;
    }
  }

  /**
   * Validates a record and writes it atomically. With `syncDirectory: false`
   * the caller must fsync the record folder (see {@linkcode RecordStore.folderOf}).
   */
  async put<K extends RecordType>(
    type: K,
    record: RecordOf[K],
    options: { syncDirectory?: boolean; text?: string | Uint8Array } = {},
  ): Promise<void> {
    this.validate(type, record);
    const text = options.text ??
      recordText(record, `Cannot store ${type} ${quote(String(record.id))}`);
    await atomicWriteFile(this.pathOf(type, record.id), text, {
      syncDirectory: options.syncDirectory,
    });
  }

  /** The folder holding the records of a type. */
  folderOf(type: RecordType): string {
    return path.join(this.dataDir, RECORD_FOLDERS[type]);
  }

  /** Throws an `invalid` error naming every bad field unless the record matches its schema. */
  validate<K extends RecordType>(type: K, record: RecordOf[K]): void {
    validateRecord(type, record);
  }

  /** All record ids of a type, oldest first. Reads only the folder listing. */
  async ids(type: RecordType): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dataDir, RECORD_FOLDERS[type]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const ids: string[] = [];
    for (const name of names) {
      if (name.endsWith(".json")) {
        const id = name.slice(0, -5);
        if (isId(id, type)) ids.push(id);
      }
    }
    return ids.sort();
  }

  /**
   * One page of records, newest first, reading records only until the page
   * is full. With an index, not even the folder is listed.
   */
  async list<K extends RecordType>(
    type: K,
    options: ListOptions<RecordOf[K]> = {},
  ): Promise<RecordPage<RecordOf[K]>> {
    const { limit, offset } = checkPage(options);
    const index = this.#indexes[type];
    const indexed = await index.exists();
    const items: RecordOf[K][] = [];
    if (!options.where && indexed) {
      const ids = await index.newest(offset, limit + 1);
      for (const id of ids.slice(0, limit)) items.push(await this.get(type, id));
      return { items, hasMore: ids.length > limit };
    }
    const newestFirst = indexed ? null : (await this.ids(type)).reverse();
    let matched = 0;
    for (let start = 0;; start += LIST_CHUNK) {
      const ids = newestFirst
        ? newestFirst.slice(start, start + LIST_CHUNK)
        : await index.newest(start, LIST_CHUNK);
      if (ids.length === 0) return { items, hasMore: false };
      for (const id of ids) {
        const record = await this.get(type, id);
        if (options.where && !options.where(record)) continue;
        if (matched++ < offset) continue;
        if (items.length === limit) return { items, hasMore: true };
        items.push(record);
      }
    }
  }

  #decode<K extends RecordType>(type: K, id: string, text: string, file: string): RecordOf[K] {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new LabosError(
        "invalid",
        `Corrupt ${type} record ${file}: not valid JSON (${
          JSON.stringify((error as Error).message).slice(1, -1)
        })`,
      );
    }
    const jitless = this.#reads[type]++ < INTERPRETED_READS;
    const result = safeParseRecord(type, value, { jitless });
    if (!result.success) {
      throw new LabosError(
        "invalid",
        `Corrupt ${type} record ${file}: ${formatIssues(toFieldIssues(result.error))}`,
      );
    }
    const record = result.data as RecordOf[K];
    if (record.id !== id) {
      throw new LabosError(
        "invalid",
        `Corrupt ${type} record ${file}: "id" is ${quote(record.id)} but the file is named for ${
          quote(id)
        }`,
      );
    }
    return record;
  }
}
