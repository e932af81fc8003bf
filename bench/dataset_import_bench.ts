/**
 * Imports a CSV of blank cells and a numeric CSV (2 MiB each, item 7), and
 * lists datasets whose tables are large: a list reads summaries only, so it
 * costs about the same as reading one small record.
 *
 * ```sh
 * deno bench -A bench/dataset_import_bench.ts
 * ```
 *
 * @module
 */
import { openLab } from "../src/service/mod.ts";

const SIZE = 2 * 1024 * 1024;
const header = Array.from({ length: 200 }, (_, i) => `c${i}`).join(",");
const blankRow = `${",".repeat(199)}\n`;
const blank = new TextEncoder().encode(
  `${header}\n${blankRow.repeat(Math.ceil(SIZE / blankRow.length))}`,
);
const numberRow = `${Array.from({ length: 20 }, (_, i) => (i * 12.3456).toFixed(4)).join(",")}\n`;
const numeric = new TextEncoder().encode(
  `${header.split(",").slice(0, 20).join(",")}\n${
    numberRow.repeat(Math.ceil(SIZE / numberRow.length))
  }`,
);

const dataDir = await Deno.makeTempDir({ prefix: "labos-dataset-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dataDir, { recursive: true }));
const lab = openLab({ dataDir, actor: "bench" });
await lab.init();
for (let i = 0; i < 5; i++) await lab.importCsv({ fileName: `big${i}.csv`, bytes: numeric });
const newest = (await lab.listDatasets({ limit: 1 })).items[0].id;

Deno.bench("import 2 MiB of blank cells (200 columns)", { group: "import" }, async () => {
  await lab.importCsv({ fileName: "blank.csv", bytes: blank });
});

Deno.bench("import 2 MiB of numbers (20 columns)", { group: "import" }, async () => {
  await lab.importCsv({ fileName: "numbers.csv", bytes: numeric });
});

Deno.bench("list 5 datasets of 2 MiB each (summaries)", { group: "list" }, async () => {
  await lab.listDatasets({ limit: 5 });
});

Deno.bench("read one dataset of 2 MiB whole", { group: "list", baseline: true }, async () => {
  await lab.getDataset(newest);
});
