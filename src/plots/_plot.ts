// @ts-types="@types/d3-scale"
import { type ScaleContinuousNumeric, scaleLinear, scaleLog } from "d3-scale";
// @ts-types="@types/d3-shape"
import { line } from "d3-shape";
import { LabosError, quote } from "../errors.ts";
import type { PlotAnnotation, PlotPanel, PlotSeries, PlotSpec } from "../modules/contract.ts";
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
  /** `integer` keeps only whole-number ticks on a linear x axis (ranks, counts). Default `auto`. */
  xTicks?: "auto" | "integer";
}

const TITLE_SIZE = 16;
const LABEL_SIZE = 13;
const TICK_SIZE = 12;
const LEGEND_SIZE = 12;
const NOTE_SIZE = 11;
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

/** The most point labels drawn per panel; placing each checks it against those placed. */
const MAX_LABELS = 300;

/**
 * Renders a {@linkcode PlotSpec} as a standalone SVG document. A spec with
 * `panels` is drawn as a figure: the first panel across the top, the others
 * side by side below it, each with its own axes and legend.
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
  checkSpec(spec);
  const panels = Array.isArray(spec.panels) && spec.panels.length > 0 ? spec.panels : null;
  panels?.forEach((panel, index) => checkSpec(panel, `panel ${index + 1}`));
  const width = dimension("width", { value: options.width ?? 720, min: 240 });
  const height = dimension("height", {
    value: options.height ?? (panels && panels.length > 1 ? 760 : 450),
    min: 180,
  });
  const scales = {
    xLog: scaleOption("xScale", options.xScale),
    yLog: scaleOption("yScale", options.yScale),
    xInteger: options.xTicks === "integer",
  };

  const body: string[] = [];
  const title = fitText(spec.title, { fontSize: TITLE_SIZE, width: width - 24 });
  if (title) {
    body.push(
      textElement(title, { x: width / 2, y: 28, size: TITLE_SIZE, anchor: "middle", bold: true }),
    );
  }
  const top = spec.title.trim() ? 44 : 18;
  // A line at the foot says when a series was thinned for drawing; room is kept for it.
  const big = (panels ?? [spec]).some((p) => p.series.some((s) => s.points.length > MAX_DRAWN));
  const foot = big ? height - 14 : height;
  const descriptions: string[] = [];
  const notes: string[] = [];
  if (!panels) {
    const drawn = drawPanel(spec, { left: 0, top, right: width, bottom: foot }, {
      ...scales,
      ownTitle: false,
    });
    body.push(drawn.svg);
    descriptions.push(describe(spec, drawn.ranges));
    if (drawn.note) notes.push(drawn.note);
  } else {
    const boxes = panelBoxes(panels.length, { width, height: foot, top });
    panels.forEach((panel, index) => {
      const drawn = drawPanel(panel, boxes[index], { ...scales, ownTitle: true });
      body.push(drawn.svg);
      descriptions.push(describe(panel, drawn.ranges));
      if (drawn.note) notes.push(drawn.note);
    });
  }
  const note = notes.join("; ");
  if (note) {
    body.push(textElement(fitText(note, { fontSize: 10, width: width - 24 }), {
      x: width - 12,
      y: height - 4,
      size: 10,
      anchor: "end",
      fill: MUTED,
      className: "decimation",
    }));
  }
  const description = panels
    ? `${spec.title || "Plot"}: ${panels.length} panels. ${descriptions.join(" ")}`
    : descriptions[0];
  return svgDocument(body, {
    width,
    height,
    title: spec.title,
    description: `${description}${note ? ` ${note}.` : ""}`,
  });
}

// The first panel spans the top half; the others share the bottom half.
function panelBoxes(count: number, area: { width: number; height: number; top: number }): Box[] {
  const { width, height, top } = area;
  if (count === 1) return [{ left: 0, top, right: width, bottom: height }];
  const split = top + (height - top) * 0.5;
  const boxes: Box[] = [{ left: 0, top, right: width, bottom: split }];
  const each = width / (count - 1);
  for (let i = 0; i < count - 1; i++) {
    boxes.push({ left: i * each, top: split + 6, right: (i + 1) * each, bottom: height });
  }
  return boxes;
}

interface DrawnPanel {
  svg: string;
  ranges: { x: [number, number]; y: [number, number] } | null;
  /** Which series were thinned for drawing, or "". */
  note: string;
}

function drawPanel(
  panel: PlotPanel,
  box: Box,
  options: { xLog: boolean; yLog: boolean; xInteger: boolean; ownTitle: boolean },
): DrawnPanel {
  const { xLog, yLog } = options;
  const width = box.right - box.left;
  const all = panel.series.map((series, index) => keepDrawable(series, { index, xLog, yLog }));
  // The axes span every point; only the drawing is thinned.
  const kept = all.flatMap((d) => d.points.filter((p): p is [number, number] => p !== null));
  const drawable = all.map((d) =>
    d.total > MAX_DRAWN ? { ...d, points: decimate(d.points, d.total) } : d
  );
  const hasSticks = drawable.some((d) => d.series.kind === "sticks" && d.points.length > 0);
  const hasMarkers = panel.series.some((s) => s.kind !== "line");
  // Labels that cannot be placed (from a plugin, say) are left out, as points are.
  const notes = (panel.annotations ?? []).filter((a) =>
    a !== null && typeof a === "object" && Number.isFinite(a.x) && Number.isFinite(a.y) &&
    (!xLog || a.x > 0) && (!yLog || a.y > 0) &&
    typeof a.text === "string" && a.text.trim() !== ""
  );

  const body: string[] = [];
  let top = box.top;
  if (options.ownTitle && panel.title.trim()) {
    const title = fitText(panel.title, { fontSize: LABEL_SIZE, width: width - 16 });
    body.push(textElement(title, {
      x: (box.left + box.right) / 2,
      y: box.top + LABEL_SIZE + 2,
      size: LABEL_SIZE,
      anchor: "middle",
      bold: true,
    }));
    top += LABEL_SIZE + 14;
  }
  const axisSpace = TICK_LENGTH + 6 + TICK_SIZE + (panel.xLabel.trim() ? 14 + LABEL_SIZE : 0) + 14;
  const legend = legendLayout(panel.series, {
    width,
    height: box.bottom - axisSpace - top,
    below: options.ownTitle,
  });
  const bottom = box.bottom - axisSpace - legend.height;

  if (kept.length === 0) {
    const plot = { left: box.left + 24, top, right: box.right - 24, bottom: box.bottom - 24 };
    body.push(emptyPlot(panel, { plot, log: xLog || yLog }));
    return { svg: `<g class="panel">\n${body.join("\n")}\n</g>`, ranges: null, note: "" };
  }

  const xExtent = padExtent(extent(kept.map((p) => p[0])), {
    log: xLog,
    pad: hasMarkers ? 0.04 : 0,
    zero: false,
  });
  const yValues = kept.map((p) => p[1]).concat(notes.map((a) => a.y));
  // Labels sit above their points, so the top of the axis leaves room for a few rows of them.
  const yExtent = padExtent(extent(yValues), {
    log: yLog,
    pad: 0.04,
    top: notes.length > 0 ? 0.16 : 0.04,
    zero: hasSticks && !yLog,
  });
  const yAxis = buildAxis(yExtent, {
    log: yLog,
    range: [bottom, top],
    count: Math.max(2, Math.round((bottom - top) / 50)),
  });
  const yLabelSpace = panel.yLabel.trim() ? LABEL_SIZE + 14 : 0;
  let yTickWidth = 0;
  for (const t of yAxis.ticks) yTickWidth = Math.max(yTickWidth, textWidth(t.label, TICK_SIZE));
  const left = Math.ceil(box.left + 14 + yLabelSpace + yTickWidth + TICK_LENGTH + 5);
  const right = box.right - (legend.place === "right" ? legend.width + 32 : 24);
  const xAxis = fitXAxis(xExtent, { log: xLog, range: [left, right], integer: options.xInteger });
  const plot = { left, top, right, bottom };

  body.push(drawGrid({ x: xAxis, y: yAxis }, plot));
  body.push(drawAxes({ x: xAxis, y: yAxis }, plot));
  for (const d of drawable) body.push(drawSeries(d, { x: xAxis.scale, y: yAxis.scale }));
  body.push(drawAnnotations(notes, { x: xAxis.scale, y: yAxis.scale, plot }));
  body.push(drawAxisLabels(panel, plot, { yTickWidth }));
  if (legend.place === "right") {
    body.push(drawLegend(legend, { x: right + 20, y: top }));
  } else if (legend.entries.length > 0) {
    body.push(drawLegend(legend, { x: box.left + 14, y: box.bottom - legend.height - 4 }));
  }
  const ranges = {
    x: xAxis.scale.domain() as [number, number],
    y: yAxis.scale.domain() as [number, number],
  };
  return {
    svg: `<g class="panel">\n${body.filter(Boolean).join("\n")}\n</g>`,
    ranges,
    note: decimationNote(drawable),
  };
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

function checkSpec(spec: PlotPanel, where = "plot"): void {
  if (spec === null || typeof spec !== "object" || !Array.isArray(spec.series)) {
    throw new LabosError("invalid", `Cannot draw ${where}: the spec has no series list`);
  }
  if (spec.annotations !== undefined && !Array.isArray(spec.annotations)) {
    throw new LabosError("invalid", `Cannot draw ${where}: annotations must be a list`);
  }
  for (const key of ["title", "xLabel", "yLabel"] as const) {
    if (typeof spec[key] !== "string") {
      throw new LabosError(
        "invalid",
        `Cannot draw ${where}: ${key} must be a string, got ${quote(spec[key])}`,
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
  options: { log: boolean; pad: number; top?: number; zero: boolean },
): [number, number] {
  const topPad = options.top ?? options.pad;
  if (options.log) {
    if (min === max) return [min / 10, max * 10];
    return [min / (max / min) ** options.pad, max * (max / min) ** topPad];
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
  const high = options.zero && max === 0 && topPad === options.pad ? 0 : max + span * topPad;
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
  options: { log: boolean; range: [number, number]; integer: boolean },
): Axis {
  const span = options.range[1] - options.range[0];
  let count = Math.max(2, Math.floor(span / 80));
  for (;;) {
    const axis = buildAxis(domain, { ...options, count });
    if (options.integer && !options.log) {
      axis.ticks = axis.ticks.filter((t) => Number.isInteger(t.value))
        .map((t) => ({ value: t.value, label: String(t.value) }));
    }
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

function drawAxisLabels(spec: PlotPanel, plot: Box, options: { yTickWidth: number }): string {
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
  /** `right` of the plot, or `below` it in wrapped rows. */
  place: "right" | "below";
  /** Width taken at the right; 0 below. */
  width: number;
  /** Height taken below the axes; 0 at the right. */
  height: number;
  /** Each entry with its offset from the legend's corner. */
  entries: Array<{ label: string; series: PlotSeries; index: number; dx: number; dy: number }>;
  more: number;
}

const ROW = 20;

// A legend goes at the right when its labels fit there whole; otherwise below the axes,
// in rows as wide as the panel, so no label is cut off.
function legendLayout(
  series: PlotSeries[],
  { width, height, below }: { width: number; height: number; below: boolean },
): LegendLayout {
  if (series.length === 0) return { place: "right", width: 0, height: 0, entries: [], more: 0 };
  const names = series.map((s, index) =>
    s.name.replace(/\s+/g, " ").trim() || `Series ${index + 1}`
  );
  let widest = 0;
  for (const name of names) widest = Math.max(widest, textWidth(name, LEGEND_SIZE));
  const rightMax = Math.min(width * 0.28, 220);
  const rows = Math.max(1, Math.floor((height - 8) / ROW));
  if (!below && widest <= rightMax && series.length <= rows) {
    const entries = names.map((label, index) => ({
      label,
      series: series[index],
      index,
      dx: 0,
      dy: index * ROW,
    }));
    return { place: "right", width: Math.ceil(28 + widest), height: 0, entries, more: 0 };
  }
  const usable = width - 28;
  const entries: LegendLayout["entries"] = [];
  let dx = 0;
  let dy = 0;
  let rowHeight = ROW;
  names.forEach((name, index) => {
    const lines = wrapText(name, { fontSize: LEGEND_SIZE, width: usable - 28 });
    let longest = 0;
    for (const line of lines) longest = Math.max(longest, textWidth(line, LEGEND_SIZE));
    const size = 28 + longest + 18;
    const tall = ROW + (lines.length - 1) * LINE;
    if (dx > 0 && dx + size > usable) {
      dx = 0;
      dy += rowHeight;
      rowHeight = ROW;
    }
    entries.push({ label: lines.join("\n"), series: series[index], index, dx, dy });
    rowHeight = Math.max(rowHeight, tall);
    dx += size;
  });
  // At most a third of the panel's height; the last row then says how many are left out.
  const room = Math.max(ROW, height / 3);
  const shown = entries.filter((e) => e.dy + ROW <= room);
  const more = entries.length - shown.length;
  const used = shown.length === entries.length ? dy + rowHeight : shown.reduce(
    (low, e) => Math.max(low, e.dy),
    0,
  ) + ROW * 2;
  return { place: "below", width: 0, height: used + 4, entries: shown, more };
}

const LINE = 15;

// Breaks a label into lines that fit, after a comma where it can, else at a space; a word
// longer than the width is shortened.
function wrapText(text: string, options: { fontSize: number; width: number }): string[] {
  const fits = (line: string) => textWidth(line, options.fontSize) <= options.width;
  const lines: string[] = [];
  let current = "";
  for (const clause of text.split(/(?<=,) /)) {
    const candidate = current ? `${current} ${clause}` : clause;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = "";
    for (const word of clause.split(" ")) {
      const next = current ? `${current} ${word}` : word;
      if (!current || fits(next)) current = next;
      else {
        lines.push(current);
        current = word;
      }
    }
  }
  lines.push(current);
  return lines.map((line) => fitText(line, options));
}

function drawLegend(legend: LegendLayout, at: { x: number; y: number }): string {
  const parts: string[] = [`<g class="legend">`];
  for (const entry of legend.entries) {
    const x = at.x + entry.dx;
    const cy = at.y + 8 + entry.dy;
    const { color, dash, marker: shape } = style(entry.index, entry.series);
    if (entry.series.kind === "line") {
      const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
      parts.push(
        `<path d="M${num(x)},${
          num(cy)
        }h20" stroke="${color}" stroke-width="2" fill="none"${dashAttr}/>`,
      );
    } else if (entry.series.kind === "sticks") {
      parts.push(
        `<path d="M${num(x + 10)},${num(cy + 7)}v-14" ` +
          `stroke="${color}" stroke-width="1.5" fill="none"/>`,
      );
    } else {
      parts.push(`<path d="${marker(shape, { x: x + 10, y: cy, r: 4 })}" fill="${color}"/>`);
    }
    // A wrapped entry's further lines are marked, so a reader of the SVG can join them.
    entry.label.split("\n").forEach((line, i) => {
      parts.push(textElement(line, {
        x: x + 28,
        y: cy + LEGEND_SIZE * 0.35 + i * LINE,
        size: LEGEND_SIZE,
        className: i > 0 ? "continued" : undefined,
      }));
    });
  }
  if (legend.more > 0) {
    const last = legend.entries.reduce((low, e) => Math.max(low, e.dy), -ROW);
    parts.push(textElement(`+${legend.more} more`, {
      x: at.x + 28,
      y: at.y + 8 + last + ROW + LEGEND_SIZE * 0.35,
      size: LEGEND_SIZE,
      fill: MUTED,
    }));
  }
  parts.push("</g>");
  return parts.join("\n");
}

// Each label is centred above its point and kept inside the frame; a label that would
// overlap one already placed moves up a row, as peak labels do in printed spectra.
function drawAnnotations(
  notes: PlotAnnotation[],
  { x, y, plot }: { x: Scale; y: Scale; plot: Box },
): string {
  if (notes.length === 0) return "";
  if (notes.length > MAX_LABELS) notes = notes.slice(0, MAX_LABELS);
  const placed: Array<{ left: number; right: number; baseline: number }> = [];
  const parts: string[] = [`<g class="annotations">`];
  const order = notes.map((note, index) => ({ note, index }))
    .sort((a, b) => y(a.note.y) - y(b.note.y) || a.index - b.index);
  for (const { note } of order) {
    const text = fitText(note.text, { fontSize: NOTE_SIZE, width: plot.right - plot.left });
    const half = textWidth(text, NOTE_SIZE) / 2;
    const px = x(note.x);
    const cx = Math.min(Math.max(px, plot.left + half + 2), plot.right - half - 2);
    let baseline = Math.min(y(note.y) - 6, plot.bottom - 4);
    const clash = (b: number) =>
      placed.some((p) =>
        cx - half < p.right + 3 && cx + half > p.left - 3 &&
        Math.abs(p.baseline - b) < NOTE_SIZE + 1
      );
    while (clash(baseline) && baseline - NOTE_SIZE - 2 > plot.top + NOTE_SIZE) {
      baseline -= NOTE_SIZE + 2;
    }
    placed.push({ left: cx - half, right: cx + half, baseline });
    parts.push(textElement(text, {
      x: cx,
      y: baseline,
      size: NOTE_SIZE,
      anchor: "middle",
      className: "annotation",
    }));
  }
  parts.push("</g>");
  return parts.join("\n");
}

function emptyPlot(spec: PlotPanel, { plot, log }: { plot: Box; log: boolean }): string {
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
  spec: PlotPanel,
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
