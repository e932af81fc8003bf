import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";

interface RunJson {
  job: {
    id: string;
    status: string;
    module: string;
    moduleVersion: string;
    inputHash: string;
    experimentId: string | null;
    retryOf: string | null;
    outputDatasetId: string | null;
    labosVersion: string;
    createdBy: string;
    error: { message: string } | null;
  };
  dataset: {
    id: string;
    parentIds: string[];
    provenance: { jobId: string; module: string; moduleVersion: string; inputHash: string };
  } | null;
  output: Record<string, unknown> | null;
}

Deno.test("run records a job, an output dataset with provenance, and audit events", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const result = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=100",
      "--param",
      "deltaTK=6.5",
      "--param",
      "amountMol=0.05",
    ]);
    assertEquals(result.job.status, "succeeded");
    assertEquals(result.job.module, "thermo.calorimetry");
    assertEquals(result.job.labosVersion, "0.1.0");
    assertEquals(result.job.createdBy, "tester");
    assertMatch(result.job.inputHash, /^[0-9a-f]{64}$/);
    // q = m·c·ΔT = 100 g × 4.184 J/(g·K) × 6.5 K = 2719.6 J; ΔH = −q/n = −54.392 kJ/mol.
    assertEquals(result.output?.heatJ, 2719.6);
    assertEquals(result.dataset?.provenance.jobId, result.job.id);
    assertEquals(result.dataset?.provenance.inputHash, result.job.inputHash);
    assertEquals(result.job.outputDatasetId, result.dataset?.id);

    const events = await cliJson<Array<{ action: string; details: Record<string, unknown> }>>([
      "--data-dir",
      dataDir,
      "audit",
      "list",
      "--limit",
      "10",
    ]);
    assertEquals(events.slice(0, 4).map((e) => e.action).reverse(), [
      "job.queued",
      "job.started",
      "job.succeeded",
      "dataset.created",
    ]);
    const check = await runCli(["--data-dir", dataDir, "jobs", "rerun", result.job.id, "--check"]);
    assertEquals(check.code, 0, check.stderr);
    assertStringIncludes(check.stdout, "byte-identical");
    assertEquals((await runCli(["--data-dir", dataDir, "doctor"])).code, 0);
  });
});

Deno.test("an invalid input exits 2, names every bad field and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const before = await snapshotTree(dataDir);
    const result = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=-3",
    ]);
    assertEquals(result.code, 2);
    assertEquals(result.stderr.trimEnd().split("\n").length, 1);
    assertStringIncludes(
      result.stderr,
      'Cannot run module "thermo.calorimetry": "massG" must be > 0: current value is -3',
    );
    for (
      const args of [
        ["run", "nope.module"],
        ["run", "thermo.calorimetry", "--param", "massG"],
        ["run", "thermo.calorimetry", "--input", `${dir}/missing.json`],
        [
          "run",
          "thermo.calorimetry",
          "--param",
          "massG=1",
          "--experiment",
          "exp_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        ],
        [
          "run",
          "kinetics.arrhenius",
          "--param",
          "temperaturesK=[300]",
          "--param",
          "rateConstants=[1]",
        ],
      ]
    ) {
      const bad = await runCli(["--data-dir", dataDir, ...args]);
      assertEquals(bad.code, 2, `${args.join(" ")}: ${bad.stderr}`);
      assertEquals(bad.stderr.trimEnd().split("\n").length, 1, bad.stderr);
    }
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("a module failure records a failed job and exits 1; retry links by retryOf", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const failed = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "kinetics.arrhenius",
      "--param",
      "temperaturesK=[300,300,300]",
      "--param",
      "rateConstants=[1,2,3]",
    ]);
    assertEquals(failed.code, 1, failed.stderr);
    const result = JSON.parse(failed.stdout) as RunJson;
    assertEquals(result.job.status, "failed");
    assert(result.job.error?.message, "the error is recorded");
    assertEquals(result.dataset, null);
    const retry = await runCli(["--data-dir", dataDir, "--json", "jobs", "retry", result.job.id]);
    assertEquals(retry.code, 1);
    assertEquals((JSON.parse(retry.stdout) as RunJson).job.retryOf, result.job.id);
    const jobs = await cliJson<Array<{ id: string }>>([
      "--data-dir",
      dataDir,
      "jobs",
      "list",
      "--status",
      "failed",
    ]);
    assertEquals(jobs.length, 2);
  });
});

Deno.test("runs link to experiments: a draft moves to running, a completed one is refused", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const exp = await cliJson<{ id: string }>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "Beer-Lambert",
    ]);
    const input = JSON.stringify({
      standards: [
        { concentrationM: 1e-5, absorbance: 0.1 },
        { concentrationM: 2e-5, absorbance: 0.2 },
        { concentrationM: 4e-5, absorbance: 0.4 },
      ],
      unknownAbsorbances: [0.3],
    });
    const run = await cliJson<RunJson>(
      [
        "--data-dir",
        dataDir,
        "run",
        "spectroscopy.beer-lambert",
        "--input",
        "-",
        "--experiment",
        exp.id,
      ],
      { stdin: input },
    );
    const linked = await cliJson<{ status: string; jobIds: string[]; datasetIds: string[] }>([
      "--data-dir",
      dataDir,
      "experiments",
      "show",
      exp.id,
    ]);
    assertEquals(linked.status, "running");
    assertEquals(linked.jobIds, [run.job.id]);
    assertEquals(linked.datasetIds, [run.dataset?.id]);
    await cliOk([
      "--data-dir",
      dataDir,
      "experiments",
      "transition",
      exp.id,
      "completed",
      "--reason",
      "done",
    ]);
    const refused = await runCli(
      [
        "--data-dir",
        dataDir,
        "run",
        "spectroscopy.beer-lambert",
        "--input",
        "-",
        "--experiment",
        exp.id,
      ],
      { stdin: input },
    );
    assertEquals(refused.code, 2);
    assertStringIncludes(refused.stderr, '"completed"');
    assertEquals((await runCli(["--data-dir", dataDir, "doctor"])).code, 0);
  });
});

Deno.test("import a CSV, run a module from its columns, and trace the lineage", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(
      `${dir}/decay.csv`,
      "\uFEFFtime_s;conc_M\n0;0,0100\n60;0,0050\n120;0,0025\n180;0,00125\n",
    );
    const dataset = await cliJson<{ id: string; source: { fileName: string; sha256: string } }>([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/decay.csv`,
      "--decimal-comma",
      "--units",
      "time_s=s",
    ]);
    assertEquals(dataset.source.fileName, "decay.csv");
    const run = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.integrated-rate-law",
      "--from-dataset",
      dataset.id,
      "--map",
      "timesS=time_s",
      "--map",
      "concentrationsM=conc_M",
      "--plot",
      `${dir}/fit.svg`,
    ]);
    assertEquals(run.output?.order, 1);
    // Half-life 60 s by construction: k = ln 2 / 60 s.
    assert(Math.abs((run.output?.rateConstant as number) - Math.LN2 / 60) < 1e-9);
    assertEquals(run.dataset?.parentIds, [dataset.id]);
    assertStringIncludes(await Deno.readTextFile(`${dir}/fit.svg`), "<svg");
    const lineage = await cliOk(["--data-dir", dataDir, "datasets", "lineage", run.dataset!.id]);
    assertStringIncludes(lineage, run.job.id);
    assertStringIncludes(lineage, dataset.id);
    assertStringIncludes(lineage, "decay.csv");

    await Deno.writeTextFile(`${dir}/bad.csv`, 'a,b\n1,2\n3,"4\n');
    const before = await snapshotTree(dataDir);
    const bad = await runCli(["--data-dir", dataDir, "import", `${dir}/bad.csv`]);
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /line 3/);
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("a batch runs one job per line and prints a summary", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const lines = Array.from(
      { length: 25 },
      (_, i) => JSON.stringify({ massG: 50 + i, deltaTK: 2 + i / 10 }),
    );
    await Deno.writeTextFile(`${dir}/batch.jsonl`, lines.join("\n") + "\n");
    const out = await cliOk([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--batch",
      `${dir}/batch.jsonl`,
    ]);
    assertMatch(out, /25 jobs: 25 succeeded, 0 failed/);
    await Deno.writeTextFile(`${dir}/bad.jsonl`, lines[0] + '\n{"massG": 0}\n');
    const before = await snapshotTree(dataDir);
    const bad = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--batch",
      `${dir}/bad.jsonl`,
    ]);
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /Batch line 2: .*"massG" must be > 0/);
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("modules list and show describe the catalogue with input JSON Schemas", async () => {
  const list = await cliJson<Array<{ key: string; source: string }>>(["modules", "list"]);
  assertEquals(list.map((m) => m.key), [
    "chromatography.peak-metrics",
    "chromatography.van-deemter",
    "kinetics.arrhenius",
    "kinetics.integrated-rate-law",
    "ms.isotope-pattern",
    "ms.neutral-losses",
    "spectroscopy.beer-lambert",
    "thermo.calorimetry",
    "thermo.calorimetry-curve",
  ]);
  const show = await cliJson<
    { inputSchema: { properties: Record<string, unknown> }; citations: string[] }
  >([
    "modules",
    "show",
    "ms.isotope-pattern",
  ]);
  assert("formula" in show.inputSchema.properties);
  assert(show.citations.length > 0);
});
