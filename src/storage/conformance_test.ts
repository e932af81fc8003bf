/**
 * The storage conformance suite: the same cases against every store (the
 * data folder, and PostgreSQL when it is installed), then what only a
 * database store must show (two pools, archives, blobs, a server that is down).
 */
import * as fs from "node:fs/promises";
import { assert, assertEquals, assertRejects } from "../../test/_assert.ts";
import { startPostgres, type TestCluster } from "../../test/_pg.ts";
import { LabosError } from "../errors.ts";
import { exportArchive, importArchive } from "../exchange/archive.ts";
import { type Dataset, type Experiment, newId } from "../records/mod.ts";
import { FolderStorage } from "./folder/mod.ts";
import {
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type DataManifest,
  type LabStorage,
  recordEvent,
} from "./mod.ts";
import { PG_SCHEMA_VERSION, PostgresStorage } from "./postgres/mod.ts";

let cluster: TestCluster | undefined | null = null;

/** The shared throwaway cluster, started on first use; undefined when PostgreSQL is missing. */
async function pg(): Promise<TestCluster | undefined> {
  if (cluster === null) cluster = await startPostgres();
  return cluster;
}

Deno.test.afterAll(async () => {
  await cluster?.stop();
});

const opened: LabStorage[] = [];

Deno.test.afterEach(async () => {
  for (const storage of opened.splice(0)) await closeStore(storage);
});

async function closeStore(storage: LabStorage): Promise<void> {
  await (storage as { close?: () => Promise<void> }).close?.();
}

/** A store under test: `open` gives another instance on the same store (another process). */
interface Store {
  storage: LabStorage;
  open(): LabStorage;
}

interface Factory {
  name: string;
  make(): Promise<Store | undefined>;
}

const FACTORIES: Factory[] = [
  {
    name: "folder",
    async make() {
      const dir = await Deno.makeTempDir();
      return { storage: new FolderStorage(dir), open: () => new FolderStorage(dir) };
    },
  },
  {
    name: "postgres",
    async make() {
      const server = await pg();
      if (!server) return undefined;
      const url = await server.createDatabase();
      const open = () => {
        const storage = new PostgresStorage(url, { poolMax: 4 });
        opened.push(storage);
        return storage;
      };
      return { storage: open(), open };
    },
  },
];

const MANIFEST: DataManifest = {
  format: DATA_FORMAT,
  schemaVersion: DATA_SCHEMA_VERSION,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "ada",
  labosVersion: "test",
  folderId: "lab_0123456789ABCDEFGHJKMNPQRS",
};

function experiment(title: string): Experiment {
  const now = new Date().toISOString();
  return {
    schemaVersion: 2,
    id: newId("experiment"),
    createdAt: now,
    updatedAt: now,
    createdBy: "ada",
    title,
    purpose: "",
    owner: "ada",
    status: "draft",
    tags: [],
    jobIds: [],
    datasetIds: [],
  };
}

function dataset(title: string, values: Array<Array<number | string | null>>): Dataset {
  const now = new Date().toISOString();
  return {
    schemaVersion: 2,
    id: newId("dataset"),
    createdAt: now,
    updatedAt: now,
    createdBy: "ada",
    title,
    kind: "imported",
    experimentId: null,
    parentIds: [],
    table: {
      columns: values.map((_, index) => ({ name: `c${index}`, type: "string" as const })),
      rowCount: values[0]?.length ?? 0,
      values,
      delimiter: ",",
    },
  };
}

async function initialized(storage: LabStorage): Promise<void> {
  const event = {
    actor: "ada",
    action: "data.initialized",
    target: { type: "data", id: "labos" },
    reason: null,
    details: { manifest: MANIFEST },
  };
  assert((await storage.initialize(MANIFEST, event)).created);
  assert(!(await storage.initialize(MANIFEST, event)).created);
}

async function create(storage: LabStorage, records: Experiment[]): Promise<void> {
  await storage.transaction((tx) => {
    for (const record of records) {
      tx.create("experiment", record);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record }));
    }
    return Promise.resolve();
  });
}

/** Every event links to the one before it and seq runs 1..n without a gap. */
async function assertChain(storage: LabStorage, count: number): Promise<void> {
  let seq = 0;
  for await (const event of storage.auditScan()) {
    assertEquals(event.seq, ++seq);
  }
  assertEquals(seq, count);
  const verified = await storage.verifyAudit();
  assert(verified.ok, JSON.stringify(verified));
  assertEquals(verified.events, count);
  assertEquals((await storage.auditHead()).seq, count);
}

function conformance(name: string, fn: (store: Store) => Promise<void>): void {
  for (const factory of FACTORIES) {
    Deno.test(`storage conformance (${factory.name}): ${name}`, async () => {
      const store = await factory.make();
      if (!store) {
        console.log(`skipped on ${factory.name}: PostgreSQL is not installed`);
        return;
      }
      await fn(store);
    });
  }
}

conformance("an uninitialised store has no manifest and an empty log", async ({ storage }) => {
  assertEquals(await storage.manifest(), undefined);
  assertEquals((await storage.auditHead()).seq, 0);
  assert((await storage.verifyAudit()).ok);
});

conformance("two instances initialising at once create the store once", async (store) => {
  const event = {
    actor: "ada",
    action: "data.initialized",
    target: { type: "data", id: "labos" },
    reason: null,
    details: {},
  };
  const results = await Promise.all(
    [store.storage, store.open()].map((storage) => storage.initialize(MANIFEST, event)),
  );
  assertEquals(results.map((result) => result.created).sort(), [false, true]);
  await assertChain(store.storage, 1);
});

conformance("records: create, read, rewrite, count, newest-first pages", async ({ storage }) => {
  await initialized(storage);
  assertEquals(await storage.manifest(), MANIFEST);
  const made = [experiment("one"), experiment("two"), experiment("three")];
  await create(storage, made);
  assertEquals(await storage.count("experiment"), 3);
  assertEquals(await storage.count("job"), 0);
  assertEquals(await storage.get("experiment", made[1].id), made[1]);
  const first = await storage.list("experiment", { limit: 2 });
  assertEquals(first.items.map((e) => e.title), ["three", "two"]);
  assert(first.hasMore);
  const second = await storage.list("experiment", { limit: 2, offset: 2 });
  assertEquals(second.items.map((e) => e.title), ["one"]);
  assert(!second.hasMore);
  // A rewrite keeps the record's place in creation order.
  const renamed = { ...made[0], title: "one, renamed" };
  await storage.transaction((tx) => {
    tx.put("experiment", renamed);
    tx.audit(recordEvent("ada", "experiment.updated", { type: "experiment", record: renamed }));
    return Promise.resolve();
  });
  const all = await storage.list("experiment");
  assertEquals(all.items.map((e) => e.title), ["three", "two", "one, renamed"]);
  const filtered = await storage.list("experiment", {
    where: (e) => e.title.startsWith("t"),
    limit: 1,
  });
  assertEquals(filtered.items.map((e) => e.title), ["three"]);
  assert(filtered.hasMore);
  await assertRejects(() => storage.get("experiment", newId("experiment")), /No experiment/);
  await assertRejects(() => storage.get("experiment", "../x"), /Invalid experiment id/);
  await assertRejects(() => storage.list("experiment", { limit: 0 }), /Invalid "limit" 0/);
  await assertRejects(() => storage.auditList({ limit: 1001 }), /from 1 to 1000/);
  assert(storage.locate("experiment", made[0].id).includes(made[0].id));
  await assertChain(storage, 5);
});

conformance("dataset summaries leave the table's values out", async ({ storage }) => {
  await initialized(storage);
  const table = dataset("table", [["a", "b"], [null, "d"]]);
  await storage.transaction((tx) => {
    tx.create("dataset", table);
    tx.audit(recordEvent("ada", "dataset.imported", { type: "dataset", record: table }));
    return Promise.resolve();
  });
  assertEquals(await storage.get("dataset", table.id), table);
  const summary = await storage.getSummary("dataset", table.id);
  assertEquals(summary.table?.rowCount, 2);
  assert(summary.table !== undefined && !("values" in summary.table));
  const page = await storage.listSummaries("dataset");
  assertEquals(page.items.length, 1);
  assert(!("values" in (page.items[0].table ?? {})));
  const raw = await storage.rawRecords();
  assertEquals(
    (raw.dataset.get(table.id)?.table as { values: unknown }).values,
    table.table?.values,
  );
});

conformance("a transaction that throws writes nothing", async ({ storage }) => {
  await initialized(storage);
  const head = await storage.auditHead();
  await assertRejects(() =>
    storage.transaction((tx) => {
      const record = experiment("never");
      tx.create("experiment", record);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record }));
      return Promise.reject(new Error("boom"));
    }), /boom/);
  // An invalid record refuses the whole commit: the valid one and the events too.
  await assertRejects(() =>
    storage.transaction((tx) => {
      const good = experiment("good");
      tx.create("experiment", good);
      tx.create("experiment", { ...experiment("bad"), status: "nonsense" } as never);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record: good }));
      return Promise.resolve();
    }), /Cannot write experiment/);
  assertEquals(await storage.count("experiment"), 0);
  assertEquals(await storage.auditHead(), head);
});

conformance("reads inside a transaction see the committed state", async ({ storage }) => {
  await initialized(storage);
  const before = experiment("before");
  await create(storage, [before]);
  await storage.transaction(async (tx) => {
    const pending = experiment("pending");
    tx.create("experiment", pending);
    assertEquals((await tx.get("experiment", before.id)).title, "before");
    await assertRejects(() => tx.get("experiment", pending.id), /No experiment/);
  });
});

conformance("audit: filters, since, scan by action, export verifies", async ({ storage }) => {
  await initialized(storage);
  const made = [experiment("a"), experiment("b")];
  await create(storage, made);
  const page = await storage.auditList({ action: "experiment.created", limit: 1 });
  assertEquals(page.items.map((e) => e.target.id), [made[1].id]);
  assert(page.hasMore);
  const byTarget = await storage.auditList({ targetType: "experiment", targetId: made[0].id });
  assertEquals(byTarget.items.length, 1);
  const future = await storage.auditList({ since: "2999-01-01T00:00:00Z" });
  assertEquals(future.items.length, 0);
  await assertRejects(() => storage.auditList({ since: "soon" }), /"since"/);
  const scanned = [];
  for await (const event of storage.auditScan({ actions: ["data.initialized"] })) {
    scanned.push(event.seq);
  }
  assertEquals(scanned, [1]);
  const dir = await Deno.makeTempDir();
  const exported = await storage.exportAudit(`${dir}/audit.jsonl`);
  assertEquals(exported.events, 3);
  const { AuditLog } = await import("../audit/mod.ts");
  assert((await AuditLog.verifyFiles(`${dir}/audit.jsonl`, `${dir}/audit.jsonl.head.json`)).ok);
});

conformance("two instances writing at once keep one gap-free, linked chain", async (store) => {
  await initialized(store.storage);
  const other = store.open();
  const rounds = 12;
  await Promise.all(
    [store.storage, other].flatMap((storage) =>
      Array.from({ length: rounds }, () => create(storage, [experiment("x"), experiment("y")]))
    ),
  );
  assertEquals(await store.storage.count("experiment"), 2 * 2 * rounds);
  await assertChain(store.storage, 1 + 2 * 2 * rounds);
  await assertChain(other, 1 + 2 * 2 * rounds);
});

conformance("check finds nothing wrong in a healthy store", async ({ storage }) => {
  await initialized(storage);
  const made = experiment("checked");
  await create(storage, [made]);
  const check = await storage.check({ repair: false, actor: "ada" });
  assertEquals(check.problems, []);
  assert(check.audit.ok);
  assertEquals([...check.records.experiment.keys()], [made.id]);
  assert(await check.exists("experiment", made.id));
  assert(!(await check.exists("experiment", newId("experiment"))));
});

conformance("legacy files are kept byte for byte", async ({ storage }) => {
  await initialized(storage);
  const dir = await Deno.makeTempDir();
  await fs.writeFile(`${dir}/old.json`, '{"legacy": true}\n');
  assertEquals(await storage.attachmentHash("records/old.json"), undefined);
  await storage.attach("records/old.json", `${dir}/old.json`);
  assertEquals(await storage.attachmentHash("records/old.json"), await sha256(`${dir}/old.json`));
});

async function sha256(file: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(await fs.readFile(file)).digest("hex");
}

// PostgreSQL only: archives between the stores, blobs, faults.

async function pgStore(): Promise<{ url: string; storage: PostgresStorage } | undefined> {
  const server = await pg();
  if (!server) {
    console.log("skipped: PostgreSQL is not installed");
    return undefined;
  }
  const url = await server.createDatabase();
  const storage = new PostgresStorage(url, { poolMax: 4 });
  opened.push(storage);
  return { url, storage };
}

/** A folder store with records of every kind and a few events. */
async function filledFolder(): Promise<FolderStorage> {
  const folder = new FolderStorage(await Deno.makeTempDir());
  await initialized(folder);
  await create(folder, [experiment("first"), experiment("second")]);
  const table = dataset("table", [[1, 2, 3], ["x", "y", "z"]]);
  await folder.transaction((tx) => {
    tx.create("dataset", table);
    tx.audit(recordEvent("ada", "dataset.imported", {
      type: "dataset",
      record: table,
      details: { note: "ünïcode ✓" },
    }));
    return Promise.resolve();
  });
  return folder;
}

function context(storage: LabStorage) {
  return { storage, actor: "ada", now: () => new Date() };
}

Deno.test("postgres: a folder's archive restores into PostgreSQL; both export the same audit bytes", async () => {
  const target = await pgStore();
  if (!target) return;
  const folder = await filledFolder();
  const dir = await Deno.makeTempDir();
  await exportArchive(context(folder), `${dir}/folder.zip`);
  const restored = await importArchive(target.storage, `${dir}/folder.zip`);
  assertEquals(restored.audit, await folder.auditHead());
  await folder.exportAudit(`${dir}/folder.jsonl`);
  await target.storage.exportAudit(`${dir}/pg.jsonl`);
  assertEquals(
    await fs.readFile(`${dir}/pg.jsonl`),
    await fs.readFile(`${dir}/folder.jsonl`),
  );
  assertEquals(
    await fs.readFile(`${dir}/pg.jsonl.head.json`, "utf8"),
    await fs.readFile(`${dir}/folder.jsonl.head.json`, "utf8"),
  );
  // Creation order survives: the newest first, as in the folder.
  assertEquals(
    (await target.storage.list("experiment")).items.map((e) => e.title),
    ["second", "first"],
  );
  assertEquals(await target.storage.manifest(), await folder.manifest());
  // The database is no longer empty: a second restore is refused.
  await assertRejects(
    () => importArchive(target.storage, `${dir}/folder.zip`),
    /is not empty/,
  );
});

Deno.test("postgres: folder → PostgreSQL → archive → folder keeps the audit log byte for byte", async () => {
  const middle = await pgStore();
  if (!middle) return;
  const folder = await filledFolder();
  const dir = await Deno.makeTempDir();
  await exportArchive(context(folder), `${dir}/one.zip`);
  await importArchive(middle.storage, `${dir}/one.zip`);
  await create(middle.storage, [experiment("written in PostgreSQL")]);
  await middle.storage.attach("notes/old.txt", `${dir}/one.zip`);
  await exportArchive(context(middle.storage), `${dir}/two.zip`);
  const back = new FolderStorage(`${dir}/back`);
  await importArchive(back, `${dir}/two.zip`);
  const log = (root: string) => fs.readFile(`${root}/audit/log.jsonl`);
  const original = await log(folder.location);
  const returned = await log(back.location);
  // The folder's events come back unchanged, followed by the one written in PostgreSQL.
  assertEquals(returned.subarray(0, original.length), original);
  await middle.storage.exportAudit(`${dir}/pg.jsonl`);
  assertEquals(returned, await fs.readFile(`${dir}/pg.jsonl`));
  assert((await back.verifyAudit()).ok);
  assertEquals(
    (await back.list("experiment")).items.map((e) => e.title),
    ["written in PostgreSQL", "second", "first"],
  );
  assertEquals(await back.attachmentHash("notes/old.txt"), await sha256(`${dir}/one.zip`));
  const check = await back.check({ repair: false, actor: "ada" });
  assertEquals(check.problems, []);
});

Deno.test("postgres: blobs are content-addressed, idempotent and bounded", async () => {
  const target = await pgStore();
  if (!target) return;
  const { storage } = target;
  await initialized(storage);
  const bytes = new TextEncoder().encode("spectrum 1,2,3\n");
  async function* chunks() {
    yield bytes.subarray(0, 5);
    yield bytes.subarray(5);
  }
  const info = await storage.putBlob(chunks());
  assertEquals(info, { sha256: await sha256Bytes(bytes), size: bytes.length });
  assertEquals(await storage.putBlob(bytes), info);
  assertEquals(await storage.blobSize(info.sha256), bytes.length);
  assertEquals(await storage.blobSize("0".repeat(64)), undefined);
  const read: Uint8Array[] = [];
  for await (const chunk of storage.readBlob(info.sha256)) read.push(chunk);
  assertEquals(new Uint8Array(await new Blob(read as BlobPart[]).arrayBuffer()), bytes);
  await assertRejects(async () => {
    for await (const _ of storage.readBlob("0".repeat(64))) { /* nothing */ }
  }, /No blob/);
  await assertRejects(() => storage.putBlob(new Uint8Array(11), { maxBytes: 10 }), /limit of 10/);
  const listed: string[] = [];
  for await (const hash of storage.listBlobs()) listed.push(hash);
  assertEquals(listed, [info.sha256]);
  const paths = await storage.snapshot(({ files }) => Promise.resolve(files.map((f) => f.path)));
  assert(paths.includes(`blobs/sha256/${info.sha256.slice(0, 2)}/${info.sha256}`));
});

async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("postgres: a record edited in the database is reported, never read as valid", async () => {
  const target = await pgStore();
  if (!target) return;
  const { storage, url } = target;
  await initialized(storage);
  const made = experiment("tampered");
  await create(storage, [made]);
  const postgres = (await import("postgres")).default;
  const sql = postgres(url, { onnotice: () => {} });
  await sql`UPDATE labos_record SET body = jsonb_set(body, '{status}', '"nonsense"')`;
  await assertRejects(() => sql`DELETE FROM labos_audit`, /append-only/);
  await sql.end();
  await assertRejects(() => storage.get("experiment", made.id), /Corrupt experiment record/);
  const check = await storage.check({ repair: true, actor: "ada" });
  assertEquals(check.problems.map((problem) => problem.kind), ["corrupt-record"]);
  assert(check.audit.ok);
});

Deno.test("postgres: a transaction whose connection is lost before its commit runs again, once", async () => {
  const target = await pgStore();
  if (!target) return;
  const { storage, url } = target;
  await initialized(storage);
  const postgres = (await import("postgres")).default;
  const admin = postgres(url, { onnotice: () => {}, connection: { application_name: "admin" } });
  const record = experiment("written once");
  let runs = 0;
  try {
    await storage.transaction(async (tx) => {
      runs++;
      tx.create("experiment", record);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record }));
      if (runs === 1) {
        const killed = await admin`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
          WHERE application_name = 'labos' AND state = 'idle in transaction'`;
        assertEquals(killed.length, 1);
      }
    });
  } finally {
    await admin.end();
  }
  assertEquals(runs, 2);
  assertEquals((await storage.list("experiment")).items.map((e) => e.id), [record.id]);
  await assertChain(storage, 2);
});

Deno.test("postgres: the schema is versioned; an upgrade is idempotent and a newer schema refused", async () => {
  const target = await pgStore();
  if (!target) return;
  const { storage, url } = target;
  assertEquals(await storage.upgradeSchema(), { from: 0, to: PG_SCHEMA_VERSION });
  assertEquals(await storage.upgradeSchema(), { from: PG_SCHEMA_VERSION, to: PG_SCHEMA_VERSION });
  await initialized(storage);
  assertEquals(await storage.upgradeSchema(), { from: PG_SCHEMA_VERSION, to: PG_SCHEMA_VERSION });
  assertEquals(await storage.manifest(), MANIFEST);
  const postgres = (await import("postgres")).default;
  const sql = postgres(url, { onnotice: () => {} });
  await sql`UPDATE labos_meta SET schema_version = ${PG_SCHEMA_VERSION + 1}`;
  await sql.end();
  await assertRejects(() => storage.manifest(), /newer than this LabOS/);
  await assertRejects(() => storage.upgradeSchema(), /newer than this LabOS/);
});

Deno.test("postgres: backup copies the rows under its stamp", async () => {
  const target = await pgStore();
  if (!target) return;
  const { storage, url } = target;
  await initialized(storage);
  await create(storage, [experiment("kept")]);
  assertEquals(await storage.backup("20260101T000000Z"), "labos_backup/20260101T000000Z");
  const postgres = (await import("postgres")).default;
  const sql = postgres(url, { onnotice: () => {} });
  const rows =
    await sql`SELECT kind, count(*)::int AS n FROM labos_backup GROUP BY kind ORDER BY kind`;
  await sql.end();
  assertEquals(rows.map((row) => [row.kind, row.n]), [["audit", 2], ["manifest", 1], [
    "record",
    1,
  ]]);
  assertEquals(await storage.needsReindex("experiment"), false);
});

Deno.test("postgres: a stopped server gives a one-line unavailable error, not a hang", async () => {
  const server = await startPostgres();
  if (!server) return;
  let storage: PostgresStorage | undefined;
  try {
    const url = await server.createDatabase();
    storage = new PostgresStorage(url, { connectTimeoutSeconds: 3 });
    await initialized(storage);
    await server.stop();
    // A guard against a hang: the store must answer long before this.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no answer within 60 s")), 60_000);
    });
    for (
      const attempt of [
        () => storage!.get("experiment", newId("experiment")),
        () => create(storage!, [experiment("lost")]),
      ]
    ) {
      const error = await Promise.race([attempt().then(() => undefined, (e) => e), guard]);
      assert(error instanceof LabosError, String(error));
      assertEquals(error.kind, "unavailable");
      assertEquals(error.retryAfter, 5);
      assert(!error.message.includes("\n"));
      assert(
        error.message.startsWith("Cannot reach the PostgreSQL store at postgres://"),
        error.message,
      );
    }
    clearTimeout(timer);
  } finally {
    await storage?.close();
    await server.stop();
  }
});

Deno.test("postgres: the URL's password never appears in the location", async () => {
  const storage = new PostgresStorage(
    "postgresql://ada:s3cret@db.example:5433/lab?sslmode=verify-full",
  );
  assertEquals(storage.location, "postgresql://ada@db.example:5433/lab?sslmode=verify-full");
  await storage.close();
  assert(!storage.locate("job", newId("job")).includes("s3cret"));
  let refused: unknown;
  try {
    new PostgresStorage("mysql://db/lab");
  } catch (error) {
    refused = error;
  }
  assert(refused instanceof LabosError && refused.kind === "invalid");
});
