// deno bench -A bench/audit_verify_bench.ts
import { AuditLog } from "../src/audit/mod.ts";
import { verifyLogFile } from "../src/audit/_verify.ts";
import { buildBenchLog } from "./audit_verify_vs_sha256sum.ts";

const EVENTS = 100_000;
const dir = await Deno.makeTempDir({ prefix: "labos-audit-bench-" });
const size = await buildBenchLog(dir, EVENTS);
const audit = new AuditLog(dir);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

async function verified(run: () => Promise<{ ok: boolean; events: number }>): Promise<void> {
  const result = await run();
  if (!result.ok || result.events !== EVENTS) throw new Error("The bench log did not verify");
}

Deno.bench(`verify ${EVENTS} events (${(size / 1e6).toFixed(0)} MB): single thread`, {
  group: "verify",
  baseline: true,
}, async () => {
  await verified(() => verifyLogFile(audit.logFile, { headFile: audit.headFile, workers: 0 }));
});

Deno.bench("verify: main thread and workers", { group: "verify" }, async () => {
  await verified(() =>
    verifyLogFile(audit.logFile, { headFile: audit.headFile, parallelMinBytes: 0 })
  );
});

Deno.bench("verify: AuditLog.verify() (parallel from 96 MiB)", { group: "verify" }, async () => {
  await verified(() => audit.verify());
});

Deno.bench("list: first page of 50, newest first", { group: "read" }, async () => {
  await audit.list({ limit: 50 });
});

Deno.bench("list: page at offset 10000 with an actor filter", { group: "read" }, async () => {
  await audit.list({ actor: "marie.curie", limit: 50, offset: 10_000 });
});

Deno.bench("head: last line and head.json", { group: "read" }, async () => {
  await audit.head();
});
