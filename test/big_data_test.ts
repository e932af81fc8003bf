/**
 * Issue 13, items 1 and 2: big inputs run and draw without overflowing the
 * stack, and the exit code, the printed JSON and the recorded job agree.
 *
 * @module
 */
import * as z from "zod";
import { bigInput, FIT_MODULES } from "../bench/_module_inputs.ts";
import { defineModule, ModuleError, ModuleRegistry } from "../module.ts";
import { BUILTIN_MODULES } from "../src/modules/builtin/mod.ts";
import { LabosError } from "../src/errors.ts";
import { openLab, showOutput } from "../src/service/mod.ts";
import { hashJson, sha256Hex } from "../src/records/mod.ts";
import { renderPlotSvg } from "../src/plots/mod.ts";
import { executeRun, plotOf, prepareRun } from "../src/runs/mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./_assert.ts";
import { initLab, runCli, withTempDir } from "./_cli.ts";

const POINTS = 200_000;

for (const key of FIT_MODULES) {
  Deno.test(`item 1: ${key} runs and draws ${POINTS} points`, async () => {
    const module = BUILTIN_MODULES.find((m) => m.key === key)!;
    const registered = { module, source: "builtin" };
    const prepared = prepareRun(registered, bigInput(key, POINTS));
    const outcome = await executeRun(prepared);
    assertEquals(outcome.status, "succeeded", JSON.stringify(outcome).slice(0, 500));
    const spec = plotOf(
      registered,
      prepared.input,
      outcome.status === "succeeded" && outcome.output,
    );
    assert(spec, `${key} draws a plot`);
    const svg = renderPlotSvg(spec);
    // Decimated for drawing: a few thousand markers, and the plot says so.
    assert(svg.length < 3_000_000, `${key}: the SVG has ${svg.length} characters`);
    assertMatch(svg, /class="decimation"[^>]*>Drawn with [\d,]+ of 200,000 points/);
    assertStringIncludes(svg, "the results use every point");
  });
}

Deno.test("item 1: decimation keeps each run's extremes and the full axis range", () => {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < 100_000; i++) points.push([i, i === 54_321 ? 1000 : Math.sin(i / 1000)]);
  const svg = renderPlotSvg({
    title: "Big",
    xLabel: "x",
    yLabel: "y",
    series: [{ kind: "points", name: "data", points }],
  });
  const path = /class="series points"[^>]* d="([^"]*)"/.exec(svg)![1];
  const markers = path.match(/M/g)!.length;
  assert(markers <= 10_000 && markers >= 5000, `${markers} markers`);
  // The x axis reaches the last point and the y axis the single spike.
  assertStringIncludes(svg, "X axis x from -4000 to 104000; y axis y from -41.04 to 1040.");
  assertStringIncludes(svg, "Drawn with 10,000 of 100,000 points of");
});

interface RunJson {
  job: {
    id: string;
    status: string;
    input: unknown;
    inputHash: string;
    inputOmitted?: { bytes: number };
    error: { message: string; detail?: string; stack?: string } | null;
  };
  dataset: { id: string } | null;
}

Deno.test("item 2: a plot that cannot be written after a recorded success warns and exits 0", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const args = ["--data-dir", dataDir, "--json", "run", "kinetics.arrhenius"];
    const params = ["--param", "temperaturesK=[650,700,750]", "--param", "rateConstants=[1,7,30]"];
    // The folder of the plot file does not exist: the SVG cannot be written.
    const result = await runCli([...args, ...params, "--plot", "no/such/folder/plot.svg"], {
      cwd: dir,
    });
    assertEquals(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as RunJson;
    assertEquals(printed.job.status, "succeeded");
    assertMatch(
      result.stderr,
      /^warning: job job_\w+ succeeded, but its plot could not be written to "no\/such\/folder\/plot\.svg": [^\n]+\n$/,
    );
    const shown = await runCli(["--data-dir", dataDir, "--json", "jobs", "show", printed.job.id]);
    assertEquals(JSON.parse(shown.stdout).status, "succeeded");
  });
});

function failing(key: string, run: () => never) {
  return defineModule({
    key,
    version: "1.0.0",
    title: "Failing",
    domain: "test",
    summary: "Fails",
    method: "Throws",
    citations: [],
    limitations: [],
    learnerNotes: [],
    examples: [],
    input: z.object({ values: z.array(z.number()).optional() }),
    output: z.object({}),
    run,
  });
}

Deno.test("item 2: a failed job stores a one-line reason and a capped detail, a stack only with LABOS_DEBUG=1", async () => {
  const registry = new ModuleRegistry();
  registry.register(failing("test.deep", () => {
    throw new Error(`Deep failure\n${"context ".repeat(1500)}`);
  }));
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester", modules: registry });
    await lab.init();
    const plain = await lab.run({ module: "test.deep", input: {} });
    const error = (await lab.getJob(plain.job.id)).error!;
    assertEquals(error.message, "Unexpected error in module: Deep failure");
    assert(error.detail!.length <= 8 * 1024 + 40, `${error.detail!.length} characters`);
    assertEquals(error.stack, undefined);
    assert(!JSON.stringify(error).includes("    at "), "no stack frame is stored");
    Deno.env.set("LABOS_DEBUG", "1");
    try {
      const debug = await lab.run({ module: "test.deep", input: {} });
      assertMatch((await lab.getJob(debug.job.id)).error!.stack ?? "", /\n\s+at /);
    } finally {
      Deno.env.delete("LABOS_DEBUG");
    }
  });
});

Deno.test("item 2: a failed job keeps a large input by hash and size only, and cannot be retried", async () => {
  const registry = new ModuleRegistry();
  registry.register(failing("test.big", () => {
    throw new ModuleError("Cannot fit: all values are equal");
  }));
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester", modules: registry });
    await lab.init();
    const values = Array.from({ length: 100_000 }, (_, i) => 1.2345678901234 + i);
    const big = await lab.run({ module: "test.big", input: { values } });
    const job = await lab.getJob(big.job.id);
    assertEquals(job.status, "failed");
    assert(job.input === null, "the input is not stored inline");
    const bytes = JSON.stringify({ values }).length;
    assertEquals(job.inputOmitted, { bytes });
    assertEquals(job.inputHash.length, 64);
    const file = await Deno.stat(`${dir}/data/jobs/${job.id}.json`);
    assert(file.size < 10_000, `the job record takes ${file.size} bytes`);
    const error = await assertRejects(
      () => lab.retryJob(job.id),
      /^Cannot retry job "job_\w+": it failed, so its [\d.]+ MiB input/,
    );
    assert(error instanceof LabosError && error.kind === "conflict");
    // A small input is kept inline, so the job can be retried.
    const small = await lab.run({ module: "test.big", input: { values: [1, 2] } });
    assertEquals((await lab.getJob(small.job.id)).input, { values: [1, 2] });
    assertEquals((await lab.retryJob(small.job.id)).job.status, "failed");
  });
});

Deno.test("item 1: an output with 200,000 numbers is shown without spreading them", async () => {
  const values = Array.from({ length: 200_000 }, (_, i) => i / 3);
  const shown = await showOutput({ values });
  assertEquals((shown as { values: string[] }).values.length, 200_000);
});

Deno.test("item 1: a large run's job record is its canonical JSON, written in chunks, with no staged file left", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const input = bigInput("kinetics.arrhenius", 50_000);
    const result = await lab.run({ module: "kinetics.arrhenius", input });
    assertEquals(result.job.status, "succeeded");
    const job = await lab.getJob(result.job.id);
    assertEquals(job.input, JSON.parse(JSON.stringify(input)));
    const file = `${dir}/data/jobs/${job.id}.json`;
    const text = await Deno.readTextFile(file);
    assert(text.length > 1024 * 1024, `the job record takes ${text.length} characters`);
    assertEquals(sha256Hex(text.slice(0, -1)), hashJson(job));
    const names = [...Deno.readDirSync(`${dir}/data/jobs`)].map((entry) => entry.name);
    assertEquals(names, [`${job.id}.json`], "no staged file is left behind");
  });
});

/** Hashes of 3,000-point runs recorded by LabOS before the fast paths of round 2 (cc7a48c). */
const RECORDED_HASHES: Record<string, { input: string; bytes: number; output: string }> = {
  "kinetics.integrated-rate-law": {
    input: "5c49d30f782bd240b543270ccf73cb21449c13ce9fb0fcf41ff650e4eb3e04c0",
    bytes: 115475,
    output: "06a4a9bc339122f99ed7e3dc8777adaf8646dd50cb4131bd2c4cfaab0ee22f1a",
  },
  "kinetics.arrhenius": {
    input: "5dacf06152e812459ed207d4d4a8dbd235891900208de7e1d07c3935bc92a5a4",
    bytes: 109775,
    output: "72f9f99492ac06cd16fb78af34504b8d14e746812b7aa92e307c24e6bf3e00cd",
  },
  "chromatography.van-deemter": {
    input: "dbad0d06dc1c16feb791f18f5522e912364a312e2d8549fb176ea79f8c9e17a2",
    bytes: 109709,
    output: "59212cb0aa9178f42ef3076747d8b4c26a8c97607ba10c49a1f89423d14a98a4",
  },
  "spectroscopy.beer-lambert": {
    input: "9f97c13ff17002f0c33a7b4bf801a6d66dfffef4e5073d353f7f7c03c0bc7bb4",
    bytes: 223163,
    output: "99df958e6032f769cf17ad8a86e7ea018a7a220fb6960ffc32b8c515b0ba9ecf",
  },
  "chromatography.peak-metrics": {
    input: "b5502a1b8ca282e5df8c31e1bdb4218f4ae3e30389f880338272ff8d5211d9a7",
    bytes: 270518,
    output: "0ca25287288be49dea590612ed3369c288691e16f7f2a4522ff71e4ba671961e",
  },
};

Deno.test("item 1: long inputs hash and compute exactly as recorded before the fast paths", async () => {
  for (const key of FIT_MODULES) {
    const module = BUILTIN_MODULES.find((m) => m.key === key)!;
    const prepared = prepareRun({ module, source: "builtin" }, bigInput(key, 3000));
    const outcome = await executeRun(prepared);
    assertEquals(outcome.status, "succeeded", key);
    const recorded = RECORDED_HASHES[key];
    assertEquals(
      [
        prepared.inputHash,
        prepared.inputBytes,
        outcome.status === "succeeded" && outcome.outputHash,
      ],
      [recorded.input, recorded.bytes, recorded.output],
      key,
    );
  }
});

Deno.test("item 1: a Beer-Lambert run from a large --input file records what a run in-process does", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    // Over a MiB of input (its file's memory is reused for the canonical text) and
    // over 1,024 standards (checked by a loop, not copied).
    const input = bigInput("spectroscopy.beer-lambert", 40_000);
    const file = `${dir}/input.json`;
    await Deno.writeTextFile(file, JSON.stringify(input, null, 1));
    assert((await Deno.stat(file)).size > 2 * 1024 * 1024);
    const result = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "spectroscopy.beer-lambert",
      "--input",
      file,
    ]);
    assertEquals(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { job: { id: string } };
    const module = BUILTIN_MODULES.find((m) => m.key === "spectroscopy.beer-lambert")!;
    const prepared = prepareRun({ module, source: "builtin" }, input);
    const outcome = await executeRun(prepared);
    const lab = openLab({ dataDir, actor: "tester" });
    const job = await lab.getJob(printed.job.id);
    assertEquals(job.inputHash, prepared.inputHash);
    assertEquals(job.outputHash, outcome.status === "succeeded" ? outcome.outputHash : "");
    assertEquals(job.input, prepared.input);
    const text = await Deno.readTextFile(`${dataDir}/jobs/${job.id}.json`);
    assertEquals(sha256Hex(text.slice(0, -1)), hashJson(job));
  });
});
