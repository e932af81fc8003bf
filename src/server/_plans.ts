/**
 * The plan of a guided lab, mounted beside the experiment pages at
 * `/experiments/:id/plan`: each step with its runs (voided ones struck
 * through), expected against actual with the deviation and whether it is
 * within tolerance, "Run this step", and the jobs no step can claim.
 *
 * @module
 */
import { Hono } from "hono";
import type { Experiment } from "../records/mod.ts";
import {
  type ExpectationCheck,
  expectedWithUnit,
  type ExperimentPlan,
  type PlanRun,
  type PlanStep,
} from "../templates/mod.ts";
import type { NumberFormat } from "../units/mod.ts";
import { uiOf } from "./_context.ts";
import { renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  badge,
  dash,
  dataTable,
  formatNumber,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
} from "./_views.ts";

/**
 * The plan pages sub-app, mounted at `/experiments` beside the experiment pages.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { plans } from "./_plans.ts";
 * assert.ok(plans.routes.some((route) => route.path === "/:id/plan"));
 * ```
 */
export const plans: Hono<ServerEnv> = new Hono<ServerEnv>();

plans.get("/:id/plan", async (c) => {
  const ui = uiOf(c);
  const lab = c.var.lab;
  const id = c.req.param("id");
  const experiment = await lab.getExperiment(id);
  const plan = await lab.experimentPlan(id);
  const open = experiment.status === "draft" || experiment.status === "running";
  const format = lab.display.format;
  const body = html`
    ${c.req.query("voided")
      ? notice("ok", html`Voided. The job stays, struck through, and counts for no step.`)
      : ""}
    <section class="card plan-summary" aria-labelledby="progress-title">
      <h2 id="progress-title">${plan.done} of ${plan.total} steps done</h2>
      <progress max="${plan.total}" value="${plan.done}">${plan.done} of ${plan.total}</progress>
      <p class="small muted">${plan.template.title} · template <a href="/templates/${plan.template
        .key}">${plan.template.key}</a> v${plan.template.version} · experiment ${idLink(
          "/experiments/",
          experiment.id,
        )} ${badge(experiment.status)} · owner ${experiment.owner}</p>
      ${ui.mode === "learner"
        ? html`
          <p
            class="small">Run each step from here: its form opens filled in with the lab's worked example; change the values to your own readings. A run counts for the step you started it from. A wrong run can be voided from its job page: it stays, struck through, and counts for nothing.</p>
        `
        : ""}
    </section>
    ${plan.steps.map((step, index) => stepCard(step, { index, experiment, open, format }))}
    ${unmatchedCard(plan)}
    ${ui.mode === "builder" ? jsonBlock(plan, { summary: "Plan (JSON)" }) : ""}
  `;
  return await renderPage(c, ui, {
    title: `Plan: ${experiment.title}`,
    crumbs: [["Experiments", "/experiments"], [experiment.title, `/experiments/${id}`], ["Plan"]],
    section: "experiments",
    body,
  });
});

function stepCard(
  step: PlanStep,
  options: { index: number; experiment: Experiment; open: boolean; format: NumberFormat },
): Html {
  const { index, experiment, open, format } = options;
  const headId = `step-${step.id}`;
  return html`
    <section class="card plan-step" id="${headId}" aria-labelledby="${headId}-title">
      <div class="page-head">
        <h2 id="${headId}-title">${index + 1}. ${step.title}</h2>
        ${badge(step.status)}
      </div>
      <p class="small muted"><code>${step.module}</code> · step <code>${step.id}</code> · ${step
          .status === "done"
        ? "done"
        : "pending"}</p>
      ${open
        ? html`
          <p class="actions"><a class="button" href="${href(`/modules/${step.module}`, {
            experiment: experiment.id,
            step: step.id,
          })}#run">Run this step</a></p>
        `
        : ""}
      ${step.runs.length === 0
        ? html`<p class="muted small">No runs yet.</p>`
        : runsTable(step.runs)}
      ${step.checks.length ? checksTable(step.checks, format) : ""}
    </section>
  `;
}

function runLabel(run: PlanRun): Html {
  const link = idLink("/jobs/", run.jobId);
  return run.voided ? html`<s>${link}</s>` : link;
}

const MATCH_TEXT: Record<string, string> = {
  bound: "run for this step",
  "default-input": "the step's default input",
  module: "the only open step of its module",
};

function runsTable(runs: PlanRun[]): Html {
  return dataTable(
    ["Run", "Status", { label: "Counted as", class: "hide-narrow" }, "Credited"],
    runs.map((run) =>
      html`
        <tr class="${run.voided ? "voided" : ""}">
          <td>${runLabel(run)}</td>
          <td>${run.voided ? html`<s>${badge(run.status)}</s> ${badge("voided")}` : badge(
            run.status,
          )}</td>
          <td class="hide-narrow">${run.match ? MATCH_TEXT[run.match] : dash()}</td>
          <td>${run.credited ? "yes" : dash()}</td>
        </tr>
      `
    ),
  );
}

function shown(value: unknown, format: NumberFormat): string {
  return typeof value === "number" ? formatNumber(value, format) : JSON.stringify(value);
}

function checksTable(checks: ExpectationCheck[], format: NumberFormat): Html {
  return dataTable(
    ["Quantity", "Expected", "Actual (deviation)", {
      label: "Within tolerance",
      class: "hide-narrow",
    }],
    checks.map((check) => {
      const unit = check.unit ? ` ${check.unit}` : "";
      // Inside a range, the deviation is 0: nothing to say.
      const deviation =
        check.deviation === null || (check.deviation === 0 && check.tolerance === null)
          ? ""
          : `${check.deviation > 0 ? "+" : ""}${formatNumber(check.deviation, format)}${unit}${
            check.relativeDeviation === null
              ? ""
              : ` (${check.relativeDeviation > 0 ? "+" : ""}${
                formatNumber(check.relativeDeviation * 100, format)
              } %)`
          }`;
      return html`
        <tr class="plan-check ${check.ok ? "ok" : "bad"}">
          <td class="wrap">${check.label ?? check.field}<span class="show-narrow"> ${badge(
            check.ok ? "ok" : "bad",
          )}</span></td>
          <td>${expectedWithUnit(check.expected, check.unit)}${check.basis === "grading"
            ? html`
              <br><span class="small muted">grading tolerance</span>
            `
            : ""}</td>
          <td class="wrap">${check.actual === null
            ? dash()
            : `${shown(check.actual, format)}${unit}`}${deviation
            ? html`
              <br><span class="small muted deviation">${deviation}</span>
            `
            : ""}</td>
          <td class="hide-narrow">${badge(check.ok ? "ok" : "bad")} ${check.ok ? "yes" : "no"}</td>
        </tr>
      `;
    }),
  );
}

function unmatchedCard(plan: ExperimentPlan): Html {
  if (plan.unmatched.length === 0) return html``;
  return html`
    <section class="card" aria-labelledby="unmatched-title">
      <h2 id="unmatched-title">Unmatched runs (${plan.unmatched.length})</h2>
      <p class="small">These runs count for no step: they were not run from a step, and more than one step could be theirs. Run the step again from its "Run this step" button, or void a wrong run from its job page.</p>
      ${dataTable(
        ["Run", "Module", "Status"],
        plan.unmatched.map((run) =>
          html`
            <tr class="${run.voided ? "voided" : ""}">
              <td>${runLabel(run)}</td>
              <td><code>${run.module}</code></td>
              <td>${run.voided ? html`<s>${badge(run.status)}</s> ${badge("voided")}` : badge(
                run.status,
              )}</td>
            </tr>
          `
        ),
      )}
    </section>
  `;
}
