/**
 * Start-up time of `labos`, each command timed in alternating pairs against a
 * baseline built and run the same way, so that the ratios hold on a shared,
 * noisy machine:
 *
 * - the executable's `--version`, `--help` and `experiments list --limit 20`
 *   (on a data folder of 1,000 experiments) against a hello world compiled by
 *   the same compiler with the same flags;
 * - `deno run -A cli.ts --version` against `deno run -A` of an empty file.
 *
 * ```sh
 * deno task compile --target x86_64-unknown-linux-gnu   # builds dist/labos-<target>
 * deno run -A bench/startup.ts [--binary dist/labos-x86_64-unknown-linux-gnu]
 *   [--compiler bun|deno] [--runs 15] [--records 1000] [--dir /tmp/labos-startup]
 * ```
 *
 * Targets (issue 10): the executable's `--version` and `--help` at most 1.5×
 * the hello world, its `experiments list` at most 3×, and `deno run` of
 * `--version` at most 2× an empty file.
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { binaryName, findTarget } from "../scripts/_build.ts";
import { compileEntry, type Compiler, hostTarget } from "../scripts/compile.ts";
import { buildExperiments, median } from "./_scale.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** One pair of commands to compare, and the target ratio. */
interface Pair {
  /** What is measured. */
  label: string;
  /** The command measured. */
  command: string[];
  /** The baseline it is compared with. */
  baseline: string[];
  /** The largest acceptable ratio of the medians. */
  target: number;
}

/** The timings of one pair. */
interface PairResult {
  /** The pair. */
  pair: Pair;
  /** Median wall time of the command, in ms. */
  command: number;
  /** Median wall time of the baseline, in ms. */
  baseline: number;
  /** Median of the pairwise ratios command / baseline. */
  ratio: number;
}

/** Runs a command once, output discarded; resolves to its wall time in ms. */
async function timeOnce(command: string[]): Promise<number> {
  const started = performance.now();
  const output = await new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (!output.success) {
    throw new Error(
      `Command "${command.join(" ")}" exited ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim().split("\n")[0]
      }`,
    );
  }
  return elapsed;
}

/** Times a pair in turn, A B A B …, after two warm-up runs of each. */
async function measure(pair: Pair, runs: number): Promise<PairResult> {
  for (let i = 0; i < 2; i++) {
    await timeOnce(pair.command);
    await timeOnce(pair.baseline);
  }
  const commandTimes: number[] = [];
  const baselineTimes: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = await timeOnce(pair.command);
    const b = await timeOnce(pair.baseline);
    commandTimes.push(a);
    baselineTimes.push(b);
    ratios.push(a / b);
  }
  return {
    pair,
    command: median(commandTimes),
    baseline: median(baselineTimes),
    ratio: median(ratios),
  };
}

/** Builds the hello world with the compiler and flags of the release build. */
async function helloWorld(dir: string, compiler: Compiler, target: string): Promise<string> {
  const source = join(dir, "hello.js");
  writeFileSync(source, 'console.log("hello");\n');
  const path = join(dir, `hello-${compiler}${Deno.build.os === "windows" ? ".exe" : ""}`);
  if (!existsSync(path)) await compileEntry(source, { target, path, compiler });
  return path;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      binary: { type: "string" },
      compiler: { type: "string", default: "bun" },
      runs: { type: "string", default: "15" },
      records: { type: "string", default: "1000" },
      dir: { type: "string", default: "/tmp/labos-startup" },
    },
  });
  const compiler = values.compiler;
  if (compiler !== "bun" && compiler !== "deno") {
    console.error(`error: Invalid "--compiler" "${compiler}": expected bun or deno`);
    Deno.exit(2);
  }
  const target = hostTarget();
  const binary = values.binary ?? join(ROOT, "dist", binaryName(findTarget(target)));
  if (!existsSync(binary)) {
    console.error(
      `error: No executable at "${binary}": run deno task compile --target ${target} first`,
    );
    Deno.exit(2);
  }
  mkdirSync(values.dir, { recursive: true });
  const dataDir = join(values.dir, `data-${values.records}`);
  const count = await buildExperiments(dataDir, Number(values.records));
  const hello = await helloWorld(values.dir, compiler, target);
  const empty = join(values.dir, "empty.ts");
  writeFileSync(empty, "");
  const deno = Deno.execPath();

  const pairs: Pair[] = [
    { label: "labos --version", command: [binary, "--version"], baseline: [hello], target: 1.5 },
    { label: "labos --help", command: [binary, "--help"], baseline: [hello], target: 1.5 },
    {
      label: `labos experiments list --limit 20 (${count} experiments)`,
      command: [binary, "--data-dir", dataDir, "experiments", "list", "--limit", "20"],
      baseline: [hello],
      target: 3,
    },
    {
      label: "deno run -A cli.ts --version",
      command: [deno, "run", "-A", join(ROOT, "cli.ts"), "--version"],
      baseline: [deno, "run", "-A", empty],
      target: 2,
    },
  ];
  console.log(
    `executable ${binary} against a hello world compiled by ${compiler}; ${values.runs} pairs each`,
  );
  console.log(
    `${"command".padEnd(58)} ${"median".padStart(8)} ${"baseline".padStart(9)} ${
      "ratio".padStart(6)
    }  target`,
  );
  for (const pair of pairs) {
    const result = await measure(pair, Number(values.runs));
    console.log(
      `${pair.label.padEnd(58)} ${result.command.toFixed(1).padStart(6)}ms ${
        result.baseline.toFixed(1).padStart(7)
      }ms ${result.ratio.toFixed(2).padStart(5)}×  ≤ ${pair.target}× ${
        result.ratio <= pair.target ? "ok" : "OVER"
      }`,
    );
  }
}
