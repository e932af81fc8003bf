import { assertEquals, assertRejects } from "../../../test/_assert.ts";
import { newId } from "../../records/ids.ts";
import type { Experiment } from "../../records/schemas.ts";
import { RecordStore } from "./_records.ts";

function experiment(title: string): Experiment {
  const now = new Date().toISOString();
  return {
    schemaVersion: 2,
    id: newId("experiment"),
    createdAt: now,
    updatedAt: now,
    createdBy: "tester",
    title,
    purpose: "",
    owner: "tester",
    status: title.startsWith("run") ? "running" : "draft",
    tags: [],
    jobIds: [],
    datasetIds: [],
  };
}

Deno.test("list pages newest first and filters", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/experiments`);
  const store = new RecordStore(dir);
  const made = [];
  for (const title of ["a", "run b", "c", "run d", "e"]) {
    const record = experiment(title);
    await store.put("experiment", record);
    made.push(record);
  }
  const ids = made.map((e) => e.id).reverse();
  assertEquals(
    (await store.list("experiment", { limit: 2 })).items.map((e) => e.id),
    ids.slice(0, 2),
  );
  const page = await store.list("experiment", { limit: 2, offset: 2 });
  assertEquals(page.items.map((e) => e.id), ids.slice(2, 4));
  assertEquals(page.hasMore, true);
  const running = await store.list("experiment", { where: (e) => e.status === "running" });
  assertEquals(running.items.map((e) => e.title), ["run d", "run b"]);
  assertEquals(running.hasMore, false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("put refuses an invalid record and names the field", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/experiments`);
  const store = new RecordStore(dir);
  await assertRejects(
    () => store.put("experiment", { ...experiment("x"), title: "" }),
    /Cannot write experiment .*"title" must have at least 1 character/,
  );
  assertEquals([...Deno.readDirSync(`${dir}/experiments`)].length, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("get refuses malformed ids and a record whose id does not match its file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/experiments`);
  const store = new RecordStore(dir);
  await assertRejects(() => store.get("experiment", "../../etc/passwd"), /Invalid experiment id/);
  await assertRejects(() => store.get("job", newId("experiment")), /Invalid job id/);
  const a = experiment("a");
  const b = experiment("b");
  await Deno.writeTextFile(`${dir}/experiments/${b.id}.json`, JSON.stringify(a));
  await assertRejects(() => store.get("experiment", b.id), /"id" is .* but the file is named for/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an indexed page spanning several batches of reads keeps its order and throws its first corrupt record", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/experiments`);
  await Deno.mkdir(`${dir}/indexes`);
  const store = new RecordStore(dir);
  const made: Experiment[] = [];
  for (let i = 0; i < 70; i++) {
    const record = experiment(`e${i}`);
    await store.put("experiment", record);
    made.push(record);
  }
  await store.addToIndex("experiment", made.map((e) => e.id));
  const newestFirst = made.map((e) => e.id).reverse();
  const page = await store.list("experiment", { limit: 65, offset: 2 });
  assertEquals(page.items.map((e) => e.id), newestFirst.slice(2, 67));
  assertEquals(page.hasMore, true);
  // Two corrupt files on the page: the one listed first is reported.
  await Deno.writeTextFile(store.pathOf("experiment", newestFirst[40]), "{");
  await Deno.writeTextFile(store.pathOf("experiment", newestFirst[9]), "{");
  const error = await assertRejects(() => store.list("experiment", { limit: 65, offset: 2 }));
  assertEquals(
    error.message.startsWith(
      `Corrupt experiment record ${store.pathOf("experiment", newestFirst[9])}:`,
    ),
    true,
  );
  await Deno.remove(dir, { recursive: true });
});
