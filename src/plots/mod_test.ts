import { LabosError } from "../errors.ts";
import type { PlotSpec } from "../modules/contract.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../test/_assert.ts";
import { type LineageGraph, renderLineageSvg, renderPlotSvg } from "./mod.ts";

const ENTITY = /^&(?:amp|lt|gt|quot|#39);/;

/**
 * A strict well-formedness check for the subset of XML we emit: tags with
 * double-quoted attributes, balanced nesting, one root, and no raw `<` or
 * unknown `&` in text or attribute values.
 */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  while (i < svg.length) {
    const char = svg[i];
    if (char === "<") {
      tag.lastIndex = i;
      const match = tag.exec(svg);
      assert(match, `Malformed tag at ${i}: ${svg.slice(i, i + 40)}`);
      const [whole, closing, name, attrs, selfClosing] = match;
      for (const amp of attrs.matchAll(/&/g)) {
        assert(ENTITY.test(attrs.slice(amp.index)), `Raw & in attribute at ${i}`);
      }
      if (closing) {
        assertEquals(stack.pop(), name, `Mismatched </${name}> at ${i}`);
      } else if (!selfClosing) {
        if (stack.length === 0) roots++;
        stack.push(name);
      } else if (stack.length === 0) roots++;
      i += whole.length;
    } else if (char === "&") {
      assert(ENTITY.test(svg.slice(i, i + 8)), `Raw & in text at ${i}`);
      i++;
    } else {
      if (stack.length === 0) assert(/\s/.test(char), `Text outside the root at ${i}`);
      i++;
    }
  }
  assertEquals(stack, [], "Unclosed elements");
  assertEquals(roots, 1, "Exactly one root element");
  assert(svg.startsWith("<svg "), "Root is <svg>");
}

function assertSafe(svg: string): void {
  assertWellFormed(svg);
  assert(
    !/<script|javascript:|\son\w+=|href=|url\(|@import|<foreignObject/i.test(svg),
    "Active content",
  );
  assert(!/https?:\/\/(?!www\.w3\.org\/2000\/svg")/.test(svg), "External reference");
  assert(!/NaN|Infinity|undefined/.test(svg), "Non-finite number in output");
}

function throwsLabos(fn: () => unknown, pattern: RegExp): LabosError {
  try {
    fn();
  } catch (error) {
    assert(error instanceof LabosError, `Expected a LabosError, got ${error}`);
    assertEquals(error.kind, "invalid");
    assertMatch(error.message, pattern);
    return error;
  }
  throw new Error("Expected the function to throw");
}

function attribute(svg: string, selector: RegExp): string {
  const match = selector.exec(svg);
  assert(match, `No match for ${selector}`);
  return match[1];
}

const decay: PlotSpec = {
  title: "Crystal violet decay",
  xLabel: "t / s",
  yLabel: "A(590 nm)",
  series: [
    {
      kind: "points",
      name: "measured",
      points: Array.from({ length: 21 }, (_, i) => [i * 60, 1.25 * Math.exp(-0.0021 * i * 60)]),
    },
    {
      kind: "line",
      name: "fit",
      points: Array.from({ length: 121 }, (_, i) => [i * 10, 1.25 * Math.exp(-0.0021 * i * 10)]),
    },
  ],
};

Deno.test("renderPlotSvg gives a standalone, accessible, well-formed SVG", () => {
  const svg = renderPlotSvg(decay);
  assertSafe(svg);
  assertMatch(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="720" height="450"/);
  assertStringIncludes(svg, 'viewBox="0 0 720 450"');
  assertStringIncludes(svg, 'role="img"');
  assertStringIncludes(svg, "<title>Crystal violet decay</title>");
  assertMatch(
    svg,
    /<desc>Crystal violet decay\. X axis t \/ s from .* Series: measured \(points, 21 points\); fit \(line, 121 points\)\.<\/desc>/,
  );
  for (const text of ["t / s", "A(590 nm)", ">measured<", ">fit<", ">0.2<", ">1000<"]) {
    assertStringIncludes(svg, text);
  }
  assertEquals((svg.match(/class="series /g) ?? []).length, 2);
});

Deno.test("renderPlotSvg honours width and height", () => {
  const svg = renderPlotSvg(decay, { width: 400.4, height: 300 });
  assertStringIncludes(svg, 'width="400" height="300" viewBox="0 0 400 300"');
  assertSafe(svg);
});

Deno.test("renderPlotSvg is byte-identical for the same spec", () => {
  const first = renderPlotSvg(decay);
  const second = renderPlotSvg(structuredClone(decay));
  assertEquals(first, second);
  assertEquals(renderLineageSvg(lineage), renderLineageSvg(structuredClone(lineage)));
});

Deno.test("renderPlotSvg escapes every piece of user text", () => {
  const evil = `<script>alert("x")</script> & 'quotes' ]]> <!--`;
  const svg = renderPlotSvg({
    title: evil,
    xLabel: `x ${evil}`,
    yLabel: `y ${evil}`,
    series: [{ kind: "line", name: `s ${evil}`, points: [[0, 0], [1, 1]] }],
  });
  assertSafe(svg);
  assert(!svg.includes("<script"));
  assertStringIncludes(
    svg,
    "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; ]]&gt; &lt;!--</title>",
  );
  assertStringIncludes(svg, 'data-name="s &lt;script&gt;alert(&quot;x&quot;)');
});

Deno.test("renderPlotSvg survives control characters and lone surrogates in text", () => {
  const svg = renderPlotSvg({
    title: "a\u0000b\u0007\uD800",
    xLabel: "\n\n",
    yLabel: "",
    series: [{ kind: "points", name: "\u001B[31m", points: [[1, 2]] }],
  });
  assertSafe(svg);
  assert(![...svg].some((c) => c < " " && c !== "\n"), "Control character in output");
});

Deno.test("renderPlotSvg draws an empty-plot message when there is nothing to draw", () => {
  for (const series of [[], [{ kind: "line" as const, name: "none", points: [] }]]) {
    const svg = renderPlotSvg({ title: "Empty", xLabel: "x", yLabel: "y", series });
    assertSafe(svg);
    assertStringIncludes(svg, "No data to plot");
  }
  const nonFinite = renderPlotSvg({
    title: "Bad values",
    xLabel: "x",
    yLabel: "y",
    series: [{ kind: "points", name: "bad", points: [[NaN, 1], [1, Infinity]] }],
  });
  assertSafe(nonFinite);
  assertStringIncludes(nonFinite, "No finite values to plot");
});

Deno.test("renderPlotSvg renders 10,000 points quickly and keeps them all", () => {
  const points: Array<[number, number]> = Array.from(
    { length: 10_000 },
    (_, i) => [i, Math.sin(i / 100) * 1000],
  );
  const start = performance.now();
  const svg = renderPlotSvg({
    title: "Big",
    xLabel: "i",
    yLabel: "v",
    series: [{ kind: "line", name: "line", points }, { kind: "points", name: "dots", points }],
  });
  const elapsed = performance.now() - start;
  assert(elapsed < 2000, `Took ${elapsed} ms`);
  assertSafe(svg);
  const line = attribute(svg, /class="series line" data-name="line" d="([^"]*)"/);
  assertEquals((line.match(/L/g) ?? []).length, 9_999);
  const dots = attribute(svg, /class="series points" data-name="dots" d="([^"]*)"/);
  assertEquals((dots.match(/M/g) ?? []).length, 10_000);
});

function frameBottom(svg: string): number {
  return Number(attribute(svg, /<g class="axes">\n<path d="M[\d.]+,[\d.]+V([\d.]+)H/));
}

function sticks(svg: string): Array<{ base: number; tip: number }> {
  const d = attribute(svg, /class="series sticks" data-name="[^"]*" d="([^"]*)"/);
  return [...d.matchAll(/M[\d.-]+,([\d.-]+)V([\d.-]+)/g)].map((m) => ({
    base: Number(m[1]),
    tip: Number(m[2]),
  }));
}

Deno.test("renderPlotSvg starts sticks at zero, on the frame for positive data", () => {
  const svg = renderPlotSvg({
    title: "MS",
    xLabel: "m/z",
    yLabel: "%",
    series: [{ kind: "sticks", name: "EI", points: [[194, 100], [109, 62], [67, 25]] }],
  });
  assertSafe(svg);
  const drawn = sticks(svg);
  assertEquals(drawn.length, 3);
  for (const s of drawn) {
    assertEquals(s.base, frameBottom(svg));
    assert(s.tip < s.base);
  }
  assertStringIncludes(svg, ">0<");
});

Deno.test("renderPlotSvg draws negative sticks down from a zero line", () => {
  const svg = renderPlotSvg({
    title: "Residuals",
    xLabel: "x",
    yLabel: "r",
    series: [{ kind: "sticks", name: "r", points: [[1, 0.5], [2, -0.25], [3, 0.1]] }],
  });
  assertSafe(svg);
  const zero = Number(attribute(svg, /<path d="M[\d.]+,([\d.]+)H[\d.]+" stroke="#999999"/));
  const drawn = sticks(svg);
  for (const s of drawn) assertEquals(s.base, zero);
  assert(drawn[0].tip < zero && drawn[1].tip > zero && drawn[2].tip < zero);
  assertStringIncludes(svg, "−0.2");
});

Deno.test("renderPlotSvg uses scientific tick labels for very small values", () => {
  const svg = renderPlotSvg({
    title: "Small",
    xLabel: "c / M",
    yLabel: "A",
    series: [{ kind: "points", name: "std", points: [[1e-6, 0.1], [5e-6, 0.5]] }],
  });
  assertSafe(svg);
  assertMatch(svg, />\d(\.\d+)?×10⁻⁶</);
});

Deno.test("renderPlotSvg on log axes leaves out non-positive values and labels powers of ten", () => {
  const svg = renderPlotSvg({
    title: "Log",
    xLabel: "f",
    yLabel: "g",
    series: [
      {
        kind: "line",
        name: "decades",
        points: [[1, 1e-3], [10, 1], [0, 5], [100, 1e3], [1000, -1], [1e4, 1e6]],
      },
      { kind: "sticks", name: "peaks", points: [[10, 100], [100, 10]] },
    ],
  }, { xScale: "log", yScale: "log" });
  assertSafe(svg);
  assertStringIncludes(svg, "10⁶");
  assertStringIncludes(svg, "10⁻³");
  const line = attribute(svg, /class="series line" data-name="decades" d="([^"]*)"/);
  // [0, 5] and [1000, -1] cannot be placed, so the line breaks around them.
  assertEquals((line.match(/M/g) ?? []).length, 3);
  for (const s of sticks(svg)) assertEquals(s.base, frameBottom(svg));
});

Deno.test("renderPlotSvg on a log axis with no positive value shows a message", () => {
  const svg = renderPlotSvg({
    title: "Log",
    xLabel: "x",
    yLabel: "y",
    series: [{ kind: "points", name: "neg", points: [[1, -1], [2, 0]] }],
  }, { yScale: "log" });
  assertSafe(svg);
  assertStringIncludes(svg, "No positive, finite values to plot on a log axis");
});

Deno.test("renderPlotSvg handles a single point and constant values", () => {
  for (
    const points of [[[5, 5]], [[0, 0]], [[1, 3], [2, 3], [3, 3]], [[-2, -7], [-2, -7]]] as Array<
      Array<[number, number]>
    >
  ) {
    const svg = renderPlotSvg({
      title: "One",
      xLabel: "x",
      yLabel: "y",
      series: [{ kind: "points", name: "p", points }],
    });
    assertSafe(svg);
    assertMatch(svg, /class="series points"/);
  }
});

Deno.test("renderPlotSvg breaks a line at non-finite points", () => {
  const svg = renderPlotSvg({
    title: "Gap",
    xLabel: "x",
    yLabel: "y",
    series: [{ kind: "line", name: "gappy", points: [[0, 0], [1, 1], [2, NaN], [3, 1], [4, 0]] }],
  });
  assertSafe(svg);
  const line = attribute(svg, /class="series line" data-name="gappy" d="([^"]*)"/);
  assertEquals((line.match(/M/g) ?? []).length, 2);
});

Deno.test("renderPlotSvg gives each series its own colour and a legend entry", () => {
  const series = Array.from({ length: 9 }, (_, i) => ({
    kind: "line" as const,
    name: `series ${i}`,
    points: [[0, i], [1, i + 1]] as Array<[number, number]>,
  }));
  const svg = renderPlotSvg({ title: "Many", xLabel: "x", yLabel: "y", series });
  assertSafe(svg);
  const colours = [...svg.matchAll(/class="series line"[^>]*stroke="(#[0-9A-F]{6})"/g)].map((m) =>
    m[1]
  );
  assertEquals(new Set(colours.slice(0, 7)).size, 7);
  // Past the seven palette colours, lines differ by dash pattern.
  assertMatch(svg, /data-name="series 7"[^>]*stroke-dasharray="6 3"/);
  for (let i = 0; i < 9; i++) assertStringIncludes(svg, `>series ${i}<`);
});

Deno.test("renderPlotSvg keeps the legend inside the image when there are many series", () => {
  const series = Array.from({ length: 30 }, (_, i) => ({
    kind: "points" as const,
    name: `series ${i} with a long descriptive name`,
    points: [[i, i]] as Array<[number, number]>,
  }));
  const svg = renderPlotSvg({ title: "Many", xLabel: "x", yLabel: "y", series }, {
    width: 480,
    height: 320,
  });
  assertSafe(svg);
  assertMatch(svg, />\+\d+ more</);
  for (const match of svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"/g)) {
    assert(Number(match[1]) <= 480 && Number(match[2]) <= 320, `Text at ${match[1]},${match[2]}`);
  }
});

Deno.test("renderPlotSvg moves a legend too wide for the right below the axes, whole", () => {
  const name = "Simulated chromatogram (unit-height Gaussian peaks) and a long tail";
  const svg = renderPlotSvg({
    ...decay,
    series: [{ ...decay.series[0], name }, decay.series[1]],
  });
  assertSafe(svg);
  const legend = attribute(svg, /<g class="legend">([\s\S]*?)<\/g>/);
  assertStringIncludes(legend, `>${name}<`);
  assert(!legend.includes("…"));
  // Below the axes: the legend starts under the x axis label and the plot keeps its width.
  const frame = attribute(svg, /<g class="axes">\s*<path d="(M[^"]*)"/);
  const [, , , bottom, right] = /^M([\d.]+),([\d.]+)V([\d.]+)H([\d.]+)/.exec(frame)!.map(Number);
  assert(right >= 690, `plot right edge ${right}`);
  const legendY = Number(attribute(legend, /<text x="[\d.]+" y="([\d.]+)"/));
  assert(legendY > bottom + 30 && legendY < 450, `legend at ${legendY}`);
});

Deno.test("renderPlotSvg wraps a legend entry longer than the panel after its commas", () => {
  const name = "Fit: k = 1.667×10⁻⁴ L/(mol.s), t½ = 6000 s, R² = 0.8710";
  const svg = renderPlotSvg({ ...decay, series: [{ ...decay.series[1], name }] }, { width: 300 });
  const texts = Array.from(
    attribute(svg, /<g class="legend">([\s\S]*?)<\/g>/).matchAll(/<text ([^>]*)>([^<]*)</g),
  );
  assert(texts.length >= 2, `${texts.length} lines`);
  assertEquals(texts.map((t) => t[2]).join(" "), name);
  assert(texts.slice(1).every((t) => t[1].startsWith('class="continued"')));
  assert(texts[0][2].endsWith(","));
});

Deno.test("renderPlotSvg draws panels, the first across the top and the others below", () => {
  const panel = (title: string) => ({ ...decay, title, series: decay.series });
  const svg = renderPlotSvg({
    title: "Three views",
    xLabel: "",
    yLabel: "",
    series: [],
    panels: [panel("C"), panel("ln C"), panel("1/C")],
  });
  assertSafe(svg);
  assertMatch(svg, /^<svg [^>]*width="720" height="760"/);
  assertEquals(svg.match(/<g class="panel">/g)?.length, 3);
  const frames = Array.from(
    svg.matchAll(/<g class="axes">\s*<path d="M([\d.]+),([\d.]+)V([\d.]+)H([\d.]+)/g),
    (m) => m.slice(1).map(Number),
  );
  const [top, left, right] = frames;
  assert(top[2] < left[1] && left[1] === right[1], "the first panel is above the others");
  assert(left[3] < right[0], "the lower panels sit side by side");
  assertStringIncludes(svg, "<desc>Three views: 3 panels.");
  throwsLabos(
    () => renderPlotSvg({ ...decay, panels: [{ title: "x" } as never] }),
    /^Cannot draw panel 1: the spec has no series list$/,
  );
});

Deno.test("renderPlotSvg labels points above them, stacks clashing labels and escapes them", () => {
  const svg = renderPlotSvg({
    ...decay,
    annotations: [
      { x: 600, y: 0.35, text: "−CH₃, 15" },
      { x: 600, y: 0.35, text: "<b>" },
      { x: 1200, y: 0.1, text: "at the edge, a long label" },
      { x: Number.NaN, y: 1, text: "left out" },
      null as never,
      { x: 1, y: 1, text: 5 as never },
    ],
  });
  assertSafe(svg);
  const labels = Array.from(
    svg.matchAll(/<text class="annotation" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</g),
    (m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }),
  );
  assertEquals(labels.map((l) => l.text).sort(), [
    "&lt;b&gt;",
    "at the edge, a long label",
    "−CH₃, 15",
  ]);
  const [a, b] = labels.filter((l) => l.text !== "at the edge, a long label");
  assertEquals(a.x, b.x);
  assert(Math.abs(a.y - b.y) >= 11, "clashing labels are stacked");
  const frame = attribute(svg, /<g class="axes">\s*<path d="M[\d.]+,[\d.]+V[\d.]+H([\d.]+)/);
  const edge = labels.find((l) => l.text.startsWith("at the edge"))!;
  assert(edge.x + 60 <= Number(frame), "a label near the edge is pulled inside the frame");
});

Deno.test("renderPlotSvg rejects bad options and malformed specs with LabosError", () => {
  throwsLabos(
    () => renderPlotSvg(decay, { width: 10 }),
    /^Plot width must be a number from 240 to 4000, got 10$/,
  );
  throwsLabos(() => renderPlotSvg(decay, { height: NaN }), /^Plot height must be .*got null$/);
  throwsLabos(
    () => renderPlotSvg(decay, { yScale: "sqrt" as never }),
    /^Plot yScale must be "linear" or "log", got "sqrt"$/,
  );
  throwsLabos(
    () =>
      renderPlotSvg({
        ...decay,
        series: [{ kind: "bars" as never, name: "b", points: [] }],
      }),
    /^Cannot draw series 1: kind must be points, line or sticks, got "bars"$/,
  );
  throwsLabos(
    () => renderPlotSvg({ title: "t" } as never),
    /^Cannot draw plot: the spec has no series list$/,
  );
});

const lineage: LineageGraph = {
  nodes: [
    { id: "e1", label: "Kinetics practical", kind: "experiment" },
    { id: "d1", label: "kinetics_crystal_violet.csv", kind: "dataset" },
    { id: "d2", label: "calibration_standards.csv", kind: "dataset" },
    { id: "j1", label: "beer_lambert", kind: "job" },
    { id: "j2", label: "first_order", kind: "job" },
    { id: "f1", label: "fit.svg", kind: "file" },
  ],
  edges: [
    { from: "e1", to: "d1" },
    { from: "e1", to: "d2" },
    { from: "d2", to: "j1" },
    { from: "j1", to: "j2" },
    { from: "d1", to: "j2" },
    { from: "j2", to: "f1" },
    { from: "e1", to: "f1" },
  ],
};

function boxX(svg: string, label: string): number {
  const pattern = new RegExp(
    `<rect x="([\\d.]+)"[^>]*/>\\n<text[^>]*>[A-Z]+</text>\\n<text[^>]*>${label}</text>`,
  );
  return Number(attribute(svg, pattern));
}

Deno.test("renderLineageSvg lays nodes out left to right by longest path", () => {
  const svg = renderLineageSvg(lineage);
  assertSafe(svg);
  assertStringIncludes(svg, "<title>Lineage</title>");
  const x = Object.fromEntries(
    lineage.nodes.map((n) => [n.id, boxX(svg, n.label)]),
  );
  for (const edge of lineage.edges) assert(x[edge.from] < x[edge.to], `${edge.from} → ${edge.to}`);
  // d1 → j2 is the short path, but j2 also follows j1, so it sits one layer further right.
  assert(x.j2 > x.j1);
  assertEquals(x.d1, x.d2);
  assertEquals((svg.match(/<g class="node /g) ?? []).length, 6);
  // One arrowhead per edge.
  const heads = attribute(svg, /<path d="([^"]*)" fill="#777777"\/>/);
  assertEquals((heads.match(/M/g) ?? []).length, 7);
});

Deno.test("renderLineageSvg escapes labels and ids", () => {
  const svg = renderLineageSvg({
    nodes: [
      { id: `<i d="1">`, label: "<script>alert(1)</script>", kind: "file" },
      { id: "b&", label: "a & b", kind: "job" },
    ],
    edges: [{ from: `<i d="1">`, to: "b&" }],
  });
  assertSafe(svg);
  assertStringIncludes(svg, "&lt;script&gt;");
  assertStringIncludes(svg, "(&lt;i d=&quot;1&quot;&gt;)</title>");
});

Deno.test("renderLineageSvg shows a message for an empty graph", () => {
  const svg = renderLineageSvg({ nodes: [], edges: [] });
  assertSafe(svg);
  assertStringIncludes(svg, "No lineage to show");
});

Deno.test("renderLineageSvg ignores duplicate edges", () => {
  const svg = renderLineageSvg({
    nodes: [{ id: "a", label: "A", kind: "dataset" }, { id: "b", label: "B", kind: "job" }],
    edges: [{ from: "a", to: "b" }, { from: "a", to: "b" }],
  });
  const heads = attribute(svg, /<path d="([^"]*)" fill="#777777"\/>/);
  assertEquals((heads.match(/M/g) ?? []).length, 1);
});

Deno.test("renderLineageSvg rejects cycles, unknown nodes, duplicate ids and unknown kinds", () => {
  const a = { id: "a", label: "A", kind: "dataset" as const };
  const b = { id: "b", label: "B", kind: "job" as const };
  throwsLabos(
    () =>
      renderLineageSvg({ nodes: [a, b], edges: [{ from: "a", to: "b" }, { from: "b", to: "a" }] }),
    /^Cannot draw lineage: the edges form a cycle through node "a"$/,
  );
  throwsLabos(
    () => renderLineageSvg({ nodes: [a], edges: [{ from: "a", to: "a" }] }),
    /cycle through node "a"/,
  );
  throwsLabos(
    () => renderLineageSvg({ nodes: [a], edges: [{ from: "a", to: "zz" }] }),
    /^Cannot draw lineage: an edge refers to unknown node "zz"$/,
  );
  throwsLabos(
    () => renderLineageSvg({ nodes: [a, a], edges: [] }),
    /^Cannot draw lineage: duplicate node id "a"$/,
  );
  throwsLabos(
    () =>
      renderLineageSvg({ nodes: [{ id: "x", label: "X", kind: "toString" as never }], edges: [] }),
    /^Cannot draw lineage: node "x" has unknown kind "toString"$/,
  );
});

Deno.test("renderLineageSvg handles a wide graph of 300 nodes", () => {
  const nodes = Array.from({ length: 300 }, (_, i) => ({
    id: `n${i}`,
    label: `node ${i}`,
    kind: (["dataset", "job", "file", "experiment"] as const)[i % 4],
  }));
  const edges = nodes.slice(1).map((n, i) => ({ from: `n${Math.floor(i / 3)}`, to: n.id }));
  const start = performance.now();
  const svg = renderLineageSvg({ nodes, edges });
  assert(performance.now() - start < 2000);
  assertSafe(svg);
});

Deno.test("a dashed series is drawn and keyed dashed; the others keep their solid lines", () => {
  const svg = renderPlotSvg({
    title: "Cooling",
    xLabel: "Time (s)",
    yLabel: "Temperature (°C)",
    series: [
      { kind: "line", name: "fit", points: [[10, 28], [20, 27]] },
      { kind: "line", name: "extrapolated", points: [[0, 29], [10, 28]], dashed: true },
    ],
  });
  assertWellFormed(svg);
  const lines = [...svg.matchAll(/<path class="series line" data-name="(\w+)"[^>]*>/g)];
  assertEquals(lines.map((m) => [m[1], m[0].includes('stroke-dasharray="7 4"')]), [
    ["fit", false],
    ["extrapolated", true],
  ]);
  const legend = svg.slice(svg.indexOf('<g class="legend">'));
  assertEquals(legend.match(/stroke-dasharray="7 4"/g)?.length, 1);
});

Deno.test("xTicks integer: a rank axis has whole-number ticks only, labelled without decimals", () => {
  const spec: PlotSpec = {
    title: "Ranks",
    xLabel: "Rank",
    yLabel: "Value",
    series: [{
      name: "values",
      kind: "points" as const,
      points: [[1, 2], [2, 3]] as [number, number][],
    }],
  };
  const ticks = (svg: string) =>
    [...svg.matchAll(/<text[^>]*text-anchor="middle"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  const auto = ticks(renderPlotSvg(spec));
  assert(auto.some((label) => label.includes(".")), `expected fractional ticks, got ${auto}`);
  const integer = ticks(renderPlotSvg(spec, { xTicks: "integer" }));
  assert(integer.includes("1") && integer.includes("2"), `got ${integer}`);
  assert(!integer.some((label) => /^\d+\.\d+$/.test(label)), `got ${integer}`);
});
