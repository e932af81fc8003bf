import { assertEquals, assertRejects } from "../../../test/_assert.ts";
import { IdIndex } from "./_index.ts";
import { newId } from "../../records/ids.ts";

Deno.test("the id index pages newest first, counts, and never appends an id twice", async () => {
  const dir = await Deno.makeTempDir();
  const index = new IdIndex(`${dir}/experiments.ids`, { type: "experiment" });
  assertEquals(await index.count(), 0);
  const ids = Array.from({ length: 7 }, () => newId("experiment"));
  await index.append(ids.slice(0, 5));
  await index.append(ids.slice(3, 7));
  assertEquals(await index.count(), 7);
  assertEquals(await index.newest(0, 3), [ids[6], ids[5], ids[4]]);
  assertEquals(await index.newest(5, 10), [ids[1], ids[0]]);
  assertEquals(await index.all(), ids);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a torn last line of the index is cut off before the next append", async () => {
  const dir = await Deno.makeTempDir();
  const index = new IdIndex(`${dir}/jobs.ids`, { type: "job" });
  const [a, b] = [newId("job"), newId("job")];
  await index.append([a]);
  await Deno.writeTextFile(`${dir}/jobs.ids`, b.slice(0, 11), { append: true });
  assertEquals(await index.count(), 1);
  await index.append([b]);
  assertEquals(await index.all(), [a, b]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("item 16: an index that is a symbolic link is neither read nor appended to", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/indexes`);
  await Deno.writeTextFile(`${dir}/secret`, "SECRET".repeat(20));
  await Deno.symlink(`${dir}/secret`, `${dir}/indexes/experiments.ids`);
  const index = new IdIndex(`${dir}/indexes/experiments.ids`, { type: "experiment", root: dir });
  const refusal =
    /^Refusing to use "indexes\/experiments\.ids" in the data folder: it is a symbolic/;
  await assertRejects(() => index.newest(0, 20), refusal);
  await assertRejects(() => index.all(), refusal);
  await assertRejects(() => index.append([newId("experiment")]), refusal);
  assertEquals(await Deno.readTextFile(`${dir}/secret`), "SECRET".repeat(20));
  await Deno.remove(dir, { recursive: true });
});
