/**
 * Issue 12, item 3 (tables into modules): `--map 'field[].name=column'`
 * fills lists of objects, blank cells and value errors name their CSV line
 * and column, `--skip-blank-rows` records what it skipped; and item 7's
 * decimal-comma hint.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, initLab, REPO_ROOT, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";

/**
 * The README's "Mapping tables into modules" commands, run verbatim below
 * (`ds_…` stands for the id the import prints).
 */
export const README_MAPPING = `\`\`\`sh
labos import assets/demo/calibration_standards.csv --units concentration_M=mol/L
labos run spectroscopy.beer-lambert --from-dataset ds_… \\
  --map 'standards[].concentrationM=concentration_M' \\
  --map 'standards[].absorbance=absorbance_590nm'
\`\`\``;

/** The same eight standards as assets/demo/calibration_standards.csv, written as a JSON input. */
const CALIBRATION_JSON = {
  standards: [
    { concentrationM: 0.0, absorbance: 0.0058 },
    { concentrationM: 2.0e-6, absorbance: 0.1735 },
    { concentrationM: 4.0e-6, absorbance: 0.3499 },
    { concentrationM: 6.0e-6, absorbance: 0.5217 },
    { concentrationM: 8.0e-6, absorbance: 0.6948 },
    { concentrationM: 1.0e-5, absorbance: 0.8710 },
    { concentrationM: 1.2e-5, absorbance: 1.0478 },
    { concentrationM: 1.5e-5, absorbance: 1.3096 },
  ],
};

interface RunJson {
  job: {
    id: string;
    status: string;
    input: Record<string, unknown>;
    inputHash: string;
    conversions?: Array<Record<string, unknown>>;
    warnings?: string[];
    mapping?: { skippedLines: number[] };
  };
  output: Record<string, unknown> | null;
}

/** Splits the README block into argument lists: one per `labos` command, quotes removed. */
function readmeCommands(block: string): string[][] {
  const body = block.replace(/^```sh\n|```$/g, "").replace(/\\\n\s*/g, "");
  return body.split("\n").filter((line) => line.startsWith("labos ")).map((line) =>
    [...line.slice("labos ".length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2])
  );
}

async function importFile(dataDir: string, file: string, extra: string[] = []): Promise<string> {
  return (await cliJson<{ id: string }>(["--data-dir", dataDir, "import", file, ...extra])).id;
}

function close(actual: unknown, expected: unknown, label: string): void {
  assert(
    typeof actual === "number" && typeof expected === "number" &&
      Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${label}: ${actual} against ${expected}`,
  );
}

Deno.test("tablemap: the README's commands feed the bundled calibration CSV to beer-lambert, as its JSON does", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const [importArgs, runArgs] = readmeCommands(README_MAPPING);
    const imported = await runCli(["--json", "--data-dir", dataDir, ...importArgs], {
      cwd: REPO_ROOT,
    });
    assertEquals(imported.code, 0, imported.stderr);
    const id = JSON.parse(imported.stdout).id as string;
    const mapped = await runCli([
      "--json",
      "--data-dir",
      dataDir,
      ...runArgs.map((arg) => arg === "ds_…" ? id : arg),
    ], { cwd: REPO_ROOT });
    assertEquals(mapped.code, 0, mapped.stderr);
    assertEquals(mapped.stderr, "", "no warning: the column's unit is the field's");
    const fromTable = JSON.parse(mapped.stdout) as RunJson;
    await Deno.writeTextFile(`${dir}/input.json`, JSON.stringify(CALIBRATION_JSON));
    const fromJson = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "spectroscopy.beer-lambert",
      "--input",
      `${dir}/input.json`,
    ]);
    assertEquals(fromTable.job.status, "succeeded");
    assertEquals(fromTable.job.input, fromJson.job.input);
    for (const key of ["molarAbsorptivity", "intercept", "rSquared", "residualStandardDeviation"]) {
      close(fromTable.output?.[key], fromJson.output?.[key], key);
    }
    // assets/demo/README.md: the standards give a slope of 8.71 × 10⁴ M⁻¹ in a 1 cm cell.
    const epsilon = fromTable.output?.molarAbsorptivity as number;
    assert(Math.abs(epsilon - 8.71e4) < 0.005 * 8.71e4, `ε = ${epsilon}`);
  });
});

Deno.test("tablemap: a blank cell exits 2 naming its CSV line and column, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    // Line 3 is blank in the file, so the empty absorbance is on CSV line 5.
    await Deno.writeTextFile(
      `${dir}/cal.csv`,
      "conc,A\n0,0.0058\n\n2e-6,0.1735\n4e-6,\n6e-6,0.5217\n",
    );
    const id = await importFile(dataDir, `${dir}/cal.csv`);
    const before = await snapshotTree(dataDir);
    const result = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "spectroscopy.beer-lambert",
      "--from-dataset",
      id,
      "--map",
      "standards[].concentrationM=conc",
      "--map",
      "standards[].absorbance=A",
    ]);
    assertEquals(result.code, 2, result.stderr);
    assertStringIncludes(
      result.stderr,
      'Cannot map column "A" to "standards[].absorbance": CSV line 5 is blank',
    );
    assertEquals(result.stderr.trim().split("\n").length, 1);
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("tablemap: --skip-blank-rows leaves out NA and empty rows and records their CSV lines", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(
      `${dir}/cal.csv`,
      "conc,A\n0,0.0058\n2e-6,NA\n4e-6,0.3499\n,0.4\n6e-6,0.5217\n8e-6,n/a\n",
    );
    const id = await importFile(dataDir, `${dir}/cal.csv`);
    const args = [
      "--data-dir",
      dataDir,
      "run",
      "spectroscopy.beer-lambert",
      "--from-dataset",
      id,
      "--map",
      "standards[].concentrationM=conc",
      "--map",
      "standards[].absorbance=A",
    ];
    const refused = await runCli(args);
    assertEquals(refused.code, 2);
    assertStringIncludes(refused.stderr, 'CSV line 3 is blank ("NA")');
    const run = await cliJson<RunJson>([...args, "--skip-blank-rows"]);
    assertEquals(run.job.status, "succeeded");
    assertEquals(run.job.mapping, { skippedLines: [3, 5, 7] });
    assertEquals(run.job.input.standards, [
      { concentrationM: 0, absorbance: 0.0058 },
      { concentrationM: 4e-6, absorbance: 0.3499 },
      { concentrationM: 6e-6, absorbance: 0.5217 },
    ]);
    const shown = await runCli(["--data-dir", dataDir, "jobs", "show", run.job.id]);
    assertStringIncludes(shown.stdout, "CSV lines 3, 5, 7");
  });
});

Deno.test("tablemap: a value error names the CSV line and column, not the array index", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/cal.csv`, "conc,A\n0,0.0058\n2e-6,0.1735\n-1,0.3499\n");
    await Deno.writeTextFile(`${dir}/k.csv`, "t,c\n0,0.01\n30,-0.006\n60,0.0037\n");
    const cal = await importFile(dataDir, `${dir}/cal.csv`);
    const objects = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "spectroscopy.beer-lambert",
      "--from-dataset",
      cal,
      "--map",
      "standards[].concentrationM=conc",
      "--map",
      "standards[].absorbance=A",
    ]);
    assertEquals(objects.code, 2, objects.stderr);
    assertEquals(
      objects.stderr.trim(),
      'error: Cannot run module "spectroscopy.beer-lambert": column "conc" at CSV line 4: "concentrationM" must be >= 0: current value is -1',
    );
    const kinetics = await importFile(dataDir, `${dir}/k.csv`);
    const flat = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.integrated-rate-law",
      "--from-dataset",
      kinetics,
      "--map",
      "timesS=t",
      "--map",
      "concentrationsM=c",
    ]);
    assertEquals(flat.code, 2, flat.stderr);
    assertStringIncludes(flat.stderr, 'column "c" at CSV line 3: "concentrationsM"');
    assert(!flat.stderr.includes("concentrationsM.1"), flat.stderr);
  });
});

Deno.test("tablemap: an unknown target exits 2 with a suggestion; units convert per sub-field", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/cal.csv`, "conc_uM,A\n0,0.0058\n2,0.1735\n4,0.3499\n");
    const id = await importFile(dataDir, `${dir}/cal.csv`, ["--units", "conc_uM=umol/L"]);
    const base = ["--data-dir", dataDir, "run", "spectroscopy.beer-lambert", "--from-dataset", id];
    const typo = await runCli([...base, "--map", "standards[].concentrationm=conc_uM"]);
    assertEquals(typo.code, 2);
    assertStringIncludes(typo.stderr, 'did you mean "standards[].concentrationM"?');
    const flatObjects = await runCli([...base, "--map", "standards=A"]);
    assertEquals(flatObjects.code, 2);
    assertStringIncludes(flatObjects.stderr, "standards[].concentrationM=A");
    const run = await cliJson<RunJson>([
      ...base,
      "--map",
      "standards[].concentrationM=conc_uM",
      "--map",
      "standards[].absorbance=A",
    ]);
    const standards = run.job.input.standards as Array<{ concentrationM: number }>;
    close(standards[2].concentrationM, 4e-6, "4 µmol/L in mol/L");
    assertEquals(run.job.conversions?.[0].field, "standards[].concentrationM");
    assertEquals(run.job.conversions?.[0].column, "conc_uM");
  });
});

Deno.test("tablemap: peak tables feed chromatography.peak-metrics and ms.neutral-losses", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const fixtures = `${REPO_ROOT}test/fixtures/tables`;
    const peaks = await importFile(dataDir, `${fixtures}/lemon_oil_peaks.csv`);
    const args = [
      "--data-dir",
      dataDir,
      "run",
      "chromatography.peak-metrics",
      "--from-dataset",
      peaks,
      "--map",
      "peaks[].name=compound",
      "--map",
      "peaks[].retentionTimeMin=tR_min",
      "--map",
      "peaks[].baseWidthMin=wb_min",
    ];
    const refused = await runCli(args);
    assertEquals(refused.code, 2);
    assertStringIncludes(
      refused.stderr,
      'Cannot map column "tR_min" to "peaks[].retentionTimeMin": CSV line 5 is blank ("n/a")',
    );
    const run = await cliJson<RunJson>([...args, "--skip-blank-rows"]);
    assertEquals(run.job.mapping, { skippedLines: [5] });
    const pairs = run.output?.pairs as Array<{ resolution: number }>;
    assertEquals(Math.round(pairs[0].resolution * 1000) / 1000, 1.475);
    const ms = await importFile(dataDir, `${fixtures}/acetone_ms.csv`);
    const losses = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "ms.neutral-losses",
      "--from-dataset",
      ms,
      "--map",
      "peaks[].mz=mz",
      "--map",
      "peaks[].intensity=intensity",
      "--param",
      "precursorMz=58",
    ]);
    assertEquals(losses.job.status, "succeeded");
    assertEquals((losses.output?.basePeak as { mz: number }).mz, 43);
  });
});

Deno.test("tablemap: a decimal-comma file imported without --decimal-comma is hinted, here and when mapped", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/eu.csv`, "t;c\n0;0,0100\n30;0,0061\n60;0,0037\n");
    const imported = await runCli(["--json", "--data-dir", dataDir, "import", `${dir}/eu.csv`]);
    assertEquals(imported.code, 0, imported.stderr);
    assertEquals(
      imported.stderr,
      'hint: the cells look like decimal commas ("0,0100"); use --decimal-comma\n',
    );
    const id = JSON.parse(imported.stdout).id as string;
    const mapped = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.integrated-rate-law",
      "--from-dataset",
      id,
      "--map",
      "timesS=t",
      "--map",
      "concentrationsM=c",
    ]);
    assertEquals(mapped.code, 2);
    assertStringIncludes(mapped.stderr, 'column "c" at CSV line 2');
    assertEquals(mapped.stderr.split("import the file with --decimal-comma").length, 2, "once");
    const right = await runCli([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/eu.csv`,
      "--decimal-comma",
    ]);
    assertEquals(right.stderr, "");
  });
});

Deno.test("tablemap: the API and the panel form map lists of objects and skip blank rows like the CLI; the panel hints decimal commas", async () => {
  await withTempDir(async (dir) => {
    const lab = openLab({ dataDir: `${dir}/data`, actor: "tester" });
    await lab.init();
    const dataset = await lab.importCsv({
      fileName: "cal.csv",
      bytes: new TextEncoder().encode("conc,A\n0,0.0058\n2e-6,\n4e-6,0.3499\n6e-6,0.5217\n"),
    });
    const token = "tablemap-test-token-0123456789abcdef";
    const app = createApp({ lab, token, port: 8323 });
    const request = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", "127.0.0.1:8323");
      return Promise.resolve(app.request(`http://127.0.0.1:8323${path}`, { ...init, headers }));
    };
    const map = ["standards[].concentrationM=conc", "standards[].absorbance=A"];
    const api = (body: unknown) =>
      request("/api/v1/runs", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const body = { module: "spectroscopy.beer-lambert", fromDataset: dataset.id, map };
    const refused = await api(body);
    assertEquals(refused.status, 400);
    assertStringIncludes(JSON.stringify(await refused.json()), "CSV line 3 is blank");
    const ran = await api({ ...body, skipBlankRows: true });
    assertEquals(ran.status, 201);
    const apiJob = (await ran.json()).job as RunJson["job"];
    assertEquals(apiJob.mapping, { skippedLines: [3] });

    const signIn = await request(`/?token=${token}`);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    const page =
      await (await request("/modules/spectroscopy.beer-lambert", { headers: { cookie } }))
        .text();
    assertStringIncludes(page, 'name="skipBlankRows"');
    const form = (extra: Record<string, string>) =>
      request("/modules/spectroscopy.beer-lambert/run", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({
          _csrf: csrfToken(token),
          fromDataset: dataset.id,
          map: map.join("\n"),
          ...extra,
        }).toString(),
      });
    const shown = await form({});
    assertEquals(shown.status, 400);
    assertStringIncludes(await shown.text(), "column &quot;A&quot; at CSV line 3 is blank");
    const posted = await form({ skipBlankRows: "on" });
    assertEquals(posted.status, 303);
    const jobId = (posted.headers.get("location") ?? "").split("/").pop() ?? "";
    const formJob = await lab.getJob(jobId);
    assertEquals(formJob.mapping, { skippedLines: [3] });
    assertEquals(formJob.inputHash, apiJob.inputHash);
    const jobPage = await (await request(`/jobs/${jobId}`, { headers: { cookie } })).text();
    assertStringIncludes(jobPage, "CSV lines 3");
    const european = await lab.importCsv({
      fileName: "eu.csv",
      bytes: new TextEncoder().encode("t;c\n0;0,0100\n30;0,0061\n"),
    });
    const europeanPage = await (await request(`/datasets/${european.id}`, { headers: { cookie } }))
      .text();
    assertStringIncludes(europeanPage, "the cells look like decimal commas");
    const plainPage = await (await request(`/datasets/${dataset.id}`, { headers: { cookie } }))
      .text();
    assert(!plainPage.includes("decimal commas"));
  });
});

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const README_SECTION = /#+ Mapping tables into modules\n[\s\S]*?(```sh\n[\s\S]*?```)/.exec(README);

Deno.test({
  name: "tablemap: the README's mapping block is the one this test runs",
  fn() {
    assertEquals(README_SECTION?.[1], README_MAPPING);
  },
});
