/**
 * The gradebook: per student (an experiment's owner) and assigned template,
 * the steps done, the checks within tolerance and the sign-off; a class
 * distribution plot of one output of one step; the CSV export. Only staff
 * (instructor, TA, admin) and the local CLI see it: a student gets
 * `not_found`.
 *
 * @module
 */
import { csvRecord } from "../datasets/csv_cell.ts";
import { LabosError, quote } from "../errors.ts";
import {
  type Experiment,
  hashJson,
  type Signature,
  SIGNATURE_MEANINGS,
  type SignatureMeaning,
} from "../records/mod.ts";
import type { PlotSeries, PlotSpec } from "../modules/contract.ts";
import type {
  acceptedRange,
  describeExpectation,
  expectedWithUnit,
  ExperimentPlan,
  LabTemplate,
  TemplateExpectation,
  TemplateStep,
} from "../templates/mod.ts";
import { type LabContext, requireReady } from "./_context.ts";
import { experimentPlan } from "./_experiments.ts";
import { listUsers } from "./_users.ts";

/** What `Lab.gradebook` takes. */
export interface GradebookRequest {
  /** Only this template's rows. Default: every template that has experiments. */
  template?: string;
}

/** One step of a student's experiment, as the gradebook counts it. */
export interface GradebookStep {
  /** The step id. */
  id: string;
  /** Whether a succeeded, not voided run counts for it. */
  done: boolean;
  /** The credited job. */
  jobId: string | null;
  /** Its checks within tolerance. */
  checksOk: number;
  /** Its checks: every expected output of the step. */
  checksTotal: number;
}

/** The latest signature of one meaning on a graded experiment. */
export interface GradebookSignOff {
  /** What it means: `authored`, `reviewed` or `approved`. */
  meaning: SignatureMeaning;
  /** The signer's username. */
  signer: string;
  /** The signer's display name at signing. */
  displayName: string;
  /** When it was signed. */
  time: string;
  /** Whether the experiment still has the hash that was signed. */
  matches: boolean;
}

/** One student's work on one template. */
export interface GradebookRow {
  /** The student: the experiment's owner. */
  student: string;
  /** The template key. */
  template: string;
  /** The experiment graded: the student's furthest along with this template. */
  experimentId: string;
  /** Its title. */
  experimentTitle: string;
  /** Its lifecycle state. */
  experimentStatus: string;
  /** The student's other experiments with this template, not graded. */
  otherExperimentIds: string[];
  /** Steps done: non-voided, succeeded runs matched to a step. */
  stepsDone: number;
  /** Steps in the template. */
  stepsTotal: number;
  /** Checks within tolerance (the grading tolerance for the student's own data). */
  checksOk: number;
  /** Checks in the template: every expected output of every step. */
  checksTotal: number;
  /** Each step. */
  steps: GradebookStep[];
  /** The latest signature of each meaning on the experiment, authored, reviewed, approved. */
  signOff: GradebookSignOff[];
}

/** A template as the gradebook heads its rows. */
export interface GradebookTemplate {
  /** Its key. */
  key: string;
  /** Its version. */
  version: string;
  /** Its title. */
  title: string;
  /** Its steps, with how many checks each has. */
  steps: Array<{ id: string; title: string; module: string; checks: number }>;
}

/** The whole gradebook. */
export interface Gradebook {
  /** The templates with rows (or the one asked for), by key. */
  templates: GradebookTemplate[];
  /** One row per student and template, by template, then student. */
  rows: GradebookRow[];
}

/** What `Lab.gradebookDistribution` takes. */
export interface DistributionRequest {
  /** The template. Default: the only one in the gradebook. */
  template?: string;
  /** The step. Default: the first with an expected value that a student has done. */
  step?: string;
  /** The dotted output field. Default: the step's first expected value. */
  field?: string;
}

/** A class distribution of one output of one step. */
export interface GradebookDistribution {
  /** The template key. */
  template: string;
  /** The step id. */
  step: string;
  /** The output field. */
  field: string;
  /** What it is, for people. */
  label: string;
  /** Its unit, when known. */
  unit: string | null;
  /** One value per student whose step is done, smallest first. */
  values: Array<{ student: string; experimentId: string; jobId: string; value: number }>;
  /** Students without a value (the step not done, or no number in the output). */
  missing: string[];
  /**
   * The template's accepted value and the band that passes for a student's
   * own data (its grading tolerance), or null when the field has no
   * expectation. `value` is absent for a range.
   */
  accepted: { value?: number; low?: number; high?: number; expected: string } | null;
  /** The plot. */
  svg: string;
}

/** Only staff and the local CLI read the gradebook; a student gets what a missing page gets. */
function requireGradebookReader(lab: LabContext): void {
  if (lab.principal.role !== "student") return;
  throw new LabosError("not_found", "No gradebook here: it is for instructors, TAs and admins");
}

interface GradedRow extends GradebookRow {
  plan: ExperimentPlan;
}

async function gradedRows(
  lab: LabContext,
  key: string | undefined,
): Promise<{ templates: Map<string, LabTemplate>; rows: GradedRow[] }> {
  await requireReady(lab);
  requireGradebookReader(lab);
  const catalog = await lab.templates();
  const templates = new Map<string, LabTemplate>();
  if (key !== undefined) templates.set(key, catalog.get(key).template);
  // Once the lab has users, rows are of students and TAs (who are assigned labs), not of
  // an instructor trying a template or the CLI's own actor; without users, of every owner.
  const users = await listUsers(lab);
  const learners = new Set(
    users.filter((user) => user.role === "student" || user.role === "ta").map((u) => u.username),
  );
  const gradable = (owner: string) => users.length === 0 || learners.has(owner);
  const experiments: Experiment[] = [];
  for (let offset = 0;; offset += 1000) {
    const page = await lab.storage.list("experiment", {
      limit: 1000,
      offset,
      where: (experiment) =>
        experiment.template !== undefined && (key === undefined || experiment.template === key) &&
        gradable(experiment.owner),
    });
    experiments.push(...page.items);
    if (!page.hasMore) break;
  }
  const byStudent = new Map<string, GradedRow[]>();
  for (const experiment of experiments) {
    const templateKey = experiment.template as string;
    let template = templates.get(templateKey);
    if (!template) {
      try {
        template = catalog.get(templateKey).template;
      } catch {
        continue; // A template since removed from labos.jsonc: nothing to grade against.
      }
      templates.set(templateKey, template);
    }
    const plan = await experimentPlan(lab, experiment.id);
    const row = gradeRow(experiment, { template, plan });
    const group = `${templateKey}\n${experiment.owner}`;
    byStudent.set(group, [...byStudent.get(group) ?? [], row]);
  }
  const graded = [...byStudent.values()].map((candidates) =>
    candidates.sort((a, b) =>
      b.stepsDone - a.stepsDone || b.checksOk - a.checksOk ||
      (a.experimentId < b.experimentId ? 1 : -1)
    )
  );
  const best = new Set(graded.map(([first]) => first.experimentId));
  const signed = await signOffs(
    lab,
    new Map(experiments.filter((e) => best.has(e.id)).map((e) => [e.id, e])),
  );
  const rows = graded.map(([best, ...others]) => ({
    ...best,
    otherExperimentIds: others.map((other) => other.experimentId).sort(),
    signOff: signed.get(best.experimentId) ?? [],
  })).sort((a, b) =>
    a.template < b.template
      ? -1
      : a.template > b.template
      ? 1
      : a.student < b.student
      ? -1
      : a.student > b.student
      ? 1
      : 0
  );
  return { templates, rows };
}

function gradeRow(
  experiment: Experiment,
  options: { template: LabTemplate; plan: ExperimentPlan },
): GradedRow {
  const { template, plan } = options;
  const steps = template.steps.map((step, index): GradebookStep => {
    const planned = plan.steps[index];
    return {
      id: step.id,
      done: planned.status === "done",
      jobId: planned.jobId,
      checksOk: planned.checks.filter((check) => check.ok).length,
      checksTotal: step.expected.length,
    };
  });
  return {
    student: experiment.owner,
    template: template.key,
    experimentId: experiment.id,
    experimentTitle: experiment.title,
    experimentStatus: experiment.status,
    otherExperimentIds: [],
    stepsDone: steps.filter((step) => step.done).length,
    stepsTotal: steps.length,
    checksOk: steps.reduce((sum, step) => sum + step.checksOk, 0),
    checksTotal: steps.reduce((sum, step) => sum + step.checksTotal, 0),
    steps,
    signOff: [],
    plan,
  };
}

/** The latest signature of each meaning on each experiment, and whether it still matches. */
async function signOffs(
  lab: LabContext,
  experiments: Map<string, Experiment>,
): Promise<Map<string, GradebookSignOff[]>> {
  const latest = new Map<string, Map<SignatureMeaning, Signature>>();
  for (let offset = 0;; offset += 1000) {
    const page = await lab.storage.list("signature", {
      limit: 1000,
      offset,
      where: (signature) => experiments.has(signature.recordId),
    });
    for (const signature of page.items) {
      const byMeaning = latest.get(signature.recordId) ?? new Map();
      const known = byMeaning.get(signature.meaning);
      if (!known || signature.id > known.id) byMeaning.set(signature.meaning, signature);
      latest.set(signature.recordId, byMeaning);
    }
    if (!page.hasMore) break;
  }
  const result = new Map<string, GradebookSignOff[]>();
  for (const [id, byMeaning] of latest) {
    const current = hashJson(experiments.get(id));
    result.set(
      id,
      SIGNATURE_MEANINGS.flatMap((meaning) => {
        const signature = byMeaning.get(meaning);
        return signature
          ? [{
            meaning,
            signer: signature.signer,
            displayName: signature.displayName,
            time: signature.time,
            matches: signature.recordSha256 === current,
          }]
          : [];
      }),
    );
  }
  return result;
}

function describeTemplate(template: LabTemplate): GradebookTemplate {
  return {
    key: template.key,
    version: template.version,
    title: template.title,
    steps: template.steps.map((step) => ({
      id: step.id,
      title: step.title,
      module: step.module,
      checks: step.expected.length,
    })),
  };
}

/**
 * The gradebook: one row per student and template. Voided runs count for
 * nothing; a student's several experiments with one template are graded by
 * the one furthest along (the others are listed).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "./mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "prof" });
 * await lab.init();
 * await lab.assign("coffee-cup-calorimetry", { to: ["ana"] });
 * const { rows } = await lab.gradebook();
 * assert.deepEqual(rows.map((row) => [row.student, row.stepsDone, row.stepsTotal]), [["ana", 0, 3]]);
 * ```
 */
export async function gradebook(lab: LabContext, request: GradebookRequest): Promise<Gradebook> {
  const { templates, rows } = await gradedRows(lab, checkKey(request?.template));
  const shown = new Set(rows.map((row) => row.template));
  if (request?.template !== undefined) shown.add(request.template);
  return {
    templates: [...templates.values()].filter((template) => shown.has(template.key))
      .sort((a, b) => (a.key < b.key ? -1 : 1)).map(describeTemplate),
    rows: rows.map(({ plan: _, ...row }) => row),
  };
}

function checkKey(value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") {
    throw new LabosError("invalid", `Invalid gradebook request: "template" must be a template key`);
  }
  return value;
}

/** The CSV columns of {@linkcode gradebookCsv}. */
export const GRADEBOOK_CSV_HEADER: readonly string[] = [
  "student",
  "template",
  "experiment",
  "status",
  "steps_done",
  "steps_total",
  "checks_ok",
  "checks_total",
  ...SIGNATURE_MEANINGS.flatMap((meaning) => [
    `${meaning}_by`,
    `${meaning}_at`,
    `${meaning}_matches`,
  ]),
];

/**
 * The gradebook as RFC 4180 CSV: a header row, then one row per student and
 * template, CRLF line ends, formula-like text cells neutralised.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gradebookCsv } from "./_gradebook.ts";
 * const csv = gradebookCsv({
 *   templates: [],
 *   rows: [{
 *     student: "=ana", template: "t", experimentId: "exp_1", experimentTitle: "x",
 *     experimentStatus: "draft", otherExperimentIds: [], stepsDone: 1, stepsTotal: 3,
 *     checksOk: 4, checksTotal: 10, steps: [],
 *     signOff: [{
 *       meaning: "reviewed", signer: "prof", displayName: "Prof", time: "2026-03-02T10:00:00Z",
 *       matches: true,
 *     }],
 *   }],
 * });
 * const [header, row] = csv.split("\r\n");
 * assert.ok(header.startsWith("student,template,experiment,status,steps_done,steps_total,"));
 * assert.equal(row, `"'=ana",t,exp_1,draft,1,3,4,10,,,,prof,2026-03-02T10:00:00Z,true,,,`);
 * ```
 */
export function gradebookCsv(book: Gradebook): string {
  const lines = [csvRecord(GRADEBOOK_CSV_HEADER)];
  for (const row of book.rows) {
    lines.push(csvRecord([
      row.student,
      row.template,
      row.experimentId,
      row.experimentStatus,
      row.stepsDone,
      row.stepsTotal,
      row.checksOk,
      row.checksTotal,
      ...SIGNATURE_MEANINGS.flatMap((meaning) => {
        const signature = row.signOff.find((entry) => entry.meaning === meaning);
        return signature ? [signature.signer, signature.time, signature.matches] : ["", "", ""];
      }),
    ]));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * The class distribution of one output of one step: each student's value
 * from the run credited for the step, and the template's accepted value
 * with its grading band, drawn as an SVG (students ranked by value).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "./mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "prof" });
 * await lab.init();
 * const [experiment] = await lab.assign("coffee-cup-calorimetry", { to: ["ana"] });
 * await lab.runPlan(experiment.id, { steps: ["neutralisation"], params: ["finalTempC=29.1"] });
 * const spread = await lab.gradebookDistribution({ field: "deltaTK" });
 * assert.deepEqual(spread.values.map((entry) => entry.student), ["ana"]);
 * assert.equal(spread.accepted?.expected, "6.9 K ± 5 %");
 * ```
 */
export async function gradebookDistribution(
  lab: LabContext,
  request: DistributionRequest,
): Promise<GradebookDistribution> {
  const asked = checkKey(request?.template);
  const { templates, rows } = await gradedRows(lab, asked);
  let key = asked;
  if (key === undefined) {
    const keys = [...new Set(rows.map((row) => row.template))];
    if (keys.length !== 1) {
      throw new LabosError(
        "invalid",
        `Name a template for the distribution: the gradebook has ${
          keys.length === 0 ? "none" : keys.map((k) => quote(k)).join(", ")
        }`,
        { issues: [{ path: "template", message: "is required" }] },
      );
    }
    key = keys[0];
  }
  const template = templates.get(key) as LabTemplate;
  const step = pickStep(template, {
    id: request?.step,
    // By default, the first step with an expected value that someone has done.
    done: (at) => rows.some((row) => row.template === key && row.steps[at].done),
  });
  const field = await pickField(lab, { template, step, field: request?.field });
  const expectation = step.expected.find((e) => e.field === field.path);
  const at = template.steps.indexOf(step);
  const templateTools = await import("../templates/mod.ts");
  const values: GradebookDistribution["values"] = [];
  const missing: string[] = [];
  for (const row of rows.filter((row) => row.template === key)) {
    const planned = row.plan.steps[at];
    const output = planned.datasetId
      ? (await lab.storage.get("dataset", planned.datasetId)).output
      : undefined;
    const value = templateTools.valueAtPath(output, field.path);
    if (planned.jobId && typeof value === "number" && Number.isFinite(value)) {
      values.push({
        student: row.student,
        experimentId: row.experimentId,
        jobId: planned.jobId,
        value,
      });
    } else missing.push(row.student);
  }
  values.sort((a, b) => a.value - b.value || (a.student < b.student ? -1 : 1));
  const label = expectation?.label ?? field.path;
  const unit = expectation?.unit ?? field.unit ?? null;
  const accepted = expectation ? acceptedBand(expectation, { tools: templateTools, unit }) : null;
  const svg = (await import("../plots/mod.ts")).renderPlotSvg(
    distributionSpec({ template, step, label, unit, values, accepted }),
    { xTicks: "integer" },
  );
  return {
    template: key,
    step: step.id,
    field: field.path,
    label,
    unit,
    values,
    missing,
    accepted,
    svg,
  };
}

function pickStep(
  template: LabTemplate,
  options: { id: string | undefined; done: (at: number) => boolean },
): TemplateStep {
  const { id } = options;
  if (id === undefined || id === "") {
    const valued = template.steps.map((step, at) => ({ step, at }))
      .filter(({ step }) => step.expected.some((e) => e.value !== undefined));
    return (valued.find(({ at }) => options.done(at)) ?? valued[0])?.step ?? template.steps[0];
  }
  const step = template.steps.find((candidate) => candidate.id === id);
  if (!step) {
    throw new LabosError(
      "invalid",
      `Unknown step ${quote(id)} in template ${quote(template.key)}: expected one of ${
        template.steps.map((candidate) => candidate.id).join(", ")
      }`,
      { issues: [{ path: "step", message: `unknown: ${quote(id)}` }] },
    );
  }
  return step;
}

/** The field to plot: an expected output of the step, or a numeric output of its module. */
async function pickField(
  lab: LabContext,
  options: { template: LabTemplate; step: TemplateStep; field: string | undefined },
): Promise<{ path: string; unit?: string }> {
  const { step, field } = options;
  const expected = step.expected.filter((e) => e.equals === undefined).map((e) => e.field);
  let numeric: Array<{ path: string; unit?: string }> = [];
  try {
    const { moduleInfo } = await import("../modules/registry.ts");
    numeric = moduleInfo((await lab.modules()).get(step.module)).outputs
      .filter((output) =>
        (output.type === "number" || output.type === "integer") && !output.path.includes("[]")
      )
      .map((output) => ({ path: output.path, unit: output.unit }));
  } catch {
    // The module is gone (a plugin since removed): the expected fields remain.
  }
  const choices = [...new Set([...expected, ...numeric.map((output) => output.path)])];
  const wanted = field === undefined || field === "" ? choices[0] : field;
  if (wanted === undefined || !choices.includes(wanted)) {
    throw new LabosError(
      "invalid",
      `Unknown field ${quote(wanted ?? "")} of step ${quote(step.id)}: expected one of ${
        choices.join(", ") || "(none: the step has no numeric output)"
      }`,
      { issues: [{ path: "field", message: `unknown: ${quote(wanted ?? "")}` }] },
    );
  }
  return numeric.find((output) => output.path === wanted) ?? { path: wanted };
}

/** The template helpers the band needs, loaded with the first gradebook plot. */
interface TemplateTools {
  acceptedRange: typeof acceptedRange;
  describeExpectation: typeof describeExpectation;
  expectedWithUnit: typeof expectedWithUnit;
}

/** The accepted value and the band a student's own data passes in (its grading tolerance). */
function acceptedBand(
  expectation: TemplateExpectation,
  options: { tools: TemplateTools; unit: string | null },
): GradebookDistribution["accepted"] {
  const { acceptedRange, describeExpectation, expectedWithUnit } = options.tools;
  const range = acceptedRange(expectation, { graded: true });
  if (range === null) return null;
  const expected = expectedWithUnit(
    describeExpectation(expectation, { graded: true }),
    options.unit,
  );
  return { ...range, expected };
}

/** Up to this many students, each point is labelled with the username. */
const LABELLED_STUDENTS = 20;

function distributionSpec(options: {
  template: LabTemplate;
  step: TemplateStep;
  label: string;
  unit: string | null;
  values: GradebookDistribution["values"];
  accepted: GradebookDistribution["accepted"];
}): PlotSpec {
  const { template, step, label, unit, values, accepted } = options;
  const shown = (value: number) => `${value}${unit ? ` ${unit}` : ""}`;
  // At least two ranks, so the axis has two whole-number ticks to read it by.
  const right = Math.max(values.length, 2) + 0.5;
  const across = (y: number): Array<[number, number]> => [[0.5, y], [right, y]];
  const series: PlotSeries[] = [{
    kind: "points",
    name: `students (n = ${values.length})`,
    points: values.map((entry, index) => [index + 1, entry.value]),
  }];
  if (accepted?.value !== undefined) {
    series.push({
      kind: "line",
      name: `accepted ${accepted.expected}`,
      points: across(accepted.value),
    });
  }
  if (accepted?.low !== undefined) {
    series.push({
      kind: "line",
      name: `lower limit ${shown(accepted.low)}`,
      points: across(accepted.low),
      dashed: true,
    });
  }
  if (accepted?.high !== undefined) {
    series.push({
      kind: "line",
      name: `upper limit ${shown(accepted.high)}`,
      points: across(accepted.high),
      dashed: true,
    });
  }
  return {
    title: `${template.title}: ${step.id}`,
    xLabel: "Student, ranked by value",
    yLabel: unit ? `${label} (${unit})` : label,
    series,
    // Names beside the points while they stay legible; a bigger class has the values table.
    annotations: values.length > LABELLED_STUDENTS ? [] : values.map((entry, index) => ({
      x: index + 1,
      y: entry.value,
      text: entry.student,
    })),
  };
}
