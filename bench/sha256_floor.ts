/**
 * The floor of `labos audit verify` on Deno, measured on this machine, beside
 * `sha256sum` and `openssl dgst -sha256` of the same log.
 *
 *     deno run -A bench/sha256_floor.ts [--events=500000] [--runs=7] [--keep=DIR]
 *
 * Verify hashes every event on its own (the chain format), so its floor is
 * the start-up of a process plus the per-event cost of hashing (and of the
 * structural check of each event) times the events, over the cores. This
 * bench measures each term on the real events of the log (`--keep` reuses
 * the folder of `audit_verify_vs_sha256sum.ts`):
 *
 * - start-up: `deno run` of an empty file, and of `labos audit head` (the CLI
 *   loaded, the data folder opened, nothing scanned);
 * - per event, in one thread, after warm-up: `node:crypto` `createHash`
 *   (also of a 1-byte input: the call alone), the one-shot `hash()`, the
 *   WebAssembly SIMD batch hasher verify uses, and the structural check;
 * - bulk `createHash` throughput (one call over the whole file);
 * - `sha256sum` and `openssl dgst -sha256`, whole processes, medians.
 *
 * @module
 */
import { createHash, hash } from "node:crypto";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { CODES, EVENT_OFFSET, FRAME_TAIL, HASH_TAIL } from "../src/audit/_format.ts";
import { checkLine } from "../src/audit/_line_check.ts";
import { createBatchHasher } from "../src/audit/_sha256x4.ts";
import { buildLab } from "./audit_verify_vs_sha256sum.ts";
import { median } from "./_scale.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

async function wall(argv: string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const out = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null" }).output();
    if (!out.success) throw new Error(`${argv.join(" ")} exited with ${out.code}`);
    if (i > 0) times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

// Median µs per event of `fn` over all events, in `rounds` rounds after one warm-up round.
function perEvent(events: number, rounds: number, fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const start = performance.now();
    fn();
    if (r > 0) times.push(((performance.now() - start) * 1000) / events);
  }
  return median(times);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "500000" },
      runs: { type: "string", default: "7" },
      sample: { type: "string", default: "100000" },
      keep: { type: "string" },
    },
  });
  const events = Number(values.events);
  const runs = Number(values.runs);
  const dataDir = values.keep ?? await Deno.makeTempDir({ prefix: "labos-floor-" });
  try {
    await buildLab(dataDir, events);
    const file = `${dataDir}/audit/log.jsonl`;
    const bytes = await Deno.readFile(file);
    const cores = availableParallelism();
    // The first `sample` events, in a hasher's buffer: each line's event and stored hash.
    const starts: number[] = [];
    const ends: number[] = [];
    for (let pos = 0; starts.length < Number(values.sample);) {
      const nl = bytes.indexOf(10, pos);
      if (nl < 0) break;
      starts.push(pos);
      ends.push(nl);
      pos = nl + 1;
    }
    const n = starts.length;
    const sampleBytes = ends[n - 1] + 1;
    const hasher = createBatchHasher(sampleBytes, n);
    if (!hasher) throw new Error("WebAssembly SIMD is not available");
    hasher.bytes.set(bytes.subarray(0, sampleBytes));
    for (let i = 0; i < n; i++) {
      hasher.set(i, {
        start: starts[i] + EVENT_OFFSET,
        end: ends[i] - FRAME_TAIL,
        hashAt: ends[i] - HASH_TAIL,
      });
    }
    const eventOf = (i: number) => bytes.subarray(starts[i] + EVENT_OFFSET, ends[i] - FRAME_TAIL);
    const one = new Uint8Array(1);
    const out = new Float64Array(CODES.O_SIZE);
    const cost = {
      createHash: perEvent(n, 5, () => {
        for (let i = 0; i < n; i++) createHash("sha256").update(eventOf(i)).digest("hex");
      }),
      createHash1Byte: perEvent(n, 5, () => {
        for (let i = 0; i < n; i++) createHash("sha256").update(one).digest("hex");
      }),
      hashOneShot: perEvent(n, 5, () => {
        for (let i = 0; i < n; i++) hash("sha256", eventOf(i));
      }),
      simdBatch: perEvent(n, 5, () => {
        if (hasher.check(n) !== n) throw new Error("The SIMD hasher disagrees with the log");
      }),
      structure: perEvent(n, 5, () => {
        for (let i = 0; i < n; i++) {
          if (checkLine(bytes, starts[i], ends[i], out) !== 0) throw new Error("A bad line");
        }
      }),
    };
    const bulkStart = performance.now();
    createHash("sha256").update(bytes).digest("hex");
    const bulkMBs = bytes.length / 1000 / (performance.now() - bulkStart);
    const startup = {
      empty: await wall(["deno", "run", "-A", await emptyFile()], runs),
      auditHead: await wall(
        ["deno", "run", "-A", CLI, "--data-dir", dataDir, "audit", "head"],
        runs,
      ),
    };
    const sha256sum = await wall(["sha256sum", file], runs);
    const openssl = await wall(["openssl", "dgst", "-sha256", file], runs);
    const total = events;
    const floor = (us: number) => (total * us) / 1e6 / cores;
    const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);
    console.log(
      `${total} events, ${
        (bytes.length / 1e6).toFixed(1)
      } MB; ${cores} cores; Deno ${Deno.version.deno}; per-event costs over the first ${n} events`,
    );
    line("start-up: deno run of an empty file", `${startup.empty.toFixed(3)} s`);
    line("start-up: labos audit head (CLI and folder)", `${startup.auditHead.toFixed(3)} s`);
    line("node:crypto createHash per event", `${cost.createHash.toFixed(3)} µs`);
    line("node:crypto createHash of 1 byte (the call)", `${cost.createHash1Byte.toFixed(3)} µs`);
    line("node:crypto hash() one-shot per event", `${cost.hashOneShot.toFixed(3)} µs`);
    line("WebAssembly SIMD batch hasher per event", `${cost.simdBatch.toFixed(3)} µs`);
    line("structural check per event (checkLine)", `${cost.structure.toFixed(3)} µs`);
    line("node:crypto bulk createHash of the whole file", `${bulkMBs.toFixed(0)} MB/s`);
    line("sha256sum (whole process)", `${sha256sum.toFixed(3)} s`);
    line("openssl dgst -sha256 (whole process)", `${openssl.toFixed(3)} s`);
    const rows: [string, number][] = [
      [
        "floor, createHash: empty start-up + hashing / cores",
        startup.empty + floor(cost.createHash),
      ],
      ["floor, SIMD: empty start-up + hashing / cores", startup.empty + floor(cost.simdBatch)],
      [
        "floor, SIMD + check: CLI start-up + (hash + check) / cores",
        startup.auditHead + floor(cost.simdBatch + cost.structure),
      ],
    ];
    for (const [label, seconds] of rows) {
      line(label, `${seconds.toFixed(3)} s = ${(seconds / sha256sum).toFixed(2)}× sha256sum`);
    }
  } finally {
    if (values.keep === undefined) await Deno.remove(dataDir, { recursive: true });
  }
}

async function emptyFile(): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, "");
  return file;
}
