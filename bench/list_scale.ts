/**
 * Lists the 20 newest of 100,000 experiments, side by side with
 * `labos --version`, through the real CLI.
 *
 * ```sh
 * deno run -A bench/list_scale.ts [--records 100000] [--dir /tmp/labos-scale] [--runs 15]
 *   [--store folder|postgres|postgres://…]
 * ```
 *
 * With `--store postgres` (a throwaway cluster) or a `postgres://` URL, the
 * data folder is copied into the empty database with `labos migrate --to`
 * and the list reads PostgreSQL.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { buildExperiments, median, openScaleStore, timeCommand } from "./_scale.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    records: { type: "string", default: "100000" },
    dir: { type: "string", default: "/tmp/labos-scale" },
    runs: { type: "string", default: "15" },
    store: { type: "string", default: "folder" },
  },
});
const records = Number(values.records);
const runs = Number(values.runs);
const cli = new URL("../cli.ts", import.meta.url).pathname;

const built = performance.now();
const store = await openScaleStore(values.store, {
  dir: values.dir,
  build: async () => {
    const count = await buildExperiments(values.dir, records);
    console.log(
      `data folder ${values.dir}: ${count} experiments (${
        ((performance.now() - built) / 1000).toFixed(1)
      } s to build or check)`,
    );
  },
});
console.log(`store: ${store.label}`);

const deno = Deno.execPath();
const version = [deno, "run", "-A", cli, "--version"];
const list = [
  deno,
  "run",
  "-A",
  cli,
  ...store.args,
  "experiments",
  "list",
  "--limit",
  "20",
];
await timeCommand(version, 2);
const env = { ...Deno.env.toObject(), ...store.env };
await timeCommand(list, 2, { env });
const versionTimes: number[] = [];
const listTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  versionTimes.push(...await timeCommand(version, 1));
  listTimes.push(...await timeCommand(list, 1, { env }));
}
const v = median(versionTimes);
const l = median(listTimes);
console.log(`labos --version                      median ${v.toFixed(1)} ms over ${runs} runs`);
console.log(`labos experiments list --limit 20    median ${l.toFixed(1)} ms over ${runs} runs`);
console.log(`ratio ${(l / v).toFixed(2)} (target <= 2)`);
await store.stop();
