/**
 * Load and faults: N `labos serve` processes on one store, U simulated users
 * (bounded concurrency, loopback only) each making R module runs plus reads;
 * then every acknowledged write is looked up, the counts and audit events
 * are checked, `labos doctor` and `labos audit verify` run, and the exported
 * chain is checked by the README's independent Python verifier.
 *
 * ```sh
 * deno run -A bench/server_load.ts [--store folder|postgres] [--processes 2] [--users 100] [--runs 10]
 *   [--concurrency 32] [--kill-server] [--restart-postgres] [--cut] [--cut-seconds 6] [--keep]
 * ```
 *
 * Prints the checks and one row of the table: store, processes, users, runs,
 * p50, p95, throughput, faults injected, writes lost. Exits 1 when a check
 * fails or an acknowledged write is lost.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { formatReport, type LoadStore, runLoad, TABLE_HEADER, tableRow } from "./_load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    store: { type: "string", default: "folder" },
    processes: { type: "string", default: "2" },
    users: { type: "string", default: "100" },
    runs: { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    "kill-server": { type: "boolean", default: false },
    "restart-postgres": { type: "boolean", default: false },
    cut: { type: "boolean", default: false },
    "cut-seconds": { type: "string", default: "6" },
    keep: { type: "boolean", default: false },
  },
});
if (values.store !== "folder" && values.store !== "postgres") {
  console.error(`error: Invalid "--store" "${values.store}": expected folder or postgres`);
  Deno.exit(2);
}
const report = await runLoad({
  store: values.store as LoadStore,
  processes: Number(values.processes),
  users: Number(values.users),
  runs: Number(values.runs),
  concurrency: Number(values.concurrency),
  killServer: values["kill-server"],
  restartPostgres: values["restart-postgres"],
  cut: values.cut,
  cutSeconds: Number(values["cut-seconds"]),
  keep: values.keep,
  log: (line) => console.log(line),
});
console.log(formatReport(report));
console.log();
console.log(TABLE_HEADER);
console.log(tableRow(report));
if (!report.ok) Deno.exitCode = 1;
