/**
 * Shared SVG building blocks: escaping, number formatting, text width
 * estimates and the house palette. No DOM: everything is string assembly, so
 * output is byte-identical on every runtime.
 *
 * @module
 */

/** Font stack of locally installed fonts only; nothing is fetched. */
export const FONT_FAMILY =
  "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** Okabe–Ito colours, reordered for contrast on white; yellow is left out as too faint. */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
];

/** Text and axis colours. */
export const INK = "#222222";
/** Secondary text, tick labels. */
export const MUTED = "#555555";
/** Grid lines. */
export const GRID = "#E6E6E6";

// Characters XML 1.0 forbids, plus lone surrogates: replaced so the document stays well-formed.
const INVALID_XML =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes text for use in SVG element content or a double-quoted attribute.
 * Line breaks and tabs become spaces, as SVG text is a single line.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./_svg.ts";
 * import assert from "node:assert";
 * assert.strictEqual(escapeXml('<a href="x">&</a>'), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
 * ```
 */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "\uFFFD")
    .replace(/[\r\n\t]/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Formats a coordinate with at most two decimals and never `-0`.
 *
 * @example
 * ```ts
 * import { num } from "./_svg.ts";
 * import assert from "node:assert";
 * assert.ok(num(1.23456) === "1.23" && num(-0.001) === "0");
 * ```
 */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

/**
 * Estimates the rendered width of text in a sans-serif font, in pixels. No
 * font metrics are available without a browser, so this errs wide.
 *
 * @example
 * ```ts
 * import { textWidth } from "./_svg.ts";
 * import assert from "node:assert";
 * assert.ok(textWidth("abc", 10) > 10);
 * ```
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const char of text) {
    if (/[iljtfrI.,:;'|!]/.test(char)) em += 0.32;
    else if (/[mwMW@%]/.test(char)) em += 0.9;
    else if (/[A-Z]/.test(char)) em += 0.68;
    else if (char.codePointAt(0)! > 0x2e80) em += 1;
    else em += 0.58;
  }
  return em * fontSize;
}

/**
 * Shortens text with an ellipsis so that its estimated width fits.
 *
 * @example
 * ```ts
 * import { fitText } from "./_svg.ts";
 * import assert from "node:assert";
 * assert.ok(fitText("a very long label indeed", { fontSize: 10, width: 50 }).endsWith("…"));
 * ```
 */
export function fitText(text: string, options: { fontSize: number; width: number }): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (textWidth(flat, options.fontSize) <= options.width) return flat;
  const chars = Array.from(flat);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (textWidth(chars.slice(0, mid).join("") + "…", options.fontSize) <= options.width) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join("").trimEnd() + "…";
}

/** Attributes of a `<text>` element. */
export interface TextOptions {
  /** Anchor x. */
  x: number;
  /** Baseline y. */
  y: number;
  /** Font size in pixels. */
  size: number;
  /** `start`, `middle` or `end`. */
  anchor?: "start" | "middle" | "end";
  /** Fill colour. */
  fill?: string;
  /** Bold text. */
  bold?: boolean;
  /** Rotation in degrees about the anchor. */
  rotate?: number;
  /** A class, such as `annotation`, for styling and for reading the SVG back. */
  className?: string;
}

/**
 * Builds an escaped `<text>` element.
 *
 * @example
 * ```ts
 * import { textElement } from "./_svg.ts";
 * import assert from "node:assert";
 * assert.ok(textElement("a<b", { x: 0, y: 0, size: 12 }).includes("a&lt;b"));
 * ```
 */
export function textElement(text: string, options: TextOptions): string {
  const attrs = options.className ? [`class="${escapeXml(options.className)}"`] : [];
  attrs.push(`x="${num(options.x)}"`, `y="${num(options.y)}"`, `font-size="${options.size}"`);
  if (options.anchor && options.anchor !== "start") attrs.push(`text-anchor="${options.anchor}"`);
  if (options.fill && options.fill !== INK) attrs.push(`fill="${options.fill}"`);
  if (options.bold) attrs.push(`font-weight="600"`);
  if (options.rotate) {
    attrs.push(`transform="rotate(${options.rotate} ${num(options.x)} ${num(options.y)})"`);
  }
  return `<text ${attrs.join(" ")}>${escapeXml(text)}</text>`;
}

/**
 * Wraps body elements in a standalone, accessible SVG document with a white
 * background, a `<title>` and a `<desc>`.
 *
 * @example
 * ```ts
 * import { svgDocument } from "./_svg.ts";
 * import assert from "node:assert";
 * const svg = svgDocument(["<g/>"], { width: 10, height: 10, title: "T", description: "D" });
 * assert.ok(svg.startsWith("<svg") && svg.includes("<title>T</title>"));
 * ```
 */
export function svgDocument(
  body: string[],
  options: { width: number; height: number; title: string; description: string },
): string {
  const { width, height } = options;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" role="img" ` +
    `font-family="${FONT_FAMILY}" fill="${INK}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<desc>${escapeXml(options.description)}</desc>`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#FFFFFF"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
