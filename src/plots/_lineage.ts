import { LabosError, quote } from "../errors.ts";
import { escapeXml, fitText, MUTED, num, svgDocument, textElement, textWidth } from "./_svg.ts";

/** What a lineage node stands for. */
export type LineageKind = "dataset" | "job" | "file" | "experiment";

/** One box of a lineage graph. */
export interface LineageNode {
  /** Unique id, referenced by edges. */
  id: string;
  /** Text shown in the box. */
  label: string;
  /** What the node is; sets its colour and caption. */
  kind: LineageKind;
}

/** A directed edge: `from` was used to produce `to`. */
export interface LineageEdge {
  /** Id of the source node. */
  from: string;
  /** Id of the derived node. */
  to: string;
}

/** A directed acyclic provenance graph. */
export interface LineageGraph {
  /** The nodes, in a stable order (it breaks ties in the layout). */
  nodes: LineageNode[];
  /** The edges. */
  edges: LineageEdge[];
}

const MIN_BOX_WIDTH = 140;
const MAX_BOX_WIDTH = 260;
const WAYPOINT_HEIGHT = 10;
const BOX_HEIGHT = 46;
const LAYER_GAP = 64;
const ROW_GAP = 18;
const MARGIN = 20;
const TOP = 48;

const KIND_STYLE: Record<LineageKind, { fill: string; stroke: string; radius: number }> = {
  experiment: { fill: "#F6E8F1", stroke: "#CC79A7", radius: 20 },
  dataset: { fill: "#E3F0FA", stroke: "#0072B2", radius: 8 },
  job: { fill: "#FBE6D9", stroke: "#D55E00", radius: 0 },
  file: { fill: "#E5F5EF", stroke: "#009E73", radius: 3 },
};

/**
 * Draws a provenance graph left to right: each node sits in the layer of its
 * longest path from a source, edges run as arrows between boxes.
 *
 * @example
 * ```ts
 * import { renderLineageSvg } from "./_lineage.ts";
 * import assert from "node:assert";
 * const svg = renderLineageSvg({
 *   nodes: [
 *     { id: "d1", label: "raw.csv", kind: "dataset" },
 *     { id: "j1", label: "kinetics fit", kind: "job" },
 *   ],
 *   edges: [{ from: "d1", to: "j1" }],
 * });
 * assert.ok(svg.includes("kinetics fit"));
 * ```
 */
export function renderLineageSvg(graph: LineageGraph): string {
  const { nodes, successors, predecessors } = checkGraph(graph);
  if (nodes.length === 0) {
    const body = [
      textElement("No lineage to show", { x: 160, y: 46, size: 13, anchor: "middle", fill: MUTED }),
    ];
    return svgDocument(body, {
      width: 320,
      height: 80,
      title: "Lineage",
      description: "Empty lineage graph",
    });
  }
  const order = topologicalOrder(nodes, { successors, predecessors });
  const layerOf = new Map<string, number>();
  for (const id of order) {
    const layer = predecessors.get(id)!.reduce((top, p) => Math.max(top, layerOf.get(p)!), -1) + 1;
    layerOf.set(id, layer);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layout = layoutGraph(order, { layerOf, successors, byId });

  const body: string[] = [
    textElement("Lineage", { x: MARGIN, y: 28, size: 16, bold: true }),
    drawEdges(layout.chains, layout.boxes),
  ];
  for (const id of order) body.push(drawNode(byId.get(id)!, layout.boxes.get(key(id))!));
  return svgDocument(body, {
    width: Math.max(layout.width, 200),
    height: layout.height,
    title: "Lineage",
    description: `Lineage graph of ${nodes.length} nodes and ${layout.chains.length} edges in ` +
      `${layout.layerCount} layers: ${nodes.map((n) => `${n.kind} ${n.label}`).join(", ")}`,
  });
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Layout {
  boxes: Map<string, Rect>;
  /** Each edge as the keys it passes: source, any waypoints, target. */
  chains: string[][];
  width: number;
  height: number;
  layerCount: number;
}

// Real nodes are keyed "n:<id>", waypoints "w:<n>", so no node id can clash with a waypoint.
function key(id: string): string {
  return `n:${id}`;
}

// Sugiyama-style: an edge spanning several layers gets a waypoint in each layer
// it crosses, so it is routed around boxes instead of through them.
function layoutGraph(
  order: string[],
  graph: {
    layerOf: Map<string, number>;
    successors: Map<string, string[]>;
    byId: Map<string, LineageNode>;
  },
): Layout {
  const layers: string[][] = [];
  const place = (k: string, layer: number) => (layers[layer] ??= []).push(k);
  const next = new Map<string, string[]>();
  const previous = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (next.get(a) ?? next.set(a, []).get(a)!).push(b);
    (previous.get(b) ?? previous.set(b, []).get(b)!).push(a);
  };
  for (const id of order) {
    place(key(id), graph.layerOf.get(id)!);
    next.set(key(id), []);
    previous.set(key(id), []);
  }
  const chains: string[][] = [];
  let waypoints = 0;
  for (const from of order) {
    for (const to of graph.successors.get(from)!) {
      const chain = [key(from)];
      for (let layer = graph.layerOf.get(from)! + 1; layer < graph.layerOf.get(to)!; layer++) {
        const waypoint = `w:${waypoints++}`;
        place(waypoint, layer);
        chain.push(waypoint);
      }
      chain.push(key(to));
      for (let i = 1; i < chain.length; i++) link(chain[i - 1], chain[i]);
      chains.push(chain);
    }
  }
  orderWithinLayers(layers, { successors: next, predecessors: previous });

  const heightOf = (k: string) => k.startsWith("n:") ? BOX_HEIGHT : WAYPOINT_HEIGHT;
  const stack = (layer: string[]) =>
    layer.reduce((sum, k) => sum + heightOf(k), 0) + (layer.length - 1) * ROW_GAP;
  const contentHeight = layers.reduce((top, layer) => Math.max(top, stack(layer)), -Infinity);
  const boxes = new Map<string, Rect>();
  let x = MARGIN;
  for (const layer of layers) {
    const width = layer.filter((k) => k.startsWith("n:")).reduce(
      (widest, k) => Math.max(widest, boxWidth(graph.byId.get(k.slice(2))!)),
      MIN_BOX_WIDTH,
    );
    let y = TOP + (contentHeight - stack(layer)) / 2;
    for (const k of layer) {
      boxes.set(k, { x, y, width, height: heightOf(k) });
      y += heightOf(k) + ROW_GAP;
    }
    x += width + LAYER_GAP;
  }
  return {
    boxes,
    chains,
    width: x - LAYER_GAP + MARGIN,
    height: TOP + contentHeight + MARGIN,
    layerCount: layers.length,
  };
}

function boxWidth(node: LineageNode): number {
  const text = Math.max(textWidth(String(node.label ?? ""), 13), textWidth(node.kind, 10) * 1.3);
  return Math.min(MAX_BOX_WIDTH, Math.max(MIN_BOX_WIDTH, Math.ceil(text + 22)));
}

interface Adjacency {
  successors: Map<string, string[]>;
  predecessors: Map<string, string[]>;
}

interface CheckedGraph extends Adjacency {
  nodes: LineageNode[];
}

function checkGraph(graph: LineageGraph): CheckedGraph {
  if (!graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) {
    throw new LabosError("invalid", "Cannot draw lineage: the graph needs nodes and edges arrays");
  }
  const successors = new Map<string, string[]>();
  const predecessors = new Map<string, string[]>();
  graph.nodes.forEach((node, index) => {
    if (typeof node?.id !== "string" || node.id === "") {
      throw new LabosError("invalid", `Cannot draw lineage: node ${index + 1} has no id`);
    }
    if (typeof node.kind !== "string" || !Object.hasOwn(KIND_STYLE, node.kind)) {
      throw new LabosError(
        "invalid",
        `Cannot draw lineage: node ${quote(node.id)} has unknown kind ${quote(node.kind)}`,
      );
    }
    if (successors.has(node.id)) {
      throw new LabosError("invalid", `Cannot draw lineage: duplicate node id ${quote(node.id)}`);
    }
    successors.set(node.id, []);
    predecessors.set(node.id, []);
  });
  const seen = new Set<string>();
  for (const edge of graph.edges) {
    for (const end of [edge?.from, edge?.to]) {
      if (!successors.has(end)) {
        throw new LabosError(
          "invalid",
          `Cannot draw lineage: an edge refers to unknown node ${quote(end)}`,
        );
      }
    }
    const key = JSON.stringify([edge.from, edge.to]);
    if (seen.has(key)) continue;
    seen.add(key);
    successors.get(edge.from)!.push(edge.to);
    predecessors.get(edge.to)!.push(edge.from);
  }
  return { nodes: graph.nodes, successors, predecessors };
}

// Kahn's algorithm, taking ready nodes in input order so the layout is stable.
function topologicalOrder(
  nodes: LineageNode[],
  { successors, predecessors }: Adjacency,
): string[] {
  const remaining = new Map(nodes.map((n) => [n.id, predecessors.get(n.id)!.length]));
  const ready = nodes.filter((n) => remaining.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    order.push(id);
    for (const next of successors.get(id)!) {
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((n) => remaining.get(n.id)! > 0)!;
    throw new LabosError(
      "invalid",
      `Cannot draw lineage: the edges form a cycle through node ${quote(stuck.id)}`,
    );
  }
  return order;
}

// A few barycentre sweeps: each node moves towards the mean row of its neighbours
// in the adjacent layer, which removes most edge crossings in small graphs.
function orderWithinLayers(layers: string[][], { successors, predecessors }: Adjacency): void {
  const rowOf = new Map<string, number>();
  const record = () => layers.forEach((l) => l.forEach((id, row) => rowOf.set(id, row)));
  record();
  const sweep = (layer: string[], neighbours: Map<string, string[]>) => {
    const keyed = layer.map((id, row) => {
      const near = neighbours.get(id)!.map((n) => rowOf.get(n)!);
      const centre = near.length ? near.reduce((a, b) => a + b, 0) / near.length : row;
      return { id, centre, row };
    });
    keyed.sort((a, b) => a.centre - b.centre || a.row - b.row);
    keyed.forEach((k, row) => {
      layer[row] = k.id;
      rowOf.set(k.id, row);
    });
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let i = 1; i < layers.length; i++) sweep(layers[i], predecessors);
    for (let i = layers.length - 2; i >= 0; i--) sweep(layers[i], successors);
  }
  record();
}

function drawEdges(chains: string[][], boxes: Map<string, Rect>): string {
  const lines: string[] = [];
  const heads: string[] = [];
  const curve = (x1: number, y1: number, x2: number, y2: number) => {
    const bend = Math.min(LAYER_GAP / 2 + 8, (x2 - x1) / 2);
    return `C${num(x1 + bend)},${num(y1)} ${num(x2 - bend)},${num(y2)} ${num(x2)},${num(y2)}`;
  };
  for (const chain of chains) {
    const first = boxes.get(chain[0])!;
    let x = first.x + first.width;
    let y = first.y + first.height / 2;
    let d = `M${num(x)},${num(y)}`;
    for (const k of chain.slice(1, -1)) {
      const waypoint = boxes.get(k)!;
      const cy = waypoint.y + waypoint.height / 2;
      d += curve(x, y, waypoint.x, cy) + `H${num(waypoint.x + waypoint.width)}`;
      x = waypoint.x + waypoint.width;
      y = cy;
    }
    const last = boxes.get(chain[chain.length - 1])!;
    const endX = last.x - 1;
    const endY = last.y + last.height / 2;
    lines.push(d + curve(x, y, endX - 8, endY));
    heads.push(`M${num(endX)},${num(endY)}l-9,-4.5v9z`);
  }
  if (lines.length === 0) return "";
  return `<g class="edges"><path d="${lines.join("")}" fill="none" stroke="#777777" ` +
    `stroke-width="1.4"/><path d="${heads.join("")}" fill="#777777"/></g>`;
}

function drawNode(node: LineageNode, box: Rect): string {
  const style = KIND_STYLE[node.kind];
  const label = fitText(String(node.label ?? ""), { fontSize: 13, width: box.width - 20 });
  return [
    `<g class="node ${node.kind}">`,
    `<title>${escapeXml(`${node.kind} ${node.label} (${node.id})`)}</title>`,
    `<rect x="${num(box.x)}" y="${num(box.y)}" width="${num(box.width)}" height="${BOX_HEIGHT}" ` +
    `rx="${style.radius}" fill="${style.fill}" stroke="${style.stroke}" stroke-width="1.5"/>`,
    textElement(node.kind.toUpperCase(), {
      x: box.x + 10,
      y: box.y + 16,
      size: 10,
      fill: MUTED,
      bold: true,
    }),
    textElement(label, { x: box.x + 10, y: box.y + 35, size: 13 }),
    `</g>`,
  ].join("\n");
}
