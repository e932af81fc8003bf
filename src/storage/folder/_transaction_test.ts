import * as fs from "node:fs/promises";
import * as path from "node:path";
import { assert, assertEquals, assertRejects } from "../../../test/_assert.ts";
import { type Dataset, hashJson, newId } from "../../records/mod.ts";
import { DATA_FORMAT, DATA_SCHEMA_VERSION, type DataManifest, recordEvent } from "../mod.ts";
import { FolderStorage } from "./mod.ts";
import { JOURNAL_FILE, parseJournal, STAGED_RECORD_BYTES } from "./_transaction.ts";

async function initialized(): Promise<FolderStorage> {
  const storage = new FolderStorage(await Deno.makeTempDir({ prefix: "labos-staged-" }));
  const manifest: DataManifest = {
    format: DATA_FORMAT,
    schemaVersion: DATA_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    createdBy: "ada",
    labosVersion: "test",
  };
  await storage.initialize(manifest, {
    actor: "ada",
    action: "data.initialized",
    target: { type: "data", id: "labos" },
    reason: null,
    details: { manifest },
  });
  return storage;
}

/** A module-output dataset of about 2.6 MB: above the staging size. */
function bigDataset(): Dataset {
  const now = new Date().toISOString();
  const output = { values: Array.from({ length: 150_000 }, (_, i) => i / 7) };
  return {
    schemaVersion: 2,
    id: newId("dataset"),
    createdAt: now,
    updatedAt: now,
    createdBy: "ada",
    title: "Big output",
    kind: "module-output",
    experimentId: null,
    parentIds: [],
    output,
    outputHash: hashJson(output),
  };
}

function commitBig(storage: FolderStorage, dataset: Dataset): Promise<void> {
  return storage.transaction((tx) => {
    tx.create("dataset", dataset);
    tx.audit(recordEvent("ada", "dataset.created", { type: "dataset", record: dataset }));
    return Promise.resolve();
  });
}

async function tempFiles(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).filter((name) => name.endsWith(".tmp"));
}

Deno.test("a large record is staged: the journal names its fsynced temporary file, and a replay renames it", async () => {
  const storage = await initialized();
  const dataset = bigDataset();
  const folder = path.join(storage.location, "datasets");
  const file = path.join(folder, `${dataset.id}.json`);
  // A folder in the record's place: the rename fails after the journal is written, as a crash would leave it.
  await fs.mkdir(file);
  await assertRejects(() => commitBig(storage, dataset));
  const journalText = await fs.readFile(path.join(storage.location, JOURNAL_FILE), "utf8");
  assert(journalText.length < 10_000, `the journal holds ${journalText.length} characters`);
  const journal = parseJournal(journalText);
  assert(typeof journal === "object", String(journal));
  const entry = journal.records[0] as { staged: string; bytes: number };
  const staged = await tempFiles(folder);
  assertEquals(staged, [entry.staged]);
  const size = (await fs.stat(path.join(folder, entry.staged))).size;
  assert(size > STAGED_RECORD_BYTES);
  assertEquals(size, entry.bytes);
  assertEquals((await storage.auditHead()).seq, 1, "no event before the records are in place");

  // The next writer replays the journal: the staged file becomes the record, the event follows.
  await fs.rmdir(file);
  await storage.transaction(() => Promise.resolve());
  assertEquals(await tempFiles(folder), []);
  const stored = await storage.get("dataset", dataset.id);
  assertEquals(stored.outputHash, hashJson(stored.output));
  assertEquals((await storage.auditHead()).seq, 2);
  assertEquals(await storage.count("dataset"), 1);
  await assertRejects(() => fs.stat(path.join(storage.location, JOURNAL_FILE)));
});

Deno.test("a replay after the staged file was renamed completes the commit without renaming again", async () => {
  const storage = await initialized();
  const dataset = bigDataset();
  // The index cannot be written: the commit stops after the rename, before its audit event.
  const index = path.join(storage.location, "indexes", "datasets.ids");
  await fs.mkdir(index, { recursive: true });
  await assertRejects(() => commitBig(storage, dataset));
  const folder = path.join(storage.location, "datasets");
  assertEquals(await tempFiles(folder), []);
  assertEquals((await storage.auditHead()).seq, 1);
  const journal = parseJournal(
    await fs.readFile(path.join(storage.location, JOURNAL_FILE), "utf8"),
  ) as unknown as { records: Array<Record<string, unknown>> };
  assert(typeof journal.records[0].staged === "string", "the journal names the staged file");
  await fs.rmdir(index);
  await storage.transaction(() => Promise.resolve());
  assertEquals((await storage.get("dataset", dataset.id)).id, dataset.id);
  assertEquals((await storage.auditHead()).seq, 2);
});

Deno.test("a journal whose staged file is gone blocks writes with a pointer to doctor", async () => {
  const storage = await initialized();
  const dataset = bigDataset();
  const file = path.join(storage.location, "datasets", `${dataset.id}.json`);
  await fs.mkdir(file);
  await assertRejects(() => commitBig(storage, dataset));
  await fs.rmdir(file);
  const folder = path.join(storage.location, "datasets");
  for (const name of await tempFiles(folder)) await fs.rm(path.join(folder, name));
  const error = await assertRejects(() => storage.transaction(() => Promise.resolve()));
  assertEquals(
    error.message,
    `Cannot replay the journal in ${storage.location}: the staged file of dataset "${dataset.id}" (${
      (parseJournal(
        await fs.readFile(path.join(storage.location, JOURNAL_FILE), "utf8"),
      ) as { records: Array<{ staged: string }> }).records[0].staged
    }) is missing; run "labos doctor"`,
  );
});

Deno.test("a journal naming a staged file outside its record folder is not a LabOS journal", () => {
  const id = newId("job");
  const journal = (staged: string) =>
    JSON.stringify({
      v: 1,
      baseSeq: 1,
      records: [{ type: "job", id, created: true, staged, bytes: 10 }],
      events: [],
    });
  assertEquals(typeof parseJournal(journal(`.${id}.json.0a1b.tmp`)), "object");
  for (
    const name of [`../${id}.json.0a1b.tmp`, `.${id}.json.0a1b.tmp/../x`, ".other.json.00.tmp"]
  ) {
    assertEquals(parseJournal(journal(name)), "not a LabOS journal", name);
  }
});

Deno.test("a commit writes many records side by side, keeps one record's writes in order, and lists them in order", async () => {
  const storage = await initialized();
  const datasets = Array.from({ length: 60 }, (_, i) => ({ ...bigDataset(), output: i }));
  for (const dataset of datasets) dataset.outputHash = hashJson(dataset.output);
  const twice = datasets[7];
  const last = { ...twice, title: "Written last", updatedAt: new Date().toISOString() };
  await storage.transaction((tx) => {
    for (const dataset of datasets) tx.create("dataset", dataset);
    tx.put("dataset", last);
    for (const dataset of datasets) {
      tx.audit(recordEvent("ada", "dataset.created", { type: "dataset", record: dataset }));
    }
    tx.audit(recordEvent("ada", "dataset.edited", { type: "dataset", record: last }));
    return Promise.resolve();
  });
  assertEquals((await storage.get("dataset", twice.id)).title, "Written last");
  const listed = (await storage.list("dataset", { limit: 100 })).items.map((d) => d.id);
  assertEquals(listed, datasets.map((d) => d.id).reverse());
  assertEquals((await storage.check({ repair: false, actor: "ada" })).problems, []);
});
