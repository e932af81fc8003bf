/**
 * Compares `AuditLog.verify()` with `sha256sum` over the same log file.
 *
 *     deno run -A bench/audit_verify_vs_sha256sum.ts [events=500000]
 *
 * Builds a log of realistic events (about 470 bytes a line) with
 * `encodeEvent`, then times `sha256sum FILE`, `verify()` (parallel path) and
 * the single-threaded path, interleaved, median of 5 runs each.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { AuditLog, encodeEvent, GENESIS_HASH } from "../src/audit/mod.ts";
import { formatHead } from "../src/audit/_format.ts";
import { verifyLogFile } from "../src/audit/_verify.ts";
import { newId } from "../src/records/ids.ts";

const ACTIONS = [
  "experiment.updated",
  "dataset.imported",
  "job.completed",
  "experiment.transitioned",
];
const ACTORS = ["ada.lovelace", "rosalind.franklin", "marie.curie", "service:runner"];

/** Writes `<dir>/log.jsonl` and `<dir>/head.json` with `events` events; returns the log size. */
export async function buildBenchLog(dir: string, events: number): Promise<number> {
  const file = await Deno.open(`${dir}/log.jsonl`, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const t0 = Date.parse("2025-01-06T08:00:00.000Z");
  let prev = GENESIS_HASH;
  let size = 0;
  let batch: string[] = [];
  for (let seq = 1; seq <= events; seq++) {
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
      size += bytes.length;
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      batch = [];
    }
  }
  file.close();
  await Deno.writeTextFile(`${dir}/head.json`, formatHead({ seq: events, hash: prev }));
  return size;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

if (import.meta.main) {
  const events = Number(Deno.args[0] ?? 500_000);
  const dir = await Deno.makeTempDir({ prefix: "labos-audit-bench-" });
  try {
    const built = performance.now();
    const size = await buildBenchLog(dir, events);
    const mb = size / 1e6;
    console.log(
      `Built ${events} events, ${mb.toFixed(1)} MB (${
        (size / events).toFixed(0)
      } bytes a line) in ${
        ((performance.now() - built) / 1000).toFixed(1)
      } s; ${availableParallelism()} cores`,
    );
    const audit = new AuditLog(dir);
    const file = audit.logFile;
    const runs: Record<string, number[]> = { sha256sum: [], verify: [], single: [] };
    await Deno.readFile(file); // warm the page cache
    for (let i = 0; i < 5; i++) {
      runs.sha256sum.push(
        await time(async () => {
          const out = await new Deno.Command("sha256sum", { args: [file], stdout: "null" })
            .output();
          if (!out.success) throw new Error("sha256sum failed");
        }),
      );
      runs.verify.push(
        await time(async () => {
          const result = await audit.verify();
          if (!result.ok || result.events !== events) throw new Error(JSON.stringify(result));
        }),
      );
      runs.single.push(
        await time(async () => {
          const result = await verifyLogFile(file, { headFile: audit.headFile, workers: 0 });
          if (!result.ok) throw new Error(JSON.stringify(result));
        }),
      );
    }
    const sha = median(runs.sha256sum);
    const rows: [string, number][] = [
      ["sha256sum", sha],
      ["AuditLog.verify() (parallel)", median(runs.verify)],
      ["verify, single thread", median(runs.single)],
    ];
    for (const [name, seconds] of rows) {
      console.log(
        `${name.padEnd(30)} ${seconds.toFixed(3)} s  ${
          (mb / seconds).toFixed(0).padStart(5)
        } MB/s  ${(sha / seconds).toFixed(2)}x sha256sum  (runs: ${
          runs[name === "sha256sum" ? "sha256sum" : name.startsWith("Audit") ? "verify" : "single"]
            .map((s) => s.toFixed(3)).join(" ")
        })`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
