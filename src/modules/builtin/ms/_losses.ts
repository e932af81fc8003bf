/**
 * Common neutral losses from molecular ions in electron-ionisation mass
 * spectra, after the tables of McLafferty & Tureček (1993) and Lange's
 * Handbook (15th ed., §7.8.2.4). The table holds formulas only; masses are
 * monoisotopic and computed from the same isotope data as the isotope
 * pattern module, and the odd-electron flag from the parity of the electron
 * count (the sum of atomic numbers).
 *
 * @module
 */
import { parseFormula } from "./_formula.ts";
import { electronCount, monoisotopicMass } from "./_isotopes.ts";

/** One tabulated neutral loss. */
export interface NeutralLoss {
  /** The neutral's formula as chemists write it, such as `HCN` or `CH3`. */
  formula: string;
  /** What is lost, such as `methyl radical`. */
  name: string;
  /** Monoisotopic mass of the neutral, in Da. */
  massDa: number;
  /**
   * True for odd-electron neutrals: an odd number of electrons, so one
   * unpaired electron (a radical such as CH3•). Even-electron neutrals are
   * false, the O atom (8 electrons, a triplet diradical) included.
   */
  radical: boolean;
}

const TABLE: ReadonlyArray<readonly [formula: string, name: string]> = [
  ["H", "hydrogen atom"],
  ["H2", "hydrogen"],
  ["CH3", "methyl radical"],
  ["CH4", "methane"],
  ["NH2", "amino radical"],
  ["O", "oxygen atom (N-oxides, nitro compounds)"],
  ["OH", "hydroxyl radical"],
  ["NH3", "ammonia"],
  ["H2O", "water"],
  ["F", "fluorine atom"],
  ["HF", "hydrogen fluoride"],
  ["C2H2", "acetylene"],
  ["HCN", "hydrogen cyanide"],
  ["CO", "carbon monoxide"],
  ["C2H4", "ethylene"],
  ["CHO", "formyl radical"],
  ["C2H5", "ethyl radical"],
  ["CH2O", "formaldehyde"],
  ["NO", "nitric oxide"],
  ["CH3O", "methoxy radical"],
  ["CH3OH", "methanol"],
  ["SH", "sulfanyl radical"],
  ["H2S", "hydrogen sulfide"],
  ["Cl", "chlorine atom"],
  ["HCl", "hydrogen chloride"],
  ["C3H5", "allyl radical"],
  ["CH2CO", "ketene"],
  ["C3H6", "propene"],
  ["C3H7", "propyl radical"],
  ["CH3CO", "acetyl radical"],
  ["CO2", "carbon dioxide"],
  ["C2H5O", "ethoxy radical"],
  ["COOH", "carboxyl radical"],
  ["NO2", "nitrogen dioxide"],
  ["C2H5OH", "ethanol"],
  ["C4H8", "butene"],
  ["C4H9", "butyl radical"],
  ["CH3COO", "acetoxy radical"],
  ["CH3COOH", "acetic acid"],
  ["SO2", "sulfur dioxide"],
  ["C6H5", "phenyl radical"],
  ["Br", "bromine atom"],
  ["HBr", "hydrogen bromide"],
  ["I", "iodine atom"],
  ["HI", "hydrogen iodide"],
];

/** The neutral-loss table, lightest first, with computed monoisotopic masses. */
export const NEUTRAL_LOSSES: readonly NeutralLoss[] = TABLE
  .map(([formula, name]) => ({
    formula,
    name,
    massDa: monoisotopicMass(parseFormula(formula)),
    // Electron parity, as in the odd-/even-electron bookkeeping of McLafferty & Tureček.
    radical: electronCount(parseFormula(formula)) % 2 === 1,
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
