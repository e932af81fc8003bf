// @ts-types="@types/d3-scale"
import { type ScaleContinuousNumeric, scaleLinear, scaleLog } from "d3-scale";
// @ts-types="@types/d3-shape"
import { line } from "d3-shape";
import { LabosError, quote } from "../errors.ts";
import type { PlotSeries, PlotSpec } from "../modules/contract.ts";
import {
  escapeXml,
  fitText,
  GRID,
  INK,
  MUTED,
  num,
  PALETTE,
  svgDocument,
  textElement,
  textWidth,
} from "./_svg.ts";

/** Options for {@linkcode renderPlotSvg}. */
export interface PlotRenderOptions {
  /** Width in pixels, 240 to 4000; default 720. */
  width?: number;
  /** Height in pixels, 180 to 4000; default 450. */
  height?: number;
  /** X axis scale; on `log`, points with x ≤ 0 are left out. Default `linear`. */
  xScale?: "linear" | "log";
  /** Y axis scale; on `log`, points with y ≤ 0 are left out and sticks rise from the axis. Default `linear`. */
  yScale?: "linear" | "log";
}

const TITLE_SIZE = 16;
const LABEL_SIZE = 13;
const TICK_SIZE = 12;
const LEGEND_SIZE = 12;
const TICK_LENGTH = 5;
const MARKER_RADIUS = 3.5;
const DASHES = ["", "6 3", "2 3", "8 3 2 3"];
const EXTRAPOLATED_DASH = "7 4";
const KINDS = new Set(["points", "line", "sticks"]);

type Scale = ScaleContinuousNumeric<number, number>;

interface Axis {
  scale: Scale;
  /** Every tick; `label` is empty for unlabelled minor ticks of a log axis. */
  ticks: Array<{ value: number; label: string }>;
}

interface DrawableSeries {
  series: PlotSeries;
  index: number;
  /** Points kept for drawing, in order; `null` marks a gap. */
  points: Array<[number, number] | null>;
  /** How many drawable points the series had before decimation. */
  total: number;
}

/**
 * The most points drawn per series. A bigger series is decimated for drawing
 * only (the lowest and highest point of each of MAX_DRAWN / 2 runs), which
 * keeps its envelope; the plot says so.
 */
const MAX_DRAWN = 10_000;

/**
 * Renders a {@linkcode PlotSpec} as a standalone SVG document.
 *
 * @example
 * ```ts
 * import { renderPlotSvg } from "./_plot.ts";
 * import assert from "node:assert";
 * const svg = renderPlotSvg({
 *   title: "Decay", xLabel: "t / s", yLabel: "A",
 *   series: [{ kind: "line", name: "fit", points: [[0, 1], [10, 0.5]] }],
 * });
 * assert.ok(svg.startsWith("<svg"));
 * ```
 */
export function renderPlotSvg(spec: PlotSpec, options: PlotRenderOptions = {}): string {
  const width = dimension("width", { value: options.width ?? 720, min: 240 });
  const height = dimension("height", { value: options.height ?? 450, min: 180 });
  const xLog = scaleOption("xScale", options.xScale);
  const yLog = scaleOption("yScale", options.yScale);
  checkSpec(spec);

  const all = spec.series.map((series, index) => keepDrawable(series, { index, xLog, yLog }));
  // The axes span every point; only the drawing is thinned.
  const kept = all.flatMap((d) => d.points.filter((p): p is [number, number] => p !== null));
  const drawable = all.map((d) =>
    d.total > MAX_DRAWN ? { ...d, points: decimate(d.points, d.total) } : d
  );
  const hasSticks = drawable.some((d) => d.series.kind === "sticks" && d.points.length > 0);
  const hasMarkers = spec.series.some((s) => s.kind !== "line");

  const top = spec.title.trim() ? 44 : 18;
  const bottom = TICK_LENGTH + 6 + TICK_SIZE + (spec.xLabel.trim() ? 14 + LABEL_SIZE : 0) + 14;
  const legend = legendLayout(spec.series, { width, height: height - bottom - top });
  const body: string[] = [];
  const title = fitText(spec.title, { fontSize: TITLE_SIZE, width: width - 24 });
  if (title) {
    body.push(
      textElement(title, { x: width / 2, y: 28, size: TITLE_SIZE, anchor: "middle", bold: true }),
    );
  }

  if (kept.length === 0) {
    const plot = { left: 24, top, right: width - 24, bottom: height - 24 };
    body.push(emptyPlot(spec, { plot, log: xLog || yLog }));
    return svgDocument(body, {
      width,
      height,
      title: spec.title,
      description: describe(spec, null),
    });
  }

  const xs = kept.map((p) => p[0]);
  const ys = kept.map((p) => p[1]);
  const xExtent = padExtent(extent(xs), { log: xLog, pad: hasMarkers ? 0.04 : 0, zero: false });
  const yExtent = padExtent(extent(ys), { log: yLog, pad: 0.04, zero: hasSticks && !yLog });

  const plotTop = top;
  const plotBottom = height - bottom;
  const yAxis = buildAxis(yExtent, {
    log: yLog,
    range: [plotBottom, plotTop],
    count: Math.max(2, Math.round((plotBottom - plotTop) / 50)),
  });
  const yLabelSpace = spec.yLabel.trim() ? LABEL_SIZE + 14 : 0;
  const yTickWidth = yAxis.ticks.reduce(
    (widest, t) => Math.max(widest, textWidth(t.label, TICK_SIZE)),
    0,
  );
  const plotLeft = Math.ceil(14 + yLabelSpace + yTickWidth + TICK_LENGTH + 5);
  const plotRight = width - (legend.width > 0 ? legend.width + 20 : 24);
  const xAxis = fitXAxis(xExtent, { log: xLog, range: [plotLeft, plotRight] });
  const plot = { left: plotLeft, top: plotTop, right: plotRight, bottom: plotBottom };

  body.push(drawGrid({ x: xAxis, y: yAxis }, plot));
  body.push(drawAxes({ x: xAxis, y: yAxis }, plot));
  for (const d of drawable) body.push(drawSeries(d, { x: xAxis.scale, y: yAxis.scale }));
  const note = decimationNote(drawable);
  if (note) {
    body.push(
      textElement(fitText(note, { fontSize: 10, width: width - 24 }), {
        x: width - 12,
        y: height - 4,
        size: 10,
        anchor: "end",
        fill: MUTED,
      }).replace("<text ", `<text class="decimation" `),
    );
  }
  body.push(drawAxisLabels(spec, plot, { yTickWidth }));
  if (legend.width > 0) body.push(drawLegend(legend, { x: plotRight + 20, y: plotTop }));
  const ranges = {
    x: xAxis.scale.domain() as [number, number],
    y: yAxis.scale.domain() as [number, number],
  };
  return svgDocument(body.filter(Boolean), {
    width,
    height,
    title: spec.title,
    description: `${describe(spec, ranges)}${note ? ` ${note}.` : ""}`,
  });
}

// Says which series were thinned for drawing, and that the numbers used all points.
function decimationNote(drawable: DrawableSeries[]): string {
  const thinned = drawable.filter((d) => d.total > MAX_DRAWN);
  if (thinned.length === 0) return "";
  const counts = thinned.map((d) =>
    `${d.points.filter((p) => p !== null).length.toLocaleString("en-US")} of ${
      d.total.toLocaleString("en-US")
    } points of ${quote(d.series.name)}`
  );
  return `Drawn with ${counts.join(", ")}: thinned for drawing only; the results use every point`;
}

function dimension(name: string, range: { value: number; min: number }): number {
  const { value, min } = range;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > 4000) {
    throw new LabosError(
      "invalid",
      `Plot ${name} must be a number from ${min} to 4000, got ${quote(value)}`,
    );
  }
  return Math.round(value);
}

function scaleOption(name: string, value: unknown): boolean {
  if (value === undefined || value === "linear") return false;
  if (value === "log") return true;
  throw new LabosError("invalid", `Plot ${name} must be "linear" or "log", got ${quote(value)}`);
}

function checkSpec(spec: PlotSpec): void {
  if (spec === null || typeof spec !== "object" || !Array.isArray(spec.series)) {
    throw new LabosError("invalid", "Cannot draw plot: the spec has no series list");
  }
  for (const key of ["title", "xLabel", "yLabel"] as const) {
    if (typeof spec[key] !== "string") {
      throw new LabosError(
        "invalid",
        `Cannot draw plot: ${key} must be a string, got ${quote(spec[key])}`,
      );
    }
  }
  spec.series.forEach((series, index) => {
    if (!KINDS.has(series?.kind)) {
      throw new LabosError(
        "invalid",
        `Cannot draw series ${index + 1}: kind must be points, line or sticks, got ${
          quote(series?.kind)
        }`,
      );
    }
    if (typeof series.name !== "string" || !Array.isArray(series.points)) {
      throw new LabosError(
        "invalid",
        `Cannot draw series ${index + 1}: it needs a string name and a points array`,
      );
    }
  });
}

// Non-finite points, and non-positive ones on a log axis, cannot be placed: they are
// left out, and break a line into segments as in most plotting tools.
function keepDrawable(
  series: PlotSeries,
  options: { index: number; xLog: boolean; yLog: boolean },
): DrawableSeries {
  const { index, xLog, yLog } = options;
  const points: Array<[number, number] | null> = [];
  for (const point of series.points) {
    const [x, y] = Array.isArray(point) ? point : [NaN, NaN];
    const ok = typeof x === "number" && typeof y === "number" && Number.isFinite(x) &&
      Number.isFinite(y) && (!xLog || x > 0) && (!yLog || y > 0);
    if (ok) points.push([x, y]);
    else if (points.length > 0 && points[points.length - 1] !== null) points.push(null);
  }
  if (points[points.length - 1] === null) points.pop();
  let total = 0;
  for (const point of points) if (point !== null) total++;
  return { series, index, points, total };
}

// Keeps, in order, the lowest and highest point of each run of consecutive points, and the gaps.
function decimate(
  points: Array<[number, number] | null>,
  total: number,
): Array<[number, number] | null> {
  const run = Math.ceil(total / (MAX_DRAWN / 2));
  const kept: Array<[number, number] | null> = [];
  let low: [number, number] | null = null;
  let high: [number, number] | null = null;
  let lowAt = 0;
  let highAt = 0;
  let count = 0;
  const flush = () => {
    if (low === null || high === null) return;
    if (low === high) kept.push(low);
    else if (lowAt < highAt) kept.push(low, high);
    else kept.push(high, low);
    low = high = null;
    count = 0;
  };
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    if (point === null) {
      flush();
      kept.push(null);
      continue;
    }
    if (low === null || point[1] < low[1]) [low, lowAt] = [point, i];
    if (high === null || point[1] > high[1]) [high, highAt] = [point, i];
    if (++count === run) flush();
  }
  flush();
  return kept;
}

function extent(values: number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

// Like matplotlib's margins: the domain is the data extent widened by a fraction of its
// span, so markers clear the frame; ticks fall on round values inside it.
function padExtent(
  [min, max]: [number, number],
  options: { log: boolean; pad: number; zero: boolean },
): [number, number] {
  if (options.log) {
    if (min === max) return [min / 10, max * 10];
    const factor = (max / min) ** options.pad;
    return [min / factor, max * factor];
  }
  if (options.zero) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }
  if (min === max) {
    const half = min === 0 ? 1 : Math.abs(min) / 2;
    return [min - half, max + half];
  }
  const span = max - min;
  // Sticks rise from zero, so zero stays on the frame instead of floating above it.
  const low = options.zero && min === 0 ? 0 : min - span * options.pad;
  const high = options.zero && max === 0 ? 0 : max + span * options.pad;
  return [low, high];
}

function buildAxis(
  domain: [number, number],
  options: { log: boolean; range: [number, number]; count: number },
): Axis {
  if (options.log) {
    const scale = scaleLog().domain(domain).range(options.range);
    const values = scale.ticks(options.count);
    const labelled = scale.tickFormat(options.count);
    const format = logTickFormatter(scale.domain());
    // d3 returns an empty label for minor ticks it wants left unlabelled.
    const ticks = values.map((value) => ({
      value,
      label: labelled(value) === "" ? "" : format(value),
    }));
    return { scale, ticks };
  }
  const scale = scaleLinear().domain(domain).range(options.range);
  const values = scale.ticks(options.count);
  const [a, b] = scale.domain();
  const largest = Math.max(Math.abs(a), Math.abs(b));
  const scientific = largest >= 1e5 || largest < 1e-3;
  const format = scale.tickFormat(options.count, scientific ? "e" : "f");
  const ticks = values.map((value) => ({
    value,
    label: !scientific ? format(value) : value === 0 ? "0" : superscriptExponent(format(value)),
  }));
  return { scale, ticks };
}

function fitXAxis(
  domain: [number, number],
  options: { log: boolean; range: [number, number] },
): Axis {
  const span = options.range[1] - options.range[0];
  let count = Math.max(2, Math.floor(span / 80));
  for (;;) {
    const axis = buildAxis(domain, { ...options, count });
    const labels = axis.ticks.filter((t) => t.label !== "");
    const needed = labels.reduce((sum, t) => sum + textWidth(t.label, TICK_SIZE) + 14, 0);
    if (needed <= span || count <= 2) return axis;
    count = Math.max(2, Math.floor(count * 0.7));
  }
}

const SUPERSCRIPT: Record<string, string> = {
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
  "-": "⁻",
  "−": "⁻",
  "+": "",
};

function superscriptExponent(text: string): string {
  const match = /^(.*)e(.*)$/.exec(text);
  if (!match) return text;
  const exponent = Array.from(match[2], (c) => SUPERSCRIPT[c] ?? c).join("");
  return `${match[1]}×10${exponent}`;
}

// Over three or more decades every power of ten is written as 10ⁿ, so the labels match.
function logTickFormatter(domain: number[]): (value: number) => string {
  const decades = Math.abs(Math.log10(domain[1] / domain[0]));
  return (value) => {
    const exponent = Math.round(Math.log10(value));
    const power = Math.abs(value / 10 ** exponent - 1) < 1e-9;
    if (power && (decades >= 3 || exponent < -3 || exponent > 4)) {
      return `10${superscriptExponent(`e${exponent}`).slice(3)}`;
    }
    if (value >= 1e5 || value < 1e-3) return superscriptExponent(value.toExponential(0));
    return String(Number(value.toPrecision(6)));
  };
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function drawGrid({ x, y }: { x: Axis; y: Axis }, plot: Box): string {
  const parts: string[] = [];
  for (const t of x.ticks) {
    if (t.label === "") continue;
    parts.push(`M${num(x.scale(t.value))},${num(plot.top)}V${num(plot.bottom)}`);
  }
  for (const t of y.ticks) {
    if (t.label === "") continue;
    parts.push(`M${num(plot.left)},${num(y.scale(t.value))}H${num(plot.right)}`);
  }
  const grid = `<path d="${parts.join("")}" stroke="${GRID}" stroke-width="1" fill="none"/>`;
  const [y0, y1] = y.scale.domain();
  // A zero line anchors negative values and sticks on a linear axis.
  const zero = y0 < 0 && y1 > 0
    ? `<path d="M${num(plot.left)},${num(y.scale(0))}H${
      num(plot.right)
    }" stroke="#999999" stroke-width="1" fill="none"/>`
    : "";
  return `<g class="grid">${grid}${zero}</g>`;
}

function drawAxes({ x, y }: { x: Axis; y: Axis }, plot: Box): string {
  const marks: string[] = [];
  const labels: string[] = [];
  for (const t of x.ticks) {
    const px = x.scale(t.value);
    const length = t.label === "" ? TICK_LENGTH - 2 : TICK_LENGTH;
    marks.push(`M${num(px)},${num(plot.bottom)}v${length}`);
    if (t.label) {
      labels.push(textElement(t.label, {
        x: px,
        y: plot.bottom + TICK_LENGTH + 4 + TICK_SIZE,
        size: TICK_SIZE,
        anchor: "middle",
        fill: MUTED,
      }));
    }
  }
  for (const t of y.ticks) {
    const py = y.scale(t.value);
    const length = t.label === "" ? TICK_LENGTH - 2 : TICK_LENGTH;
    marks.push(`M${num(plot.left)},${num(py)}h${-length}`);
    if (t.label) {
      labels.push(textElement(t.label, {
        x: plot.left - TICK_LENGTH - 4,
        y: py + TICK_SIZE * 0.35,
        size: TICK_SIZE,
        anchor: "end",
        fill: MUTED,
      }));
    }
  }
  const frame = `M${num(plot.left)},${num(plot.top)}V${num(plot.bottom)}H${num(plot.right)}`;
  return [
    `<g class="axes">`,
    `<path d="${frame}${marks.join("")}" stroke="${INK}" stroke-width="1" fill="none"/>`,
    ...labels,
    `</g>`,
  ].join("\n");
}

function drawAxisLabels(spec: PlotSpec, plot: Box, options: { yTickWidth: number }): string {
  const parts: string[] = [];
  const xLabel = fitText(spec.xLabel, { fontSize: LABEL_SIZE, width: plot.right - plot.left });
  if (xLabel) {
    parts.push(textElement(xLabel, {
      x: (plot.left + plot.right) / 2,
      y: plot.bottom + TICK_LENGTH + 6 + TICK_SIZE + 14 + LABEL_SIZE * 0.75,
      size: LABEL_SIZE,
      anchor: "middle",
    }));
  }
  const yLabel = fitText(spec.yLabel, { fontSize: LABEL_SIZE, width: plot.bottom - plot.top });
  if (yLabel) {
    const x = plot.left - TICK_LENGTH - 5 - options.yTickWidth - 12;
    parts.push(textElement(yLabel, {
      x,
      y: (plot.top + plot.bottom) / 2,
      size: LABEL_SIZE,
      anchor: "middle",
      rotate: -90,
    }));
  }
  return parts.length ? `<g class="labels">\n${parts.join("\n")}\n</g>` : "";
}

function style(
  index: number,
  series?: PlotSeries,
): { color: string; dash: string; marker: number } {
  return {
    color: PALETTE[index % PALETTE.length],
    dash: series?.dashed
      ? EXTRAPOLATED_DASH
      : DASHES[Math.floor(index / PALETTE.length) % DASHES.length],
    marker: index % 4,
  };
}

function marker(shape: number, at: { x: number; y: number; r: number }): string {
  const { x, y, r } = at;
  switch (shape) {
    case 1:
      return `M${num(x - r * 0.9)},${num(y - r * 0.9)}h${num(r * 1.8)}v${num(r * 1.8)}h${
        num(-r * 1.8)
      }z`;
    case 2:
      return `M${num(x)},${num(y - r * 1.2)}l${num(r * 1.1)},${num(r * 1.9)}h${num(-r * 2.2)}z`;
    case 3:
      return `M${num(x)},${num(y - r * 1.3)}l${num(r * 1.1)},${num(r * 1.3)}l${num(-r * 1.1)},${
        num(r * 1.3)
      }l${num(-r * 1.1)},${num(-r * 1.3)}z`;
    default:
      return `M${num(x - r)},${num(y)}a${num(r)},${num(r)} 0 1,0 ${num(2 * r)},0a${num(r)},${
        num(r)
      } 0 1,0 ${num(-2 * r)},0z`;
  }
}

function drawSeries(d: DrawableSeries, { x, y }: { x: Scale; y: Scale }): string {
  const { color, dash, marker: shape } = style(d.index, d.series);
  const name = escapeXml(d.series.name);
  if (d.points.length === 0) return "";
  if (d.series.kind === "line") {
    const path = line<[number, number] | null>()
      .defined((p) => p !== null)
      .x((p) => x(p![0]))
      .y((p) => y(p![1]))
      .digits(2)(d.points);
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
    return `<path class="series line" data-name="${name}" d="${path}" fill="none" stroke="${color}" ` +
      `stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dashAttr}/>`;
  }
  const points = d.points.filter((p): p is [number, number] => p !== null);
  if (d.series.kind === "sticks") {
    // A linear axis always includes zero when there are sticks; a log axis has no zero.
    const [low] = y.domain();
    const baseline = low > 0 ? y(low) : y(0);
    const path = points.map(([px, py]) => `M${num(x(px))},${num(baseline)}V${num(y(py))}`).join("");
    return `<path class="series sticks" data-name="${name}" d="${path}" fill="none" stroke="${color}" ` +
      `stroke-width="1.5"/>`;
  }
  const path = points.map(([px, py]) => marker(shape, { x: x(px), y: y(py), r: MARKER_RADIUS }))
    .join("");
  return `<path class="series points" data-name="${name}" d="${path}" fill="${color}" ` +
    `fill-opacity="0.85" stroke="#FFFFFF" stroke-width="0.6"/>`;
}

interface LegendLayout {
  width: number;
  entries: Array<{ label: string; series: PlotSeries; index: number }>;
  more: number;
}

function legendLayout(
  series: PlotSeries[],
  { width, height }: { width: number; height: number },
): LegendLayout {
  if (series.length === 0) return { width: 0, entries: [], more: 0 };
  const maxText = Math.min(width * 0.28, 220);
  const entries = series.map((s, index) => ({
    label: fitText(s.name || `Series ${index + 1}`, { fontSize: LEGEND_SIZE, width: maxText }),
    series: s,
    index,
  }));
  const textMax = entries.reduce(
    (widest, e) => Math.max(widest, textWidth(e.label, LEGEND_SIZE)),
    -Infinity,
  );
  // Rows are 20 px apart; when they do not all fit, the last row says how many are left out.
  const rows = Math.max(1, Math.floor((height - 8) / 20));
  const shown = entries.length <= rows ? entries : entries.slice(0, rows - 1);
  return { width: Math.ceil(28 + textMax), entries: shown, more: entries.length - shown.length };
}

function drawLegend(legend: LegendLayout, at: { x: number; y: number }): string {
  const parts: string[] = [`<g class="legend">`];
  legend.entries.forEach((entry, row) => {
    const cy = at.y + 8 + row * 20;
    const { color, dash, marker: shape } = style(entry.index, entry.series);
    if (entry.series.kind === "line") {
      const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
      parts.push(
        `<path d="M${num(at.x)},${
          num(cy)
        }h20" stroke="${color}" stroke-width="2" fill="none"${dashAttr}/>`,
      );
    } else if (entry.series.kind === "sticks") {
      parts.push(
        `<path d="M${num(at.x + 10)},${num(cy + 7)}v-14" ` +
          `stroke="${color}" stroke-width="1.5" fill="none"/>`,
      );
    } else {
      parts.push(`<path d="${marker(shape, { x: at.x + 10, y: cy, r: 4 })}" fill="${color}"/>`);
    }
    parts.push(
      textElement(entry.label, { x: at.x + 28, y: cy + LEGEND_SIZE * 0.35, size: LEGEND_SIZE }),
    );
  });
  if (legend.more > 0) {
    parts.push(textElement(`+${legend.more} more`, {
      x: at.x + 28,
      y: at.y + 8 + legend.entries.length * 20 + LEGEND_SIZE * 0.35,
      size: LEGEND_SIZE,
      fill: MUTED,
    }));
  }
  parts.push("</g>");
  return parts.join("\n");
}

function emptyPlot(spec: PlotSpec, { plot, log }: { plot: Box; log: boolean }): string {
  const message = spec.series.every((s) => s.points.length === 0)
    ? "No data to plot"
    : log
    ? "No positive, finite values to plot on a log axis"
    : "No finite values to plot";
  return [
    `<rect x="${num(plot.left)}" y="${num(plot.top)}" width="${num(plot.right - plot.left)}" ` +
    `height="${num(plot.bottom - plot.top)}" fill="none" stroke="${GRID}"/>`,
    textElement(message, {
      x: (plot.left + plot.right) / 2,
      y: (plot.top + plot.bottom) / 2,
      size: LABEL_SIZE,
      anchor: "middle",
      fill: MUTED,
    }),
  ].join("\n");
}

function describe(
  spec: PlotSpec,
  ranges: { x: [number, number]; y: [number, number] } | null,
): string {
  if (ranges === null) return `${spec.title || "Plot"}: no data to plot`;
  const series = spec.series.map((s) => `${s.name} (${s.kind}, ${s.points.length} points)`).join(
    "; ",
  );
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  return `${spec.title || "Plot"}. X axis ${spec.xLabel || "unlabelled"} from ${
    fmt(ranges.x[0])
  } ` +
    `to ${fmt(ranges.x[1])}; y axis ${spec.yLabel || "unlabelled"} from ${fmt(ranges.y[0])} ` +
    `to ${fmt(ranges.y[1])}. Series: ${series}.`;
}
