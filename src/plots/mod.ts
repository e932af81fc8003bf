/**
 * Server-side SVG drawing of plots and lineage graphs, with no browser: d3
 * scales give the nice domains, ticks and tick formats, d3-shape the line
 * paths, and the SVG is assembled as escaped text. Output is deterministic
 * (byte-identical for the same input), self-contained (no scripts, no fonts or
 * other external resources) and accessible (`role="img"`, `<title>`, `<desc>`).
 * A spec may hold several panels (one set of axes each) and text labels at
 * data points; a legend too wide for the right of the axes goes below them,
 * wrapped, so no entry is cut.
 *
 * @example Render a module's plot
 * ```ts
 * import { renderPlotSvg } from "./mod.ts";
 * import assert from "node:assert";
 * const svg = renderPlotSvg({
 *   title: "Crystal violet decay", xLabel: "t / s", yLabel: "A(590 nm)",
 *   series: [{ kind: "points", name: "measured", points: [[0, 1.2], [60, 1.06]] }],
 * }, { width: 640, height: 400 });
 * assert.ok(svg.includes("<title>Crystal violet decay</title>"));
 * ```
 *
 * @module
 */
export type { PlotAnnotation, PlotPanel, PlotSeries, PlotSpec } from "../modules/contract.ts";
export { type PlotRenderOptions, renderPlotSvg } from "./_plot.ts";
export {
  type LineageEdge,
  type LineageGraph,
  type LineageKind,
  type LineageNode,
  renderLineageSvg,
} from "./_lineage.ts";
