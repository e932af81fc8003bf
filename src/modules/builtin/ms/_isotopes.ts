/**
 * Read-only access to isotope masses and natural abundances from the
 * `chemical-elements` package (cheminfo), whose data are the NIST "Atomic
 * Weights and Isotopic Compositions for All Elements" tables (NIST SRD 144):
 * relative atomic masses from the Atomic Mass Evaluation and representative
 * isotopic compositions from IUPAC. No value here is typed by hand.
 *
 * @module
 */
// The two files this needs, not the package's index, which also builds five lookup tables
// from the same data at every start of every command that loads the built-in modules.
import { ELECTRON_MASS } from "chemical-elements/lib/src/constants.js";
import { elementsAndIsotopes } from "chemical-elements/lib/src/elementsAndIsotopes.js";

/** One naturally occurring isotope of an element. */
export interface NaturalIsotope {
  /** Mass number A (protons plus neutrons). */
  massNumber: number;
  /** Relative atomic mass of the nuclide, in Da. */
  massDa: number;
  /** Natural abundance as a fraction; the fractions of an element sum to 1. */
  abundance: number;
}

/** Isotope data of one element with a natural isotopic composition. */
export interface ElementIsotopes {
  /** Element symbol, such as `Cl`. */
  symbol: string;
  /** Element name, such as `Chlorine`. */
  name: string;
  /** Natural isotopes in increasing mass number. */
  isotopes: NaturalIsotope[];
  /** Mass of the most abundant isotope, in Da. */
  monoisotopicMassDa: number;
  /** Abundance-weighted mean isotope mass, in Da. */
  averageMassDa: number;
}

/**
 * Electron rest mass in Da, as shipped by `chemical-elements`
 * (5.4857990907e-4, the CODATA 2014 value; CODATA 2018 gives
 * 5.48579909065e-4, 5e-14 Da away).
 */
export const ELECTRON_MASS_DA: number = ELECTRON_MASS;

const KNOWN = new Set<string>();
const NATURAL = new Map<string, ElementIsotopes>();
const ATOMIC_NUMBERS = new Map<string, number>();

for (const element of elementsAndIsotopes) {
  KNOWN.add(element.symbol);
  ATOMIC_NUMBERS.set(element.symbol, element.number);
  const natural = element.isotopes
    .filter((isotope) => typeof isotope.abundance === "number" && isotope.abundance > 0)
    .sort((a, b) => a.nominal - b.nominal);
  if (natural.length === 0) continue;
  // NIST compositions are rounded; normalising keeps every distribution summing to exactly 1.
  const total = natural.reduce((sum, isotope) => sum + (isotope.abundance ?? 0), 0);
  const isotopes = natural.map((isotope) => ({
    massNumber: isotope.nominal,
    massDa: isotope.mass,
    abundance: (isotope.abundance ?? 0) / total,
  }));
  const top = isotopes.reduce((best, isotope) =>
    isotope.abundance > best.abundance ? isotope : best
  );
  NATURAL.set(element.symbol, {
    symbol: element.symbol,
    name: element.name,
    isotopes,
    monoisotopicMassDa: top.massDa,
    averageMassDa: isotopes.reduce((sum, isotope) => sum + isotope.abundance * isotope.massDa, 0),
  });
}

/**
 * Tells whether a symbol names an element of the periodic table.
 *
 * @example
 * ```ts
 * import { isElementSymbol } from "./_isotopes.ts";
 * import assert from "node:assert";
 * assert.ok(isElementSymbol("Tc") && !isElementSymbol("Xx"));
 * ```
 */
export function isElementSymbol(symbol: string): boolean {
  return KNOWN.has(symbol);
}

/**
 * Returns the natural isotopes of an element, or `undefined` for an unknown
 * symbol or an element without a natural isotopic composition (such as Tc).
 *
 * @example
 * ```ts
 * import { elementIsotopes } from "./_isotopes.ts";
 * import assert from "node:assert";
 * const chlorine = elementIsotopes("Cl");
 * assert.ok(chlorine?.isotopes.length === 2);
 * assert.strictEqual(elementIsotopes("Tc"), undefined);
 * ```
 */
export function elementIsotopes(symbol: string): ElementIsotopes | undefined {
  return NATURAL.get(symbol);
}

/**
 * Monoisotopic mass of a composition in Da: the sum over elements of the mass
 * of each element's most abundant isotope (the IUPAC definition).
 *
 * @example
 * ```ts
 * import { monoisotopicMass } from "./_isotopes.ts";
 * import assert from "node:assert";
 * const water = monoisotopicMass({ H: 2, O: 1 });
 * assert.ok(Math.abs(water - 18.0106) < 1e-4);
 * ```
 */
export function monoisotopicMass(counts: Readonly<Record<string, number>>): number {
  return sumOver(counts, (element) => element.monoisotopicMassDa);
}

/**
 * Average (molar) mass of a composition in Da, computed from the isotopic
 * compositions rather than from the IUPAC standard atomic weights.
 *
 * @example
 * ```ts
 * import { averageMass } from "./_isotopes.ts";
 * import assert from "node:assert";
 * const water = averageMass({ H: 2, O: 1 });
 * assert.ok(Math.abs(water - 18.015) < 1e-3);
 * ```
 */
export function averageMass(counts: Readonly<Record<string, number>>): number {
  return sumOver(counts, (element) => element.averageMassDa);
}

/**
 * Number of electrons of the neutral composition: the sum of the atomic
 * numbers (from `chemical-elements`) times the atom counts. Its parity tells
 * an odd-electron species (a radical) from an even-electron one.
 *
 * @example
 * ```ts
 * import { electronCount } from "./_isotopes.ts";
 * import assert from "node:assert";
 * assert.strictEqual(electronCount({ H: 2, O: 1 }), 10);
 * assert.strictEqual(electronCount({ C: 1, H: 3 }) % 2, 1);
 * ```
 */
export function electronCount(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [symbol, count] of Object.entries(counts)) {
    const z = ATOMIC_NUMBERS.get(symbol);
    if (z === undefined) throw new RangeError(`Unknown element "${symbol}"`);
    total += z * count;
  }
  return total;
}

function sumOver(
  counts: Readonly<Record<string, number>>,
  pick: (element: ElementIsotopes) => number,
): number {
  let total = 0;
  for (const symbol of Object.keys(counts).sort()) {
    const count = counts[symbol];
    const element = NATURAL.get(symbol);
    if (element === undefined) throw new RangeError(`No natural isotopes for element "${symbol}"`);
    total += count * pick(element);
  }
  return total;
}
