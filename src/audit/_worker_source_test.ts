import { Worker } from "node:worker_threads";
import { assert, assertEquals } from "../../test/_assert.ts";
import { bundleWorker, renderWorkerSource } from "../../scripts/embed_worker.ts";
import { buildLog, writeLog } from "./_fixtures_test.ts";
import type { RangeJob, ScanState } from "./_scanner.ts";
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
