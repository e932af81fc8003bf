/**
 * Decodes a plot SVG rendered by `src/plots` back to data coordinates, so a
 * test can check what is drawn rather than the spec it was drawn from: the
 * axis tick labels give the pixel-to-value maps, and each series path gives
 * its points.
 *
 * @module
 */

/** One decoded series: its kind, legend name and points in data coordinates. */
export interface DecodedSeries {
  kind: "points" | "line" | "sticks";
  name: string;
  dashed: boolean;
  points: Array<[number, number]>;
}

/** A decoded plot: both axes' data ranges and its series. */
export interface DecodedPlot {
  xDomain: [number, number];
  yDomain: [number, number];
  series: DecodedSeries[];
  legend: string[];
}

const MARKER_RADIUS = 3.5;

function unescape(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

function tickLabel(label: string): number {
  const power = /^(−?-?[\d.]+)×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(label);
  if (power) {
    const exponent = Array.from(power[2], (c) => c === "⁻" ? "-" : String("⁰¹²³⁴⁵⁶⁷⁸⁹".indexOf(c)))
      .join("");
    return Number(power[1].replace("−", "-")) * 10 ** Number(exponent);
  }
  return Number(label.replace("−", "-"));
}

// Least squares through (pixel, value) pairs: exact for a linear axis.
function linearMap(pairs: Array<[number, number]>): (pixel: number) => number {
  if (pairs.length < 2) throw new Error("An axis needs at least two labelled ticks");
  const n = pairs.length;
  const mx = pairs.reduce((s, p) => s + p[0], 0) / n;
  const my = pairs.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of pairs) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  const slope = sxy / sxx;
  return (pixel) => my + slope * (pixel - mx);
}

/** Decodes a linear-axis plot SVG from `renderPlotSvg` into data coordinates. */
export function decodePlotSvg(svg: string): DecodedPlot {
  const axes = /<g class="axes">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? "";
  const xTicks: Array<[number, number]> = [];
  const yTicks: Array<[number, number]> = [];
  for (const m of axes.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)) {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1])?.[1];
    const value = tickLabel(unescape(m[2]));
    if (!Number.isFinite(value)) continue;
    if (attr("text-anchor") === "middle") xTicks.push([Number(attr("x")), value]);
    // A y tick label's baseline sits 0.35 em (12 px font) below its tick.
    else if (attr("text-anchor") === "end") yTicks.push([Number(attr("y")) - 12 * 0.35, value]);
  }
  const toX = linearMap(xTicks);
  const toY = linearMap(yTicks);
  const frame = /<g class="axes">\s*<path d="M([\d.]+),([\d.]+)V([\d.]+)H([\d.]+)/.exec(svg);
  if (!frame) throw new Error("The plot has no axis frame");
  const [left, top, bottom, right] = frame.slice(1).map(Number);
  const series: DecodedSeries[] = [];
  for (
    const m of svg.matchAll(
      /<path class="series (points|line|sticks)" data-name="([^"]*)" d="([^"]*)"([^>]*)\/>/g,
    )
  ) {
    const kind = m[1] as DecodedSeries["kind"];
    const d = m[3];
    let pixels: Array<[number, number]>;
    if (kind === "points") {
      // Each marker starts at its left edge (circle) or corner; circles are drawn for series 0.
      pixels = [...d.matchAll(/M(-?[\d.]+),(-?[\d.]+)a/g)].map((p) => [
        Number(p[1]) + MARKER_RADIUS,
        Number(p[2]),
      ]);
    } else if (kind === "sticks") {
      pixels = [...d.matchAll(/M(-?[\d.]+),-?[\d.]+V(-?[\d.]+)/g)].map((p) => [
        Number(p[1]),
        Number(p[2]),
      ]);
    } else {
      pixels = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((p) => [
        Number(p[1]),
        Number(p[2]),
      ]);
    }
    series.push({
      kind,
      name: unescape(m[2]),
      dashed: m[4].includes("stroke-dasharray"),
      points: pixels.map(([px, py]) => [toX(px), toY(py)]),
    });
  }
  const legendBlock = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? "";
  const legend = [...legendBlock.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    unescape(m[1])
  );
  return {
    xDomain: [toX(left), toX(right)],
    yDomain: [toY(bottom), toY(top)],
    series,
    legend,
  };
}
