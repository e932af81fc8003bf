/**
 * Experiment templates, for template authors: the schema of a template file,
 * the catalogue and the plan derived from an experiment's jobs.
 *
 * @example Parse a template
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinTemplates } from "@labos/labos/templates";
 * assert.ok(builtinTemplates().some((t) => t.key === "coffee-cup-calorimetry"));
 * ```
 *
 * @module
 */
export {
  builtinTemplates,
  type ExpectationCheck,
  type ExperimentPlan,
  type LabTemplate,
  parseTemplate,
  type PlanMatch,
  type PlanRun,
  type PlanStep,
  TemplateCatalog,
  type TemplateEntry,
  type TemplateExpectation,
  type TemplateGrading,
  type TemplateStep,
} from "./src/templates/mod.ts";
