import * as z from "zod";
import {
  defineModule,
  type LabModule,
  ModuleError,
  uncertaintyMeta,
  unitFromMeta,
  type UnitMeta,
  unitMeta,
} from "../../contract.ts";
import { hypot, tidyNumbers } from "../_stats.ts";

/** Validated input of {@linkcode calorimetry}. */
export interface CalorimetryInput {
  /** Mass of the calorimeter contents, in grams. */
  massG: number;
  /** Specific heat capacity of the contents, in J/(g·K). */
  specificHeatJPerGK: number;
  /** Temperature change, in kelvins; absent when both temperatures are given. */
  deltaTK?: number;
  /** Initial temperature, in degrees Celsius. */
  initialTempC?: number;
  /** Final temperature, in degrees Celsius. */
  finalTempC?: number;
  /** Heat capacity of the calorimeter itself, in J/K. */
  calorimeterConstantJPerK: number;
  /** Amount of the limiting reactant, in moles. */
  amountMol?: number;
  /** Standard uncertainty of `massG`, in grams. */
  massGUncertainty?: number;
  /** Standard uncertainty of `specificHeatJPerGK`, in J/(g·K). */
  specificHeatJPerGKUncertainty?: number;
  /** Standard uncertainty of `deltaTK`, in kelvins. */
  deltaTKUncertainty?: number;
  /** Standard uncertainty of `initialTempC`, in kelvins. */
  initialTempCUncertainty?: number;
  /** Standard uncertainty of `finalTempC`, in kelvins. */
  finalTempCUncertainty?: number;
  /** Standard uncertainty of `calorimeterConstantJPerK`, in J/K. */
  calorimeterConstantJPerKUncertainty?: number;
  /** Standard uncertainty of `amountMol`, in moles. */
  amountMolUncertainty?: number;
}

/** One input's share of the combined standard uncertainty. */
export interface UncertaintyContribution {
  /** The input field, such as `massG`. */
  input: string;
  /** Its standard uncertainty, in the input's own unit. */
  standardUncertainty: number;
  /** Sensitivity coefficient ∂q/∂x, in joules per unit of the input. */
  heatSensitivity: number;
  /** |∂q/∂x|·u(x), in joules. */
  heatContributionJ: number;
  /** |∂ΔH/∂x|·u(x), in kJ/mol; present when `amountMol` is given. */
  enthalpyContributionKJPerMol?: number;
}

/** Output of {@linkcode calorimetry}. */
export interface CalorimetryOutput {
  /** Temperature change used, in kelvins. */
  deltaTK: number;
  /** Total heat capacity m·c + C_cal of the contents and calorimeter, in J/K. */
  heatCapacityJPerK: number;
  /** Heat absorbed by the contents and calorimeter, (m·c + C_cal)·ΔT, in joules. */
  heatJ: number;
  /** Combined standard uncertainty of `heatJ`, in joules; present when any uncertainty is given. */
  heatJUncertainty?: number;
  /** Molar reaction enthalpy −heatJ/amountMol, in kJ/mol; present when `amountMol` is given. */
  reactionEnthalpyKJPerMol?: number;
  /** Combined standard uncertainty of the molar enthalpy, in kJ/mol. */
  reactionEnthalpyKJPerMolUncertainty?: number;
  /** Contribution of each input with a stated uncertainty, largest first. */
  uncertaintyBudget?: UncertaintyContribution[];
}

const ABSOLUTE_ZERO_C = -273.15;

// A temperature change, and the uncertainty of any temperature: scaled from Cel, never offset.
const KELVIN_DIFFERENCE = unitMeta("K", { difference: true });

function uncertainty(of: string, unit: string, meta: UnitMeta) {
  return z.number().nonnegative().optional().meta(meta).describe(
    `Standard uncertainty (one standard deviation) of ${of}, in ${unit}`,
  );
}

function temperature(which: string) {
  return z.number().gt(ABSOLUTE_ZERO_C).optional().meta(unitMeta("Cel"))
    .describe(
      `${which} temperature of the contents, in degrees Celsius; give both temperatures or deltaTK`,
    );
}

const inputSchema = z.object({
  massG: z.number().positive().meta(unitMeta("g")).describe(
    "Mass of the calorimeter contents (the solution or water that takes up the heat), in grams",
  ),
  specificHeatJPerGK: z.number().positive().default(4.184).meta(unitMeta("J/(g.K)")).describe(
    "Specific heat capacity of the contents, in J/(g·K); 4.184 (water) by default",
  ),
  deltaTK: z.number().optional().meta(KELVIN_DIFFERENCE).describe(
    "Temperature change T_final − T_initial, in kelvins (equal to °C differences); " +
      "give this or both initialTempC and finalTempC",
  ),
  initialTempC: temperature("Initial"),
  finalTempC: temperature("Final (extreme)"),
  calorimeterConstantJPerK: z.number().nonnegative().default(0).meta(unitMeta("J/K")).describe(
    "Heat capacity of the calorimeter itself (cup, bomb, stirrer), in J/K; 0 by default",
  ),
  amountMol: z.number().positive().optional().meta(unitMeta("mol")).describe(
    "Amount of the limiting reactant, in moles; when given, the molar reaction enthalpy is reported",
  ),
  massGUncertainty: uncertainty("massG", "grams", unitMeta("g")),
  specificHeatJPerGKUncertainty: uncertainty("specificHeatJPerGK", "J/(g·K)", unitMeta("J/(g.K)")),
  deltaTKUncertainty: uncertainty("deltaTK", "kelvins", KELVIN_DIFFERENCE),
  initialTempCUncertainty: uncertainty("initialTempC", "kelvins", KELVIN_DIFFERENCE),
  finalTempCUncertainty: uncertainty("finalTempC", "kelvins", KELVIN_DIFFERENCE),
  calorimeterConstantJPerKUncertainty: uncertainty(
    "calorimeterConstantJPerK",
    "J/K",
    unitMeta("J/K"),
  ),
  amountMolUncertainty: uncertainty("amountMol", "moles", unitMeta("mol")),
}).superRefine((input, ctx) => {
  const hasDelta = input.deltaTK !== undefined;
  const hasInitial = input.initialTempC !== undefined;
  const hasFinal = input.finalTempC !== undefined;
  if (hasDelta && (hasInitial || hasFinal)) {
    ctx.addIssue({
      code: "custom",
      path: ["deltaTK"],
      message: "must be omitted when initialTempC or finalTempC is given",
    });
  } else if (!hasDelta && !hasInitial && !hasFinal) {
    ctx.addIssue({
      code: "custom",
      path: ["deltaTK"],
      message: "is required unless both initialTempC and finalTempC are given",
    });
  } else if (!hasDelta && hasInitial !== hasFinal) {
    const missing = hasInitial ? "finalTempC" : "initialTempC";
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: `is required with ${
        hasInitial ? "initialTempC" : "finalTempC"
      } (or give deltaTK instead)`,
    });
  }
  const orphans: Array<[keyof typeof input, boolean, string]> = [
    ["deltaTKUncertainty", hasDelta, "deltaTK"],
    ["initialTempCUncertainty", hasInitial, "initialTempC"],
    ["finalTempCUncertainty", hasFinal, "finalTempC"],
    ["amountMolUncertainty", input.amountMol !== undefined, "amountMol"],
  ];
  for (const [field, present, base] of orphans) {
    if (input[field] !== undefined && !present) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `only applies when ${base} is given`,
      });
    }
  }
});

const contributionSchema = z.object({
  input: z.string().describe("The input field"),
  standardUncertainty: z.number().meta(unitFromMeta("input")).describe(
    "Its standard uncertainty, in the input's unit",
  ),
  heatSensitivity: z.number().meta(unitFromMeta("input", { over: "J" })).describe(
    "Sensitivity coefficient ∂q/∂x, in J per unit of input",
  ),
  heatContributionJ: z.number().meta(unitMeta("J")).describe("|∂q/∂x|·u(x), in joules"),
  enthalpyContributionKJPerMol: z.number().optional().meta(unitMeta("kJ/mol")).describe(
    "|∂ΔH/∂x|·u(x), in kJ/mol",
  ),
});

const outputSchema = z.object({
  deltaTK: z.number().meta(KELVIN_DIFFERENCE).describe("Temperature change used, in kelvins"),
  heatCapacityJPerK: z.number().meta(unitMeta("J/K")).describe(
    "Total heat capacity m·c + C_cal, in J/K",
  ),
  heatJ: z.number().meta(unitMeta("J")).describe(
    "Heat absorbed by the contents and calorimeter, (m·c + C_cal)·ΔT, in joules; " +
      "positive when the temperature rises",
  ),
  heatJUncertainty: z.number().optional().meta(uncertaintyMeta("heatJ", "J")).describe(
    "Combined standard uncertainty of heatJ, in joules (GUM first order): u(q) = " +
      "√Σ(∂q/∂xᵢ·u(xᵢ))², the root sum of squares of the budget's heat contributions",
  ),
  reactionEnthalpyKJPerMol: z.number().optional().meta(unitMeta("kJ/mol")).describe(
    "Molar reaction enthalpy −heatJ/amountMol/1000, in kJ/mol; negative for an exothermic reaction",
  ),
  reactionEnthalpyKJPerMolUncertainty: z.number().optional().meta(
    uncertaintyMeta("reactionEnthalpyKJPerMol", "kJ/mol"),
  ).describe(
    "Combined standard uncertainty of the molar enthalpy, in kJ/mol (GUM first order): u(ΔH) = " +
      "√Σ(∂ΔH/∂xᵢ·u(xᵢ))², the root sum of squares of the budget's enthalpy contributions",
  ),
  uncertaintyBudget: z.array(contributionSchema).optional().describe(
    "Contribution of each input with a stated uncertainty, largest first",
  ),
});

interface Term {
  input: string;
  value: number | undefined;
  sensitivity: number;
}

/**
 * The calorimetry computation behind {@linkcode calorimetry}: q, ΔH and the
 * uncertainty budget from an input already validated by its schema.
 *
 * @throws {ModuleError} When a result is too large to represent.
 *
 * @example
 * ```ts
 * import { computeCalorimetry } from "./_calorimetry.ts";
 * import assert from "node:assert";
 * const output = computeCalorimetry({
 *   massG: 100, specificHeatJPerGK: 4.184, calorimeterConstantJPerK: 0, deltaTK: 1,
 * });
 * assert.strictEqual(output.heatJ, 418.4);
 * ```
 */
export function computeCalorimetry(input: CalorimetryInput): CalorimetryOutput {
  const { massG: m, specificHeatJPerGK: c, calorimeterConstantJPerK: cCal, amountMol: n } = input;
  const fromTemperatures = input.deltaTK === undefined;
  const deltaT = fromTemperatures ? input.finalTempC! - input.initialTempC! : input.deltaTK!;
  const capacity = m * c + cCal;
  const heat = capacity * deltaT;
  if (!Number.isFinite(heat)) {
    throw new ModuleError(`The heat (${capacity} J/K × ${deltaT} K) is too large to represent`);
  }
  const output: CalorimetryOutput = { deltaTK: deltaT, heatCapacityJPerK: capacity, heatJ: heat };
  if (n !== undefined) output.reactionEnthalpyKJPerMol = -heat / n / 1000;

  // Partial derivatives of q = (m·c + C)·ΔT; with two temperatures ΔT = T_f − T_i.
  const terms: Term[] = [
    { input: "massG", value: input.massGUncertainty, sensitivity: c * deltaT },
    {
      input: "specificHeatJPerGK",
      value: input.specificHeatJPerGKUncertainty,
      sensitivity: m * deltaT,
    },
    ...(fromTemperatures
      ? [
        { input: "initialTempC", value: input.initialTempCUncertainty, sensitivity: -capacity },
        { input: "finalTempC", value: input.finalTempCUncertainty, sensitivity: capacity },
      ]
      : [{ input: "deltaTK", value: input.deltaTKUncertainty, sensitivity: capacity }]),
    {
      input: "calorimeterConstantJPerK",
      value: input.calorimeterConstantJPerKUncertainty,
      sensitivity: deltaT,
    },
  ];
  const given = terms.filter((term) => term.value !== undefined);
  const amountUncertainty = input.amountMolUncertainty;
  if (given.length === 0 && amountUncertainty === undefined) return finish(output);

  const budget: UncertaintyContribution[] = given.map((term) => ({
    input: term.input,
    standardUncertainty: term.value!,
    heatSensitivity: term.sensitivity,
    heatContributionJ: Math.abs(term.sensitivity) * term.value!,
    ...(n === undefined
      ? {}
      : { enthalpyContributionKJPerMol: Math.abs(term.sensitivity / n / 1000) * term.value! }),
  }));
  output.heatJUncertainty = hypot(budget.map((entry) => entry.heatContributionJ));
  if (n !== undefined) {
    const enthalpyTerms = budget.map((entry) => entry.enthalpyContributionKJPerMol!);
    if (amountUncertainty !== undefined) {
      // ∂ΔH/∂n = q/(1000·n²); the amount leaves q itself unchanged.
      const fromAmount = Math.abs(heat / (1000 * n * n)) * amountUncertainty;
      budget.push({
        input: "amountMol",
        standardUncertainty: amountUncertainty,
        heatSensitivity: 0,
        heatContributionJ: 0,
        enthalpyContributionKJPerMol: fromAmount,
      });
      enthalpyTerms.push(fromAmount);
    }
    output.reactionEnthalpyKJPerMolUncertainty = hypot(enthalpyTerms);
  }
  budget.sort((a, b) =>
    (b.enthalpyContributionKJPerMol ?? b.heatContributionJ) -
    (a.enthalpyContributionKJPerMol ?? a.heatContributionJ)
  );
  output.uncertaintyBudget = budget;
  return finish(output);
}

function finish(output: CalorimetryOutput): CalorimetryOutput {
  const values = [
    output.reactionEnthalpyKJPerMol,
    output.heatJUncertainty,
    output.reactionEnthalpyKJPerMolUncertainty,
  ];
  if (!values.every((value) => value === undefined || Number.isFinite(value))) {
    throw new ModuleError(
      `The molar enthalpy or an uncertainty is too large to represent (heat ${output.heatJ} J)`,
    );
  }
  return tidyNumbers(output);
}

const OPENSTAX_5_2 =
  "Flowers, P.; Theopold, K.; Langley, R.; Robinson, W. R. Chemistry 2e; OpenStax: Houston, TX, 2019; " +
  "section 5.2 Calorimetry";

/**
 * `thermo.calorimetry`: heat and molar reaction enthalpy from a constant-pressure
 * (coffee-cup) or bomb calorimeter, with first-order GUM uncertainty propagation.
 *
 * @example
 * ```ts
 * import { calorimetry } from "./mod.ts";
 * import assert from "node:assert";
 * const input = calorimetry.input.parse({ massG: 100, deltaTK: 6.9, amountMol: 0.05 });
 * const output = await calorimetry.run(input, { progress() {} });
 * assert.ok(Math.abs(output.heatJ - 2886.96) < 1e-9);
 * ```
 */
export const calorimetry: LabModule<CalorimetryInput, CalorimetryOutput> = defineModule({
  key: "thermo.calorimetry",
  version: "1.0.0",
  title: "Calorimetry: heat and reaction enthalpy",
  domain: "thermo",
  summary:
    "Computes the heat taken up by a calorimeter's contents from their temperature change and, " +
    "given the amount reacted, the molar reaction enthalpy, each with its standard uncertainty.",
  method:
    "The temperature change is taken directly or as T_final − T_initial. The heat absorbed by the " +
    "contents and the vessel is q = (m·c + C_cal)·ΔT, where m is the mass of the contents, c their " +
    "specific heat and C_cal the calorimeter constant. Assuming no heat is exchanged with the " +
    "surroundings, the reaction released −q, so the molar enthalpy is ΔH = −q/n (reported in kJ/mol). " +
    "Uncertainties are propagated with the first-order law of propagation of uncertainty for " +
    "independent inputs (JCGM 100:2008, eq. 10): u(y)² = Σ (∂y/∂x_i)²·u(x_i)², using the analytic " +
    "partial derivatives ∂q/∂m = c·ΔT, ∂q/∂c = m·ΔT, ∂q/∂C_cal = ΔT, ∂q/∂ΔT = m·c + C_cal (with " +
    "∂q/∂T_i = −(m·c + C_cal) and ∂q/∂T_f = m·c + C_cal, so u(ΔT)² = u(T_i)² + u(T_f)²) and " +
    "∂ΔH/∂n = q/n². Each input's contribution |∂y/∂x|·u(x) is reported as an uncertainty budget." +
    " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    OPENSTAX_5_2 + ". https://openstax.org/details/books/chemistry-2e",
    "JCGM 100:2008. Evaluation of measurement data — Guide to the expression of uncertainty in " +
    "measurement (GUM 1995 with minor corrections); Joint Committee for Guides in Metrology, 2008; " +
    "section 5.1, equation (10).",
  ],
  limitations: [
    "Assumes an adiabatic calorimeter: heat lost to or gained from the room during the measurement " +
    "is ignored, so slow reactions in a coffee cup underestimate |ΔH|; correct ΔT by extrapolating " +
    "the cooling curve back to the mixing time first.",
    "Treats the specific heat as constant over the temperature range and the solution's specific " +
    "heat as the value given (often water's 4.184 J/(g·K), although salt solutions are lower).",
    "A coffee-cup calorimeter works at constant pressure and gives ΔH; a bomb calorimeter works at " +
    "constant volume and gives ΔU, which differs from ΔH by Δn_gas·R·T.",
    "The uncertainty is first order and assumes independent inputs; correlated inputs (for example " +
    "two temperatures read on the same miscalibrated thermometer) need covariance terms.",
  ],
  mainOutput: ["reactionEnthalpyKJPerMol", "heatJ"],
  learnerNotes: [
    "A calorimeter measures heat indirectly: the reaction exchanges heat with a known mass of water " +
    "(or solution) and the container, and we watch the temperature change.",
    "The heat needed to warm something is its heat capacity times the temperature change. For the " +
    "solution this is mass × specific heat; the cup or steel bomb adds its own heat capacity, the " +
    "calorimeter constant, found by calibration with a reaction of known heat.",
    "Energy is conserved, so the heat the reaction gives out equals the heat the contents take up, " +
    "with the opposite sign. A temperature rise means the reaction released heat (exothermic, " +
    "ΔH < 0); a fall means it absorbed heat (endothermic, ΔH > 0).",
    "Dividing by the moles of the limiting reactant turns the heat of one experiment into the molar " +
    "enthalpy, a property of the reaction that can be compared between experiments and with tables.",
    "Every measured input carries an uncertainty. Each one contributes to the result in proportion " +
    "to how sensitive the result is to it, and independent contributions add in quadrature. For a " +
    "coffee-cup experiment the temperature difference usually dominates the budget, because a " +
    "few-kelvin rise read to ±0.1 K is a percent-level measurement.",
  ],
  examples: [
    {
      name: "neutralisation-hcl-naoh",
      source: OPENSTAX_5_2 +
        ", Example 5.5 'Heat Produced by an Exothermic Reaction': 50.0 mL of 1.00 M HCl + 50.0 mL of " +
        "1.00 M NaOH, both at 22.0 °C, reach 28.9 °C; m ≈ 1.0 × 10² g, c = 4.184 J/(g·°C); " +
        "published q_solution = 2.9 × 10³ J. The 0.0500 mol and the molar enthalpy are arithmetic on " +
        "the stated volumes and concentrations, not a number printed in the example.",
      input: {
        massG: 100,
        specificHeatJPerGK: 4.184,
        initialTempC: 22.0,
        finalTempC: 28.9,
        amountMol: 0.05,
      },
      expected: { deltaTK: 6.9, heatJ: 2887, reactionEnthalpyKJPerMol: -57.74 },
    },
    {
      name: "agcl-precipitation",
      source: OPENSTAX_5_2 +
        ", check-your-learning of Example 5.5: 100 mL of 0.200 M NaCl + 100 mL of 0.200 M AgNO3 " +
        "warm from 21.9 °C to 23.5 °C; published answer 1.34 kJ.",
      input: { massG: 200, initialTempC: 21.9, finalTempC: 23.5 },
      expected: { deltaTK: 1.6, heatJ: 1339 },
    },
    {
      name: "instant-ice-pack",
      source: OPENSTAX_5_2 +
        ", Example 5.6 'Heat Flow in an Instant Ice Pack': 3.21 g NH4NO3 in 50.0 g water (53.2 g " +
        "solution) cools from 24.9 °C to 20.3 °C; published q_rxn = +1.0 × 10³ J, so the solution " +
        "absorbs −1.0 × 10³ J.",
      input: { massG: 53.2, initialTempC: 24.9, finalTempC: 20.3 },
      expected: { deltaTK: -4.6, heatJ: -1024 },
    },
    {
      name: "glucose-bomb-calorimeter",
      source: OPENSTAX_5_2 +
        ", Example 5.7 'Bomb Calorimetry': 3.12 g glucose burned; 775 g water, bomb heat capacity " +
        "893 J/°C, 23.8 °C to 35.6 °C; published q_rxn = −48,800 J = −48.8 kJ.",
      input: {
        massG: 775,
        initialTempC: 23.8,
        finalTempC: 35.6,
        calorimeterConstantJPerK: 893,
      },
      expected: { deltaTK: 11.8, heatJ: 48800 },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run: computeCalorimetry,
});
