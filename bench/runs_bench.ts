import { openLab } from "../mod.ts";

const dir = await Deno.makeTempDir({ prefix: "labos-bench-runs-" });
const lab = openLab({ dataDir: dir, actor: "bench" });
await lab.init();
const inputs = Array.from(
  { length: 100 },
  (_, i) => ({ massG: 50 + i, deltaTK: 3.2, amountMol: 0.02 }),
);

Deno.bench("run one calorimetry job (validate, run, commit)", async () => {
  await lab.run({
    module: "thermo.calorimetry",
    input: { massG: 100, deltaTK: 6.9, amountMol: 0.05 },
  });
});

Deno.bench("batch of 100 calorimetry jobs", { n: 10 }, async () => {
  await lab.runBatch({ module: "thermo.calorimetry", inputs });
});
