/**
 * Guided labs: the template list, each template's page with "Create an
 * experiment from it", and the instructor's page that assigns a template
 * to students (one draft experiment each, owned by them).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LabosError, quote } from "../errors.ts";
import type { Experiment } from "../records/mod.ts";
import type { TemplateEntry, TemplateExpectation } from "../templates/mod.ts";
import { type Ui, uiOf } from "./_context.ts";
import { formError, HTTP_STATUS } from "./_errors.ts";
import { formValues } from "./_input.ts";
import { renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  csrfInput,
  dataTable,
  fieldBlock,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  raw,
} from "./_views.ts";

/**
 * The guided-lab pages sub-app, mounted at `/templates`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { templates } from "./_templates.ts";
 * assert.ok(templates.routes.some((route) => route.path === "/:key/create"));
 * ```
 */
export const templates: Hono<ServerEnv> = new Hono<ServerEnv>();

templates.get("/", async (c) => {
  const ui = uiOf(c);
  const entries = await c.var.lab.listTemplates();
  return await renderPage(c, ui, {
    title: "Guided labs",
    crumbs: [["Guided labs"]],
    section: "templates",
    lede: ui.mode === "learner"
      ? "Each guided lab is a template: instructions, planned runs with real default inputs, and the results to expect. Create an experiment from one and follow its plan."
      : undefined,
    actions: mayAssign(ui)
      ? html`<a class="button secondary" href="/templates/assign">Assign to students</a>`
      : undefined,
    body: html`<div class="module-list">${entries.map(templateCard)}</div>`,
  });
});

/** Whether the page offers assigning: single-token mode, an instructor or an admin. */
function mayAssign(ui: Ui): boolean {
  return ui.user === undefined || ui.user.role === "instructor" || ui.user.role === "admin";
}

templates.get("/assign", (c) => assignPage(c, { values: {}, errors: new Map() }));

templates.post("/assign", async (c) => {
  const values = await formValues(c);
  try {
    const made = await c.var.lab.assign(values.template ?? "", {
      to: [values.to ?? ""],
      reason: values.reason?.trim() || undefined,
    });
    return await assignPage(c, { values: {}, errors: new Map(), made });
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "not_found", "forbidden"]);
    const field = error.kind === "not_found"
      ? "template"
      : error.kind === "forbidden"
      ? "to"
      : error.issues[0]?.path || "to";
    return await assignPage(c, {
      values,
      errors: new Map([[field, [error.message]]]),
      status: HTTP_STATUS[error.kind],
    });
  }
});

templates.get("/:key", (c) => templatePage(c, { values: {}, errors: new Map() }));

templates.post("/:key/create", async (c) => {
  const values = await formValues(c);
  try {
    const experiment = await c.var.lab.createExperiment({
      template: c.req.param("key"),
      title: values.title?.trim() || undefined,
      reason: values.reason?.trim() || undefined,
    });
    return c.redirect(`/experiments/${experiment.id}/plan`, 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid"]);
    const field = error.issues[0]?.path === "title" ? "title" : "";
    return await templatePage(c, {
      values,
      errors: new Map([[field, [error.message]]]),
      status: 400,
    });
  }
});

function templateCard(entry: TemplateEntry): Html {
  const { template } = entry;
  return html`
    <section class="card">
      <p class="small muted domain">${template.level ?? "lab"}${template.durationMinutes
        ? html`
          · ${template.durationMinutes} min
        `
        : ""}</p>
      <h2><a href="/templates/${template.key}">${template.title}</a></h2>
      <p>${template.summary}</p>
      <p
        class="small muted"><code>${template.key}</code> · v${template.version} · ${template.steps
          .length} planned ${template.steps.length === 1 ? "run" : "runs"}</p>
    </section>
  `;
}

/** `-57 ± 3 kJ/mol`, and how student data is graded when that differs. */
function expectationText(expectation: TemplateExpectation): string {
  const unit = expectation.unit ? ` ${expectation.unit}` : "";
  const { value, tolerance, min, max, grading } = expectation;
  const base = expectation.equals !== undefined
    ? `= ${JSON.stringify(expectation.equals)}`
    : value !== undefined
    ? `${value} ± ${tolerance}${unit}`
    : min !== undefined && max !== undefined
    ? `${min} to ${max}${unit}`
    : min !== undefined
    ? `≥ ${min}${unit}`
    : `≤ ${max}${unit}`;
  if (!grading) return base;
  const parts = [
    grading.tolerance === undefined ? "" : `± ${grading.tolerance}${unit}`,
    grading.relativeTolerance === undefined
      ? ""
      : `± ${Number((grading.relativeTolerance * 100).toPrecision(12))} %`,
  ].filter(Boolean);
  return `${base}; your own data: ${parts.join(" or ")}`;
}

interface FormState {
  values: Record<string, string>;
  errors: Map<string, string[]>;
  status?: ContentfulStatusCode;
}

async function templatePage(c: Context<ServerEnv>, state: FormState): Promise<Response> {
  const ui = uiOf(c);
  const entry = await c.var.lab.getTemplate(c.req.param("key") ?? "");
  const { template } = entry;
  const general = state.errors.get("") ?? [];
  const body = html`
    <div class="grid-2">
      <div class="stack">
        <section class="card" aria-labelledby="purpose-title">
          <h2 id="purpose-title">Purpose</h2>
          <p>${template.purpose}</p>
          <h3>Instructions</h3>
          <ol class="steps">${template.instructions.map((step) => html`<li>${step}</li>`)}</ol>
        </section>
        <section class="card" aria-labelledby="planned-title">
          <h2 id="planned-title">Planned runs</h2>
          ${dataTable(
            ["Step", { label: "Module", class: "hide-narrow" }, "Expected"],
            template.steps.map((step) =>
              html`
                <tr>
                  <td><strong>${step.title}</strong><br><code class="small">${step.id}</code></td>
                  <td class="hide-narrow"><code>${step.module}</code></td>
                  <td class="wrap">
                    <ul class="plain">${step.expected.map((expectation) =>
                      html`<li>${expectation.label ?? expectation.field}: ${
                        expectationText(
                          expectation,
                        )
                      }</li>`
                    )}</ul>
                  </td>
                </tr>
              `
            ),
          )}
        </section>
        ${template.safety.length
          ? html`
            <section class="card" aria-labelledby="safety-title">
              <h2 id="safety-title">Safety</h2>
              <ul>${template.safety.map((note) => html`<li>${note}</li>`)}</ul>
            </section>
          `
          : ""}
        <details class="card">
          <summary>References</summary>
          <ul class="small">${template.citations.map((item) => html`<li>${item}</li>`)}</ul>
        </details>
        ${ui.mode === "builder" ? jsonBlock(entry, { summary: "Template (JSON)" }) : ""}
      </div>
      <div class="stack">
        <section class="card" aria-labelledby="create-title">
          <h2 id="create-title">Start this lab</h2>
          ${general.length
            ? notice("bad", html`<strong>Nothing was created.</strong> ${general[0]}`)
            : ""}
          <form class="stacked" method="post" action="/templates/${template.key}/create">
            ${csrfInput(ui.csrf)}
            ${textField(state, {
              name: "title",
              label: "Title",
              hint: `Default: ${template.titlePattern}`,
            })}
            ${textField(state, {
              name: "reason",
              label: "Reason",
              hint: "Why it is created; kept in the audit log.",
            })}
            <div class="actions"><button type="submit">Create experiment</button></div>
          </form>
          <p class="small muted">It starts as a draft with this lab's plan: ${template.steps
            .length} planned ${template.steps.length === 1 ? "run" : "runs"}.</p>
        </section>
        <section class="card">
          <p class="small muted"><code>${template.key}</code> · v${template.version} · ${entry
            .source}</p>
          ${mayAssign(ui)
            ? html`<p class="actions"><a class="button secondary" href="${
              href("/templates/assign", {
                template: template.key,
              })
            }">Assign to students</a></p>`
            : ""}
        </section>
      </div>
    </div>
  `;
  return await renderPage(c, ui, {
    title: template.title,
    crumbs: [["Guided labs", "/templates"], [template.title]],
    section: "templates",
    lede: template.summary,
    body,
    status: state.status,
  });
}

function textField(
  state: FormState,
  options: { name: string; label: string; hint?: string; required?: boolean; id?: string },
): Html {
  const { name } = options;
  return fieldBlock({
    id: options.id ?? `tpl-${name}`,
    label: options.label,
    hint: options.hint,
    required: options.required,
    errors: state.errors.get(name),
    control: (attrs) =>
      html`<input type="text" name="${name}" autocomplete="off" value="${
        state.values[name] ?? ""
      }" ${attrs}>`,
  });
}

async function assignPage(
  c: Context<ServerEnv>,
  state: FormState & { made?: Experiment[] },
): Promise<Response> {
  const ui = uiOf(c);
  if (!mayAssign(ui) && ui.user) {
    throw new LabosError(
      "forbidden",
      `Only an instructor or an admin may assign labs: ${
        quote(ui.user.username)
      } is a ${ui.user.role}`,
    );
  }
  const entries = await c.var.lab.listTemplates();
  const chosen = state.values.template ?? c.req.query("template") ?? "";
  const made = state.made ?? [];
  const body = html`
    ${made.length
      ? notice(
        "ok",
        html`Assigned: ${made.length} draft ${
          made.length === 1 ? "experiment" : "experiments"
        }, each owned by its student.`,
      )
      : ""}
    ${made.length
      ? dataTable(
        ["Owner", "Experiment"],
        made.map((experiment) =>
          html`
            <tr>
              <td>${experiment.owner}</td>
              <td><a href="/experiments/${experiment.id}/plan">${experiment.title}</a> ${idLink(
                "/experiments/",
                experiment.id,
              )}</td>
            </tr>
          `
        ),
      )
      : ""}
    <form class="card stacked" method="post" action="/templates/assign">
      ${csrfInput(ui.csrf)}
      ${fieldBlock({
        id: "assign-template",
        label: "Guided lab",
        required: true,
        errors: state.errors.get("template"),
        control: (attrs) =>
          html`<select name="template" ${attrs}>${
            entries.map(({ template }) =>
              html`
                <option value="${template.key}" ${template.key === chosen
                  ? raw(" selected")
                  : ""}>${template.title} (${template.key})</option>
              `
            )
          }</select>`,
      })}
      ${textField(state, {
        name: "to",
        id: "assign-to",
        label: "Students",
        hint:
          "Usernames separated by commas, such as ana, bo. Each gets a draft experiment of their own.",
        required: true,
      })}
      ${textField(state, {
        name: "reason",
        id: "assign-reason",
        label: "Reason",
        hint: "Kept in the audit log. Default: “Assigned to NAME”.",
      })}
      <div class="actions"><button type="submit">Assign</button></div>
    </form>
  `;
  return await renderPage(c, ui, {
    title: "Assign a guided lab",
    crumbs: [["Guided labs", "/templates"], ["Assign"]],
    section: "templates",
    lede: ui.mode === "learner"
      ? "All the experiments are created together, or none: a name that is refused stops the whole assignment."
      : undefined,
    body,
    status: state.status,
  });
}
