import assert from "node:assert/strict";
import fixtures from "../../../../test/fixtures/science/calorimetry_curve_fixtures.json" with {
  type: "json",
};
import { decodePlotSvg } from "../../../../test/_svg_decode.ts";
import { renderPlotSvg } from "../../../plots/mod.ts";
import { ModuleError } from "../../contract.ts";
import { calorimetry, calorimetryCurve, type CalorimetryCurveOutput } from "./mod.ts";

function close(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  assert.ok(
    Math.abs(actual - expected) <= tolerance * scale,
    `${what}: ${actual} differs from ${expected}`,
  );
}

async function curve(raw: Record<string, unknown>): Promise<CalorimetryCurveOutput> {
  return await calorimetryCurve.run(calorimetryCurve.input.parse(raw), { progress() {} });
}

const FIELDS = [
  "initialTempC",
  "initialTempCStandardError",
  "finalTempC",
  "finalTempCStandardError",
  "coolingSlopeKPerS",
  "coolingRSquared",
  "deltaTK",
  "deltaTKUncertainty",
  "heatJ",
  "heatJUncertainty",
  "reactionEnthalpyKJPerMol",
  "reactionEnthalpyKJPerMolUncertainty",
] as const;

for (const reference of fixtures.cases) {
  Deno.test(`calorimetry-curve: baseline ${reference.baseline} matches numpy/scipy within 1e-9`, async () => {
    const output = await curve({ ...fixtures.input, baselineModel: reference.baseline });
    for (const field of FIELDS) close(output[field]!, reference[field], field);
    assert.equal(output.coolingCount, reference.coolingCount);
    assert.equal(output.coolingStartS, fixtures.input.timesS[reference.peakIndex + 1]);
    assert.deepEqual(output.warnings, []);
  });
}

Deno.test("calorimetry-curve: q and ΔH come from thermo.calorimetry with the fitted temperatures", async () => {
  const output = await curve(fixtures.input);
  const direct = await calorimetry.run(
    calorimetry.input.parse({
      massG: 100,
      massGUncertainty: 1,
      amountMol: 0.05,
      amountMolUncertainty: 0.0005,
      initialTempC: output.initialTempC,
      finalTempC: output.finalTempC,
      initialTempCUncertainty: output.initialTempCStandardError,
      finalTempCUncertainty: output.finalTempCStandardError,
    }),
    { progress() {} },
  );
  // The curve's temperatures are rounded to 15 figures before this second run.
  close(output.heatJ, direct.heatJ, "heatJ", 1e-13);
  close(output.heatJUncertainty, direct.heatJUncertainty!, "u(q)", 1e-13);
  close(
    output.reactionEnthalpyKJPerMolUncertainty!,
    direct.reactionEnthalpyKJPerMolUncertainty!,
    "u(ΔH)",
    1e-13,
  );
  assert.equal(output.uncertaintyBudget.length, direct.uncertaintyBudget!.length);
  // massG and amountMol contribute equally (1 % each), so compare by input, not by rank.
  output.uncertaintyBudget.forEach((row) => {
    const other = direct.uncertaintyBudget!.find((entry) => entry.input === row.input)!;
    close(row.enthalpyContributionKJPerMol!, other.enthalpyContributionKJPerMol!, row.input, 1e-13);
  });
  assert.deepEqual(
    output.uncertaintyBudget.map((row) => row.input).sort(),
    ["amountMol", "finalTempC", "initialTempC", "massG"],
  );
});

// A simple endothermic run: 25.0 °C, mixing at 50 s, trough then warming back.
const ENDOTHERMIC = {
  timesS: [0, 10, 20, 30, 40, 60, 70, 80, 90, 100, 110],
  temperaturesC: [25.0, 25.02, 24.98, 25.0, 25.0, 21.0, 20.3, 20.35, 20.41, 20.45, 20.5],
  mixingTimeS: 50,
  massG: 53.2,
};

Deno.test("calorimetry-curve: a fall uses the readings after the trough and gives q < 0", async () => {
  const output = await curve(ENDOTHERMIC);
  assert.equal(output.coolingStartS, 80);
  assert.equal(output.coolingCount, 4);
  assert.ok(output.deltaTK < -4.5 && output.deltaTK > -5, String(output.deltaTK));
  assert.ok(output.heatJ < 0);
  assert.deepEqual(output.warnings, []);
});

Deno.test("calorimetry-curve: fewer than three readings in a segment fail with the reason", async () => {
  await assert.rejects(
    () => curve({ ...ENDOTHERMIC, mixingTimeS: 15, baselineEndS: 10 }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message ===
        "Cannot find T_initial: only 2 baseline readings before 10 s (need at least 3)",
  );
  await assert.rejects(
    () => curve({ ...ENDOTHERMIC, coolingStartS: 100 }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message ===
        "Cannot fit the cooling line: only 2 readings from coolingStartS 100 s (need at least 3); " +
          "record for longer or set coolingStartS",
  );
  await assert.rejects(
    () =>
      curve({ ...ENDOTHERMIC, temperaturesC: [...ENDOTHERMIC.temperaturesC.slice(0, 9), 20, 19] }),
    /only 0 readings after the trough at 110 s/,
  );
});

Deno.test("calorimetry-curve: inconsistent series are rejected by the schema", () => {
  const bad = [
    [{ ...ENDOTHERMIC, temperaturesC: [25, 25] }, "temperaturesC", /one value per time/],
    [
      { ...ENDOTHERMIC, timesS: [0, 10, 10, 30, 40, 60, 70, 80, 90, 100, 110] },
      "timesS",
      /strictly/,
    ],
    [{ ...ENDOTHERMIC, mixingTimeS: 200 }, "mixingTimeS", /between the first and last/],
    [{ ...ENDOTHERMIC, baselineEndS: 55 }, "baselineEndS", /not be after mixingTimeS/],
    [{ ...ENDOTHERMIC, coolingStartS: 50 }, "coolingStartS", /after mixingTimeS/],
  ] as const;
  for (const [input, field, message] of bad) {
    const result = calorimetryCurve.input.safeParse(input);
    assert.equal(result.success, false, field);
    const issue = result.error!.issues[0];
    assert.equal(issue.path[0], field);
    assert.match(issue.message, message);
  }
});

Deno.test("calorimetry-curve: a rising cooling line and a drifting baseline warn", async () => {
  // Reaction still heating after coolingStartS: the chosen line rises.
  const rising = await curve({
    ...fixtures.input,
    timesS: fixtures.input.timesS.slice(0, 9),
    temperaturesC: fixtures.input.temperaturesC.slice(0, 9),
    coolingStartS: 195,
  });
  assert.ok(rising.coolingSlopeKPerS > 0);
  assert.match(rising.warnings[0], /^The cooling line rises \(\d/);
  // Baseline drifting 0.1 K per reading, taken as a mean.
  const drifting = await curve({
    ...ENDOTHERMIC,
    temperaturesC: [25.0, 25.1, 25.21, 25.3, 25.4, ...ENDOTHERMIC.temperaturesC.slice(5)],
  });
  assert.match(drifting.warnings[0], /^The baseline drifts by 0\.6\d* K\/min/);
  const asLine = await curve({
    ...ENDOTHERMIC,
    baselineModel: "line",
    temperaturesC: [25.0, 25.1, 25.21, 25.3, 25.4, ...ENDOTHERMIC.temperaturesC.slice(5)],
  });
  assert.deepEqual(asLine.warnings.filter((w) => w.startsWith("The baseline")), []);
  close(asLine.initialTempC, 25.502, "line T_i at t_mix", 1e-12);
});

Deno.test("calorimetry-curve: the plot SVG decodes to the data, both lines and ΔT within 1 %", async () => {
  const input = calorimetryCurve.input.parse(fixtures.input);
  const output = await calorimetryCurve.run(input, { progress() {} });
  const decoded = decodePlotSvg(renderPlotSvg(calorimetryCurve.plot!(input, output)));
  const xSpan = decoded.xDomain[1] - decoded.xDomain[0];
  const ySpan = decoded.yDomain[1] - decoded.yDomain[0];
  const near = (actual: [number, number], expected: [number, number], what: string): void => {
    assert.ok(
      Math.abs(actual[0] - expected[0]) <= 0.01 * xSpan &&
        Math.abs(actual[1] - expected[1]) <= 0.01 * ySpan,
      `${what}: drawn at ${actual}, expected ${expected}`,
    );
  };
  const [points, baseline, cooling, extrapolated, delta] = decoded.series;
  assert.equal(points.kind, "points");
  assert.equal(points.points.length, input.timesS.length);
  points.points.forEach((p, i) =>
    near(p, [input.timesS[i], input.temperaturesC[i]], `reading ${i}`)
  );

  const mix = input.mixingTimeS;
  const line = (t: number): number => output.finalTempC + output.coolingSlopeKPerS * (t - mix);
  assert.equal(baseline.points.length, 2);
  near(baseline.points[1], [mix, output.initialTempC], "baseline at t_mix");
  near(baseline.points[0], [input.timesS[0], output.initialTempC], "baseline start");
  for (const p of cooling.points) near(p, [p[0], line(p[0])], "cooling line");
  near(cooling.points[0], [output.coolingStartS, line(output.coolingStartS)], "cooling start");
  near(cooling.points[1], [600, line(600)], "cooling end");
  assert.equal(cooling.dashed, false);
  assert.equal(extrapolated.dashed, true);
  near(extrapolated.points[0], [mix, output.finalTempC], "extrapolation at t_mix");
  near(extrapolated.points[1], [output.coolingStartS, line(output.coolingStartS)], "joins the fit");
  near(delta.points[0], [mix, output.initialTempC], "ΔT from T_i");
  near(delta.points[1], [mix, output.finalTempC], "ΔT to T_f");
  // The decoded ΔT itself, within 1 % of its value.
  const drawn = delta.points[1][1] - delta.points[0][1];
  assert.ok(Math.abs(drawn - output.deltaTK) <= 0.01 * output.deltaTK, `ΔT drawn ${drawn}`);
  // Every legend entry is whole: no ellipsis.
  assert.equal(decoded.legend.length, 5);
  for (const entry of decoded.legend) assert.ok(!entry.includes("…"), entry);
  assert.equal(decoded.legend[4], "ΔT = 6.90 ± 0.013 K");
});
