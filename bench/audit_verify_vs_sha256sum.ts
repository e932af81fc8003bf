/**
 * Times `labos audit verify` against `sha256sum` of the same log, both as
 * whole processes, on Deno.
 *
 *     deno run -A bench/audit_verify_vs_sha256sum.ts [--events=500000] [--pairs=7] [--keep=DIR] [--node]
 *
 * Initialises a data folder with `labos init`, appends events of realistic
 * size (about 470 bytes a line, encoded with `encodeEvent` and chained from
 * the real head) up to `--events`, then runs `deno run -A cli.ts audit verify`
 * and `sha256sum log.jsonl` in alternation, `--pairs` times after one warm-up
 * of each, and prints both medians and the ratio of the medians (verify /
 * sha256sum) and the median of the pairwise ratios. `--keep=DIR` builds the
 * folder in DIR (reused when it already holds the same number of events) and
 * leaves it there. `--node` also times `node npm/esm/cli.mjs audit verify`
 * (the npm package, built by `deno task build:npm`) in the same alternation.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { AuditLog, encodeEvent } from "../src/audit/mod.ts";
import { formatHead } from "../src/audit/_format.ts";
import { newId } from "../src/records/ids.ts";

const ACTIONS = [
  "experiment.updated",
  "dataset.imported",
  "job.completed",
  "experiment.transitioned",
];
const ACTORS = ["ada.lovelace", "rosalind.franklin", "marie.curie", "service:runner"];
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const NODE_CLI = new URL("../npm/esm/cli.mjs", import.meta.url).pathname;

/**
 * Appends events to `<dir>/log.jsonl` until it holds `events` events, chained
 * from the log's current head, and rewrites `<dir>/head.json`; returns the
 * log size in bytes.
 */
export async function buildBenchLog(dir: string, events: number): Promise<number> {
  const start = await new AuditLog(dir).head();
  const file = await Deno.open(`${dir}/log.jsonl`, { append: true, create: true });
  const encoder = new TextEncoder();
  // After the events already there: `ts` never decreases along the log.
  const t0 = Date.now();
  let prev = start.hash;
  let batch: string[] = [];
  for (let seq = start.seq + 1; seq <= events; seq++) {
    const time = t0 + seq * 1700;
    const { line, hash } = encodeEvent({
      v: 1,
      seq,
      id: newId("event", time),
      ts: new Date(time).toISOString(),
      actor: ACTORS[seq % 4],
      action: ACTIONS[seq % 4],
      target: { type: "experiment", id: newId("experiment", t0 + (seq % 977) * 60_000) },
      reason: seq % 5 === 0 ? "Corrected the sample mass after re-weighing" : null,
      details: {
        field: "mass",
        from: 1.2345,
        to: Math.round(seq * 1.37) / 1000,
        note: seq % 3 === 0 ? "Re-weighed after drying" : "From the notebook",
      },
      prev,
    });
    prev = hash;
    batch.push(line);
    if (batch.length === 10_000 || seq === events) {
      const bytes = encoder.encode(batch.join(""));
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      batch = [];
    }
  }
  file.close();
  await Deno.writeTextFile(`${dir}/head.json`, formatHead({ seq: events, hash: prev }));
  return (await Deno.stat(`${dir}/log.jsonl`)).size;
}

/** Creates (or reuses) a data folder whose audit log holds `events` events. */
export async function buildLab(dataDir: string, events: number): Promise<void> {
  const audit = new AuditLog(`${dataDir}/audit`);
  const exists = await Deno.stat(`${dataDir}/labos.json`).then(() => true, () => false);
  if (exists && (await audit.head()).seq === events) return;
  if (exists) await Deno.remove(dataDir, { recursive: true });
  await run(["deno", "run", "-A", CLI, "--data-dir", dataDir, "init"]);
  await buildBenchLog(audit.auditDir, events);
}

async function run(argv: string[]): Promise<string> {
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${argv.join(" ")} exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

async function timed(argv: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "null",
    stderr: "inherit",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  if (!out.success) throw new Error(`${argv.join(" ")} exited with ${out.code}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "500000" },
      pairs: { type: "string", default: "7" },
      keep: { type: "string" },
      node: { type: "boolean", default: false },
    },
  });
  const events = Number(values.events);
  const pairs = Number(values.pairs);
  const dataDir = values.keep ?? await Deno.makeTempDir({ prefix: "labos-audit-bench-" });
  try {
    const built = performance.now();
    await buildLab(dataDir, events);
    const file = `${dataDir}/audit/log.jsonl`;
    const size = (await Deno.stat(file)).size;
    console.log(
      `${events} events, ${(size / 1e6).toFixed(1)} MB (${
        (size / events).toFixed(0)
      } bytes a line), ready in ${
        ((performance.now() - built) / 1000).toFixed(1)
      } s; ${availableParallelism()} cores; Deno ${Deno.version.deno}`,
    );
    const verify = ["deno", "run", "-A", CLI, "--data-dir", dataDir, "audit", "verify"];
    const sha = ["sha256sum", file];
    const check = await run(verify);
    if (!check.startsWith(`ok: ${events} events`)) throw new Error(`verify said: ${check}`);
    await timed(sha); // warm-up of each, page cache included
    const onNode = ["node", NODE_CLI, "--data-dir", dataDir, "audit", "verify"];
    if (values.node) await timed(onNode);
    const times = { verify: [] as number[], sha256sum: [] as number[], node: [] as number[] };
    for (let i = 0; i < pairs; i++) {
      times.verify.push(await timed(verify));
      times.sha256sum.push(await timed(sha));
      if (values.node) times.node.push(await timed(onNode));
    }
    const ratios = times.verify.map((v, i) => v / times.sha256sum[i]);
    const show = (list: number[]): string => list.map((s) => s.toFixed(3)).join(" ");
    console.log(
      `labos audit verify  median ${median(times.verify).toFixed(3)} s  (${show(times.verify)})`,
    );
    console.log(
      `sha256sum           median ${median(times.sha256sum).toFixed(3)} s  (${
        show(times.sha256sum)
      })`,
    );
    if (values.node) {
      console.log(
        `node (npm package)  median ${median(times.node).toFixed(3)} s  (${show(times.node)}), ${
          (median(times.node) / median(times.sha256sum)).toFixed(2)
        }× sha256sum`,
      );
    }
    console.log(
      `ratio verify/sha256sum: ${
        (median(times.verify) / median(times.sha256sum)).toFixed(2)
      } (of the medians), ${median(ratios).toFixed(2)} (median of the ${pairs} pairs)`,
    );
  } finally {
    if (values.keep === undefined) await Deno.remove(dataDir, { recursive: true });
  }
}
