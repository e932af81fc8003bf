/**
 * Common neutral losses from molecular ions in electron-ionisation mass
 * spectra, after the tables of McLafferty & Tureček (1993) and Lange's
 * Handbook (15th ed., §7.8.2.4). The table holds formulas only; masses are
 * monoisotopic and computed from the same isotope data as the isotope
 * pattern module.
 *
 * @module
 */
import { parseFormula } from "./_formula.ts";
import { monoisotopicMass } from "./_isotopes.ts";

/** One tabulated neutral loss. */
export interface NeutralLoss {
  /** The neutral's formula as chemists write it, such as `HCN` or `CH3`. */
  formula: string;
  /** What is lost, such as `methyl radical`. */
  name: string;
  /** Monoisotopic mass of the neutral, in Da. */
  massDa: number;
  /** True for odd-electron neutrals (radicals), false for closed-shell molecules. */
  radical: boolean;
}

const TABLE: ReadonlyArray<readonly [formula: string, name: string, radical: boolean]> = [
  ["H", "hydrogen atom", true],
  ["H2", "hydrogen", false],
  ["CH3", "methyl radical", true],
  ["CH4", "methane", false],
  ["NH2", "amino radical", true],
  ["O", "oxygen atom (N-oxides, nitro compounds)", true],
  ["OH", "hydroxyl radical", true],
  ["NH3", "ammonia", false],
  ["H2O", "water", false],
  ["F", "fluorine atom", true],
  ["HF", "hydrogen fluoride", false],
  ["C2H2", "acetylene", false],
  ["HCN", "hydrogen cyanide", false],
  ["CO", "carbon monoxide", false],
  ["C2H4", "ethylene", false],
  ["CHO", "formyl radical", true],
  ["C2H5", "ethyl radical", true],
  ["CH2O", "formaldehyde", false],
  ["NO", "nitric oxide", true],
  ["CH3O", "methoxy radical", true],
  ["CH3OH", "methanol", false],
  ["SH", "sulfanyl radical", true],
  ["H2S", "hydrogen sulfide", false],
  ["Cl", "chlorine atom", true],
  ["HCl", "hydrogen chloride", false],
  ["C3H5", "allyl radical", true],
  ["CH2CO", "ketene", false],
  ["C3H6", "propene", false],
  ["C3H7", "propyl radical", true],
  ["CH3CO", "acetyl radical", true],
  ["CO2", "carbon dioxide", false],
  ["C2H5O", "ethoxy radical", true],
  ["COOH", "carboxyl radical", true],
  ["NO2", "nitrogen dioxide", true],
  ["C2H5OH", "ethanol", false],
  ["C4H8", "butene", false],
  ["C4H9", "butyl radical", true],
  ["CH3COO", "acetoxy radical", true],
  ["CH3COOH", "acetic acid", false],
  ["SO2", "sulfur dioxide", false],
  ["C6H5", "phenyl radical", true],
  ["Br", "bromine atom", true],
  ["HBr", "hydrogen bromide", false],
  ["I", "iodine atom", true],
  ["HI", "hydrogen iodide", false],
];

/** The neutral-loss table, lightest first, with computed monoisotopic masses. */
export const NEUTRAL_LOSSES: readonly NeutralLoss[] = TABLE
  .map(([formula, name, radical]) => ({
    formula,
    name,
    massDa: monoisotopicMass(parseFormula(formula)),
    radical,
  }))
  .sort((a, b) => a.massDa - b.massDa);

/**
 * Lists every tabulated neutral loss whose mass lies within `toleranceDa` of
 * `lossDa`, closest first. A loss of zero or less has no candidates.
 *
 * @example
 * ```ts
 * import { lossCandidates } from "./_losses.ts";
 * import assert from "node:assert";
 * const formulas = lossCandidates(28, 0.5).map((loss) => loss.formula);
 * assert.ok(formulas.includes("CO") && formulas.includes("C2H4"));
 * ```
 */
export function lossCandidates(lossDa: number, toleranceDa: number): NeutralLoss[] {
  if (!(lossDa > 0)) return [];
  return NEUTRAL_LOSSES
    .filter((loss) => Math.abs(loss.massDa - lossDa) <= toleranceDa)
    .sort((a, b) =>
      Math.abs(a.massDa - lossDa) - Math.abs(b.massDa - lossDa) || a.massDa - b.massDa
    );
}
