/**
 * The verify worker: a `node:worker_threads` worker that scans the byte
 * ranges the main thread posts (`RangeJob`) and replies with each range's
 * `ScanState`. It is started from `VERIFY_WORKER_SOURCE`, this module
 * bundled by `scripts/embed_worker.ts`, so that no worker file has to exist
 * on disk (a compiled executable has none). It exports nothing: bundled as a
 * script, it only listens.
 *
 * @module
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { type RangeJob, scanRangeSync } from "./_scanner.ts";
import { adoptBatchModule } from "./_sha256x4.ts";

const port = parentPort;
// One read buffer for every range this worker scans.
const scratch: { bytes: Uint8Array | null } = { bytes: null };

function scanJob(job: RangeJob): void {
  if (job.wasm) adoptBatchModule(job.wasm);
  let fd = -1;
  try {
    fd = fs.openSync(job.file, "r");
    const descriptor = fd;
    const state = scanRangeSync(job, {
      read: (buffer, offset, length, position) =>
        fs.readSync(descriptor, buffer, offset, length, position),
      scratch,
    });
    port?.postMessage({ state });
  } catch (error) {
    port?.postMessage({ error: String((error as Error)?.stack ?? error) });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

port?.on("message", scanJob);
