/**
 * Issue 13 item 6: plots that read right. Every built-in module that draws is
 * run on each of its examples (and a few harder inputs), its plot rendered to
 * SVG and decoded back to numbers from the tick labels alone; the data and
 * the curves must agree with the module's own input and output within 1 % of
 * the axis span, the axes must carry the declared units of their fields, and
 * every legend and label must lie inside the image.
 *
 * @module
 */
import * as z from "zod";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { type DecodedPanel, type DecodedSeries, decodePlotSvg } from "../_svg_decode.ts";
import { BUILTIN_MODULES } from "../../src/modules/builtin/mod.ts";
import { inputUnits } from "../../src/modules/registry.ts";
import type { LabModule, PlotPanel } from "../../src/modules/contract.ts";
import { renderPlotSvg } from "../../src/plots/mod.ts";
import { cliOk, withTempDir } from "../_cli.ts";

const R = 8.314462618;

// Each module's input and output are read field by field, as the JSON they are.
// deno-lint-ignore no-explicit-any
type Json = any;
const context = { progress() {} };

interface Case {
  input: Record<string, Json>;
  output: Record<string, Json>;
  svg: string;
  panels: DecodedPanel[];
}

function moduleOf(key: string): LabModule<Json, Json> {
  const found = BUILTIN_MODULES.find((m) => m.key === key);
  assert(found, key);
  return found as LabModule<Json, Json>;
}

async function draw(key: string, raw: unknown): Promise<Case> {
  const module = moduleOf(key);
  const input = module.input.parse(raw);
  const output = await module.run(input, context);
  const svg = renderPlotSvg(module.plot!(input, output));
  const decoded = decodePlotSvg(svg);
  checkInside(decoded.width, decoded.height, svg);
  return { input, output, svg, panels: decoded.panels };
}

async function examples(key: string): Promise<Case[]> {
  const cases: Case[] = [];
  for (const example of moduleOf(key).examples) cases.push(await draw(key, example.input));
  assert(cases.length > 0, `${key} has no examples`);
  return cases;
}

// Glyph widths of a sans-serif font, about 5 % wider than the renderer's own estimate, so a
// label that only just fits by that estimate fails here.
function width(text: string, size: number): number {
  let em = 0;
  for (const c of text) {
    if (/[iljtfrI.,:;'|!]/.test(c)) em += 0.34;
    else if (/[mwMW@%]/.test(c)) em += 0.95;
    else if (/[A-Z]/.test(c)) em += 0.71;
    else em += 0.61;
  }
  return em * size;
}

// Every text element lies inside the image, by its anchor and an estimate of its width.
function checkInside(imageWidth: number, imageHeight: number, svg: string): void {
  for (const match of svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = Object.fromEntries(
      Array.from(match[1].matchAll(/([\w-]+)="([^"]*)"/g), (m) => [m[1], m[2]]),
    );
    if (attrs.transform) continue;
    const x = Number(attrs.x);
    const y = Number(attrs.y);
    const w = width(match[2], Number(attrs["font-size"]));
    const [left, right] = attrs["text-anchor"] === "middle"
      ? [x - w / 2, x + w / 2]
      : attrs["text-anchor"] === "end"
      ? [x - w, x]
      : [x, x + w];
    assert(left >= -1 && right <= imageWidth + 1, `Text "${match[2]}" runs off: ${left}–${right}`);
    assert(y > 0 && y <= imageHeight, `Text "${match[2]}" at y ${y}`);
  }
}

function near(actual: number, expected: number, span: number, what: string): void {
  assert(
    Math.abs(actual - expected) <= 0.01 * Math.abs(span),
    `${what}: drawn ${actual}, computed ${expected} (1 % of ${span})`,
  );
}

/** Checks drawn points against computed ones, in order, within 1 % of each axis span. */
function samePoints(panel: DecodedPanel, series: DecodedSeries, expected: number[][]): void {
  const [x0, x1] = panel.xDomain;
  const [y0, y1] = panel.yDomain;
  assertEquals(series.points.length, expected.length, `${series.name}: number of points`);
  series.points.forEach(([x, y], i) => {
    near(x, expected[i][0], x1 - x0, `${series.name} point ${i + 1} x`);
    near(y, expected[i][1], y1 - y0, `${series.name} point ${i + 1} y`);
  });
}

/** Checks every drawn vertex of a curve against the model, within 1 % of the y span. */
function onCurve(panel: DecodedPanel, series: DecodedSeries, model: (x: number) => number): void {
  const [y0, y1] = panel.yDomain;
  assert(series.points.length >= 2, `${series.name}: a curve needs two points`);
  for (const [x, y] of series.points) near(y, model(x), y1 - y0, `${series.name} at x = ${x}`);
}

function named(panel: DecodedPanel, pattern: RegExp): DecodedSeries {
  const found = panel.series.find((s) => pattern.test(s.name));
  assert(found, `No series ${pattern} in ${panel.series.map((s) => s.name).join(", ")}`);
  return found;
}

function unitOf(key: string, field: string): string {
  const unit = inputUnits(moduleOf(key))[field]?.unit;
  assert(unit, `${key}.${field} declares no unit`);
  return unit;
}

/** The unit declared on a field of the items of an array field. */
function itemUnitOf(key: string, field: string, item: string): string {
  const schema = z.toJSONSchema(moduleOf(key).input as unknown as z.ZodType, {
    io: "input",
  }) as Json;
  const unit = schema.properties[field].items.properties[item]["x-unit"];
  assert(unit, `${key}.${field}[].${item} declares no unit`);
  return unit;
}

Deno.test("item 6: every module that draws has its plot decoded and checked here", async () => {
  const checked = [
    "chromatography.peak-metrics",
    "chromatography.van-deemter",
    "kinetics.arrhenius",
    "kinetics.integrated-rate-law",
    "ms.isotope-pattern",
    "ms.neutral-losses",
    "spectroscopy.beer-lambert",
  ];
  const drawing = BUILTIN_MODULES.filter((m) => typeof m.plot === "function").map((m) => m.key);
  // A module that draws but has no check of its own still gets its spec round-tripped.
  for (const key of drawing.filter((k) => !checked.includes(k))) {
    for (const example of moduleOf(key).examples) {
      const module = moduleOf(key);
      const input = module.input.parse(example.input);
      const spec = module.plot!(input, await module.run(input, context));
      const decoded = decodePlotSvg(renderPlotSvg(spec)).panels;
      const specPanels: PlotPanel[] = spec.panels?.length ? spec.panels : [spec];
      specPanels.forEach((specPanel, p) => {
        const drawn = decoded[p].series.filter((s) => s.points.length > 0);
        specPanel.series.filter((s) => s.points.length > 0).forEach((s, i) => {
          if (s.kind !== "line" && s.points.length <= 10_000) {
            samePoints(decoded[p], drawn[i], s.points);
          }
        });
      });
    }
  }
  for (const key of checked) assert(drawing.includes(key), `${key} no longer draws`);
});

Deno.test("item 6: van Deemter labels its axes with the declared units", async () => {
  for (const { input, output, panels: [panel] } of await examples("chromatography.van-deemter")) {
    assertEquals([panel.xLabel, panel.yLabel], [
      `Linear velocity u (${unitOf("chromatography.van-deemter", "linearVelocities")})`,
      `Plate height H (${unitOf("chromatography.van-deemter", "plateHeights")})`,
    ]);
    samePoints(
      panel,
      named(panel, /^Measured$/),
      input.linearVelocities.map((u: number, i: number) => [u, input.plateHeights[i]]),
    );
    onCurve(panel, named(panel, /^Fit: H = A/), (u) => output.a + output.b / u + output.c * u);
    if (output.optimumVelocity !== null) {
      samePoints(panel, named(panel, /^Optimum/), [[
        output.optimumVelocity,
        output.minimumPlateHeight,
      ]]);
    }
  }
});

Deno.test("item 6: Arrhenius draws ln k against 1000/T", async () => {
  for (const { input, output, panels: [panel] } of await examples("kinetics.arrhenius")) {
    assertEquals(panel.xLabel, `1000/T (${unitOf("kinetics.arrhenius", "temperaturesK")}⁻¹)`);
    assertEquals(panel.yLabel, "ln k");
    samePoints(
      panel,
      named(panel, /^Measured$/),
      input.temperaturesK.map((
        t: number,
        i: number,
      ) => [1000 / t, Math.log(input.rateConstants[i])]),
    );
    const ea = output.activationEnergyKJPerMol * 1000;
    onCurve(
      panel,
      named(panel, /^Fit: Ea/),
      (x) => Math.log(output.preExponentialFactor) - ea / R / (1000 / x),
    );
    assert(panel.xDomain[1] < 10 && panel.xDomain[0] > 0.1, `1000/T spans ${panel.xDomain}`);
  }
});

Deno.test("item 6: the rate law shows C, ln C and 1/C against t with k, t½ and R²", async () => {
  const key = "kinetics.integrated-rate-law";
  const cases = await examples(key);
  for (const { input, output, panels } of cases) {
    assertEquals(panels.length, 3);
    const t: number[] = input.timesS;
    const c: number[] = input.concentrationsM;
    const [tUnit, cUnit] = [unitOf(key, "timesS"), unitOf(key, "concentrationsM")];
    const views = [(v: number) => v, Math.log, (v: number) => 1 / v];
    assertEquals(panels.map((p) => p.yLabel), [
      `Concentration C (${cUnit})`,
      `ln(C / (${cUnit}))`,
      "1/C (L/mol)",
    ]);
    panels.forEach((panel, order) => {
      assertEquals(panel.xLabel, `Time t (${tUnit})`);
      assertMatch(panel.title, new RegExp(`^Order ${order}:`));
      assertEquals(panel.title.endsWith("(chosen)"), order === output.order);
      samePoints(panel, named(panel, /^Measured$/), t.map((time, i) => [time, views[order](c[i])]));
      // The fitted line of this order has slope −k (orders 0, 1) or +k (order 2).
      const fit = named(panel, /^Fit: k = /);
      const k = output.fits[order].rateConstant;
      const [[xa, ya], [xb, yb]] = [fit.points[0], fit.points[fit.points.length - 1]];
      const slope = (yb - ya) / (xb - xa);
      const [y0, y1] = panel.yDomain;
      near(slope * (xb - xa), (order === 2 ? k : -k) * (xb - xa), y1 - y0, `order ${order} slope`);
      const legend = panel.legend.map((l) => l.text).join(" ");
      assertMatch(legend, /t½ = /);
      assert(legend.includes(`R² = ${output.fits[order].rSquared.toFixed(4)}`), legend);
    });
    if (output.order !== 0) {
      const c0 = output.fittedInitialConcentrationM;
      const k = output.rateConstant;
      const model = output.order === 1
        ? (time: number) => c0 * Math.exp(-k * time)
        : (time: number) => 1 / (1 / c0 + k * time);
      onCurve(panels[0], named(panels[0], /^Chosen fit/), model);
    }
    const half = panels[output.order].legend.map((l) => l.text).join(" ");
    assert(half.includes(`t½ = ${Number(output.halfLifeS.toPrecision(4))} s`), half);
  }
});

Deno.test("item 6: Beer–Lambert draws the standards, the line and the unknowns", async () => {
  const key = "spectroscopy.beer-lambert";
  for (const { input, output, panels: [panel] } of await examples(key)) {
    assertEquals(
      panel.xLabel,
      `Concentration c (${itemUnitOf(key, "standards", "concentrationM")})`,
    );
    samePoints(
      panel,
      named(panel, /^Standards$/),
      input.standards.map((s: Json) => [s.concentrationM, s.absorbance]),
    );
    const slope = output.molarAbsorptivity * input.pathLengthCm;
    onCurve(panel, named(panel, /^Fit: ε/), (x) => output.intercept + slope * x);
    if (output.unknowns.length > 0) {
      samePoints(
        panel,
        named(panel, /^Unknowns$/),
        output.unknowns.map((u: Json) => [u.concentrationM, u.absorbance]),
      );
    }
  }
});

Deno.test("item 6: the chromatogram spans the peaks, its legend fits and Rs sits between each pair", async () => {
  const key = "chromatography.peak-metrics";
  const hard = await draw(key, {
    deadTimeMin: 1.1,
    peaks: [
      {
        name: "Simulated chromatogram of a very long compound name",
        retentionTimeMin: 14.2,
        baseWidthMin: 0.3,
      },
      { name: "toluene", retentionTimeMin: 14.55, baseWidthMin: 0.32 },
      { name: "ethylbenzene", retentionTimeMin: 15.9, halfHeightWidthMin: 0.2 },
    ],
  });
  for (const { input, output, panels: [panel] } of [...await examples(key), hard]) {
    assertEquals(panel.xLabel, `Retention time t (${unitOf(key, "deadTimeMin")})`);
    const peaks = output.peaks as Array<{ retentionTimeMin: number; name: string }>;
    samePoints(panel, named(panel, /^Retention times$/), peaks.map((p) => [p.retentionTimeMin, 1]));
    // The x axis spans the peaks with a margin, not the run from zero.
    let [low, high] = [Infinity, -Infinity];
    for (const peak of input.peaks) {
      const w = peak.baseWidthMin ?? peak.halfHeightWidthMin * 1.699;
      low = Math.min(low, peak.retentionTimeMin - 1.5 * w);
      high = Math.max(high, peak.retentionTimeMin + 1.5 * w);
    }
    [low, high] = [low - 0.05 * (high - low), high + 0.05 * (high - low)];
    assert(panel.xDomain[0] >= low && panel.xDomain[1] <= high, `x spans ${panel.xDomain}`);
    const trace = named(panel, /^Simulated chromatogram/);
    for (const peak of peaks) {
      const top = trace.points.filter(([t]) => Math.abs(t - peak.retentionTimeMin) < 0.01)
        .reduce((max, [, y]) => Math.max(max, y), 0);
      assert(top > 0.97, `trace at ${peak.name}: ${top}`);
    }
    output.pairs.forEach((pair: Json, i: number) => {
      const label = panel.annotations.find((a) =>
        a.text === `Rs = ${Number(pair.resolution.toPrecision(4))}`
      );
      assert(label, `No Rs label for ${pair.first}–${pair.second}`);
      assert(label.x > peaks[i].retentionTimeMin && label.x < peaks[i + 1].retentionTimeMin);
    });
    // Every legend entry is shown whole: the legend moved below the axes instead of cutting.
    const legend = panel.legend.map((l) => l.text);
    assert(legend.includes("Simulated chromatogram (unit-height Gaussian peaks)"), `${legend}`);
  }
});

const SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉";

function plainDigits(text: string): string {
  return Array.from(text, (c) => SUBSCRIPT.includes(c) ? String(SUBSCRIPT.indexOf(c)) : c).join("");
}

Deno.test("item 6: isotope patterns use m/z for ions and write formulas with subscripts", async () => {
  const key = "ms.isotope-pattern";
  const cases = [
    ...await examples(key),
    await draw(key, { formula: "CH2Cl2" }),
    await draw(key, { formula: "C6H6", charge: 1 }),
    await draw(key, { formula: "C6H5O7", charge: -3, resolution: 0.001 }),
  ];
  for (const { output, svg, panels: [panel] } of cases) {
    assertEquals(panel.xLabel, output.charge === 0 ? "Mass (Da)" : "m/z");
    samePoints(
      panel,
      panel.series[0],
      output.peaks.map((p: { mz: number; abundance: number }) => [p.mz, p.abundance]),
    );
    const title = decodePlotSvg(svg).title;
    assert(!/[A-Za-z)]\d/.test(title.replace(/\(z = .*\)$/, "")), `ASCII counts in "${title}"`);
    assert(plainDigits(title).includes(output.formula), `${title} is not ${output.formula}`);
  }
  const ch2cl2 = cases[cases.length - 3];
  assertEquals(
    [...ch2cl2.panels[0].annotations].sort((a, b) => a.x - b.x).map((a) => a.text).slice(0, 5),
    ["M", "M+1", "M+2", "M+3", "M+4"],
  );
});

Deno.test("item 6: neutral losses are labelled −formula, Δm and the precursor is marked", async () => {
  const key = "ms.neutral-losses";
  for (const { input, output, panels: [panel] } of await examples(key)) {
    samePoints(
      panel,
      named(panel, /^Spectrum$/),
      output.peaks.map((p: Json) => [p.mz, p.relativeIntensity]),
    );
    const precursor = output.peaks.find((p: Json) => p.mz === input.precursorMz);
    samePoints(panel, named(panel, /^Precursor/), [[
      input.precursorMz,
      precursor?.relativeIntensity ?? 0,
    ]]);
    const assigned = output.peaks.filter((p: Json) => p.assignments.length > 0 && p.loss > 0);
    assert(assigned.length > 0);
    for (const peak of assigned) {
      const formula = peak.assignments[0].formula;
      const label = panel.annotations.find((a) =>
        plainDigits(a.text).startsWith(`−${formula}`) &&
        a.text.endsWith(`, ${Number(peak.loss.toPrecision(4))}`)
      );
      assert(label, `No label for the loss of ${formula} at m/z ${peak.mz}`);
      assert(!/\d/.test(label.text.split(",")[0]), `ASCII counts in ${label.text}`);
      // The label is centred over its peak unless the frame's edge pushed it in.
      const [x0, x1] = panel.xDomain;
      const halfLabel = (width(label.text, 11) / 640) * (x1 - x0);
      assert(Math.abs(label.x - peak.mz) <= halfLabel, `${label.text} at ${label.x}`);
    }
    assert(panel.annotations.some((a) => a.text === `M, ${input.precursorMz}`));
  }
});

Deno.test("item 6: the demo prints every isotope peak above the threshold, and its plots decode", async () => {
  await withTempDir(async (dir) => {
    const out = await cliOk(["--data-dir", `${dir}/demo`, "demo"]);
    const module = moduleOf("ms.isotope-pattern");
    const input = module.input.parse({ formula: "CH2Cl2" });
    const { peaks } = await module.run(input, context);
    // M, M+2, M+4 of Cl₂ and the small ¹³C peaks between: more than the four once printed.
    assert(peaks.length > 4 && peaks.every((p: Json) => p.abundance >= input.threshold));
    const block = out.slice(out.indexOf("Isotope pattern of CH2Cl2"));
    assert(block.includes(`peaks (${peaks.length}):`), block);
    // At the default display precision (four significant figures), in order of m/z.
    let from = 0;
    for (const peak of peaks) {
      const line = `mz ${Number(peak.mz.toPrecision(4))} u, abundance ${
        Number(peak.abundance.toPrecision(4))
      } %`;
      const at = block.indexOf(line, from);
      assert(at > from, `${line} not printed in order`);
      from = at;
    }
    const plots = `${dir}/demo/plots`;
    let files = 0;
    for await (const entry of Deno.readDir(plots)) {
      const svg = await Deno.readTextFile(`${plots}/${entry.name}`);
      const decoded = decodePlotSvg(svg);
      checkInside(decoded.width, decoded.height, svg);
      for (const panel of decoded.panels) {
        assert(!/input unit/.test(`${panel.xLabel} ${panel.yLabel}`), entry.name);
        assert(panel.series.some((s) => s.points.length > 0), entry.name);
      }
      files++;
    }
    assert(files >= 4, `${files} plots`);
  });
});
