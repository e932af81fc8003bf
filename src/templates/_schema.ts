import * as z from "zod";

/** An expected value of one output field of a planned run. */
export interface TemplateExpectation {
  /** Dotted path into the module output, such as `reactionEnthalpyKJPerMol` or `peaks.2.abundance`. */
  field: string;
  /** What the value means, for a student. */
  label?: string;
  /** The unit of the value. */
  unit?: string;
  /** The expected value; with `tolerance`, the accepted range is value ± tolerance. */
  value?: number;
  /** The accepted deviation from `value`. */
  tolerance?: number;
  /** The smallest accepted value. */
  min?: number;
  /** The largest accepted value. */
  max?: number;
  /** An exact expected value: a string, number or boolean. */
  equals?: string | number | boolean;
  /**
   * How a student's own data is graded (a run whose input differs from the
   * step's default input), instead of the worked example's `tolerance`:
   * an accepted absolute deviation, a relative one (0.05 for ±5 %), or both
   * (the wider one applies). Ranges widen by the same amount.
   */
  grading?: TemplateGrading;
}

/** The grading tolerance of an expectation, for data other than the worked example. */
export interface TemplateGrading {
  /** The accepted absolute deviation, in the expectation's unit. */
  tolerance?: number;
  /** The accepted deviation as a fraction of the expected value (0.05 for ±5 %). */
  relativeTolerance?: number;
}

/** One planned module run of a template. */
export interface TemplateStep {
  /** Stable step id, such as `neutralisation`. */
  id: string;
  /** Human title. */
  title: string;
  /** The module key, such as `thermo.calorimetry`. */
  module: string;
  /** The default input: real, published numbers. */
  input: Record<string, unknown>;
  /** Where the default input comes from. */
  source?: string;
  /** Guidance for this step. */
  notes?: string;
  /** Expected values of the output. */
  expected: TemplateExpectation[];
}

/** An experiment template: a teaching lab with its planned runs. */
export interface LabTemplate {
  /** The JSON Schema of the file, for editors. */
  $schema?: string;
  /** Stable key, such as `coffee-cup-calorimetry`. */
  key: string;
  /** Semantic version of the template. */
  version: string;
  /** Human title of the lab. */
  title: string;
  /** Title of a new experiment; `{date}` and `{actor}` are replaced. */
  titlePattern: string;
  /** One sentence on the lab. */
  summary: string;
  /** What the experiment sets out to show; becomes the experiment's purpose. */
  purpose: string;
  /** Course level. */
  level?: "introductory" | "intermediate" | "advanced";
  /** Typical bench time, in minutes. */
  durationMinutes?: number;
  /** Tags given to the experiment. */
  tags: string[];
  /** Real references for the procedure and the numbers. */
  citations: string[];
  /** Safety notes. */
  safety: string[];
  /** The steps a student follows, in order. */
  instructions: string[];
  /** The planned module runs, in order. */
  steps: TemplateStep[];
}

const KEY = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;
const STEP_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const PLACEHOLDERS = new Set(["date", "actor"]);

/** A string matching `pattern`, with a message that says what is expected. */
function matching(pattern: RegExp, message: string, max = 200): z.ZodType<string> {
  return z.string().max(max).refine((value) => pattern.test(value), message).meta({
    pattern: pattern.source,
  });
}

const ExpectationSchema = z.strictObject({
  field: matching(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, "must be a dotted path"),
  label: z.string().min(1).max(200).optional(),
  unit: z.string().min(1).max(40).optional(),
  value: z.number().optional(),
  tolerance: z.number().nonnegative().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  grading: z.strictObject({
    tolerance: z.number().nonnegative().optional(),
    relativeTolerance: z.number().nonnegative().max(10).optional(),
  }).refine(
    (grading) => grading.tolerance !== undefined || grading.relativeTolerance !== undefined,
    'must give "tolerance" or "relativeTolerance"',
  ).optional(),
}).superRefine((expectation, context) => {
  const forms = [
    expectation.value !== undefined || expectation.tolerance !== undefined,
    expectation.min !== undefined || expectation.max !== undefined,
    expectation.equals !== undefined,
  ].filter(Boolean).length;
  if (forms !== 1) {
    context.addIssue({
      code: "custom",
      message: 'must give one of: "value" with "tolerance", "min" and/or "max", or "equals"',
    });
  } else if ((expectation.value === undefined) !== (expectation.tolerance === undefined)) {
    context.addIssue({ code: "custom", message: '"value" and "tolerance" go together' });
  } else if (
    expectation.min !== undefined && expectation.max !== undefined &&
    expectation.min > expectation.max
  ) {
    context.addIssue({ code: "custom", path: ["max"], message: 'must be >= "min"' });
  } else if (expectation.equals !== undefined && expectation.grading !== undefined) {
    context.addIssue({
      code: "custom",
      path: ["grading"],
      message: 'does not apply to "equals": an exact value has no tolerance',
    });
  }
});

const StepSchema = z.strictObject({
  id: matching(STEP_ID, "must be lowercase words joined by dashes", 100),
  title: z.string().trim().min(1).max(200),
  module: matching(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/, 'must look like "domain.name"'),
  input: z.record(z.string(), z.unknown()),
  source: z.string().min(1).optional(),
  notes: z.string().min(1).optional(),
  expected: z.array(ExpectationSchema).default([]),
});

const templateObject = z.strictObject({
  $schema: z.string().optional(),
  key: matching(KEY, "must be lowercase words joined by dashes or dots", 100),
  version: matching(SEMVER, "must be a semantic version such as 1.0.0", 100),
  title: z.string().trim().min(1).max(200),
  titlePattern: z.string().trim().min(1).max(160).refine(
    (pattern) => [...pattern.matchAll(/\{([^}]*)\}/g)].every((match) => PLACEHOLDERS.has(match[1])),
    "may use only the placeholders {date} and {actor}",
  ),
  summary: z.string().trim().min(1).max(500),
  purpose: z.string().trim().min(1).max(5000),
  level: z.enum(["introductory", "intermediate", "advanced"]).optional(),
  durationMinutes: z.int().min(1).max(1440).optional(),
  tags: z.array(
    matching(/^[a-z0-9][a-z0-9-]*$/, "must be a lowercase word or words joined by dashes", 50),
  ).max(20)
    .default([]),
  citations: z.array(z.string().min(1)).default([]),
  safety: z.array(z.string().min(1)).default([]),
  instructions: z.array(z.string().min(1)).min(3),
  steps: z.array(StepSchema).min(1).max(50).superRefine((steps, context) => {
    const seen = new Set<string>();
    for (const [index, step] of steps.entries()) {
      if (seen.has(step.id)) {
        context.addIssue({
          code: "custom",
          path: [index, "id"],
          message: `must be unique: "${step.id}" is used twice`,
        });
      }
      seen.add(step.id);
    }
  }),
});

/** Schema of an experiment template file. */
export const TemplateSchema: z.ZodType<LabTemplate> = templateObject;

/** The zod schema for the published JSON Schema (input side, with defaults optional). */
export const TEMPLATE_ZOD_SCHEMA: z.ZodType = templateObject;
