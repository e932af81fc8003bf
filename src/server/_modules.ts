/**
 * The module catalogue and each module's page with its generated run form.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ModuleInfo } from "../modules/registry.ts";
import type { TemplateStep } from "../templates/mod.ts";
import { type Ui, uiOf } from "./_context.ts";
import { formError, HTTP_STATUS } from "./_errors.ts";
import { type FormField, formFields, formToInput, inputToForm, issuesByField } from "./_form.ts";
import { formValues, linesOf, wholeNumberParam } from "./_input.ts";
import { CSRF_FIELD } from "./_security.ts";
import { renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  csrfInput,
  fieldBlock,
  glossify,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  raw,
} from "./_views.ts";

const RUN_FIELDS = ["experimentId", "step", "fromDataset", "map", "skipBlankRows"];

/**
 * The module pages sub-app, mounted at `/modules`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { modules } from "./_modules.ts";
 * assert.ok(modules.routes.some((route) => route.path === "/:key/run"));
 * ```
 */
export const modules: Hono<ServerEnv> = new Hono<ServerEnv>();

modules.get("/", async (c) => {
  const ui = uiOf(c);
  const experiment = c.req.query("experiment") || undefined;
  const dataset = c.req.query("dataset") || undefined;
  const list = await c.var.lab.listModules();
  const learner = ui.mode === "learner";
  return await renderPage(c, ui, {
    title: "Modules",
    crumbs: [["Modules"]],
    section: "modules",
    lede: learner
      ? "Each module is a documented, tested analysis. Pick one to read how it works and run it."
      : undefined,
    body: catalogue(ui, { modules: list, experiment, dataset }),
  });
});

modules.get("/:key", async (c) => {
  const info = await c.var.lab.getModule(c.req.param("key"));
  const fields = formFields(info.inputSchema);
  const exampleIndex = wholeNumberParam("example", c.req.query("example"));
  const example = exampleIndex === undefined ? undefined : info.examples[exampleIndex];
  const experiment = c.req.query("experiment");
  const planned = example || !experiment
    ? undefined
    : await plannedStep(c, { experiment, step: c.req.query("step"), module: info.key });
  const values = example
    ? inputToForm(fields, example.input)
    : planned
    ? inputToForm(fields, planned.input)
    : {};
  if (experiment) values.experimentId = experiment;
  if (planned) values.step = planned.id;
  const dataset = c.req.query("dataset");
  if (dataset) values.fromDataset = dataset;
  return await modulePage(c, {
    info,
    values,
    errors: new Map(),
    message: example
      ? notice(
        "info",
        html`Loaded the example <strong>${example.name}</strong> (${example.source}).`,
      )
      : planned
      ? notice(
        "info",
        html`Step <strong>${planned.title}</strong> of the plan of ${
          idLink("/experiments/", experiment ?? "")
        }. The form holds the lab's worked example: change it to your own readings.`,
      )
      : undefined,
  });
});

modules.post("/:key/run", async (c) => {
  const key = c.req.param("key");
  const info = await c.var.lab.getModule(key);
  const fields = formFields(info.inputSchema);
  const values = await formValues(c);
  try {
    const result = await c.var.lab.run({
      module: key,
      input: formToInput(fields, values, { others: [...RUN_FIELDS, CSRF_FIELD] }),
      experimentId: values.experimentId?.trim() || undefined,
      step: values.step?.trim() || undefined,
      fromDataset: values.fromDataset?.trim() || undefined,
      map: linesOf(values.map),
      skipBlankRows: values.skipBlankRows ? true : undefined,
    });
    const { job } = result;
    return c.redirect(
      job.step && job.experimentId
        ? `/experiments/${job.experimentId}/plan#step-${job.step}`
        : `/jobs/${job.id}`,
      303,
    );
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "not_found", "conflict"]);
    const issues = error.issues;
    return await modulePage(c, {
      info,
      values,
      errors: issuesByField(issues, [...fields.map((f) => f.name), ...RUN_FIELDS]),
      message: issues.length === 0
        ? notice("bad", html`<strong>Nothing was run.</strong> ${error.message}`)
        : undefined,
      status: HTTP_STATUS[error.kind],
    });
  }
});

/** The template step a "Run this step" link names, when it is one of this module. */
async function plannedStep(
  c: Context<ServerEnv>,
  options: { experiment: string; step: string | undefined; module: string },
): Promise<TemplateStep | undefined> {
  if (!options.step) return undefined;
  const experiment = await c.var.lab.getExperiment(options.experiment);
  if (!experiment.template) return undefined;
  const { template } = await c.var.lab.getTemplate(experiment.template);
  const step = template.steps.find((candidate) => candidate.id === options.step);
  return step?.module === options.module ? step : undefined;
}

function catalogue(
  ui: Ui,
  options: { modules: ModuleInfo[]; experiment: string | undefined; dataset?: string },
): Html {
  const { experiment, dataset } = options;
  const learner = ui.mode === "learner";
  const sorted = [...options.modules].sort((a, b) =>
    a.domain.localeCompare(b.domain) || a.title.localeCompare(b.title)
  );
  return html`
    ${experiment
      ? notice(
        "info",
        html`Runs started from here are linked to experiment ${
          idLink("/experiments/", experiment)
        }.`,
      )
      : ""}
    <div class="module-list">${sorted.map((m) =>
      html`
        <section
          class="card"><p class="small muted domain">${m.domain}</p><h2><a href="${href(
            `/modules/${m.key}`,
            { experiment, dataset },
          )}">${m.title}</a></h2>
        <p>${glossify(m.summary, learner)}</p>
        ${learner && m.learnerNotes[0]
          ? html`<p class="small">${glossify(m.learnerNotes[0], true)}</p>`
          : ""}
        <p class="small muted"><code>${m.key}</code> · v${m.version}${m.plots ? " · plot" : ""}</p>
        </section>
      `
    )}</div>
  `;
}

function fieldControl(field: FormField, options: { value: string | undefined; attrs: Html }): Html {
  const { value, attrs } = options;
  const name = field.name;
  switch (field.kind) {
    case "boolean":
      return html`
        <input type="checkbox" name="${name}" ${value === "on" ? raw(" checked") : ""} ${attrs}>
      `;
    case "enum": {
      const selected = value ??
        (field.default === undefined ? undefined : JSON.stringify(field.default));
      return html`<select name="${name}" ${attrs}>${
        field.required ? "" : html`<option value="">(default)</option>`
      }${
        (field.options ?? []).map((option) => {
          const json = JSON.stringify(option);
          return html`
            <option value="${json}" ${json === selected ? raw(" selected") : ""}>${String(
              option,
            )}</option>
          `;
        })
      }</select>`;
    }
    case "numbers":
      return html`<textarea name="${name}" rows="2" placeholder="1.5, 2.5, 3.1" ${attrs}>${
        value ?? ""
      }</textarea>`;
    case "rows":
      return html`<textarea name="${name}" rows="6" placeholder="${
        (field.columns ?? []).join(", ")
      }" ${attrs}>${value ?? ""}</textarea>`;
    case "json":
      return html`<textarea name="${name}" rows="4" placeholder="JSON" ${attrs}>${
        value ?? ""
      }</textarea>`;
    case "number":
      return html`
        <input type="text" inputmode="decimal" autocomplete="off" name="${name}" value="${value ??
          ""}"
          placeholder="${field.default === undefined
            ? ""
            : `default ${String(field.default)}`}" ${attrs}>
      `;
    default:
      return html`
        <input type="text" autocomplete="off" name="${name}" value="${value ?? ""}"
          placeholder="${field.default === undefined
            ? ""
            : `default ${String(field.default)}`}" ${attrs}>
      `;
  }
}

function fieldHint(ui: Ui, field: FormField): Html {
  const learner = ui.mode === "learner";
  const format = field.kind === "numbers"
    ? "Numbers separated by commas or new lines."
    : field.kind === "rows"
    ? `One row per line: a header line (${
      (field.columns ?? []).join(", ")
    }) then values separated by commas; or JSON.`
    : field.kind === "mixed"
    ? `A number, or ${(field.options ?? []).map((o) => JSON.stringify(o)).join(" or ")}.`
    : "";
  const description = field.description.replace(/\.?\s*$/, field.description ? "." : "");
  const constraints = field.constraints.length ? ` Expected: ${field.constraints.join(", ")}.` : "";
  const unit = field.unit === undefined
    ? ""
    : field.unit === "1"
    ? " Unit: 1 (dimensionless)."
    : field.kind === "number"
    ? ` Unit: ${field.unit}; a value written with another unit of the same kind (such as 5 min for s) is converted.`
    : ` Unit: ${field.unit}.`;
  return html`${glossify(description, learner)}${constraints}${unit} ${format}`;
}

interface RunFormState {
  values: Record<string, string>;
  errors: Map<string, string[]>;
  message?: Html;
}

function runForm(
  ui: Ui,
  options: { info: ModuleInfo; fields: FormField[]; state: RunFormState },
): Html {
  const { info, fields, state } = options;
  return html`<section class="card" id="run" aria-labelledby="run-title">
<h2 id="run-title">Run ${info.title}</h2>
${exampleLinks(info, state)}
${state.message ?? ""}
${invalidNotice(state.errors)}
<form class="stacked" method="post" action="/modules/${info.key}/run" novalidate>
${csrfInput(ui.csrf)}
${
    fields.map((field) =>
      fieldBlock({
        id: `in-${field.name}`,
        label: field.kind === "boolean" ? field.name : html`<code>${field.name}</code>`,
        hint: fieldHint(ui, field),
        required: field.required,
        errors: state.errors.get(field.name),
        control: (attrs) => fieldControl(field, { value: state.values[field.name], attrs }),
      })
    )
  }
${runFields(state)}
${ui.mode === "learner" ? WHAT_HAPPENS : ""}
<div class="actions"><button type="submit">Run</button></div>
</form>
</section>`;
}

function exampleLinks(info: ModuleInfo, state: RunFormState): Html | string {
  if (info.examples.length === 0) return "";
  return html`<p class="small">Load example: ${
    info.examples.map((example, index) =>
      html`${index ? " · " : ""}<a href="${
        href(`/modules/${info.key}`, { example: index, experiment: state.values.experimentId })
      }#run">${example.name}</a>`
    )
  }</p>`;
}

function invalidNotice(errors: Map<string, string[]>): Html | string {
  const general = errors.get("") ?? [];
  if (general.length) {
    return notice(
      "bad",
      html`<strong>The input is not valid; nothing was recorded.</strong><ul>${
        general.map((e) => html`<li>${e}</li>`)
      }</ul>`,
    );
  }
  return errors.size
    ? notice(
      "bad",
      html`<strong>The input is not valid; nothing was recorded.</strong> See the fields marked below.`,
    )
    : "";
}

/** The fields of a run request besides the module input: experiment, dataset and mapping. */
function runFields(state: RunFormState): Html {
  const text = (name: string, options: { label: string; hint: string }) =>
    fieldBlock({
      id: `in-${name}`,
      ...options,
      errors: state.errors.get(name),
      control: (attrs) =>
        html`<input type="text" name="${name}" autocomplete="off" value="${
          state.values[name] ?? ""
        }" ${attrs}>`,
    });
  return html`
    ${text("experimentId", {
      label: "Experiment",
      hint:
        "Optional: the experiment id (exp_…) to link the job to. A draft experiment moves to running.",
    })}
    ${text("step", {
      label: "Plan step",
      hint:
        "Optional: the step of the experiment's guided lab this run is for, such as neutralisation. The run then counts for that step.",
    })}
    <details${state.values.fromDataset ? raw(" open") : ""}>
      <summary>Take columns from a table dataset</summary>
      <div class="stack">
    ${text("fromDataset", {
      label: "Dataset",
      hint: "An imported or collected dataset id (ds_…).",
    })}
    ${fieldBlock({
      id: "in-map",
      label: "Column mapping",
      hint:
        "One field=column per line, such as timesS=time_s; for a list of objects, one line per field, such as standards[].absorbance=A.",
      errors: state.errors.get("map"),
      control: (attrs) =>
        html`<textarea name="map" rows="2" ${attrs}>${state.values.map ?? ""}</textarea>`,
    })}
    <label class="check"><input type="checkbox" name="skipBlankRows"${state.values.skipBlankRows
      ? raw(" checked")
      : ""}> Skip rows with a blank mapped cell (the job records their CSV lines)</label>
      </div>
      </details>
  `;
}

const WHAT_HAPPENS = html`
  <details class="learn" open>
    <summary>What happens when I click Run</summary>
    <ol class="steps">
      <li>LabOS checks your input against the module's schema. If anything is wrong, you see it next to the field and nothing is saved.</li>
      <li>The module computes its result. Modules are pure: the same input always gives the same output.</li>
      <li>${glossify(
        "LabOS records a job with the input hash (a fingerprint of your input), an output dataset, and events in the audit log.",
        true,
      )}</li>
      <li>You land on the job page with the results, the plot and where everything came from.</li>
    </ol>
  </details>
`;

async function modulePage(
  c: Context<ServerEnv>,
  options: RunFormState & { info: ModuleInfo; status?: ContentfulStatusCode },
): Promise<Response> {
  const { info, status } = options;
  const ui = uiOf(c);
  const fields = formFields(info.inputSchema);
  const learner = ui.mode === "learner";
  const body = html`
    <div class="grid-2">
      <div class="stack">${runForm(ui, { info, fields, state: options })}</div>
      <div class="stack">
    ${aboutCard(ui, info)}
    ${factsCard(info)}
    ${ui.mode === "builder"
      ? html`${jsonBlock(info.inputSchema, { summary: "Input JSON Schema" })}${
        jsonBlock(info.outputSchema, { summary: "Output JSON Schema" })
      }${jsonBlock(info.examples, { summary: "Examples" })}`
      : ""}
      </div>
    </div>
  `;
  return await renderPage(c, ui, {
    title: info.title,
    crumbs: [["Modules", "/modules"], [info.title]],
    section: "modules",
    lede: glossify(info.summary, learner),
    body,
    status,
  });
}

function aboutCard(ui: Ui, info: ModuleInfo): Html {
  const learner = ui.mode === "learner";
  return html`
    <details class="card${learner ? " learn" : ""}" ${learner ? raw(" open") : ""}>
    <summary>Method and references</summary>
    <h3>Method</h3><p>${glossify(info.method, learner)}</p>
    ${info.learnerNotes.length && ui.mode !== "builder"
      ? html`
        <h3>For learners</h3>
        <ul>${info.learnerNotes.map((note) => html`<li>${glossify(note, learner)}</li>`)}</ul>
      `
      : ""}
    ${info.limitations.length
      ? html`
        <h3>Limitations</h3>
        <ul>${info.limitations.map((item) => html`<li>${glossify(item, learner)}</li>`)}</ul>
      `
      : ""}
    ${info.citations.length
      ? html`
        <h3>References</h3>
        <ul class="small">${info.citations.map((item) => html`<li>${item}</li>`)}</ul>
      `
      : ""}
    </details>
  `;
}

function factsCard(info: ModuleInfo): Html {
  return html`
    <section class="card" aria-labelledby="facts-title">
      <h2 id="facts-title">Module</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">Key</th>
            <td><code>${info.key}</code></td>
          </tr>
          <tr>
            <th scope="row">Version</th>
            <td>${info.version}</td>
          </tr>
          <tr>
            <th scope="row">Domain</th>
            <td>${info.domain}</td>
          </tr>
          <tr>
            <th scope="row">Source</th>
            <td>${info.source}</td>
          </tr>
          <tr>
            <th scope="row">Plot</th>
            <td>${info.plots ? "yes" : "no"}</td>
          </tr>
        </tbody>
      </table>
      <p class="small"><a href="${href("/jobs", {
        module: info.key,
      })}">Jobs of this module →</a></p>
    </section>
  `;
}
