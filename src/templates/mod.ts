/**
 * Experiment templates: teaching labs with a title pattern, instructions and
 * planned module runs whose expected outputs are known. The built-in ones are
 * embedded from `assets/templates/`; a lab adds its own through `labos.jsonc`.
 *
 * @module
 */
export {
  builtinTemplates,
  parseTemplate,
  readTemplateFile,
  renderTitle,
  TemplateCatalog,
  type TemplateEntry,
} from "./_catalog.ts";
export {
  acceptedRange,
  checkExpectation,
  derivePlan,
  describeExpectation,
  type ExpectationCheck,
  expectedWithUnit,
  type ExperimentPlan,
  type PlanJob,
  type PlanMatch,
  type PlanRun,
  type PlanStep,
  valueAtPath,
} from "./_plan.ts";
export {
  type LabTemplate,
  TEMPLATE_ZOD_SCHEMA,
  type TemplateExpectation,
  type TemplateGrading,
  TemplateSchema,
  type TemplateStep,
} from "./_schema.ts";
