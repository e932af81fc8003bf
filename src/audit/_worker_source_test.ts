import { assert, assertEquals } from "../../test/_assert.ts";
import { bundleWorker, renderWorkerSource } from "../../scripts/embed_worker.ts";
import { buildLog, writeLog } from "./_fixtures_test.ts";
import { claimRange, newClaims, type ScanOrder, type ScanReply } from "./_ranges.ts";
import type { ScanState } from "./_scanner.ts";
import { batchModule } from "./_sha256x4.ts";
import { VERIFY_WORKER_SOURCE } from "./_worker_source.ts";

Deno.test("src/audit/_worker_source.ts is the bundled worker (run `deno task embed:worker`)", async () => {
  const committed = await Deno.readTextFile(new URL("./_worker_source.ts", import.meta.url));
  assertEquals(committed, renderWorkerSource(await bundleWorker()));
});

// Starts the embedded worker as verify does on Deno, and collects its replies until it stops.
function runWorker(order: ScanOrder): Promise<ScanReply[]> {
  const url = `data:text/javascript,${encodeURIComponent(VERIFY_WORKER_SOURCE)}`;
  const worker = new Worker(url, { type: "module" });
  const replies: ScanReply[] = [];
  return new Promise<ScanReply[]>((resolve) => {
    worker.onmessage = (event: MessageEvent<ScanReply>) => {
      replies.push(event.data);
      if (!("state" in event.data)) resolve(replies);
    };
    worker.postMessage(order);
  }).finally(() => worker.terminate());
}

Deno.test("the embedded worker scans the ranges it claims and reports errors as messages", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(30);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const half = log.lines.slice(0, 15).join("").length;
  const order = { file, starts: [0, half, size], chunkBytes: 1 << 16, watchSeq: 30 };
  try {
    const replies = await runWorker({ ...order, claims: newClaims(2) });
    assertEquals(replies.map((reply) => "index" in reply ? reply.index : "done"), [0, 1, "done"]);
    const last = replies[1] as { state: ScanState };
    assertEquals(last.state.count, 15);
    assertEquals(last.state.watchHash, log.head.hash);
    // Ranges another thread claimed are left to it.
    const claims = newClaims(2);
    claimRange(claims);
    assertEquals((await runWorker({ ...order, claims })).map((r) => "index" in r && r.index), [
      1,
      false,
    ]);
    const [reply] = await runWorker({
      ...order,
      file: `${dir}/absent.jsonl`,
      claims: newClaims(2),
    });
    assert("error" in reply && reply.error.includes("ENOENT"), JSON.stringify(reply));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the embedded worker hashes with the module posted with its order", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(30);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const order = { file, starts: [0, size], chunkBytes: 1 << 16, watchSeq: 30 };
  // A module without the hasher's exports shows that the worker uses the one it is given.
  const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  for (const wasm of [batchModule()!, empty]) {
    const [reply] = await runWorker({ ...order, claims: newClaims(1), wasm });
    if (wasm === empty) assert("error" in reply, JSON.stringify(reply));
    else assertEquals("state" in reply && reply.state.lastHash, log.head.hash);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a range that finds damage stops the claims past it", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(30);
  const lines = [...log.lines];
  lines[3] = lines[3].replace('"seq":4', '"seq":5');
  await writeLog(dir, { log: lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const third = Math.floor(size / 3);
  const replies = await runWorker({
    file,
    starts: [0, third, 2 * third, size],
    chunkBytes: 1 << 16,
    watchSeq: 30,
    claims: newClaims(3),
  });
  assertEquals(replies.map((reply) => "index" in reply ? reply.index : "done"), [0, "done"]);
  assert("state" in replies[0] && replies[0].state.failure !== null);
  await Deno.remove(dir, { recursive: true });
});
