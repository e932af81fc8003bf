/**
 * The instructor's gradebook page, `/gradebook`: per student and assigned
 * template, the steps done, the checks within tolerance and the sign-off,
 * with the CSV download and a class distribution plot of one expected
 * quantity. A student gets the not-found page (the service refuses).
 *
 * @module
 */
import { Hono } from "hono";
import { LabosError } from "../errors.ts";
import type {
  Gradebook,
  GradebookDistribution,
  GradebookRow,
  GradebookTemplate,
} from "../service/mod.ts";
import type { LabTemplate } from "../templates/mod.ts";
import type { NumberFormat } from "../units/mod.ts";
import { uiOf } from "./_context.ts";
import { renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  badge,
  dataTable,
  emptyTable,
  formatNumber,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  raw,
  time,
} from "./_views.ts";

/**
 * The gradebook sub-app, mounted at `/gradebook`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { gradebook } from "./_gradebook.ts";
 * assert.ok(gradebook.routes.some((route) => route.path === "/"));
 * ```
 */
export const gradebook: Hono<ServerEnv> = new Hono<ServerEnv>();

gradebook.get("/", async (c) => {
  const ui = uiOf(c);
  const lab = c.var.lab;
  const q = c.req.query();
  const book = await lab.gradebook({ template: q.template || undefined });
  const entries = await lab.listTemplates();
  // The distribution is of one template: the one chosen, or the only one with rows.
  const plotted = q.template || (book.templates.length === 1 ? book.templates[0].key : "");
  const template = entries.find((entry) => entry.template.key === plotted)?.template;
  const [step, field] = (q.plot ?? "").split(":");
  let spread: GradebookDistribution | undefined;
  let problem = "";
  if (template && book.rows.length > 0) {
    try {
      spread = await lab.gradebookDistribution({ template: template.key, step, field });
    } catch (error) {
      if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
      problem = error.message;
    }
  }
  const csv = href("/api/v1/gradebook/csv", { template: q.template || undefined });
  const body = html`<div class="stack">
    <form class="card filters" method="get" action="/gradebook" role="search" aria-label="Choose a lab">
      <div
        class="field"><label for="f-template">Guided lab</label><select id="f-template" name="template"><option value="">Every assigned lab</option>${
    entries
      .map(({ template: t }) =>
        html`<option value="${t.key}" ${
          t.key === q.template ? raw(" selected") : ""
        }>${t.title}</option>`
      )
  }</select></div>
      <div
        class="actions"><button type="submit">Show</button><a class="button secondary" href="${csv}" download>Download CSV</a></div>
    </form>
    ${
    book.rows.length === 0
      ? emptyTable(
        html`
          No assigned labs yet. Assign one from <a
            href="/templates/assign">Guided labs → Assign to students</a>.
        `,
      )
      : book.templates.map((t) => templateCard(t, book))
  }
    ${
    template && book.rows.length > 0
      ? distributionCard({ template, spread, problem, plot: q.plot, format: lab.display.format })
      : book.templates.length > 1
      ? html`<p class="small muted">Choose a guided lab to plot the class distribution of one of its results.</p>`
      : ""
  }
    ${ui.mode === "builder" ? jsonBlock(book, { summary: "Gradebook (JSON)" }) : ""}
  </div>`;
  return await renderPage(c, ui, {
    title: "Gradebook",
    crumbs: [["Gradebook"]],
    section: "gradebook",
    lede: ui.mode === "learner"
      ? "Per student and assigned lab: the steps done (voided runs count for nothing), the checks within the lab's grading tolerance (Checks OK), and the sign-off."
      : undefined,
    body,
  });
});

function templateCard(template: GradebookTemplate, book: Gradebook): Html {
  const rows = book.rows.filter((row) => row.template === template.key);
  const titleId = `gb-${template.key}`;
  return html`
    <section class="card gradebook" aria-labelledby="${titleId}">
      <h2 id="${titleId}">${template.title}</h2>
      <p class="small muted"><a href="/templates/${template.key}"><code>${template
        .key}</code></a> v${template.version} · ${rows.length} ${rows.length === 1
        ? "student"
        : "students"}</p>
      ${rows.length === 0 ? html`<p class="muted small">Nobody has this lab yet.</p>` : dataTable(
        [
          "Student",
          "Steps done",
          "Checks OK",
          { label: "Sign-off", class: "hide-narrow" },
          { label: "Experiment", class: "hide-narrow" },
        ],
        rows.map(studentRow),
      )}
    </section>
  `;
}

function studentRow(row: GradebookRow): Html {
  return html`
    <tr class="gradebook-row" data-student="${row.student}">
      <th
        scope="row"><a href="/experiments/${row.experimentId}">${row
          .student}</a><span class="show-narrow sign-off-narrow"><br>${signOff(row, {
            narrow: true,
          })}</span></th>
      <td class="steps-done"><a href="/experiments/${row.experimentId}/plan">${row
        .stepsDone} of ${row.stepsTotal}</a></td>
      <td class="checks-ok">${row.checksOk} of ${row.checksTotal}</td>
      <td class="sign-off wrap hide-narrow">${signOff(row)}</td>
      <td class="hide-narrow">${idLink("/experiments/", row.experimentId)} ${badge(
        row.experimentStatus,
      )}${row.otherExperimentIds.length
        ? html`<br><span class="small muted">and ${row.otherExperimentIds.length} more not graded</span>`
        : ""}</td>
    </tr>
  `;
}

/** The sign-off; at 375 px, under the name, without the times. */
function signOff(row: GradebookRow, options: { narrow?: boolean } = {}): Html {
  if (row.signOff.length === 0) return html`<span class="muted small">not signed</span>`;
  return html`${
    row.signOff.map((entry, index) =>
      html`${index ? html`<br>` : ""}${badge(entry.meaning)} ${entry.signer}${
        options.narrow ? "" : html`
          ${time(entry.time)}
        `
      }${
        entry.matches ? "" : html`
          <span class="badge failed">no longer matches</span>
        `
      }`
    )
  }`;
}

function distributionCard(options: {
  template: LabTemplate;
  spread: GradebookDistribution | undefined;
  problem: string;
  plot: string | undefined;
  format: NumberFormat;
}): Html {
  const { template, spread, problem, format } = options;
  const chosen = spread ? `${spread.step}:${spread.field}` : options.plot ?? "";
  const choices = template.steps.flatMap((step) =>
    step.expected.filter((e) => e.equals === undefined).map((e) => ({
      value: `${step.id}:${e.field}`,
      label: `${step.title}: ${e.label ?? e.field}${e.unit ? ` (${e.unit})` : ""}`,
    }))
  );
  const unit = spread?.unit ? ` ${spread.unit}` : "";
  const inBand = (value: number) =>
    spread?.accepted
      ? (spread.accepted.low === undefined || value >= spread.accepted.low - 1e-9) &&
        (spread.accepted.high === undefined || value <= spread.accepted.high + 1e-9)
      : undefined;
  return html`
    <section class="card" aria-labelledby="distribution-title">
      <h2 id="distribution-title">Class distribution</h2>
      <form class="filters" method="get" action="/gradebook" aria-label="Choose a result to plot">
        <input type="hidden" name="template" value="${template.key}">
        <div class="field"><label for="f-plot">Result</label><select id="f-plot" name="plot">${choices
          .map((choice) =>
            html`<option value="${choice.value}" ${
              choice.value === chosen ? raw(" selected") : ""
            }>${choice.label}</option>`
          )}</select></div>
        <div class="actions"><button type="submit">Plot</button></div>
      </form>
      ${problem ? notice("bad", problem) : ""}
      ${spread
        ? html`
          <img class="plot" src="${href("/api/v1/gradebook/distribution.svg", {
            template: spread.template,
            step: spread.step,
            field: spread.field,
          })}" alt="${`Class distribution of ${spread.label} (${spread.field}) in step ${spread.step}: ${spread.values.length} students${
            spread.accepted ? `, accepted ${spread.accepted.expected}` : ""
          }`}" width="720" height="450">
          ${spread.accepted
            ? html`<p class="small">Accepted: <strong>${spread.accepted.expected}</strong>${
              spread
                    .accepted.low !== undefined && spread.accepted.high !== undefined
                ? html`, for a student's own data ${formatNumber(spread.accepted.low, format)} to ${
                  formatNumber(
                    spread.accepted.high,
                    format,
                  )
                }${unit}`
                : ""
            }</p>`
            : ""}
          ${spread.values.length === 0 ? "" : dataTable(
            ["Student", `${spread.label}${unit ? ` (${spread.unit})` : ""}`],
            spread.values.map((entry) => {
              const ok = inBand(entry.value);
              return html`
                <tr>
                  <th scope="row">${entry.student}</th>
                  <td>${formatNumber(entry.value, format)}${unit} ${ok === undefined
                    ? ""
                    : badge(ok ? "ok" : "bad")}</td>
                </tr>
              `;
            }),
          )}
          ${spread.missing.length
            ? html`<p class="small muted">No value yet: ${spread.missing.join(", ")}</p>`
            : ""}
        `
        : ""}
    </section>
  `;
}
