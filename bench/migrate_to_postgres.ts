/**
 * Times `labos migrate --to` of a data folder of `--records` experiments into
 * an empty database of a throwaway PostgreSQL cluster (test/_pg.ts), as a
 * whole process: wall seconds, and CPU seconds where `/usr/bin/time` is there.
 *
 * ```sh
 * deno run -A bench/migrate_to_postgres.ts [--records 10000] [--runs 3] [--dir /tmp/labos-migrate]
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startPostgres } from "../test/_pg.ts";
import { buildExperiments, median } from "./_scale.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
    dir: { type: "string" },
  },
});
const records = Number(values.records);
const root = values.dir ?? Deno.makeTempDirSync({ prefix: "labos-migrate-" });
const dataDir = `${root}/data-${records}`;
const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const TIME = "/usr/bin/time";
const timed = await Deno.stat(TIME).then(() => true, () => false);

const built = performance.now();
await buildExperiments(dataDir, records);
console.log(
  `${records} experiments in ${dataDir} (${((performance.now() - built) / 1000).toFixed(1)} s)`,
);
const cluster = await startPostgres();
if (!cluster) Deno.exit(0);
try {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const target = await cluster.createDatabase();
    const args = [
      Deno.execPath(),
      "run",
      "-A",
      cli,
      "--data-dir",
      dataDir,
      "migrate",
      "--to",
      target,
    ];
    const started = performance.now();
    const output = await new Deno.Command(timed ? TIME : args[0], {
      args: timed ? ["-f", "%U %S", ...args] : args.slice(1),
      env: { LABOS_ACTOR: "bench" },
      stdout: "null",
      stderr: "piped",
    }).output();
    walls.push((performance.now() - started) / 1000);
    const stderr = new TextDecoder().decode(output.stderr).trim();
    if (!output.success) throw new Error(`migrate --to failed: ${stderr}`);
    if (timed) {
      const [user, system] = stderr.split("\n").at(-1)!.split(" ").map(Number);
      cpus.push(user + system);
    }
  }
  console.log(
    `migrate --to of ${records} experiments: median ${median(walls).toFixed(1)} s wall (${
      walls.map((s) => s.toFixed(1)).join(", ")
    })${timed ? `, ${median(cpus).toFixed(1)} CPU s` : ""}`,
  );
} finally {
  await cluster.stop();
}
