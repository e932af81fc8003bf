/**
 * Isotopic distributions by polynomial multiplication: each element's
 * isotope distribution is raised to its atom count by repeated squaring, and
 * the element results are convolved together. After every multiplication
 * the least probable peaks are dropped while their summed probability stays
 * within 1e-13, so the total lost stays below 1e-9 for any formula the parser
 * accepts (at most 84 elements of at most 1e6 atoms: under 3,500
 * multiplications).
 *
 * @module
 */
import type { ElementCounts } from "./_formula.ts";
import { elementIsotopes } from "./_isotopes.ts";

/** One isotopologue peak (or merged group of isotopologues) of a neutral molecule. */
export interface MassPeak {
  /** Probability-weighted mean mass of the group, in Da. */
  massDa: number;
  /** Fraction of all molecules in the group; the fractions sum to 1. */
  probability: number;
}

/** Options for {@linkcode isotopeDistribution}. */
export interface DistributionOptions {
  /**
   * `"unit"` groups isotopologues by nominal mass; a number (Da) computes the
   * fine structure and merges peaks closer than that.
   */
  resolution?: "unit" | number;
  /** Most peak products a fine-structure computation may form; 5e8 (a few seconds) by default. */
  maxProducts?: number;
}

/**
 * A fine-structure computation that would exceed its work limit.
 *
 * @example
 * ```ts
 * import { DistributionTooLargeError, isotopeDistribution } from "./_pattern.ts";
 * import assert from "node:assert";
 * try {
 *   isotopeDistribution({ Sn: 40 }, { resolution: 0.001, maxProducts: 1000 });
 * } catch (error) {
 *   assert.ok(error instanceof DistributionTooLargeError);
 * }
 * ```
 */
export class DistributionTooLargeError extends RangeError {
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "DistributionTooLargeError";
  }
}

/** Probability a single pruning step may discard. */
const PRUNE_BUDGET = 1e-13;

/** Fine-structure peaks below this fraction of the tallest are lumped per nominal mass. */
const LUMP_BELOW = 1e-9;

/** Default work limit for fine structure: about two seconds of peak products. */
const DEFAULT_MAX_PRODUCTS = 5e8;

/**
 * Computes the full (unthresholded) isotopic distribution of a neutral
 * composition, sorted by mass. The probabilities sum to 1 within 1e-9.
 *
 * At a numeric resolution the fine structure is accumulated on a grid of a
 * tenth of the resolution; peaks below 1e-9 of the tallest are lumped per
 * nominal mass (keeping probability and mean mass); finally, from the most
 * probable peak down, each peak joins the nearest kept peak closer than the
 * resolution or is kept itself, and kept peaks report the
 * probability-weighted mean mass of their members. Throws
 * {@linkcode DistributionTooLargeError} past the work limit.
 *
 * @example
 * ```ts
 * import { isotopeDistribution } from "./_pattern.ts";
 * import assert from "node:assert";
 * const peaks = isotopeDistribution({ Cl: 2 });
 * assert.strictEqual(peaks.length, 3);
 * assert.ok(Math.abs(peaks.reduce((s, p) => s + p.probability, 0) - 1) < 1e-9);
 * ```
 */
export function isotopeDistribution(
  counts: Readonly<ElementCounts>,
  options: DistributionOptions = {},
): MassPeak[] {
  const resolution = options.resolution ?? "unit";
  // A fixed element order makes the result independent of how the formula was written.
  const symbols = Object.keys(counts).filter((symbol) => counts[symbol] > 0).sort();
  if (resolution === "unit") return unitPeaks(unitDistribution(symbols, counts));
  if (!(resolution > 0)) throw new RangeError(`Resolution must be positive, got ${resolution}`);
  const work = { left: options.maxProducts ?? DEFAULT_MAX_PRODUCTS };
  return mergeWithin(fineDistribution(symbols, counts, resolution / 10, work), resolution);
}

// Unit resolution: dense arrays over nominal mass, carrying probability and probability × mass.

interface Binned {
  offset: number;
  p: Float64Array;
  pm: Float64Array;
}

function unitDistribution(symbols: string[], counts: Readonly<ElementCounts>): Binned {
  let total: Binned = { offset: 0, p: Float64Array.of(1), pm: Float64Array.of(0) };
  for (const symbol of symbols) {
    const isotopes = isotopesOf(symbol);
    const offset = isotopes[0].massNumber;
    const size = isotopes[isotopes.length - 1].massNumber - offset + 1;
    const base: Binned = { offset, p: new Float64Array(size), pm: new Float64Array(size) };
    for (const isotope of isotopes) {
      base.p[isotope.massNumber - offset] += isotope.abundance;
      base.pm[isotope.massNumber - offset] += isotope.abundance * isotope.massDa;
    }
    total = convolveBinned(total, power(base, counts[symbol], convolveBinned));
  }
  return total;
}

function convolveBinned(a: Binned, b: Binned): Binned {
  const size = a.p.length + b.p.length - 1;
  const p = new Float64Array(size);
  const pm = new Float64Array(size);
  for (let i = 0; i < a.p.length; i++) {
    const ap = a.p[i];
    const apm = a.pm[i];
    if (ap === 0) continue;
    for (let j = 0; j < b.p.length; j++) {
      p[i + j] += ap * b.p[j];
      pm[i + j] += apm * b.p[j] + ap * b.pm[j];
    }
  }
  // Trim the lighter tail and the heavier tail, smallest end first, within the budget.
  let low = 0;
  let high = size - 1;
  let dropped = 0;
  while (low < high) {
    const next = p[low] <= p[high] ? low : high;
    if (dropped + p[next] > PRUNE_BUDGET) break;
    dropped += p[next];
    if (next === low) low++;
    else high--;
  }
  return { offset: a.offset + b.offset, p: p.slice(low, high + 1), pm: pm.slice(low, high + 1) };
}

function unitPeaks(binned: Binned): MassPeak[] {
  const peaks: MassPeak[] = [];
  for (let i = 0; i < binned.p.length; i++) {
    if (binned.p[i] > 0) {
      peaks.push({ massDa: binned.pm[i] / binned.p[i], probability: binned.p[i] });
    }
  }
  return peaks;
}

// Fine structure: sparse peak lists, merged on a grid of width `tolerance` during convolution.

interface Sparse {
  mass: Float64Array;
  p: Float64Array;
}

function fineDistribution(
  symbols: string[],
  counts: Readonly<ElementCounts>,
  tolerance: number,
  work: { left: number },
): Sparse {
  const convolve = (a: Sparse, b: Sparse): Sparse => {
    work.left -= a.p.length * b.p.length;
    if (work.left < 0) {
      throw new DistributionTooLargeError(
        "The fine structure needs too many peak products; use a coarser resolution",
      );
    }
    return convolveSparse(a, b, tolerance);
  };
  const parts = symbols.map((symbol) => {
    const isotopes = isotopesOf(symbol);
    const base: Sparse = {
      mass: Float64Array.from(isotopes, (isotope) => isotope.massDa),
      p: Float64Array.from(isotopes, (isotope) => isotope.abundance),
    };
    return power(base, counts[symbol], convolve);
  });
  // Multiplying the smallest lists first keeps the intermediate lists short.
  parts.sort((a, b) => a.p.length - b.p.length);
  return parts.reduce(convolve, { mass: Float64Array.of(0), p: Float64Array.of(1) });
}

function convolveSparse(a: Sparse, b: Sparse, tolerance: number): Sparse {
  const { p, pm } = accumulate(a, b, tolerance);
  // Minor peaks are lumped per nominal mass: probability and mean mass stay exact while the
  // number of peaks, and so the cost of the next multiplication, stays bounded.
  let max = 0;
  for (const value of p) max = Math.max(max, value);
  const cutoff = max * LUMP_BELOW;
  const lumps = new Map<number, number>();
  const count = p.length;
  for (let k = 0; k < count; k++) {
    if (p[k] >= cutoff) continue;
    const nominal = Math.round(pm[k] / p[k]);
    let lump = lumps.get(nominal);
    if (lump === undefined) {
      lump = p.length;
      lumps.set(nominal, lump);
      p.push(0);
      pm.push(0);
    }
    p[lump] += p[k];
    pm[lump] += pm[k];
    p[k] = 0;
  }
  const order = Array.from(p.keys()).filter((k) => p[k] > 0);
  // Drop the least probable peaks while the dropped probability stays within the budget.
  order.sort((x, y) => p[x] - p[y]);
  let dropped = 0;
  let first = 0;
  while (first < order.length - 1 && dropped + p[order[first]] <= PRUNE_BUDGET) {
    dropped += p[order[first]];
    first++;
  }
  const kept = order.slice(first).sort((x, y) => pm[x] / p[x] - pm[y] / p[y]);
  return {
    mass: Float64Array.from(kept, (k) => pm[k] / p[k]),
    p: Float64Array.from(kept, (k) => p[k]),
  };
}

/** Width, in grid cells, of the dense window products are summed in (2 × 8 MB). */
const WINDOW = 1 << 20;

// Sums the pairwise products on a grid of width `tolerance`, carrying probability × mass. Both
// lists are sorted by mass, so the products landing in one window of the grid come from one
// contiguous run of `b` for each peak of `a`.
function accumulate(a: Sparse, b: Sparse, tolerance: number): { p: number[]; pm: number[] } {
  const key = (mass: number) => Math.round(mass / tolerance);
  const low = key(a.mass[0] + b.mass[0]);
  const high = key(a.mass[a.mass.length - 1] + b.mass[b.mass.length - 1]);
  // Few products over a wide span: a map beats scanning a mostly empty grid.
  if (a.p.length * b.p.length < (high - low + 1) / 8) return accumulateSparse(a, b, key);
  const width = Math.min(WINDOW, high - low + 1);
  const gridP = new Float64Array(width);
  const gridPm = new Float64Array(width);
  const p: number[] = [];
  const pm: number[] = [];
  for (let start = low; start <= high; start += width) {
    gridP.fill(0);
    gridPm.fill(0);
    for (let i = 0; i < a.p.length; i++) {
      const am = a.mass[i];
      const ap = a.p[i];
      let j = lowerBound(b.mass, (start - 1) * tolerance - am);
      for (; j < b.p.length; j++) {
        const mass = am + b.mass[j];
        const k = key(mass) - start;
        if (k < 0) continue;
        if (k >= width) break;
        const prob = ap * b.p[j];
        gridP[k] += prob;
        gridPm[k] += prob * mass;
      }
    }
    for (let k = 0; k < width; k++) {
      if (gridP[k] === 0) continue;
      p.push(gridP[k]);
      pm.push(gridPm[k]);
    }
  }
  return { p, pm };
}

function accumulateSparse(
  a: Sparse,
  b: Sparse,
  key: (mass: number) => number,
): { p: number[]; pm: number[] } {
  const index = new Map<number, number>();
  const p: number[] = [];
  const pm: number[] = [];
  for (let i = 0; i < a.p.length; i++) {
    for (let j = 0; j < b.p.length; j++) {
      const mass = a.mass[i] + b.mass[j];
      const prob = a.p[i] * b.p[j];
      const cell = key(mass);
      let k = index.get(cell);
      if (k === undefined) {
        k = p.length;
        index.set(cell, k);
        p.push(0);
        pm.push(0);
      }
      p[k] += prob;
      pm[k] += prob * mass;
    }
  }
  return { p, pm };
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Peaks are visited from the most probable down; each one either joins the nearest anchor within
// `resolution` or becomes an anchor itself. Anchors are thus at least `resolution` apart, and a
// faint peak never bridges two strong ones.
function mergeWithin(sparse: Sparse, resolution: number): MassPeak[] {
  const order = Array.from(sparse.p.keys()).filter((i) => sparse.p[i] > 0);
  order.sort((x, y) => sparse.p[y] - sparse.p[x] || sparse.mass[x] - sparse.mass[y]);
  const cells = new Map<number, number>();
  const anchors: Array<{ mass: number; p: number; pm: number }> = [];
  for (const i of order) {
    const mass = sparse.mass[i];
    const cell = Math.floor(mass / resolution);
    let best: number | undefined;
    for (let c = cell - 1; c <= cell + 1; c++) {
      const k = cells.get(c);
      if (k === undefined) continue;
      const distance = Math.abs(anchors[k].mass - mass);
      if (
        distance < resolution &&
        (best === undefined || distance < Math.abs(anchors[best].mass - mass))
      ) {
        best = k;
      }
    }
    if (best === undefined) {
      best = anchors.length;
      anchors.push({ mass, p: 0, pm: 0 });
      cells.set(cell, best);
    }
    anchors[best].p += sparse.p[i];
    anchors[best].pm += sparse.p[i] * mass;
  }
  return anchors
    .map((anchor) => ({ massDa: anchor.pm / anchor.p, probability: anchor.p }))
    .sort((a, b) => a.massDa - b.massDa);
}

function power<T>(base: T, exponent: number, multiply: (a: T, b: T) => T): T {
  let result: T | undefined;
  let square = base;
  for (let n = exponent; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = result === undefined ? square : multiply(result, square);
    if (n > 1) square = multiply(square, square);
  }
  if (result === undefined) throw new RangeError(`Exponent must be positive, got ${exponent}`);
  return result;
}

function isotopesOf(symbol: string) {
  const element = elementIsotopes(symbol);
  if (element === undefined) throw new RangeError(`No natural isotopes for element "${symbol}"`);
  return element.isotopes;
}
