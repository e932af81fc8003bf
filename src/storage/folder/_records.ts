import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { atomicWriteFile, linkRefusal, NO_FOLLOW, refuseLinks } from "../../durable/mod.ts";
import { excerpt, LabosError, quote } from "../../errors.ts";
import { formatIssues, toFieldIssues } from "../../validation.ts";
import { IdIndex } from "./_index.ts";
import type { Page, RecordQuery } from "../types.ts";
import { isId } from "../../records/ids.ts";
import { checkId, validateRecord } from "../../records/validate.ts";
import { recordText } from "../../records/size.ts";
import { checkPage } from "../_paging.ts";
import {
  type Dataset,
  RECORD_FOLDERS,
  type RecordOf,
  type RecordType,
  safeParseRecord,
  type SummaryOf,
} from "../../records/schemas.ts";

/**
 * The suffix of the file holding a dataset table's values, beside its
 * record: `datasets/<id>.values.json`, one line of JSON. The record file
 * keeps the rest of the table (columns, `rowCount`), so lists read only it.
 */
export const VALUES_SUFFIX = ".values.json";

/** The folder, inside the data folder, of the id indexes. */
export const INDEX_FOLDER = "indexes";

const LIST_CHUNK = 256;
/** How many record files of a page are read at once. */
const PARALLEL_READS = 32;

/**
 * How many records of a type a store validates without zod's JIT fast path
 * before it lets zod compile one. Compiling (on the first fast parse) costs
 * more than it saves for a page or a single record, the common reads of a
 * CLI command, and pays off only over a long scan. Either way every field
 * is validated the same.
 */
const INTERPRETED_READS = 64;

// Records are never read through a symbolic link: one planted in a record folder could point out of the data folder.
const READ_NO_FOLLOW = constants.O_RDONLY | NO_FOLLOW;

/** Options for {@linkcode RecordStore.list}. */
export type ListOptions<T> = RecordQuery<T> & {
  /** Read summaries: a dataset without its table's values, whose file is not read. */
  summary?: boolean;
};

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
  readonly #reads: Record<RecordType, number> = {
    experiment: 0,
    dataset: 0,
    job: 0,
    user: 0,
    session: 0,
    signature: 0,
    attachment: 0,
  };
  // Record folders found not to be symbolic links, checked once per store for reads.
  readonly #checked = new Set<RecordType>();

  /** Opens the store of a data folder. */
  constructor(dataDir: string) {
    this.dataDir = dataDir;
    const index = (type: RecordType) =>
      new IdIndex(path.join(dataDir, INDEX_FOLDER, `${RECORD_FOLDERS[type]}.ids`), {
        type,
        root: dataDir,
      });
    this.#indexes = {
      experiment: index("experiment"),
      dataset: index("dataset"),
      job: index("job"),
      signature: index("signature"),
      user: index("user"),
      session: index("session"),
      attachment: index("attachment"),
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

  /** The path of a dataset's table values, beside its record. Throws on a malformed id. */
  valuesPathOf(id: string): string {
    checkId("dataset", id);
    return path.join(this.dataDir, RECORD_FOLDERS.dataset, `${id}${VALUES_SUFFIX}`);
  }

  /**
   * Reads and validates one record. A missing record is `not_found`; a
   * corrupt file is `invalid` and names its path. A dataset's table values
   * are read from their own file, which must be there.
   */
  async get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    const file = this.pathOf(type, id);
    await this.#checkFolder(type);
    const text = await readRecordFile(file, { type, id });
    if (type !== "dataset") return this.#decode(type, id, text, file);
    const value = parseJson(text, { type, file });
    const table = (value as { table?: unknown } | null)?.table;
    if (table !== null && typeof table === "object" && !Array.isArray(table)) {
      const valuesFile = this.valuesPathOf(id);
      let values: unknown;
      try {
        values = JSON.parse(await readNoFollow(valuesFile));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const problem = code === "ENOENT"
          ? "is missing"
          : code === undefined
          ? `is not valid JSON (${excerpt((error as Error).message)})`
          : code === "ELOOP"
          ? "is a symbolic link, which LabOS never follows"
          : `cannot be read (${code})`;
        throw new LabosError(
          "invalid",
          `Corrupt ${type} record ${file}: its values file ${valuesFile} ${problem}`,
        );
      }
      if (Object.hasOwn(table, "values")) {
        throw new LabosError(
          "invalid",
          `Corrupt ${type} record ${file}: "table.values" belongs in ${valuesFile}, not in the record file`,
        );
      }
      const { columns, rowCount, delimiter, ...rest } = table as Record<string, unknown>;
      (value as Record<string, unknown>).table = { columns, rowCount, values, delimiter, ...rest };
    }
    return this.#validate(type, id, value, { file });
  }

  /** Reads one record's summary: a dataset without its table's values, whose file is not read. */
  async summary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]> {
    const file = this.pathOf(type, id);
    await this.#checkFolder(type);
    const text = await readRecordFile(file, { type, id });
    return this.#validate(type, id, parseJson(text, { type, file }), {
      file,
      summary: true,
    }) as unknown as SummaryOf[K];
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
    options: { syncDirectory?: boolean; text?: string | Uint8Array | readonly Uint8Array[] } = {},
  ): Promise<void> {
    this.validate(type, record);
    const table = type === "dataset" ? (record as Dataset).table : undefined;
    if (table) {
      // The values first: a record file with a table always finds its values.
      await atomicWriteFile(this.valuesPathOf(record.id), JSON.stringify(table.values), {
        syncDirectory: false,
        root: this.dataDir,
      });
      const { values: _values, ...rest } = table;
      record = { ...record, table: rest };
    }
    // The text given is the whole record's (as journaled); a dataset's file holds it without the values.
    const text = options.text !== undefined && !table
      ? options.text
      : recordText(record, `Cannot store ${type} ${quote(String(record.id))}`);
    // Every write checks the record folder again: a write through a link would leave the data folder.
    await atomicWriteFile(this.pathOf(type, record.id), text, {
      syncDirectory: options.syncDirectory,
      root: this.dataDir,
    });
    if (type === "dataset" && !table) await fs.rm(this.valuesPathOf(record.id), { force: true });
  }

  /**
   * Refuses (`check_failed`) when the record folder of a type, its index or
   * the index folder is a symbolic link; checked on every call, for writers
   * that must refuse before writing anything.
   */
  async refuseLinks(type: RecordType): Promise<void> {
    await refuseLinks(this.folderOf(type), { root: this.dataDir, folder: true });
    await refuseLinks(this.indexPathOf(type), { root: this.dataDir });
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
    await this.#checkFolder(type);
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
    const read = (id: string) =>
      (options.summary ? this.summary(type, id) : this.get(type, id)) as Promise<RecordOf[K]>;
    const index = this.#indexes[type];
    const indexed = await index.exists();
    const items: RecordOf[K][] = [];
    if (!options.where && indexed) {
      const ids = await index.newest(offset, limit + 1);
      const page = ids.slice(0, limit);
      for (let start = 0; start < page.length; start += PARALLEL_READS) {
        // Files read together overlap their waits; the first error in page order is thrown.
        const batch = await Promise.allSettled(page.slice(start, start + PARALLEL_READS).map(read));
        for (const result of batch) {
          if (result.status === "rejected") throw result.reason;
          items.push(result.value);
        }
      }
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
        const record = await read(id);
        if (options.where && !options.where(record)) continue;
        if (matched++ < offset) continue;
        if (items.length === limit) return { items, hasMore: true };
        items.push(record);
      }
    }
  }

  /** Refuses a record folder that is a symbolic link; checked once per store. */
  async #checkFolder(type: RecordType): Promise<void> {
    if (this.#checked.has(type)) return;
    const folder = this.folderOf(type);
    const stat = await fs.lstat(folder).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw linkRefusal(folder, { root: this.dataDir, folder: true });
    if (stat !== undefined) this.#checked.add(type);
  }

  #decode<K extends RecordType>(type: K, id: string, text: string, file: string): RecordOf[K] {
    return this.#validate(type, id, parseJson(text, { type, file }), { file });
  }

  #validate<K extends RecordType>(
    type: K,
    id: string,
    value: unknown,
    options: { file: string; summary?: boolean },
  ): RecordOf[K] {
    const { file } = options;
    const jitless = this.#reads[type]++ < INTERPRETED_READS;
    const result = safeParseRecord(type, value, { jitless, summary: options.summary });
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
        `Corrupt ${type} record ${file}: "id" is ${excerpt(record.id)} but the file is named for ${
          quote(id)
        }`,
      );
    }
    return record;
  }
}

function parseJson(text: string, context: { type: RecordType; file: string }): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LabosError(
      "invalid",
      `Corrupt ${context.type} record ${context.file}: not valid JSON (${
        excerpt((error as Error).message)
      })`,
    );
  }
}

async function readNoFollow(file: string): Promise<string> {
  // Where there is no O_NOFOLLOW (Windows), an lstat stands in.
  if (NO_FOLLOW === 0 && (await fs.lstat(file).catch(() => undefined))?.isSymbolicLink()) {
    throw Object.assign(new Error("symbolic link"), { code: "ELOOP" });
  }
  return await fs.readFile(file, { encoding: "utf8", flag: READ_NO_FOLLOW });
}

async function readRecordFile(
  file: string,
  context: { type: RecordType; id: string },
): Promise<string> {
  const { type, id } = context;
  try {
    return await readNoFollow(file);
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
}
