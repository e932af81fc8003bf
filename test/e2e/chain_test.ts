/**
 * Issue 12, item 4 (chaining results): `labos datasets collect` gathers
 * fields of several jobs into a table dataset that feeds another module.
 * The README's "Chaining results" commands run here as written, with the
 * printed ids put in place of `job_…` and `ds_…`.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp } from "../../src/server/mod.ts";
import { GAS_CONSTANT_J_PER_MOL_K } from "../../src/modules/builtin/kinetics/_arrhenius.ts";

/** The README's block, verbatim; `job_…` and `ds_…` stand for the ids printed before. */
export const README_CHAIN = `\`\`\`sh
labos run kinetics.integrated-rate-law --input k_300K.json   # "temperatureK": 300 in each input
labos run kinetics.integrated-rate-law --input k_310K.json
labos run kinetics.integrated-rate-law --input k_320K.json
labos run kinetics.integrated-rate-law --input k_330K.json
labos datasets collect job_… job_… job_… job_… --field rateConstant --field input.temperatureK \\
  --title "Rate constants by temperature"
labos run kinetics.arrhenius --from-dataset ds_… --map temperaturesK=temperatureK \\
  --map rateConstants=rateConstant
labos datasets lineage ds_…
\`\`\``;

const EA_J_PER_MOL = 50_000;
const A_PER_S = 1e6;
const TEMPERATURES = [300, 310, 320, 330];
const TIMES_S = [0, 60, 120, 180, 240];

/** First-order decay at temperature T with k from the Arrhenius equation. */
function rateLawInput(temperatureK: number): Record<string, unknown> {
  const k = A_PER_S * Math.exp(-EA_J_PER_MOL / (GAS_CONSTANT_J_PER_MOL_K * temperatureK));
  return {
    timesS: TIMES_S,
    concentrationsM: TIMES_S.map((t) => 0.01 * Math.exp(-k * t)),
    order: 1,
    temperatureK,
  };
}

/** Splits one shell command line: words, double quotes, a trailing comment. */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"([^"]*)"|(#.*$)|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    if (match[2] !== undefined) break;
    out.push(match[1] ?? match[3]);
  }
  return out;
}

/** The README block's commands, continuation lines joined, without `labos`. */
function commands(block: string): string[][] {
  const body = block.replace(/^```sh\n/, "").replace(/```$/, "").replace(/\\\n\s*/g, "");
  return body.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [program, ...args] = words(line);
    assertEquals(program, "labos");
    return args;
  });
}

interface RunJson {
  job: { id: string; status: string; warnings?: string[] };
  dataset: { id: string } | null;
  output: Record<string, number> | null;
}

interface CollectedJson {
  id: string;
  title: string;
  kind: string;
  parentIds: string[];
  table: {
    columns: Array<{ name: string; type: string; unit?: string }>;
    rowCount: number;
    values: unknown[][];
  };
  collection: {
    fields: Array<{ path: string; column: string }>;
    jobs: Array<{ jobId: string; datasetId: string; module: string }>;
  };
}

async function rateLawJobs(dir: string, dataDir: string): Promise<RunJson[]> {
  const runs: RunJson[] = [];
  for (const temperature of TEMPERATURES) {
    await Deno.writeTextFile(
      `${dir}/k_${temperature}K.json`,
      JSON.stringify(rateLawInput(temperature)),
    );
    runs.push(
      await cliJson<RunJson>(
        [
          "--data-dir",
          dataDir,
          "run",
          "kinetics.integrated-rate-law",
          "--input",
          `k_${temperature}K.json`,
        ],
        { cwd: dir },
      ),
    );
  }
  return runs;
}

Deno.test("chain: the README's commands collect four rate-law jobs and fit Arrhenius on them", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = /#### Chaining results\n[\s\S]*?(```sh\n[\s\S]*?```)/.exec(readme);
  // The README carries this very block, so the two never drift.
  assertEquals(section?.[1], README_CHAIN);
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    for (const temperature of TEMPERATURES) {
      await Deno.writeTextFile(
        `${dir}/k_${temperature}K.json`,
        JSON.stringify(rateLawInput(temperature)),
      );
    }
    const jobIds: string[] = [];
    let datasetId = "";
    let arrhenius: RunJson | undefined;
    let lineage = "";
    for (const args of commands(README_CHAIN)) {
      let next = 0;
      const filled = args.map((arg) =>
        arg === "job_…" ? jobIds[next++] : arg === "ds_…" ? datasetId : arg
      );
      if (filled[0] === "datasets" && filled[1] === "lineage") {
        lineage = await cliOk(["--data-dir", dataDir, ...filled], { cwd: dir });
        continue;
      }
      const result = await cliJson<RunJson & CollectedJson>(["--data-dir", dataDir, ...filled], {
        cwd: dir,
      });
      if (filled[0] === "run" && filled[1] === "kinetics.integrated-rate-law") {
        assertEquals(result.job.status, "succeeded");
        jobIds.push(result.job.id);
      } else if (filled[0] === "datasets") {
        datasetId = result.id;
        assertEquals(result.kind, "collected");
        assertEquals(result.table.columns, [
          { name: "rateConstant", type: "number" },
          { name: "temperatureK", type: "integer", unit: "K" },
        ]);
        assertEquals(result.table.values[1], TEMPERATURES);
        assertEquals(result.collection.jobs.map((job) => job.jobId), jobIds);
      } else {
        arrhenius = result;
      }
    }
    assert(arrhenius, "the Arrhenius run ran");
    assertEquals(arrhenius.job.status, "succeeded");
    assertEquals(arrhenius.job.warnings, undefined);
    const ea = arrhenius.output!.activationEnergyKJPerMol;
    assert(Math.abs(ea - 50) <= 1e-6 * 50, `Ea = ${ea} kJ/mol`);
    const a = arrhenius.output!.preExponentialFactor;
    assert(Math.abs(a - A_PER_S) <= 1e-6 * A_PER_S, `A = ${a}`);

    // Provenance: the table's parents are the jobs' outputs, and the Arrhenius job reads the table.
    const collected = await cliJson<CollectedJson>([
      "--data-dir",
      dataDir,
      "datasets",
      "show",
      datasetId,
    ]);
    const outputs = await Promise.all(
      jobIds.map((id) =>
        cliJson<{ outputDatasetId: string }>(["--data-dir", dataDir, "jobs", "show", id])
      ),
    );
    assertEquals(collected.parentIds, outputs.map((job) => job.outputDatasetId));
    assertEquals(collected.collection.fields, [
      { path: "rateConstant", column: "rateConstant" },
      { path: "input.temperatureK", column: "temperatureK" },
    ]);
    const shown = await cliOk(["--data-dir", dataDir, "datasets", "show", datasetId]);
    for (const id of jobIds) assertStringIncludes(shown, id);
    for (const id of [...jobIds, ...collected.parentIds]) assertStringIncludes(lineage, id);
    const arrheniusLineage = await cliJson<{ nodes: Array<{ id: string; kind: string }> }>([
      "--data-dir",
      dataDir,
      "datasets",
      "lineage",
      arrhenius.dataset!.id,
    ]);
    const nodeIds = arrheniusLineage.nodes.map((node) => node.id);
    for (const id of [datasetId, ...jobIds, ...collected.parentIds]) {
      assert(nodeIds.includes(id), `lineage lacks ${id}`);
    }

    const events = await cliJson<Array<{ action: string; details: { jobIds?: string[] } }>>([
      "--data-dir",
      dataDir,
      "audit",
      "list",
    ]);
    const event = events.find((e) => e.action === "dataset.collected");
    assertEquals(event?.details.jobIds, jobIds);
    assertEquals((await runCli(["--data-dir", dataDir, "doctor"])).code, 0);
    assertEquals((await runCli(["--data-dir", dataDir, "audit", "verify"])).code, 0);
  });
});

Deno.test("chain: collect refuses a missing field, a failed or unknown job, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const [first, second] = await rateLawJobs(dir, dataDir);
    await Deno.writeTextFile(
      `${dir}/rising.json`,
      JSON.stringify({ timesS: [0, 1, 2], concentrationsM: [1, 2, 3], order: 1 }),
    );
    const failed = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "kinetics.integrated-rate-law",
      "--input",
      `${dir}/rising.json`,
    ]);
    assertEquals(failed.code, 1);
    const failedId = (JSON.parse(failed.stdout) as RunJson).job.id;
    const before = await snapshotTree(dataDir);
    const collect = (...args: string[]) =>
      runCli(["--data-dir", dataDir, "datasets", "collect", ...args]);

    const misspelt = await collect(first.job.id, second.job.id, "--field", "rateconstant");
    assertEquals(misspelt.code, 2);
    assertStringIncludes(
      misspelt.stderr,
      `error: Cannot collect "rateconstant" from job "${first.job.id}" ` +
        `(kinetics.integrated-rate-law): output has no field "rateconstant" ` +
        `(did you mean "rateConstant"?)`,
    );
    const noInput = await collect(first.job.id, "--field", "input.temperature");
    assertEquals(noInput.code, 2);
    assertStringIncludes(noInput.stderr, `input has no field "temperature"`);
    assertStringIncludes(noInput.stderr, `(did you mean "temperatureK"?)`);

    const fromFailed = await collect(first.job.id, failedId, "--field", "rateConstant");
    assertEquals(fromFailed.code, 2);
    assertEquals(
      fromFailed.stderr.trim(),
      `error: Cannot collect from job "${failedId}": it failed; only succeeded jobs have results`,
    );
    const unknown = await collect(first.job.id, "job_nosuchjob", "--field", "rateConstant");
    assertEquals(unknown.code, 2);
    assertStringIncludes(unknown.stderr, "job_nosuchjob");

    assertEquals(await snapshotTree(dataDir), before);
    // Rate constants of different orders have different units: they cannot share a column.
    await Deno.writeTextFile(
      `${dir}/second.json`,
      JSON.stringify({ timesS: [0, 10, 20, 30], concentrationsM: [1, 0.5, 1 / 3, 0.25] }),
    );
    const secondOrder = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.integrated-rate-law",
      "--input",
      `${dir}/second.json`,
    ]);
    const mixedBefore = await snapshotTree(dataDir);
    const mixed = await collect(first.job.id, secondOrder.job.id, "--field", "rateConstant");
    assertEquals(mixed.code, 2);
    assertEquals(
      mixed.stderr.trim(),
      `error: Cannot collect "rateConstant": job "${first.job.id}" gives it in "1/s" and job ` +
        `"${secondOrder.job.id}" in "1/(M·s)"; one column takes one unit`,
    );
    assertEquals(await snapshotTree(dataDir), mixedBefore);

    const array = await collect(first.job.id, "--field", "fits");
    assertEquals(array.code, 2);
    assertStringIncludes(array.stderr, `it is an array, not one value; name one item, e.g. fits.0`);
    const twice = await collect(first.job.id, first.job.id, "--field", "rateConstant");
    assertEquals(twice.code, 2);
    assertStringIncludes(twice.stderr, "is given twice");
    const noField = await collect(first.job.id);
    assertEquals(noField.code, 2);
    assertStringIncludes(noField.stderr, `give at least one "--field"`);
    assertEquals(await snapshotTree(dataDir), mixedBefore);

    // A nested path and a renamed column.
    const nested = await cliJson<CollectedJson>([
      "--data-dir",
      dataDir,
      "datasets",
      "collect",
      first.job.id,
      second.job.id,
      "--field",
      "fits.2.rSquared=r2_order2",
      "--field",
      "input.timesS.1",
    ]);
    assertEquals(nested.table.columns, [
      { name: "r2_order2", type: "number", unit: "1" },
      { name: "1", type: "integer", unit: "s" },
    ]);
    assertEquals(nested.title, "Collected from 2 jobs");
  });
});

Deno.test("chain: --from-dataset on a module output points to datasets collect", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const [first] = await rateLawJobs(dir, dataDir);
    const refused = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.arrhenius",
      "--from-dataset",
      first.dataset!.id,
      "--map",
      "temperaturesK=temperatureK",
    ]);
    assertEquals(refused.code, 2);
    assertEquals(
      refused.stderr.trim(),
      `error: Cannot use dataset "${
        first.dataset!.id
      }" as input: it has no table (it is a module-output dataset); to feed module results to a ` +
        `module, collect them into a table first: labos datasets collect ${first.job.id} --field FIELD`,
    );
  });
});

Deno.test("chain: POST /api/v1/datasets/collect gives the table the CLI gives", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const runs = await rateLawJobs(dir, dataDir);
    const jobIds = runs.map((run) => run.job.id);
    const fields = ["rateConstant=k", "input.temperatureK=T"];
    const cli = await cliJson<CollectedJson>([
      "--data-dir",
      dataDir,
      "datasets",
      "collect",
      ...jobIds,
      ...fields.flatMap((field) => ["--field", field]),
      "--title",
      "k(T)",
    ]);
    const token = "chain-test-token-0123456789abcdef";
    const app = createApp({ lab: openLab({ dataDir, actor: "tester" }), token, port: 8321 });
    const post = async (body: unknown) => {
      const response = await app.request("http://127.0.0.1:8321/api/v1/datasets/collect", {
        method: "POST",
        headers: {
          host: "127.0.0.1:8321",
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    const api = await post({ jobIds, fields, title: "k(T)" });
    assertEquals(api.status, 201);
    const apiSet = api.body as CollectedJson & { title: string };
    assertEquals(apiSet.kind, "collected");
    assertEquals(apiSet.title, "k(T)");
    assertEquals(apiSet.table, cli.table);
    assertEquals(apiSet.collection, cli.collection);
    assertEquals(apiSet.parentIds, cli.parentIds);

    const refused = await post({ jobIds, fields: ["rateconstant"] });
    assertEquals(refused.status, 400);
    const cliRefused = await runCli([
      "--data-dir",
      dataDir,
      "datasets",
      "collect",
      ...jobIds,
      "--field",
      "rateconstant",
    ]);
    assertEquals(`error: ${refused.body.error.message}`, cliRefused.stderr.trim());
    const stray = await post({ jobIds, fields, titel: "x" });
    assertEquals(stray.status, 400);
  });
});
