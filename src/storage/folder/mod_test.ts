import * as fs from "node:fs/promises";
import { assert, assertEquals, assertRejects } from "../../../test/_assert.ts";
import { AuditLog } from "../../audit/mod.ts";
import type { Dataset, Experiment } from "../../records/mod.ts";
import { newId } from "../../records/mod.ts";
import { DATA_FORMAT, DATA_SCHEMA_VERSION, type DataManifest, recordEvent } from "../mod.ts";
import { FolderStorage } from "./mod.ts";
import { folderInternals } from "./internals.ts";

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

async function initialized(): Promise<FolderStorage> {
  const storage = new FolderStorage(await Deno.makeTempDir());
  const manifest: DataManifest = {
    format: DATA_FORMAT,
    schemaVersion: DATA_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    createdBy: "ada",
    labosVersion: "test",
  };
  const event = {
    actor: "ada",
    action: "data.initialized",
    target: { type: "data", id: "labos" },
    reason: null,
    details: { manifest },
  };
  assert((await storage.initialize(manifest, event)).created);
  assert(!(await storage.initialize(manifest, event)).created);
  return storage;
}

Deno.test("a transaction commits records and events together, pages newest first", async () => {
  const storage = await initialized();
  const made = [experiment("one"), experiment("two"), experiment("three")];
  await storage.transaction((tx) => {
    for (const record of made) {
      tx.create("experiment", record);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record }));
    }
    return Promise.resolve();
  });
  assertEquals(await storage.count("experiment"), 3);
  assertEquals((await storage.auditHead()).seq, 4);
  const page = await storage.list("experiment", { limit: 2 });
  assertEquals(page.items.map((e) => e.title), ["three", "two"]);
  assert(page.hasMore);
  const events = await storage.auditList({ limit: 1 });
  assertEquals(events.items[0].target.id, made[2].id);
  assert((await storage.verifyAudit()).ok);
});

Deno.test("the paging rule is checked once, by the storage", async () => {
  const storage = await initialized();
  await assertRejects(() => storage.list("experiment", { limit: 0 }), /Invalid "limit" 0/);
  await assertRejects(() => storage.list("job", { offset: -1 }), /Invalid "offset" -1/);
  await assertRejects(() => storage.auditList({ limit: 1001 }), /from 1 to 1000/);
});

Deno.test("a failed transaction writes nothing", async () => {
  const storage = await initialized();
  await assertRejects(() =>
    storage.transaction((tx) => {
      tx.create("experiment", experiment("never"));
      return Promise.reject(new Error("boom"));
    }), /boom/);
  assertEquals(await storage.count("experiment"), 0);
  assertEquals((await storage.auditHead()).seq, 1);
});

Deno.test("compare-and-append: events staged at seq N are not appended once the log moved", async () => {
  const storage = await initialized();
  const { audit } = folderInternals(storage.location);
  const event = recordEvent("ada", "experiment.noted", {
    type: "experiment",
    record: { id: "exp_1" },
  });
  const staged = await audit.stage([event]);
  assertEquals(staged.baseSeq, 1);
  await audit.append(event);
  await assertRejects(() => staged.write(), /changed since seq 1/);
  assertEquals((await storage.auditHead()).seq, 2);
});

Deno.test("the folder's own checks find leftover temporary files and a stale index", async () => {
  const storage = await initialized();
  await storage.transaction((tx) => {
    tx.create("experiment", experiment("kept"));
    return Promise.resolve();
  });
  await fs.writeFile(`${storage.location}/experiments/.x.tmp`, "");
  await fs.rm(`${storage.location}/indexes/experiments.ids`);
  const found = await storage.check({ repair: false, actor: "ada" });
  assertEquals(found.problems.map((p) => p.kind).sort(), ["index-mismatch", "stray-file"]);
  assertEquals(found.records.experiment.size, 1);
  const repaired = await storage.check({ repair: true, actor: "ada" });
  assert(repaired.problems.every((p) => p.repaired));
  assertEquals((await storage.check({ repair: false, actor: "ada" })).problems, []);
});

function dataset(table: NonNullable<Dataset["table"]>): Dataset {
  const now = new Date().toISOString();
  return {
    schemaVersion: 2,
    id: newId("dataset"),
    createdAt: now,
    updatedAt: now,
    createdBy: "ada",
    title: "t.csv",
    kind: "imported",
    experimentId: null,
    parentIds: [],
    table,
  };
}

Deno.test("a dataset's values live beside its record: get joins them, summaries and raw reads too", async () => {
  const storage = await initialized();
  const record = dataset({
    columns: [{ name: "t", type: "integer" }, { name: "note", type: "string" }],
    rowCount: 2,
    values: [[0, 10], [null, "x"]],
    delimiter: ",",
  });
  await storage.transaction((tx) => {
    tx.create("dataset", record);
    return Promise.resolve();
  });
  const folder = `${storage.location}/datasets`;
  assertEquals(
    await fs.readFile(`${folder}/${record.id}.values.json`, "utf8"),
    '[[0,10],[null,"x"]]',
  );
  assertEquals(await storage.get("dataset", record.id), record);
  const { values: _values, ...summary } = record.table!;
  assertEquals(await storage.getSummary("dataset", record.id), { ...record, table: summary });
  assertEquals((await storage.listSummaries("dataset")).items, [{ ...record, table: summary }]);
  assertEquals((await storage.rawRecords()).dataset.get(record.id), record);
  assertEquals((await storage.check({ repair: false, actor: "ada" })).problems, []);

  // Values without their record are stray: reported, and moved aside by a repair.
  const orphan = newId("dataset");
  await fs.writeFile(`${folder}/${orphan}.values.json`, "[]");
  const found = await storage.check({ repair: false, actor: "ada" });
  assertEquals(found.problems.map((p) => [p.kind, p.message]), [
    ["stray-file", `Table values of a dataset that does not exist (${orphan})`],
  ]);
  await assertRejects(() => storage.rawRecords(), /the values of a dataset that does not exist/);
  await storage.check({ repair: true, actor: "ada" });
  assertEquals((await storage.check({ repair: false, actor: "ada" })).problems, []);
});

Deno.test("a commit reads the audit log's tail once", async () => {
  const storage = await initialized();
  const counts = { stage: 0, head: 0, list: 0 };
  const proto = AuditLog.prototype;
  const original = { stage: proto.stage, head: proto.head, list: proto.list };
  proto.stage = function (this: AuditLog, ...args: Parameters<AuditLog["stage"]>) {
    counts.stage++;
    return original.stage.apply(this, args);
  };
  proto.head = function (this: AuditLog) {
    counts.head++;
    return original.head.apply(this);
  };
  proto.list = function (this: AuditLog, ...args: Parameters<AuditLog["list"]>) {
    counts.list++;
    return original.list.apply(this, args);
  };
  try {
    await storage.transaction((tx) => {
      const record = experiment("counted");
      tx.create("experiment", record);
      tx.audit(recordEvent("ada", "experiment.created", { type: "experiment", record }));
      return Promise.resolve();
    });
  } finally {
    Object.assign(proto, original);
  }
  assertEquals(counts, { stage: 1, head: 0, list: 0 });
  assertEquals((await storage.auditHead()).seq, 2);
});
