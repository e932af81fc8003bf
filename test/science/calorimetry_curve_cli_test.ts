/**
 * Issue 13 item 5 through the real CLI: a temperature–time CSV imported with
 * its units runs `thermo.calorimetry-curve` with `--map`, matches the
 * numpy/scipy reference (`test/fixtures/science/make_calorimetry_curve.py`),
 * carries its uncertainties, and draws its plot.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, REPO_ROOT, runCli, withTempDir } from "../_cli.ts";
import { decodePlotSvg } from "../_svg_decode.ts";
import fixtures from "../fixtures/science/calorimetry_curve_fixtures.json" with { type: "json" };

interface RunJson {
  job: {
    id: string;
    status: string;
    warnings?: string[];
    conversions?: Array<{ field: string; column?: string; from: string; to: string }>;
    error: { message: string } | null;
  };
  output: Record<string, number> | null;
}

const CSV = `${REPO_ROOT}assets/demo/calorimetry_coffee_cup.csv`;
const PARAMS = [
  "mixingTimeS=180",
  "massG=100",
  "massGUncertainty=1",
  "amountMol=0.05",
  "amountMolUncertainty=0.0005",
].flatMap((param) => ["--param", param]);

function close(actual: number, expected: number, what: string): void {
  assert(
    Math.abs(actual - expected) <= 1e-9 * Math.abs(expected),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

Deno.test("calorimetry curve: import a CSV with units, run with --map, get ΔH with its uncertainty", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const data = ["--data-dir", dataDir];
    const dataset = await cliJson<{ id: string }>([
      ...data,
      "import",
      CSV,
      "--units",
      "time_s=s",
      "--units",
      "temperature_C=Cel",
    ]);
    const plot = `${dir}/curve.svg`;
    const result = await cliJson<RunJson>([
      ...data,
      "run",
      "thermo.calorimetry-curve",
      "--from-dataset",
      dataset.id,
      "--map",
      "timesS=time_s",
      "--map",
      "temperaturesC=temperature_C",
      ...PARAMS,
      "--plot",
      plot,
    ]);
    assertEquals(result.job.status, "succeeded");
    const reference = fixtures.cases[0];
    for (
      const field of [
        "initialTempC",
        "finalTempC",
        "finalTempCStandardError",
        "deltaTK",
        "deltaTKUncertainty",
        "reactionEnthalpyKJPerMol",
        "reactionEnthalpyKJPerMolUncertainty",
      ] as const
    ) close(result.output![field], reference[field], field);
    assert(result.output!.reactionEnthalpyKJPerMolUncertainty > 0);

    const decoded = decodePlotSvg(await Deno.readTextFile(plot));
    const delta = decoded.series.find((s) => s.name.startsWith("ΔT"))!;
    const drawn = delta.points[1][1] - delta.points[0][1];
    assert(Math.abs(drawn - reference.deltaTK) <= 0.01 * reference.deltaTK, `ΔT drawn ${drawn}`);

    // The human output names the result and its uncertainty.
    const text = await cliOk([
      ...data,
      "run",
      "thermo.calorimetry-curve",
      "--from-dataset",
      dataset.id,
      "--map",
      "timesS=time_s",
      "--map",
      "temperaturesC=temperature_C",
      ...PARAMS,
    ]);
    // Text output pairs a value with its uncertainty, GUM-style (two figures).
    assertMatch(text, /reactionEnthalpyKJPerMol +−57\.75 ± 0\.82 kJ\/mol\n/);
  });
});

Deno.test("calorimetry curve: minutes and kelvins are converted on mapping and give the same ΔT", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const rows = fixtures.input.timesS.map((t, i) =>
      `${t / 60},${(fixtures.input.temperaturesC[i] + 273.15).toFixed(2)}`
    );
    await Deno.writeTextFile(`${dir}/kelvin.csv`, ["t_min,T_K", ...rows].join("\n") + "\n");
    const dataset = await cliJson<{ id: string }>([
      "--data-dir",
      dataDir,
      "import",
      `${dir}/kelvin.csv`,
      "--units",
      "t_min=min",
      "--units",
      "T_K=K",
    ]);
    const result = await cliJson<RunJson>([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry-curve",
      "--from-dataset",
      dataset.id,
      "--map",
      "timesS=t_min",
      "--map",
      "temperaturesC=T_K",
      ...PARAMS,
    ]);
    assertEquals(
      result.job.conversions?.map((c) => [c.field, c.column, c.from, c.to]),
      [["timesS", "t_min", "min", "s"], ["temperaturesC", "T_K", "K", "Cel"]],
    );
    // Kelvins written to 0.01 K and shifted back: the same readings up to rounding.
    assert(Math.abs(result.output!.deltaTK - fixtures.cases[0].deltaTK) < 1e-9);
  });
});

Deno.test("calorimetry curve: too few readings after the peak is a failed job with its reason", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    const short = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "thermo.calorimetry-curve",
      "--param",
      "timesS=[0,30,60,90,120,150,165]",
      "--param",
      "temperaturesC=[22,22,22,22,27,28.9,28.8]",
      "--param",
      "mixingTimeS=100",
      "--param",
      "massG=100",
    ]);
    assertEquals(short.code, 1);
    const job = (JSON.parse(short.stdout) as RunJson).job;
    assertEquals(job.status, "failed");
    assertEquals(
      job.error?.message,
      "Cannot fit the cooling line: only 1 reading after the peak at 150 s (need at least 3); " +
        "record for longer or set coolingStartS",
    );
  });
});

Deno.test("calorimetry curve: modules show lists its outputs with units and uncertainty formulas", async () => {
  const text = await cliOk(["modules", "show", "thermo.calorimetry-curve"]);
  const outputs = text.slice(text.indexOf("Outputs\n"), text.indexOf("Input JSON Schema"));
  assertMatch(
    outputs,
    /^- finalTempCStandardError \[K\]: .*in kelvins: u\(T_f\) = s_r·√\(1\/n \+ \(t_mix − t̄\)²\/Σ\(tᵢ − t̄\)²\)/m,
  );
  assertMatch(outputs, /^- deltaTKUncertainty \[K\]: .*u\(ΔT\) = √\(u\(T_i\)² \+ u\(T_f\)²\)/m);
  assertStringIncludes(outputs, "- reactionEnthalpyKJPerMolUncertainty [kJ/mol]: ");
});
