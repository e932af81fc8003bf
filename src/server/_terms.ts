/**
 * The glossary terms behind learner mode's tooltips and the glossary page.
 *
 * @module
 */

/** A glossary entry. */
export interface GlossaryTerm {
  /** The term as it appears in text. */
  term: string;
  /** Other spellings that get the same tooltip. */
  aliases?: string[];
  /** A one- or two-sentence definition. */
  definition: string;
}

/** The terms explained in learner mode. */
export const GLOSSARY: readonly GlossaryTerm[] = [
  {
    term: "m/z",
    definition:
      "Mass-to-charge ratio: the ion's mass in daltons divided by its charge number; the x axis of a mass spectrum.",
  },
  {
    term: "R²",
    definition:
      "Coefficient of determination: the share of the variation in y that the fitted line explains; 1 is a perfect fit.",
  },
  {
    term: "retention factor",
    aliases: ["Retention factor", "retention factors"],
    definition:
      "k = (tR − t0) / t0: how much longer a compound stays on the column than an unretained one, relative to the dead time.",
  },
  {
    term: "molar absorptivity",
    aliases: ["Molar absorptivity"],
    definition:
      "ε in A = ε·l·c: how strongly a species absorbs light at one wavelength, in L/(mol·cm).",
  },
  {
    term: "absorbance",
    aliases: ["Absorbance"],
    definition: "A = log10(I0 / I): the dimensionless amount of light a sample absorbs.",
  },
  {
    term: "dead time",
    aliases: ["Dead time"],
    definition: "t0: the time an unretained compound needs to pass through the column.",
  },
  {
    term: "plate height",
    aliases: ["Plate height"],
    definition:
      "H = L / N: the column length per theoretical plate; smaller means sharper peaks and a more efficient column.",
  },
  {
    term: "resolution",
    aliases: ["Resolution"],
    definition:
      "Rs: how well two neighbouring peaks are separated; 1.5 or more means baseline separation.",
  },
  {
    term: "rate constant",
    aliases: ["Rate constant", "rate constants", "Rate constants"],
    definition:
      "k in a rate law: the proportionality between the reaction rate and the concentrations; it depends on temperature.",
  },
  {
    term: "activation energy",
    aliases: ["Activation energy"],
    definition:
      "Ea: the energy barrier of a reaction, from the slope of ln k against 1/T in the Arrhenius equation.",
  },
  {
    term: "half-life",
    aliases: ["Half-life"],
    definition: "t½: the time for a reactant's concentration to fall to half its starting value.",
  },
  {
    term: "specific heat capacity",
    aliases: ["Specific heat capacity", "specific heat"],
    definition: "c: the heat needed to warm one gram of a substance by one kelvin, in J/(g·K).",
  },
  {
    term: "enthalpy",
    aliases: ["Enthalpy"],
    definition:
      "ΔH: the heat taken up (positive) or given off (negative) by a reaction at constant pressure.",
  },
  {
    term: "isotope pattern",
    aliases: ["Isotope pattern", "isotopic pattern"],
    definition:
      "The cluster of peaks an ion gives because its elements have several stable isotopes, such as 13C.",
  },
  {
    term: "neutral loss",
    aliases: ["Neutral loss", "neutral losses", "Neutral losses"],
    definition:
      "A mass difference between a precursor ion and a fragment, matching an uncharged piece that broke off (such as H2O, 18 Da).",
  },
  {
    term: "input hash",
    aliases: ["inputHash"],
    definition:
      "The SHA-256 of the job's validated input in canonical JSON: the same input always gives the same hash.",
  },
  {
    term: "audit log",
    aliases: ["Audit log"],
    definition:
      "The append-only record of every change; each event carries the hash of the one before, so edits are detectable.",
  },
];
