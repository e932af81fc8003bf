/**
 * Runs a batch of calorimetry inputs in one `labos run --batch` process and
 * reports the throughput.
 *
 * ```sh
 * deno run -A bench/batch_throughput.ts [--jobs 1000]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { jobs: { type: "string", default: "1000" } },
});
const jobs = Number(values.jobs);
const dir = await Deno.makeTempDir({ prefix: "labos-batch-" });
const cli = new URL("../cli.ts", import.meta.url).pathname;
const lines = Array.from({ length: jobs }, (_, i) =>
  JSON.stringify({
    massG: 50 + (i % 100),
    initialTempC: 21.5,
    finalTempC: 24 + (i % 7) / 2,
    amountMol: 0.025,
    massGUncertainty: 0.01,
    initialTempCUncertainty: 0.05,
    finalTempCUncertainty: 0.05,
  }));
await Deno.writeTextFile(`${dir}/batch.jsonl`, lines.join("\n") + "\n");
const run = (args: string[]) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "--data-dir", `${dir}/data`, ...args],
  }).output();
await run(["init"]);
const started = performance.now();
const output = await run(["run", "thermo.calorimetry", "--batch", `${dir}/batch.jsonl`]);
const seconds = (performance.now() - started) / 1000;
const summary = new TextDecoder().decode(output.stdout).trimEnd().split("\n").at(-1);
console.log(summary);
console.log(
  `process wall time ${seconds.toFixed(2)} s for ${jobs} jobs: ${
    (jobs / seconds).toFixed(1)
  } jobs/s`,
);
const verify = await run(["audit", "verify"]);
console.log(new TextDecoder().decode(verify.stdout).trim());
await Deno.remove(dir, { recursive: true });
