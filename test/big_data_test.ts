/**
 * Issue 13, items 1 and 2: big inputs run and draw without overflowing the
 * stack, and the exit code, the printed JSON and the recorded job agree.
 *
 * @module
 */
import { bigInput, FIT_MODULES } from "../bench/_module_inputs.ts";
import { BUILTIN_MODULES } from "../src/modules/builtin/mod.ts";
import { renderPlotSvg } from "../src/plots/mod.ts";
import { executeRun, plotOf, prepareRun } from "../src/runs/mod.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";

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
