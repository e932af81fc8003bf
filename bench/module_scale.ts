/**
 * Issue 13, item 1: every built-in fit module at 1,000,000 points, each run a
 * whole `labos run` process. Prints a table: module, points, seconds (the
 * median and the minimum of `--runs` runs, since the machine is shared),
 * the CPU seconds (user + system) of the median run where `/usr/bin/time`
 * is there to measure them, and the MB each run adds to the data folder,
 * next to the input file's size.
 *
 * ```sh
 * deno run -A bench/module_scale.ts [--points 1000000] [--runs 3] [--module kinetics.arrhenius]
 *   [--binary dist/labos-x86_64-unknown-linux-gnu] [--plot] [--dir /tmp/labos-module-scale]
 * ```
 *
 * Target: at most 3 s per run, and the folder grows by about the input's size
 * plus the output.
 *
 * @module
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bigInput, FIT_MODULES } from "./_module_inputs.ts";

const { values } = parseArgs({
  options: {
    points: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    module: { type: "string", multiple: true },
    binary: { type: "string" },
    plot: { type: "boolean", default: false },
    dir: { type: "string" },
  },
});
const points = Number(values.points);
const runs = Number(values.runs);
const modules = values.module ?? [...FIT_MODULES];
const root = values.dir ?? Deno.makeTempDirSync({ prefix: "labos-module-scale-" });
const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const command = values.binary ? [values.binary] : [Deno.execPath(), "run", "-A", cli];

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += folderBytes(path);
    else if (entry.isFile) total += statSync(path).size;
  }
  return total;
}

const TIME = "/usr/bin/time";
const timed = (() => {
  try {
    return Deno.statSync(TIME).isFile;
  } catch {
    return false;
  }
})();

async function labos(args: string[]): Promise<{ code: number; stderr: string; cpu?: number }> {
  const [program, ...rest] = timed
    ? [TIME, "-f", "labos-cpu %U %S", ...command, ...args]
    : [...command, ...args];
  const output = await new Deno.Command(program, {
    args: rest,
    stdout: "null",
    stderr: "piped",
  }).output();
  let stderr = new TextDecoder().decode(output.stderr);
  const cpu = /labos-cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (cpu) stderr = stderr.slice(0, cpu.index);
  return {
    code: output.code,
    stderr,
    ...(cpu ? { cpu: Number(cpu[1]) + Number(cpu[2]) } : {}),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const MB = 1024 * 1024;
const rows: string[][] = [];
mkdirSync(root, { recursive: true });
for (const key of modules) {
  const inputFile = join(root, `${key}.json`);
  writeFileSync(inputFile, JSON.stringify(bigInput(key, points)));
  const dataDir = join(root, `data-${key}`);
  rmSync(dataDir, { recursive: true, force: true });
  const init = await labos(["--data-dir", dataDir, "init"]);
  if (init.code !== 0) throw new Error(`init: ${init.stderr}`);
  const seconds: number[] = [];
  const cpus: number[] = [];
  const added: number[] = [];
  const codes = new Set<number>();
  for (let run = 0; run < runs; run++) {
    const before = folderBytes(dataDir);
    const plot = values.plot ? ["--plot", join(root, `${key}.svg`)] : [];
    const started = performance.now();
    const result = await labos(["--data-dir", dataDir, "run", key, "--input", inputFile, ...plot]);
    seconds.push((performance.now() - started) / 1000);
    if (result.cpu !== undefined) cpus.push(result.cpu);
    added.push((folderBytes(dataDir) - before) / MB);
    codes.add(result.code);
    if (result.code !== 0) {
      console.error(`${key}: exit ${result.code}: ${result.stderr.slice(0, 300)}`);
    }
  }
  rows.push([
    key,
    String(points),
    median(seconds).toFixed(2),
    Math.min(...seconds).toFixed(2),
    cpus.length > 0 ? median(cpus).toFixed(2) : "-",
    median(added).toFixed(1),
    (statSync(inputFile).size / MB).toFixed(1),
    [...codes].join(","),
  ]);
  console.error(`${key}: ${seconds.map((s) => s.toFixed(2)).join(", ")} s`);
}
const header = [
  "module",
  "points",
  "seconds (median)",
  "seconds (min)",
  "CPU s (median)",
  "MB added",
  "input MB",
  "exit",
];
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
if (values.dir === undefined) rmSync(root, { recursive: true, force: true });
