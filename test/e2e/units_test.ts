/**
 * Issue 12, item 2 (units): dataset columns and `--param` values carry
 * units, which are converted into the units the module's fields declare.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";

interface Conversion {
  field: string;
  column?: string;
  from: string;
  to: string;
  factor: number;
  offset?: number;
}

interface RunJson {
  job: { id: string; status: string; conversions?: Conversion[]; warnings?: string[] };
  output: Record<string, unknown> | null;
}

// First-order decay, k = 1/60 s⁻¹ (to three figures), written twice: once in
// seconds and mol/L, once in minutes and mmol/L.
const SECONDS_MOLAR = "t_s,conc_M\n0,0.0100\n30,0.00607\n60,0.00368\n90,0.00223\n120,0.00135\n";
const MINUTES_MILLIMOLAR = "t_min,conc_mM,T_C,plain\n0,10.0,20,0\n0.5,6.07,21,30\n" +
  "1,3.68,22,60\n1.5,2.23,23,90\n2,1.35,24,120\n";

async function importCsv(
  dataDir: string,
  options: { file: string; units: string[] },
): Promise<string> {
  const dataset = await cliJson<{ id: string }>([
    "--data-dir",
    dataDir,
    "import",
    options.file,
    ...options.units.flatMap((unit) => ["--units", unit]),
  ]);
  return dataset.id;
}

function rateLaw(dataDir: string, dataset: string, map: string[]): string[] {
  return [
    "--data-dir",
    dataDir,
    "run",
    "kinetics.integrated-rate-law",
    "--from-dataset",
    dataset,
    ...map.flatMap((entry) => ["--map", entry]),
  ];
}

Deno.test("units: the same kinetics data in s and mol/L and in min and mmol/L give one k in 1/s", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/seconds.csv`, SECONDS_MOLAR);
    await Deno.writeTextFile(`${dir}/minutes.csv`, MINUTES_MILLIMOLAR);
    const seconds = await importCsv(dataDir, {
      file: `${dir}/seconds.csv`,
      units: ["t_s=s", "conc_M=M"],
    });
    const minutes = await importCsv(dataDir, {
      file: `${dir}/minutes.csv`,
      units: ["t_min=min", "conc_mM=mM"],
    });
    const a = await cliJson<RunJson>(
      rateLaw(dataDir, seconds, ["timesS=t_s", "concentrationsM=conc_M"]),
    );
    const b = await cliJson<RunJson>(
      rateLaw(dataDir, minutes, ["timesS=t_min", "concentrationsM=conc_mM"]),
    );
    const ka = a.output?.rateConstant as number;
    const kb = b.output?.rateConstant as number;
    assertEquals(a.output?.rateConstantUnit, "1/s");
    assert(Math.abs(ka - 1 / 60) < 0.01 / 60, `k = ${ka}`);
    assert(Math.abs(kb - ka) <= 1e-12 * Math.abs(ka), `${kb} against ${ka}`);

    // Units that need no conversion (M is mol/L) are checked but not recorded.
    assertEquals(a.job.conversions, undefined);
    const expected: Conversion[] = [
      { field: "timesS", column: "t_min", from: "min", to: "s", factor: 60 },
      { field: "concentrationsM", column: "conc_mM", from: "mmol/L", to: "mol/L", factor: 0.001 },
    ];
    assertEquals(b.job.conversions, expected);
    const stored = await cliJson<{ conversions?: Conversion[] }>([
      "--data-dir",
      dataDir,
      "jobs",
      "show",
      b.job.id,
    ]);
    assertEquals(stored.conversions, expected);
    assertEquals((await runCli(["--data-dir", dataDir, "doctor"])).code, 0);
  });
});

Deno.test("units: import records each column's unit as its UCUM code and refuses an unknown one", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/minutes.csv`, MINUTES_MILLIMOLAR);
    const dataset = await cliJson<{ table: { columns: Array<{ name: string; unit?: string }> } }>([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/minutes.csv`,
      "--units",
      "conc_mM=mM",
      "--units",
      "T_C=°C",
    ]);
    assertEquals(
      dataset.table.columns.map((column) => column.unit),
      [undefined, "mmol/L", "Cel", undefined],
    );
    const before = await snapshotTree(dataDir);
    const refused = await runCli([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/minutes.csv`,
      "--units",
      "t_min=minutes please",
    ]);
    assertEquals(refused.code, 2);
    assertEquals(
      refused.stderr.trim(),
      'error: Invalid "--units" "t_min=minutes please": "minutes please" is not a UCUM unit, ' +
        'such as "s", "min", "mmol/L" or "Cel"',
    );
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("units: a header such as time (min) gives the column its unit", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/seconds.csv`, SECONDS_MOLAR);
    const headed = MINUTES_MILLIMOLAR.replace(
      "t_min,conc_mM,T_C,plain",
      "time (min),conc [mM],T (°C),A (590 nm)",
    );
    await Deno.writeTextFile(`${dir}/headed.csv`, headed);
    const seconds = await importCsv(dataDir, {
      file: `${dir}/seconds.csv`,
      units: ["t_s=s", "conc_M=M"],
    });
    const dataset = await cliJson<{
      id: string;
      table: { columns: Array<{ name: string; unit?: string; header?: string }> };
    }>(["--data-dir", dataDir, "import", `${dir}/headed.csv`]);
    assertEquals(dataset.table.columns.map((c) => [c.name, c.unit, c.header]), [
      ["time", "min", "time (min)"],
      ["conc", "mmol/L", "conc [mM]"],
      ["T", "Cel", "T (°C)"],
      ["A (590 nm)", undefined, undefined],
    ]);
    const a = await cliJson<RunJson>(
      rateLaw(dataDir, seconds, ["timesS=t_s", "concentrationsM=conc_M"]),
    );
    const b = await cliJson<RunJson>(
      rateLaw(dataDir, dataset.id, ["timesS=time", "concentrationsM=conc"]),
    );
    const ka = a.output?.rateConstant as number;
    const kb = b.output?.rateConstant as number;
    assertEquals(b.output?.rateConstantUnit, "1/s");
    assert(Math.abs(kb - ka) <= 1e-12 * Math.abs(ka), `${kb} against ${ka}`);
    assertEquals(b.job.conversions?.map((c) => [c.column, c.from, c.to]), [
      ["time", "min", "s"],
      ["conc", "mmol/L", "mol/L"],
    ]);

    // --units wins over the header, by name or by the header as written.
    const overridden = await cliJson<{ table: { columns: Array<{ unit?: string }> } }>([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/headed.csv`,
      "--units",
      "time=s",
      "--units",
      "conc [mM]=M",
    ]);
    assertEquals(overridden.table.columns.map((c) => c.unit), ["s", "mol/L", "Cel", undefined]);

    await Deno.writeTextFile(
      `${dir}/bad.csv`,
      headed.replace("time (min)", "time (minutes please)"),
    );
    const before = await snapshotTree(dataDir);
    const refused = await runCli(["--data-dir", dataDir, "import", `${dir}/bad.csv`]);
    assertEquals(refused.code, 2);
    assertEquals(
      refused.stderr.trim(),
      'error: Cannot import "bad.csv": column "time (minutes please)": ' +
        '"minutes please" is not a UCUM unit, such as "s", "min", "mmol/L" or "Cel"; ' +
        'give the column\'s unit with "--units"',
    );
    assertEquals(await snapshotTree(dataDir), before);
    await Deno.writeTextFile(`${dir}/twice.csv`, "time (s),time [min]\n0,0\n60,1\n");
    const twice = await runCli(["--data-dir", dataDir, "import", `${dir}/twice.csv`]);
    assertEquals(twice.code, 2);
    assertStringIncludes(
      twice.stderr,
      'column 2 "time [min]" repeats the name "time" of column 1 "time (s)"',
    );
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("units: Cel mapped to a concentration exits 2 naming both units and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/minutes.csv`, MINUTES_MILLIMOLAR);
    const dataset = await importCsv(dataDir, {
      file: `${dir}/minutes.csv`,
      units: ["t_min=min", "conc_mM=mM", "T_C=°C"],
    });
    const before = await snapshotTree(dataDir);
    const refused = await runCli(
      rateLaw(dataDir, dataset, ["timesS=t_min", "concentrationsM=T_C"]),
    );
    assertEquals(refused.code, 2);
    assertEquals(
      refused.stderr.trim(),
      'error: Cannot map column "T_C" (unit "Cel") to "concentrationsM" (unit "mol/L"): ' +
        "the dimensions differ",
    );
    assertEquals(await snapshotTree(dataDir), before);
  });
});

Deno.test("units: a column without a unit is taken as it is, with a warning printed and kept on the job", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/minutes.csv`, MINUTES_MILLIMOLAR);
    const dataset = await importCsv(dataDir, {
      file: `${dir}/minutes.csv`,
      units: ["conc_mM=mM"],
    });
    const run = await runCli([
      "--json",
      ...rateLaw(dataDir, dataset, ["timesS=plain", "concentrationsM=conc_mM"]),
    ]);
    assertEquals(run.code, 0);
    const warning =
      'Column "plain" has no unit: its values are taken to be in "s", the unit of "timesS"';
    assertEquals(run.stderr, `warning: ${warning}\n`);
    const result = JSON.parse(run.stdout) as RunJson;
    assertEquals(result.job.warnings, [warning]);
    assertEquals((result.job.conversions ?? []).map((c) => c.field), ["concentrationsM"]);
  });
});

Deno.test("units: --param takes a value with a unit; an absolute temperature shifts, a difference does not", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const run = (params: string[]) =>
      cliJson<RunJson>([
        "--data-dir",
        dataDir,
        "run",
        "thermo.calorimetry",
        ...params.flatMap((param) => ["--param", param]),
      ]);
    const plain = await run(["massG=100", "initialTempC=20", "finalTempC=26.5"]);
    const withUnits = await run([
      "massG=0.1 kg",
      "initialTempC=293.15 K",
      "finalTempC=299.65 K",
    ]);
    assertEquals(withUnits.job.conversions, [
      { field: "massG", from: "kg", to: "g", factor: 1000 },
      { field: "initialTempC", from: "K", to: "Cel", factor: 1, offset: -273.15 },
      { field: "finalTempC", from: "K", to: "Cel", factor: 1, offset: -273.15 },
    ]);
    const heat = (result: RunJson) => result.output?.heatJ as number;
    assert(Math.abs(heat(withUnits) - heat(plain)) <= 1e-9 * heat(plain));

    const difference = await run(["massG=100", "deltaTK=6.5 Cel"]);
    assertEquals(difference.job.conversions, [
      { field: "deltaTK", from: "Cel", to: "K", factor: 1 },
    ]);
    assertEquals(heat(difference), heat(plain));
    const fahrenheit = await run(["massG=100", "deltaTK=11.7 [degF]"]);
    assertEquals(fahrenheit.job.conversions?.[0].offset, undefined);
    assert(Math.abs((fahrenheit.output?.deltaTK as number) - 6.5) < 1e-12);

    const bad = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=5 furlongs",
    ]);
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, '"massG"');
    assertStringIncludes(bad.stderr, '"furlongs"');
  });
});

Deno.test("units: the panel form takes a value with a unit, shows field units and the job's conversions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-units-panel-" });
  try {
    const token = "units-test-token-0123456789abcdef";
    const lab = openLab({ dataDir: dir, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token, port: 8322 });
    const request = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", "127.0.0.1:8322");
      return Promise.resolve(app.request(`http://127.0.0.1:8322${path}`, { ...init, headers }));
    };
    const signIn = await request(`/?token=${token}`);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    const page = await (await request("/modules/thermo.calorimetry", { headers: { cookie } }))
      .text();
    assertStringIncludes(page, "Unit: g;");
    const response = await request("/modules/thermo.calorimetry/run", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrfToken(token), massG: "0.1 kg", deltaTK: "6.5 Cel" })
        .toString(),
    });
    assertEquals(response.status, 303);
    const [job] = (await lab.listJobs()).items;
    assertEquals((job.input as Record<string, unknown>).massG, 100);
    assertEquals(job.conversions, [
      { field: "massG", from: "kg", to: "g", factor: 1000 },
      { field: "deltaTK", from: "Cel", to: "K", factor: 1 },
    ]);
    const shown = await (await request(`/jobs/${job.id}`, { headers: { cookie } })).text();
    assertStringIncludes(shown, "Unit conversions");
    assertStringIncludes(shown, "massG: kg → g, × 1000");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("units: a Celsius column feeding an absolute temperature is shifted by 273.15 K", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/rates.csv`, "T_C,k\n25,0.0012\n35,0.0031\n45,0.0075\n");
    const dataset = await importCsv(dataDir, { file: `${dir}/rates.csv`, units: ["T_C=degC"] });
    const mapped = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.arrhenius",
      "--from-dataset",
      dataset,
      "--map",
      "temperaturesK=T_C",
      "--map",
      "rateConstants=k",
    ]);
    assertEquals(mapped.job.conversions, [
      { field: "temperaturesK", column: "T_C", from: "Cel", to: "K", factor: 1, offset: 273.15 },
    ]);
    const kelvin = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "kinetics.arrhenius",
      "--param",
      "temperaturesK=[298.15,308.15,318.15]",
      "--param",
      "rateConstants=[0.0012,0.0031,0.0075]",
    ]);
    const ea = (result: RunJson) => result.output?.activationEnergyKJPerMol as number;
    assert(Math.abs(ea(mapped) - ea(kelvin)) <= 1e-12 * ea(kelvin), `${ea(mapped)} ${ea(kelvin)}`);
  });
});

Deno.test("units: the README's units block runs as written and prints the conversions it shows", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const block = /#### Units\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const lines = block.trimEnd().split("\n");
  const commands = lines.filter((line) => line.startsWith("labos "));
  const shown = lines.filter((line) => line.startsWith("# ")).map((line) => line.slice(2));
  assertEquals(commands.length, 2, block);
  assert(shown.length > 0, "the block shows what the run prints");
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    await Deno.writeTextFile(`${dir}/rates.csv`, MINUTES_MILLIMOLAR);
    const [importArgs, runArgs] = commands.map((line) => line.replace(/^labos /, "").split(/\s+/));
    const dataset = await cliJson<{ id: string }>([
      "--data-dir",
      dataDir,
      ...importArgs.map((arg) => arg === "rates.csv" ? `${dir}/rates.csv` : arg),
    ]);
    const run = await runCli([
      "--data-dir",
      dataDir,
      ...runArgs.map((arg) => arg === "ds_…" ? dataset.id : arg),
    ]);
    assertEquals(run.code, 0, run.stderr);
    for (const line of shown) assertStringIncludes(run.stdout + run.stderr, line);
  });
});
