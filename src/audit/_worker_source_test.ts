import { Worker } from "node:worker_threads";
import { assert, assertEquals } from "../../test/_assert.ts";
import { bundleWorker, renderWorkerSource } from "../../scripts/embed_worker.ts";
import { buildLog, writeLog } from "./_fixtures_test.ts";
import type { RangeJob, ScanState } from "./_scanner.ts";
import { batchModule } from "./_sha256x4.ts";
import { VERIFY_WORKER_SOURCE } from "./_worker_source.ts";

Deno.test("src/audit/_worker_source.ts is the bundled worker (run `deno task embed:worker`)", async () => {
  const committed = await Deno.readTextFile(new URL("./_worker_source.ts", import.meta.url));
  assertEquals(committed, renderWorkerSource(await bundleWorker()));
});

Deno.test("the embedded worker scans a range and reports errors as messages", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(30);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true });
  try {
    const ask = (job: RangeJob): Promise<{ state?: ScanState; error?: string }> =>
      new Promise((resolve) => {
        worker.once("message", resolve);
        worker.postMessage(job);
      });
    const job = { file, start: 0, end: size, size, chunkBytes: 1 << 16, watchSeq: 30 };
    const { state } = await ask(job);
    assertEquals(state?.count, 30);
    assertEquals(state?.watchHash, log.head.hash);
    const { error } = await ask({ ...job, file: `${dir}/absent.jsonl` });
    assert(error?.includes("ENOENT"), error);
  } finally {
    await worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the embedded worker hashes with the module posted with its first job", async () => {
  const dir = await Deno.makeTempDir();
  const log = buildLog(30);
  await writeLog(dir, { log: log.lines.join(""), head: log.head });
  const file = `${dir}/log.jsonl`;
  const size = (await Deno.stat(file)).size;
  const job = { file, start: 0, end: size, size, chunkBytes: 1 << 16, watchSeq: 30 };
  // A module without the hasher's exports shows that the worker uses the one it is given.
  const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  for (const wasm of [batchModule()!, empty]) {
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true });
    try {
      const reply = await new Promise<{ state?: ScanState; error?: string }>((resolve) => {
        worker.once("message", resolve);
        worker.postMessage({ ...job, wasm });
      });
      if (wasm === empty) assert(reply.error !== undefined && !reply.state);
      else assertEquals(reply.state?.lastHash, log.head.hash);
    } finally {
      await worker.terminate();
    }
  }
  await Deno.remove(dir, { recursive: true });
});
