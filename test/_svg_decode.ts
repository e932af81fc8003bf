/**
 * Reads a plot SVG from `renderPlotSvg` back into numbers, as a reader of the
 * picture would: the tick labels give each axis's linear scale, whose inverse
 * turns marker centres, line vertices, stick tops and label positions back
 * into data coordinates. Tests use it to check that what is drawn is what the
 * module computed.
 *
 * @module
 */

/** One element of the parsed SVG. */
interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** A series read back from its path, in data coordinates. */
export interface DecodedSeries {
  /** `points`, `line` or `sticks`, from the path's class. */
  kind: string;
  /** The legend name, from `data-name`. */
  name: string;
  /** Whether the path is dashed. */
  dashed: boolean;
  /** The points, in drawing order. */
  points: Array<[number, number]>;
}

/** A text label read back: its text, its anchor in pixels and in data units. */
export interface DecodedLabel {
  /** The text, unescaped. */
  text: string;
  /** Anchor x in pixels. */
  px: number;
  /** Baseline y in pixels. */
  py: number;
  /** Anchor x in data units. */
  x: number;
  /** Baseline y in data units. */
  y: number;
}

/** One panel (one set of axes) read back. */
export interface DecodedPanel {
  /** The panel's own title, or "" when the figure title serves. */
  title: string;
  /** X axis label. */
  xLabel: string;
  /** Y axis label. */
  yLabel: string;
  /** Pixel to data, from the tick labels. */
  x: (px: number) => number;
  /** Pixel to data, from the tick labels. */
  y: (py: number) => number;
  /** The visible x range in data units, from the frame. */
  xDomain: [number, number];
  /** The visible y range in data units, from the frame. */
  yDomain: [number, number];
  /** The series, in drawing order. */
  series: DecodedSeries[];
  /** Text labels at data points. */
  annotations: DecodedLabel[];
  /** Legend lines, with their positions. */
  legend: Array<{ text: string; px: number; py: number }>;
  /** Legend entries, a wrapped entry's lines joined. */
  entries: string[];
}

/** A whole figure read back; the first panel's scales, series and legend are also at the top. */
export interface DecodedPlot {
  /** The first panel's visible x range. */
  xDomain: [number, number];
  /** The first panel's visible y range. */
  yDomain: [number, number];
  /** The first panel's series. */
  series: DecodedSeries[];
  /** The first panel's legend entries. */
  legend: string[];
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** The figure title. */
  title: string;
  /** One entry per set of axes. */
  panels: DecodedPanel[];
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

function unescape(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

function parse(svg: string): Node {
  const root: Node = { name: "#root", attrs: {}, children: [], text: "" };
  const stack = [root];
  const token = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (const match of svg.matchAll(token)) {
    const [, closing, name, attrText, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (text !== undefined) {
      top.text += unescape(text);
      continue;
    }
    if (closing) {
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      attrs[key] = unescape(value);
    }
    const node: Node = { name, attrs, children: [], text: "" };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  return root.children[0];
}

function all(node: Node, test: (n: Node) => boolean): Node[] {
  const found: Node[] = [];
  const visit = (n: Node) => {
    if (test(n)) found.push(n);
    n.children.forEach(visit);
  };
  node.children.forEach(visit);
  return found;
}

function hasClass(node: Node, name: string): boolean {
  return (node.attrs.class ?? "").split(" ").includes(name);
}

const SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/**
 * A tick label as a number: `−2`, `1.5×10⁻³`, `10⁴`, `0.25`.
 *
 * @example
 * ```ts
 * import { tickValue } from "./_svg_decode.ts";
 * import assert from "node:assert";
 * assert.strictEqual(tickValue("1.5×10⁻³"), 1.5e-3);
 * assert.strictEqual(tickValue("−2"), -2);
 * assert.strictEqual(tickValue("10⁴"), 1e4);
 * assert.strictEqual(tickValue("100"), 100);
 * ```
 */
export function tickValue(label: string): number {
  const plain = Array.from(label, (c) => {
    const digit = SUPERSCRIPT_DIGITS.indexOf(c);
    if (digit >= 0) return String(digit);
    if (c === "⁻" || c === "−") return "-";
    return c;
  }).join("").replace(/,/g, "");
  const power = /[⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(label) && /^(?:(-?[\d.]+)×)?10(-?\d+)$/.exec(plain);
  if (power) return Number(power[1] ?? 1) * 10 ** Number(power[2]);
  return Number(plain);
}

// Least squares value = a + b·pixel over the labelled ticks.
function inverse(ticks: Array<{ px: number; value: number }>): (px: number) => number {
  if (ticks.length < 2) throw new Error(`An axis needs two labelled ticks, got ${ticks.length}`);
  const n = ticks.length;
  const mx = ticks.reduce((s, t) => s + t.px, 0) / n;
  const my = ticks.reduce((s, t) => s + t.value, 0) / n;
  const sxx = ticks.reduce((s, t) => s + (t.px - mx) ** 2, 0);
  const sxy = ticks.reduce((s, t) => s + (t.px - mx) * (t.value - my), 0);
  const b = sxy / sxx;
  return (px) => my + b * (px - mx);
}

// Path data as [command, numbers] steps.
function steps(d: string): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [];
  for (const [, command, args] of d.matchAll(/([MLHVZAmlhvza])([^MLHVZAmlhvza]*)/g)) {
    const numbers = (args.match(/-?\d*\.?\d+(?:e[-+]?\d+)?/g) ?? []).map(Number);
    out.push([command, numbers]);
  }
  return out;
}

// Marker centres, by shape: circle (arcs), square (h/v), triangle (l then h), diamond (l, l, l).
function markerCentres(d: string): Array<[number, number]> {
  const centres: Array<[number, number]> = [];
  for (const sub of d.split(/(?=M)/)) {
    const s = steps(sub);
    if (s.length < 2) continue;
    const [x, y] = s[0][1];
    const [second, args] = s[1];
    if (second === "a") centres.push([x + args[0], y]);
    else if (second === "h") centres.push([x + args[0] / 2, y + s[2][1][0] / 2]);
    else if (second === "l" && s[2][0] === "h") centres.push([x, y + (args[0] / 1.1) * 1.2]);
    else if (second === "l") centres.push([x, y + args[1]]);
    else throw new Error(`Unknown marker path ${sub}`);
  }
  return centres;
}

function linePoints(d: string): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const [command, args] of steps(d)) {
    if (command === "M" || command === "L") {
      for (let i = 0; i + 1 < args.length; i += 2) points.push([args[i], args[i + 1]]);
    }
  }
  return points;
}

function stickTops(d: string): Array<[number, number]> {
  const tops: Array<[number, number]> = [];
  let x = NaN;
  for (const [command, args] of steps(d)) {
    if (command === "M") x = args[0];
    if (command === "V") tops.push([x, args[0]]);
  }
  return tops;
}

function decodePanel(panel: Node): DecodedPanel {
  const axes = all(panel, (n) => n.name === "g" && hasClass(n, "axes"))[0];
  if (!axes) throw new Error("A panel without axes");
  const texts = axes.children.filter((n) => n.name === "text");
  const xTicks = texts.filter((t) => t.attrs["text-anchor"] === "middle")
    .map((t) => ({ px: Number(t.attrs.x), value: tickValue(t.text) }));
  const yTicks = texts.filter((t) => t.attrs["text-anchor"] === "end")
    .map((t) => ({ px: Number(t.attrs.y) - 12 * 0.35, value: tickValue(t.text) }));
  const x = inverse(xTicks);
  const y = inverse(yTicks);
  const frame = steps(axes.children.find((n) => n.name === "path")!.attrs.d);
  const [left, top] = frame[0][1];
  const bottom = frame[1][1][0];
  const right = frame[2][1][0];
  const labels = all(panel, (n) => n.name === "g" && hasClass(n, "labels"))[0];
  const labelTexts = labels?.children.filter((n) => n.name === "text") ?? [];
  const series = all(panel, (n) => n.name === "path" && hasClass(n, "series")).map((node) => {
    const kind = ["points", "line", "sticks"].find((k) => hasClass(node, k))!;
    const pixels = kind === "points"
      ? markerCentres(node.attrs.d)
      : kind === "line"
      ? linePoints(node.attrs.d)
      : stickTops(node.attrs.d);
    return {
      kind,
      name: node.attrs["data-name"],
      dashed: "stroke-dasharray" in node.attrs,
      points: pixels.map(([px, py]): [number, number] => [x(px), y(py)]),
    };
  });
  const annotations = all(panel, (n) => n.name === "text" && hasClass(n, "annotation")).map((n) => {
    const px = Number(n.attrs.x);
    const py = Number(n.attrs.y);
    return { text: n.text, px, py, x: x(px), y: y(py) };
  });
  const legendGroup = all(panel, (n) => n.name === "g" && hasClass(n, "legend"))[0];
  const legendTexts = (legendGroup?.children ?? []).filter((n) => n.name === "text");
  const legend = legendTexts.map((n) => ({
    text: n.text,
    px: Number(n.attrs.x),
    py: Number(n.attrs.y),
  }));
  const entries: string[] = [];
  for (const n of legendTexts) {
    if (hasClass(n, "continued") && entries.length > 0) entries[entries.length - 1] += ` ${n.text}`;
    else entries.push(n.text);
  }
  const title = panel.children.find((n) => n.name === "text" && n.attrs["font-weight"]);
  return {
    title: title?.text ?? "",
    xLabel: labelTexts.find((n) => !n.attrs.transform)?.text ?? "",
    yLabel: labelTexts.find((n) => n.attrs.transform)?.text ?? "",
    x,
    y,
    xDomain: [x(left), x(right)],
    yDomain: [y(bottom), y(top)],
    series,
    annotations,
    legend,
    entries,
  };
}

/**
 * Decodes a plot SVG into its panels, each with its axes' scales, series
 * in data coordinates, annotations and legend.
 *
 * @example
 * ```ts
 * import { decodePlotSvg } from "./_svg_decode.ts";
 * import { renderPlotSvg } from "../src/plots/mod.ts";
 * import assert from "node:assert";
 * const svg = renderPlotSvg({
 *   title: "T", xLabel: "x", yLabel: "y",
 *   series: [{ kind: "points", name: "p", points: [[1, 2], [3, 5]] }],
 * });
 * const [panel] = decodePlotSvg(svg).panels;
 * assert.ok(Math.abs(panel.series[0].points[1][1] - 5) < 0.01);
 * ```
 */
export function decodePlotSvg(svg: string): DecodedPlot {
  const root = parse(svg);
  const panels = all(root, (n) => n.name === "g" && hasClass(n, "panel"));
  const title = root.children.find((n) => n.name === "text" && n.attrs["font-weight"]);
  // An SVG from before panels existed is one panel: the whole image.
  const decoded = (panels.length > 0 ? panels : [root]).map(decodePanel);
  return {
    xDomain: decoded[0].xDomain,
    yDomain: decoded[0].yDomain,
    series: decoded[0].series,
    legend: decoded[0].entries,
    width: Number(root.attrs.width),
    height: Number(root.attrs.height),
    title: title?.text ?? "",
    panels: decoded,
  };
}
