/**
 * The verify worker: scans the ranges it claims of the log that the main
 * thread's `ScanOrder` names, and posts each range's `ScanState`
 * (`ScanReply`). It runs as a Web Worker where the runtime has them (Deno,
 * Bun) and as a `node:worker_threads` worker on Node, started from
 * `VERIFY_WORKER_SOURCE`, this module bundled by `scripts/embed_worker.ts`,
 * so that no worker file has to exist on disk (a compiled executable has
 * none). It exports nothing: it only listens.
 *
 * @module
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { claimRange, type ScanOrder, type ScanReply, stopAfter } from "./_ranges.ts";
import { scanRangeSync } from "./_scanner.ts";
import { adoptBatchModule } from "./_sha256x4.ts";

interface WebWorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

// Deno's Web Workers have no parent port; Bun's and Node's workers do.
const scope = globalThis as unknown as WebWorkerScope;
const send: (reply: ScanReply) => void = parentPort
  ? (reply) => parentPort!.postMessage(reply)
  : (reply) => scope.postMessage(reply);
// One read buffer for every range this worker scans.
const scratch: { bytes: Uint8Array | null } = { bytes: null };

function scan(order: ScanOrder): void {
  let fd = -1;
  try {
    if (order.wasm) adoptBatchModule(order.wasm);
    fd = fs.openSync(order.file, "r");
    const descriptor = fd;
    const size = order.starts[order.starts.length - 1];
    for (let index = claimRange(order.claims); index >= 0; index = claimRange(order.claims)) {
      const state = scanRangeSync({
        file: order.file,
        start: order.starts[index],
        end: order.starts[index + 1],
        size,
        chunkBytes: order.chunkBytes,
        watchSeq: order.watchSeq,
        actions: order.actions,
      }, {
        read: (buffer, offset, length, position) =>
          fs.readSync(descriptor, buffer, offset, length, position),
        scratch,
      });
      if (state.failure) stopAfter(order.claims, index);
      send({ index, state });
    }
    send({ done: true });
  } catch (error) {
    send({ error: String((error as Error)?.stack ?? error) });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

if (parentPort) parentPort.on("message", scan);
else scope.onmessage = (event) => scan(event.data as ScanOrder);
