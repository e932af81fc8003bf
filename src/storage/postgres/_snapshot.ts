/**
 * The PostgreSQL store as the files of a data folder, so that `labos
 * export` writes the same archive from either store, and an archive's files
 * restored into an empty database in one transaction.
 *
 * The files: `labos.json`, `audit/log.jsonl` and `audit/head.json` (the
 * exact lines), one `<folder>/<id>.json` per record (a dataset's table
 * values in `<id>.values.json`), `indexes/<folder>.ids` (creation order),
 * `legacy/<name>` and `blobs/sha256/<2 hex>/<64 hex>`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type postgres from "postgres";
import { AuditLog, type VerifyResult } from "../../audit/mod.ts";
import { fileDigest, walkFiles } from "../../durable/files.ts";
import { LabosError, quote } from "../../errors.ts";
import {
  isId,
  RECORD_FOLDERS,
  RECORD_TYPES,
  type RecordOf,
  recordText,
  type RecordType,
} from "../../records/mod.ts";
import type {
  RestoreSink,
  Snapshot,
  SnapshotFile,
  StorageCheck,
  StorageProblem,
} from "../types.ts";
import { EMPTY_HEAD, insertAuditRows, rowOfLine, withAuditCopy } from "./_audit.ts";
import { begin } from "./_begin.ts";
import { decodeRecord, rawRecord, toRow } from "./_records.ts";
import { ensureSchema, schemaVersion, type Sql } from "./_schema.ts";

/** Bytes of record text a snapshot keeps in memory; beyond it, files are read again when archived. */
const CACHE_BYTES = 64 << 20;
const VALUES_SUFFIX = ".values.json";
const INDEX_FOLDER = "indexes";
const LEGACY_FOLDER = "legacy";
const CHUNK = 4 << 20;
const encoder = new TextEncoder();

/** Runs `fn` on the store's files, read in one repeatable-read, read-only transaction. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { snapshotOf } from "./_snapshot.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await snapshotOf(sql, { location: "test", fn: ({ files }) => Promise.resolve(files.length) }));
 * await sql.end();
 * ```
 */
export function snapshotOf<T>(
  sql: postgres.Sql,
  options: { location: string; fn: (snapshot: Snapshot) => Promise<T> },
): Promise<T> {
  const { location, fn } = options;
  return begin(sql, "isolation level repeatable read read only", async (tx) => {
    if ((await schemaVersion(tx)) === 0) {
      throw new LabosError(
        "invalid",
        `The PostgreSQL store at ${location} is not initialised: run "labos init" first`,
      );
    }
    const [meta] = await tx`SELECT manifest FROM labos_meta WHERE id = 1`;
    const manifestText = (meta?.manifest ?? "{}") as string;
    return await withAuditCopy(tx, async ({ logFile, headFile }) => {
      const audit: VerifyResult = await AuditLog.verifyFiles(logFile, headFile);
      const files: SnapshotFile[] = [
        textFile("labos.json", manifestText, `${location}#labos_meta`),
        await diskFile("audit/log.jsonl", logFile, `${location}#labos_audit`),
        await diskFile("audit/head.json", headFile, `${location}#labos_head`),
        ...await recordFiles(tx, location),
        ...await blobFiles(tx, location),
      ];
      files.sort((a, b) => comparePaths(a.path, b.path));
      let manifest: Record<string, unknown> = {};
      try {
        manifest = JSON.parse(manifestText);
      } catch {
        // An unreadable manifest is archived as it is; the import refuses it.
      }
      return await fn({ files, skipped: [], manifest, audit });
    });
  });
}

/** Paths compared segment by segment, as a folder walk sorted per folder lists them. */
function comparePaths(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
  }
  return left.length - right.length;
}

function digest(chunks: readonly Uint8Array[]): { size: number; sha256: string } {
  const hash = createHash("sha256");
  let size = 0;
  for (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

function textFile(relative: string, text: string | Uint8Array[], location: string): SnapshotFile {
  const chunks = typeof text === "string" ? [encoder.encode(text)] : text;
  const { size, sha256 } = digest(chunks);
  return {
    path: relative,
    size,
    sha256,
    location,
    async *read() {
      yield* chunks;
    },
  };
}

/** A file of the temporary audit copy, streamed when read. */
async function diskFile(relative: string, file: string, location: string): Promise<SnapshotFile> {
  const { size, sha256 } = await fileDigest(file);
  return {
    path: relative,
    size,
    sha256,
    location,
    async *read() {
      const handle = await fs.open(file, "r");
      try {
        const buffer = new Uint8Array(CHUNK);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
          if (bytesRead === 0) return;
          yield buffer.slice(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** A file whose bytes are made again when read, and must hash as they did. */
function regenerated(
  relative: string,
  options: { location: string; make: () => Promise<Uint8Array[]>; size: number; sha256: string },
): SnapshotFile {
  const { location, make, size, sha256 } = options;
  return {
    path: relative,
    size,
    sha256,
    location,
    async *read() {
      const chunks = await make();
      const found = digest(chunks);
      if (found.size !== size || found.sha256 !== sha256) {
        throw new LabosError("conflict", `${location} changed while it was archived; try again`);
      }
      yield* chunks;
    },
  };
}

/** The files of a record: its text (without a table's values) and a dataset's values. */
function recordTexts(
  type: RecordType,
  row: { id: string; body: unknown; table_values: unknown },
): Array<[string, Uint8Array[]]> {
  const folder = RECORD_FOLDERS[type];
  let record: Record<string, unknown>;
  try {
    // Validated, so that its keys come in the schema's order, as LabOS writes them.
    record = decodeRecord(type, row.id, rawRecord(row.body, row.table_values), {
      where: `${type}/${row.id}`,
      jitless: true,
    }) as unknown as Record<string, unknown>;
  } catch {
    record = rawRecord(row.body, row.table_values);
  }
  const table = record.table as Record<string, unknown> | undefined;
  const out: Array<[string, Uint8Array[]]> = [];
  let body = record;
  if (type === "dataset" && table && typeof table === "object" && "values" in table) {
    const { values, ...rest } = table;
    body = { ...record, table: rest };
    out.push([`${folder}/${row.id}${VALUES_SUFFIX}`, [encoder.encode(JSON.stringify(values))]]);
  }
  const text = recordText(body, `Cannot export ${type} ${quote(row.id)}`);
  out.unshift([
    `${folder}/${row.id}.json`,
    typeof text === "string" ? [encoder.encode(text)] : text,
  ]);
  return out;
}

async function recordFiles(tx: Sql, location: string): Promise<SnapshotFile[]> {
  const files: SnapshotFile[] = [];
  let cached = 0;
  for (const type of RECORD_TYPES) {
    const ids: string[] = [];
    const query =
      tx`SELECT id, body, table_values FROM labos_record WHERE type = ${type} ORDER BY seq`;
    for await (const rows of query.cursor(256)) {
      for (const row of rows) {
        ids.push(row.id);
        for (const [relative, chunks] of recordTexts(type, row as never)) {
          const { size, sha256 } = digest(chunks);
          const where = `${location}#${type}/${row.id}`;
          if (cached + size <= CACHE_BYTES) {
            cached += size;
            files.push(textFile(relative, chunks, where));
            continue;
          }
          const id = row.id as string;
          files.push(regenerated(relative, {
            location: where,
            size,
            sha256,
            make: async () => {
              const [again] = await tx`SELECT id, body, table_values FROM labos_record
                WHERE type = ${type} AND id = ${id}`;
              const texts = again ? recordTexts(type, again as never) : [];
              return texts.find(([name]) => name === relative)?.[1] ?? [];
            },
          }));
        }
      }
    }
    if (ids.length > 0) {
      files.push(textFile(
        `${INDEX_FOLDER}/${RECORD_FOLDERS[type]}.ids`,
        ids.map((id) => `${id}\n`).join(""),
        `${location}#labos_record`,
      ));
    }
  }
  return files;
}

async function blobFiles(tx: Sql, location: string): Promise<SnapshotFile[]> {
  const files: SnapshotFile[] = [];
  for (const row of await tx`SELECT name, sha256, size FROM labos_legacy_file ORDER BY name`) {
    const name = row.name as string;
    files.push(chunkedFile(`${LEGACY_FOLDER}/${name}`, {
      location: `${location}#labos_legacy_file/${name}`,
      size: Number(row.size),
      sha256: row.sha256,
      part: (offset) =>
        tx`SELECT substring(data FROM ${offset + 1} FOR ${CHUNK}) AS part
          FROM labos_legacy_file WHERE name = ${name}`,
    }));
  }
  for (const row of await tx`SELECT sha256, size FROM labos_blob ORDER BY sha256`) {
    const sha256 = row.sha256 as string;
    files.push(chunkedFile(`blobs/sha256/${sha256.slice(0, 2)}/${sha256}`, {
      location: `${location}#labos_blob/${sha256}`,
      size: Number(row.size),
      sha256,
      part: (offset) =>
        tx`SELECT substring(data FROM ${offset + 1} FOR ${CHUNK}) AS part
          FROM labos_blob WHERE sha256 = ${sha256}`,
    }));
  }
  return files;
}

function chunkedFile(
  relative: string,
  options: {
    location: string;
    size: number;
    sha256: string;
    part: (offset: number) => PromiseLike<ReadonlyArray<Record<string, unknown>>>;
  },
): SnapshotFile {
  const { location, size, sha256, part } = options;
  return {
    path: relative,
    size,
    sha256,
    location,
    async *read() {
      const hash = createHash("sha256");
      let seen = 0;
      for (let offset = 0; offset < size; offset += CHUNK) {
        const [row] = await part(offset);
        const bytes = new Uint8Array(row?.part as Uint8Array ?? []);
        hash.update(bytes);
        seen += bytes.byteLength;
        yield bytes;
      }
      if (seen !== size || hash.digest("hex") !== sha256) {
        throw new LabosError("conflict", `${location} changed while it was archived; try again`);
      }
    },
  };
}

/**
 * Restores into an empty database: `fill` writes the files into a staging
 * folder and checks them; then everything is copied in one transaction,
 * the audit lines byte for byte. Nothing is written when anything fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { restoreInto } from "./_snapshot.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await restoreInto(sql, { location: "test", context: "Cannot restore", fill: () => Promise.resolve() }));
 * await sql.end();
 * ```
 */
export async function restoreInto<T>(
  sql: postgres.Sql,
  options: { location: string; context: string; fill: (sink: RestoreSink) => Promise<T> },
): Promise<T> {
  const { location, context, fill } = options;
  await refuseNonEmpty(sql, { location, context });
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), "labos-pg-restore-"));
  try {
    const staged = new StagedFolder(staging);
    const sink: RestoreSink = {
      async create(relative) {
        const to = path.join(staging, ...relative.split("/"));
        if (!to.startsWith(staging + path.sep)) {
          throw new LabosError("invalid", `${context}: refusing the path ${quote(relative)}`);
        }
        await fs.mkdir(path.dirname(to), { recursive: true });
        const handle = await fs.open(to, "wx");
        return {
          async write(chunk) {
            await handle.write(chunk);
          },
          async close() {
            await handle.close();
          },
        };
      },
      async verify() {
        const manifest = await fs.stat(path.join(staging, "labos.json")).then(
          () => true,
          () => false,
        );
        return { manifest, audit: await staged.audit.verify() };
      },
      check: () => staged.check(),
      auditScan: () => staged.audit.scan(),
    };
    const result = await fill(sink);
    await begin(sql, "", async (tx) => {
      await ensureSchema(tx, location);
      await refuseNonEmpty(tx, { location, context });
      await copyIn(tx, staged, context);
    });
    return result;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function refuseNonEmpty(
  sql: Sql,
  options: { location: string; context: string },
): Promise<void> {
  if ((await schemaVersion(sql)) === 0) return;
  const [row] = await sql`SELECT
    (SELECT count(*) FROM labos_meta WHERE manifest IS NOT NULL)
    + (SELECT count(*) FROM labos_record) + (SELECT count(*) FROM labos_audit)
    + (SELECT count(*) FROM labos_blob) + (SELECT count(*) FROM labos_legacy_file) AS n`;
  if (Number(row.n) > 0) {
    throw new LabosError(
      "conflict",
      `${options.context}: the PostgreSQL store at ${options.location} is not empty; restore into a new or empty database`,
    );
  }
}

/** Copies a checked staging folder into the (locked, empty) database. */
async function copyIn(tx: Sql, staged: StagedFolder, context: string): Promise<void> {
  const root = staged.root;
  const manifest = await fs.readFile(path.join(root, "labos.json"), "utf8");
  await tx`UPDATE labos_meta SET manifest = ${manifest} WHERE id = 1`;
  const batch = new RecordBatch(tx);
  for (const type of RECORD_TYPES) {
    for (const id of await staged.idsInOrder(type)) {
      await batch.add(type, id, toRow(type, await staged.get(type, id)));
    }
  }
  await batch.flush();
  let last = EMPTY_HEAD;
  let lines: ReturnType<typeof rowOfLine>[] = [];
  for await (const line of staged.auditLines()) {
    const row = rowOfLine(line);
    lines.push(row);
    last = { seq: row.seq, hash: row.hash, ts: row.ts };
    if (lines.length >= 500) {
      await insertAuditRows(tx, lines);
      lines = [];
    }
  }
  await insertAuditRows(tx, lines);
  await tx`INSERT INTO labos_head (id, seq, hash, ts) VALUES (1, ${last.seq}, ${last.hash}, ${last.ts})
    ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, ts = EXCLUDED.ts`;
  for (const file of await staged.files(LEGACY_FOLDER)) {
    const data = await fs.readFile(path.join(root, LEGACY_FOLDER, ...file.split("/")));
    const sha256 = createHash("sha256").update(data).digest("hex");
    await tx`INSERT INTO labos_legacy_file (name, sha256, size, data)
      VALUES (${file}, ${sha256}, ${data.byteLength}, ${data})`;
  }
  for (const file of await staged.files("blobs/sha256")) {
    const data = await fs.readFile(path.join(root, "blobs", "sha256", ...file.split("/")));
    const sha256 = createHash("sha256").update(data).digest("hex");
    if (file !== `${sha256.slice(0, 2)}/${sha256}`) {
      throw new LabosError(
        "check_failed",
        `${context}: "data/blobs/sha256/${file}" does not hold the bytes its name says (SHA-256 ${
          sha256.slice(0, 12)
        }…); nothing was restored`,
      );
    }
    await tx`INSERT INTO labos_blob (sha256, size, data) VALUES (${sha256}, ${data.byteLength}, ${data})`;
  }
}

/**
 * Records inserted many to a statement (one round trip each was most of a
 * migration's time), in the order added so that `seq` keeps creation order.
 */
class RecordBatch {
  readonly #sql: Sql;
  // One JSON array of [type, id, body, values] rows: the driver runs without array types.
  #rows: string[] = [];
  #bytes = 0;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async add(type: RecordType, id: string, row: { body: string; values: string | null }) {
    this.#rows.push(
      `[${JSON.stringify(type)},${JSON.stringify(id)},${row.body},${row.values ?? "null"}]`,
    );
    this.#bytes += row.body.length + (row.values?.length ?? 0);
    if (this.#rows.length >= 500 || this.#bytes >= 8 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = `[${this.#rows.join(",")}]`;
    this.#rows = [];
    this.#bytes = 0;
    await this.#sql`INSERT INTO labos_record (type, id, body, table_values)
      SELECT e->>0, e->>1, e->2, CASE WHEN jsonb_typeof(e->3) = 'null' THEN NULL ELSE e->3 END
      FROM jsonb_array_elements(${rows}::text::jsonb) WITH ORDINALITY AS u(e, n)
      ORDER BY n`;
  }
}

/** A restored data folder, read without the folder store: records, id order and the audit log. */
class StagedFolder {
  readonly root: string;
  readonly audit: AuditLog;
  #reads = 0;

  constructor(root: string) {
    this.root = root;
    this.audit = new AuditLog(path.join(root, "audit"), { root });
  }

  /** Relative paths of every file under a folder, sorted. */
  async files(folder: string): Promise<string[]> {
    const { files } = await walkFiles(path.join(this.root, ...folder.split("/")));
    return files.map((file) => file.relative);
  }

  /** The record ids of a type: those of its index in order, then any others, oldest first. */
  async idsInOrder(type: RecordType): Promise<string[]> {
    const present = await this.ids(type);
    const have = new Set(present);
    const indexed = await fs.readFile(
      path.join(this.root, INDEX_FOLDER, `${RECORD_FOLDERS[type]}.ids`),
      "utf8",
    ).catch(() => "");
    const order: string[] = [];
    for (const id of indexed.split("\n")) {
      if (have.delete(id)) order.push(id);
    }
    return [...order, ...present.filter((id) => have.has(id))];
  }

  /** The ids of a type's record files, sorted. */
  async ids(type: RecordType): Promise<string[]> {
    const names = await fs.readdir(path.join(this.root, RECORD_FOLDERS[type])).catch(() => []);
    return names.filter((name) => name.endsWith(".json") && isId(name.slice(0, -5), type))
      .map((name) => name.slice(0, -5)).sort();
  }

  /** Reads and validates one record file (a dataset's values from their own file). */
  async get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    const where = `data/${RECORD_FOLDERS[type]}/${id}.json`;
    const file = path.join(this.root, RECORD_FOLDERS[type], `${id}.json`);
    let value: unknown;
    try {
      value = JSON.parse(await fs.readFile(file, "utf8"));
    } catch {
      throw new LabosError("invalid", `Corrupt ${type} record ${where}: not valid JSON`);
    }
    const table = (value as { table?: unknown } | null)?.table;
    if (type === "dataset" && table !== null && typeof table === "object") {
      const valuesFile = path.join(this.root, RECORD_FOLDERS[type], `${id}${VALUES_SUFFIX}`);
      let values: unknown;
      try {
        values = JSON.parse(await fs.readFile(valuesFile, "utf8"));
      } catch {
        throw new LabosError(
          "invalid",
          `Corrupt ${type} record ${where}: its values file is missing or not valid JSON`,
        );
      }
      value = rawRecord(value, values);
    }
    return decodeRecord(type, id, value, { where, jitless: this.#reads++ < 64 });
  }

  /** The staged records checked as the folder store's doctor checks them. */
  async check(): Promise<StorageCheck> {
    const problems: StorageProblem[] = [];
    const records = Object.fromEntries(
      RECORD_TYPES.map((type) => [type, new Map()]),
    ) as StorageCheck["records"];
    for (const type of RECORD_TYPES) {
      for (const id of await this.ids(type)) {
        try {
          (records[type] as Map<string, unknown>).set(id, await this.get(type, id));
        } catch (error) {
          if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
          problems.push({
            kind: "corrupt-record",
            path: path.join(this.root, RECORD_FOLDERS[type], `${id}.json`),
            message: error.message,
            repaired: false,
          });
        }
      }
    }
    const audit = await this.audit.verify();
    return {
      problems,
      records,
      audit,
      auditLocation: this.audit.logFile,
      exists: (type, id) =>
        fs.stat(path.join(this.root, RECORD_FOLDERS[type], `${id}.json`)).then(
          () => true,
          () => false,
        ),
    };
  }

  /** Every line of the staged log, newline included, oldest first. */
  async *auditLines(): AsyncIterable<string> {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let carry = new Uint8Array(0);
    const handle = await fs.open(this.audit.logFile, "r").catch(() => undefined);
    if (!handle) return;
    try {
      const buffer = new Uint8Array(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const bytes = new Uint8Array(carry.length + bytesRead);
        bytes.set(carry);
        bytes.set(buffer.subarray(0, bytesRead), carry.length);
        let start = 0;
        for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
          yield decoder.decode(bytes.subarray(start, nl + 1));
          start = nl + 1;
        }
        carry = bytes.slice(start);
      }
    } finally {
      await handle.close();
    }
  }
}
