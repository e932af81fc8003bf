import { hostname } from "node:os";
import { assert, assertEquals, assertRejects } from "../../test/_assert.ts";
import { atomicWriteFile, durableAppend, LOCK_FILE, withLock } from "./mod.ts";

Deno.test("atomicWriteFile replaces the content and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  await atomicWriteFile(`${dir}/a.json`, "one");
  await atomicWriteFile(`${dir}/a.json`, "two");
  assertEquals(await Deno.readTextFile(`${dir}/a.json`), "two");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withLock serialises concurrent critical sections and removes the lock", async () => {
  const dir = await Deno.makeTempDir();
  let inside = 0;
  let maxInside = 0;
  await Promise.all(Array.from({ length: 8 }, () =>
    withLock(dir, async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside--;
    })));
  assertEquals(maxInside, 1);
  assertEquals([...Deno.readDirSync(dir)].length, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withLock takes over the lock of a dead process at once", async () => {
  const dir = await Deno.makeTempDir();
  const dead = new Deno.Command("true").spawn();
  const { pid } = dead;
  await dead.status;
  await Deno.writeTextFile(
    `${dir}/${LOCK_FILE}`,
    JSON.stringify({ pid, host: hostname(), token: "old", acquiredAt: new Date().toISOString() }),
  );
  const started = Date.now();
  assertEquals(
    await withLock(dir, () => Promise.resolve("got it"), { timeoutMs: 5_000 }),
    "got it",
  );
  assert(Date.now() - started < 2_000);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withLock takes over a lock not refreshed within the stale timeout", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/${LOCK_FILE}`,
    JSON.stringify({ pid: 1, host: "elsewhere", token: "old", acquiredAt: "" }),
  );
  const old = new Date(Date.now() - 60_000);
  await Deno.utime(`${dir}/${LOCK_FILE}`, old, old);
  assertEquals(await withLock(dir, () => Promise.resolve(1), { staleMs: 10_000 }), 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a waiting writer fails clearly after the timeout while the holder is alive", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/${LOCK_FILE}`,
    JSON.stringify({ pid: Deno.pid, host: hostname(), token: "held", acquiredAt: "" }),
  );
  const error = await assertRejects(
    () => withLock(dir, () => Promise.resolve(), { timeoutMs: 300, staleMs: 60_000 }),
    /Cannot lock data folder: another LabOS process \(pid \d+ on .*\) held .* for more than 300 ms/,
  );
  assertEquals((error as { kind?: string }).kind, "locked");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("item 17: writes with a root refuse a linked folder or file; appends never follow a link", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/data`);
  await Deno.mkdir(`${dir}/outside`);
  await Deno.writeTextFile(`${dir}/outside/log`, "kept\n");
  await Deno.symlink(`${dir}/outside`, `${dir}/data/records`);
  await Deno.symlink(`${dir}/outside/log`, `${dir}/data/log`);
  const root = `${dir}/data`;
  await assertRejects(
    () => atomicWriteFile(`${root}/records/a.json`, "{}", { root }),
    /^Refusing to use "records\/" in the data folder: it is a symbolic link/,
  );
  await assertRejects(
    () => atomicWriteFile(`${root}/log`, "x", { root }),
    /^Refusing to use "log" in the data folder/,
  );
  await assertRejects(() => durableAppend(`${root}/log`, "x\n", { root }), /symbolic link/);
  await assertRejects(() => durableAppend(`${root}/log`, "x\n"), /symbolic link/);
  assertEquals([...Deno.readDirSync(`${dir}/outside`)].map((e) => e.name), ["log"]);
  assertEquals(await Deno.readTextFile(`${dir}/outside/log`), "kept\n");
  await Deno.remove(dir, { recursive: true });
});
