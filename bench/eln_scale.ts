/**
 * `.eln` at scale: 100 experiments with 1,000 attachments (10 each, 4 KiB of
 * random bytes each), each experiment with a small table. Times the export,
 * `checkEln` on it, and the import into a fresh data folder.
 *
 * ```sh
 * deno run -A bench/eln_scale.ts [--experiments 100] [--attachments 10] [--bytes 4096]
 * ```
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { checkEln } from "../src/exchange/eln/mod.ts";
import { openLab } from "../src/service/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    experiments: { type: "string", default: "100" },
    attachments: { type: "string", default: "10" },
    bytes: { type: "string", default: "4096" },
  },
});
const experiments = Number(values.experiments);
const perExperiment = Number(values.attachments);
const size = Number(values.bytes);

const dir = await Deno.makeTempDir({ prefix: "labos-eln-bench-" });
try {
  const lab = openLab({ dataDir: `${dir}/source`, actor: "bench" });
  await lab.init();
  const setup = performance.now();
  const made = await lab.createExperiments(
    Array.from({ length: experiments }, (_, i) => ({
      title: `Experiment ${i + 1}`,
      purpose: `Bench experiment ${i + 1}`,
      tags: ["bench", `group-${i % 10}`],
    })),
  );
  const csv = new TextEncoder().encode("time [s],temp [Cel]\n0,20.5\n1,21.25\n2,22\n");
  for (const experiment of made) {
    await lab.importCsv({ fileName: "temps.csv", bytes: csv, experimentId: experiment.id });
    for (let j = 0; j < perExperiment; j++) {
      await lab.attach(experiment.id, { bytes: randomBytes(size), fileName: `raw-${j + 1}.bin` });
    }
  }
  console.log(
    `setup: ${experiments} experiments, ${
      experiments * perExperiment
    } attachments of ${size} bytes (${
      ((performance.now() - setup) / 1000).toFixed(1)
    } s, not measured)`,
  );

  let start = performance.now();
  const exported = await lab.exportEln(`${dir}/bench.eln`);
  const exportMs = performance.now() - start;
  const { size: fileSize } = await Deno.stat(exported.file);
  console.log(
    `export: ${
      (exportMs / 1000).toFixed(2)
    } s (${exported.experiments} experiments, ${exported.files} files, ${
      (fileSize / 2 ** 20).toFixed(1)
    } MiB)`,
  );

  start = performance.now();
  const check = await checkEln(exported.file);
  console.log(
    `check:  ${((performance.now() - start) / 1000).toFixed(2)} s (${
      check.ok ? "ok" : `${check.failures.length} failures: ${check.failures[0]}`
    })`,
  );

  const target = openLab({ dataDir: `${dir}/target`, actor: "bench" });
  await target.init();
  start = performance.now();
  const imported = await target.importEln(exported.file);
  const importMs = performance.now() - start;
  console.log(
    `import: ${
      (importMs / 1000).toFixed(2)
    } s (${imported.experiments.length} experiments, ${imported.files} files, ${imported.tables} tables, ${imported.skipped.length} skipped)`,
  );
  if (!check.ok || imported.skipped.length > 0) Deno.exitCode = 1;
} finally {
  await Deno.remove(dir, { recursive: true });
}
