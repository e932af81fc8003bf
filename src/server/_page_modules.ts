/**
 * The module catalogue, each module's page with its generated run form, and
 * the job pages.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LabosError } from "../errors.ts";
import { type Job, JOB_STATUSES } from "../records/mod.ts";
import type { RerunCheck } from "../service/mod.ts";
import type { ModuleInfo } from "../modules/registry.ts";
import { HTTP_STATUS, wholeNumberParam } from "./_errors.ts";
import { type FormField, formFields, formToInput, inputToForm, issuesByField } from "./_form.ts";
import { glossify } from "./_glossary.ts";
import {
  badge,
  csrfInput,
  fieldBlock,
  formatNumber,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  pager,
  raw,
  time,
} from "./_html.ts";
import { renderPage, type Ui } from "./_layout.ts";
import { auditLinkFor, hashCell } from "./_page_home.ts";
import type { ServerEnv } from "./_state.ts";
import { cachedPage, formValues, type PageDeps, uiOf } from "./_ui.ts";

const PAGE_SIZE = 25;
const RUN_FIELDS = ["experimentId", "fromDataset", "map"];

/**
 * Renders a module output or input value for people.
 *
 * @example
 * ```ts
 * import { renderValue } from "./_page_modules.ts";
 * console.assert(String(renderValue({ peaks: [{ mz: 58 }] })).includes("<th scope=\"col\">mz</th>"));
 * ```
 */
export function renderValue(value: unknown, depth = 0): Html {
  if (value === null || value === undefined) return html`<span class="muted">–</span>`;
  if (typeof value === "number") return html`<span class="num">${formatNumber(value)}</span>`;
  if (typeof value !== "object") return html`${String(value)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    if (value.every((item) => item !== null && typeof item === "object" && !Array.isArray(item))) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row as object)))];
      return html`
        <div
          class="table-wrap"><table><thead><tr>${columns.map((column) =>
            html`<th scope="col">${column}</th>`
          )}</tr></thead><tbody>${value.slice(0, 200).map((row) =>
            html`<tr>${
              columns.map((column) => {
                const cell = (row as Record<string, unknown>)[column];
                return html`<td${typeof cell === "number" ? raw(' class="num"') : ""}>${
                  renderValue(cell, depth + 1)
                }</td>`;
              })
            }</tr>`
          )}</tbody></table>${value.length > 200
            ? html`<caption>First 200 of ${value.length} rows</caption>`
            : ""}</div>
      `;
    }
    return html`${value.map((item, i) => html`${i ? ", " : ""}${renderValue(item, depth + 1)}`)}`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (depth > 3) return html`<code>${JSON.stringify(value)}</code>`;
  return html`
    <table class="kv">
      <tbody>${entries.map(([key, item]) =>
        html`
          <tr>
            <th scope="row">${key}</th>
            <td>${renderValue(item, depth + 1)}</td>
          </tr>
        `
      )}</tbody>
    </table>
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
  return html`${glossify(description, learner)}${constraints} ${format}`;
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
  const general = state.errors.get("") ?? [];
  const learner = ui.mode === "learner";
  return html`<section class="card" id="run" aria-labelledby="run-title">
<h2 id="run-title">Run ${info.title}</h2>
${
    info.examples.length
      ? html`<p class="small">Load example: ${
        info.examples.map((example, index) =>
          html`${index ? " · " : ""}<a href="${
            href(`/modules/${info.key}`, { example: index, experiment: state.values.experimentId })
          }#run">${example.name}</a>`
        )
      }</p>`
      : ""
  }
${state.message ?? ""}
${
    general.length
      ? notice(
        "bad",
        html`<strong>The input is not valid; nothing was recorded.</strong><ul>${
          general.map((e) => html`<li>${e}</li>`)
        }</ul>`,
      )
      : state.errors.size
      ? notice(
        "bad",
        html`<strong>The input is not valid; nothing was recorded.</strong> See the fields marked below.`,
      )
      : ""
  }
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
${
    fieldBlock({
      id: "in-experimentId",
      label: "Experiment",
      hint:
        "Optional: the experiment id (exp_…) to link the job to. A draft experiment moves to running.",
      errors: state.errors.get("experimentId"),
      control: (attrs) =>
        html`<input type="text" name="experimentId" autocomplete="off" value="${
          state.values.experimentId ?? ""
        }" ${attrs}>`,
    })
  }
<details${
    state.values.fromDataset ? raw(" open") : ""
  }><summary>Take columns from an imported dataset</summary>
<div class="stack">
${
    fieldBlock({
      id: "in-fromDataset",
      label: "Dataset",
      hint: "An imported dataset id (ds_…).",
      errors: state.errors.get("fromDataset"),
      control: (attrs) =>
        html`<input type="text" name="fromDataset" autocomplete="off" value="${
          state.values.fromDataset ?? ""
        }" ${attrs}>`,
    })
  }
${
    fieldBlock({
      id: "in-map",
      label: "Column mapping",
      hint: "One field=column per line, such as timesS=time_s.",
      errors: state.errors.get("map"),
      control: (attrs) =>
        html`<textarea name="map" rows="2" ${attrs}>${state.values.map ?? ""}</textarea>`,
    })
  }
</div></details>
${
    learner
      ? html`
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
      `
      : ""
  }
<div class="actions"><button type="submit">Run</button></div>
</form>
</section>`;
}

async function modulePage(
  c: Context<ServerEnv>,
  deps: PageDeps,
  options: RunFormState & { key: string; status?: ContentfulStatusCode },
): Promise<Response> {
  const { key, status } = options;
  const ui = uiOf(c, deps);
  const info = await deps.lab.getModule(key);
  const fields = formFields(info.inputSchema);
  const learner = ui.mode === "learner";
  const about = html`
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
  const body = html`
    <div class="grid-2">
      <div class="stack">${runForm(ui, { info, fields, state: options })}</div>
      <div class="stack">
    ${about}
    <section class="card" aria-labelledby="facts-title"><h2 id="facts-title">Module</h2>
    <table class="kv"><tbody>
    <tr><th scope="row">Key</th><td><code>${info.key}</code></td></tr>
    <tr><th scope="row">Version</th><td>${info.version}</td></tr>
    <tr><th scope="row">Domain</th><td>${info.domain}</td></tr>
    <tr><th scope="row">Source</th><td>${info.source}</td></tr>
    <tr><th scope="row">Plot</th><td>${info.plots ? "yes" : "no"}</td></tr>
    </tbody></table>
    <p class="small"><a href="${href("/jobs", { module: info.key })}">Jobs of this module →</a></p>
    </section>
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

function linesOf(text: string | undefined): string[] | undefined {
  const lines = (text ?? "").split(/[\r\n]+/).map((line) => line.trim()).filter(Boolean);
  return lines.length ? lines : undefined;
}

function jobsTable(jobs: Job[]): Html {
  if (jobs.length === 0) {
    return html`
      <div class="table-wrap">
        <p class="empty">No jobs.</p>
      </div>
    `;
  }
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Module</th>
            <th scope="col">Status</th>
            <th scope="col" class="hide-narrow">Experiment</th>
            <th scope="col" class="num hide-narrow">ms</th>
            <th scope="col">Finished</th>
          </tr>
        </thead>
        <tbody>${jobs.map((job) =>
          html`
            <tr>
              <td>${idLink("/jobs/", job.id)}</td>
              <td>${job.module}</td>
              <td>${badge(job.status)}</td>
              <td class="hide-narrow">${job.experimentId
                ? idLink("/experiments/", job.experimentId)
                : html`<span class="muted">–</span>`}</td>
              <td class="num hide-narrow">${job.durationMs ?? "–"}</td>
              <td>${time(job.finishedAt)}</td>
            </tr>
          `
        )}</tbody>
      </table>
    </div>
  `;
}

async function jobPage(
  c: Context<ServerEnv>,
  deps: PageDeps,
  extra: { id: string; check?: RerunCheck; message?: Html },
): Promise<Response> {
  const { id } = extra;
  const ui = uiOf(c, deps);
  const job = await deps.lab.getJob(id);
  const dataset = job.outputDatasetId
    ? await deps.lab.getDataset(job.outputDatasetId).catch(() => undefined)
    : undefined;
  let plots = false;
  try {
    plots = (await deps.lab.getModule(job.module)).plots;
  } catch {
    plots = false;
  }
  const learner = ui.mode === "learner";
  const check = extra.check;
  const body = html`
    ${extra.message ?? ""}
    ${check
      ? notice(
        check.matches ? "ok" : "bad",
        html`<strong>${
          check.matches ? "Rerun matches" : "Rerun mismatch"
        }:</strong> ${check.message}`,
      )
      : ""}
    ${job.status === "failed"
      ? notice(
        "bad",
        html`<strong>This job failed:</strong> ${job.error?.message ?? "no message"}${
          ui.mode === "builder" && job.error?.stack
            ? html`<pre class="stack">${job.error.stack}</pre>`
            : ""
        }`,
      )
      : ""}
    <div class="grid-2">
      <div class="stack">
    ${job.status === "succeeded" && plots
      ? html`<section class="card" aria-labelledby="plot-title"><h2 id="plot-title">Plot</h2>
<img class="plot" src="/api/v1/jobs/${job.id}/plot.svg" alt="Plot of the ${job.module} result for job ${job.id}" width="640" height="400"></section>`
      : ""}
    <section class="card" aria-labelledby="output-title"><h2 id="output-title">Output</h2>
    ${dataset
      ? renderValue(dataset.output)
      : html`<p class="muted">No output${job.status === "failed" ? ": the job failed" : ""}.</p>`}
    </section>
    <section class="card" aria-labelledby="input-title"><h2 id="input-title">Input</h2>
    ${renderValue(job.input)}
    ${learner
      ? html`<p class="small muted">This is the input after validation, with the module's defaults filled in.</p>`
      : ""}
    </section>
    ${ui.mode === "builder"
      ? html`${jsonBlock(job, { summary: "Job record (JSON)" })}${
        dataset ? jsonBlock(dataset, { summary: "Output dataset record (JSON)" }) : ""
      }`
      : ""}
      </div>
      <div class="stack">
        <section class="card" aria-labelledby="prov-title">
          <h2 id="prov-title">Provenance</h2>
          <table class="kv">
            <tbody>
    <tr><th scope="row">Status</th><td>${badge(job.status)}</td></tr>
    <tr><th scope="row">Module</th><td><a href="/modules/${job.module}">${job.module}</a>@${job
      .moduleVersion} (${job.moduleSource})</td></tr>
    <tr><th scope="row">${glossify("Input hash", learner)}</th><td>${hashCell(
      job.inputHash,
    )}</td></tr>
    <tr><th scope="row">Output hash</th><td>${hashCell(job.outputHash)}</td></tr>
    <tr><th scope="row">Dataset</th><td>${job.outputDatasetId
      ? idLink("/datasets/", job.outputDatasetId)
      : html`<span class="muted">–</span>`}</td></tr>
    <tr><th scope="row">Experiment</th><td>${job.experimentId
      ? idLink("/experiments/", job.experimentId)
      : html`<span class="muted">–</span>`}</td></tr>
    ${job.inputDatasetIds.length
      ? html`
        <tr>
          <th scope="row">Input datasets</th>
          <td>${job.inputDatasetIds.map((d) =>
            html`
              ${idLink("/datasets/", d)}
            `
          )}</td>
        </tr>
      `
      : ""}
    ${job.retryOf
      ? html`
        <tr>
          <th scope="row">Retry of</th>
          <td>${idLink("/jobs/", job.retryOf)}</td>
        </tr>
      `
      : ""}
    <tr><th scope="row">By</th><td>${job.createdBy}, LabOS ${job.labosVersion}</td></tr>
    <tr><th scope="row">Queued</th><td>${time(job.queuedAt, { seconds: true })}</td></tr>
    <tr><th scope="row">Duration</th><td>${job.durationMs === null
      ? "–"
      : `${job.durationMs} ms`}</td></tr>
    <tr><th scope="row">Id</th><td class="mono">${job.id}</td></tr>
            </tbody>
          </table>
          <p class="small"><a href="${auditLinkFor(job.id)}">Audit events of this job →</a></p>
        </section>
        <section class="card" aria-labelledby="again-title"><h2 id="again-title">Run again</h2>
    ${learner
      ? html`
        <p
          class="small muted">A rerun check runs the same input again and compares the output byte for byte: reproducibility you can prove.</p>
      `
      : ""}
    <div class="actions">
    ${job.status === "succeeded"
      ? html`
        <form method="post"
          action="/jobs/${job.id}/rerun-check">${csrfInput(
            ui.csrf,
          )}<button type="submit" class="secondary">Check the rerun</button></form>
      `
      : ""}
    <form method="post" action="/jobs/${job.id}/retry">${csrfInput(
      ui.csrf,
    )}<button type="submit" class="secondary">Retry as a new job</button></form>
    </div>
        </section>
      </div>
    </div>
  `;
  return await renderPage(c, ui, {
    title: `Job ${job.id}`,
    crumbs: [["Jobs", "/jobs"], [job.id]],
    section: "jobs",
    lede: html`${job.module} · ${badge(job.status)} · ${time(job.finishedAt ?? job.queuedAt)}`,
    body,
  });
}

/** Registers the module and job pages. */
export function registerModulePages(app: Hono<ServerEnv>, deps: PageDeps): void {
  app.get("/modules", async (c) => {
    const ui = uiOf(c, deps);
    const experiment = c.req.query("experiment") || undefined;
    const modules = await deps.lab.listModules();
    const learner = ui.mode === "learner";
    const body = html`
      ${experiment
        ? notice(
          "info",
          html`Runs started from here are linked to experiment ${
            idLink("/experiments/", experiment)
          }.`,
        )
        : ""}
      <div class="module-list">${[...modules].sort((a, b) =>
        a.domain.localeCompare(b.domain) || a.title.localeCompare(b.title)
      )
        .map((m) =>
          html`
            <section
              class="card"><p class="small muted domain">${m.domain}</p><h2><a href="${href(
                `/modules/${m.key}`,
                { experiment },
              )}">${m.title}</a></h2>
            <p>${glossify(m.summary, learner)}</p>
            ${learner && m.learnerNotes[0]
              ? html`<p class="small">${glossify(m.learnerNotes[0], true)}</p>`
              : ""}
            <p class="small muted"><code>${m.key}</code> · v${m.version}${m.plots
              ? " · plot"
              : ""}</p>
            </section>
          `
        )}</div>
    `;
    return renderPage(c, ui, {
      title: "Modules",
      crumbs: [["Modules"]],
      section: "modules",
      lede: learner
        ? "Each module is a documented, tested analysis. Pick one to read how it works and run it."
        : undefined,
      body,
    });
  });

  app.get("/modules/:key", async (c) => {
    const key = c.req.param("key");
    const info = await deps.lab.getModule(key);
    const fields = formFields(info.inputSchema);
    const exampleIndex = wholeNumberParam("example", c.req.query("example"));
    const example = exampleIndex === undefined ? undefined : info.examples[exampleIndex];
    const values = example ? inputToForm(fields, example.input) : {};
    const experiment = c.req.query("experiment");
    if (experiment) values.experimentId = experiment;
    return modulePage(c, deps, {
      key,
      values,
      errors: new Map(),
      message: example
        ? notice(
          "info",
          html`Loaded the example <strong>${example.name}</strong> (${example.source}).`,
        )
        : undefined,
    });
  });

  app.post("/modules/:key/run", async (c) => {
    const key = c.req.param("key");
    const info = await deps.lab.getModule(key);
    const fields = formFields(info.inputSchema);
    const values = await formValues(c);
    try {
      const input = formToInput(fields, values);
      const result = await deps.lab.run({
        module: key,
        input,
        experimentId: values.experimentId?.trim() || undefined,
        fromDataset: values.fromDataset?.trim() || undefined,
        map: linesOf(values.map),
      });
      return c.redirect(`/jobs/${result.job.id}`, 303);
    } catch (error) {
      if (
        !(error instanceof LabosError) || !["invalid", "not_found", "conflict"].includes(error.kind)
      ) throw error;
      const names = [...fields.map((f) => f.name), ...RUN_FIELDS];
      const issues = error.issues.length > 0 ? error.issues : [];
      const errors = issuesByField(issues, names);
      return modulePage(c, deps, {
        key,
        values,
        errors,
        message: issues.length === 0
          ? notice("bad", html`<strong>Nothing was run.</strong> ${error.message}`)
          : undefined,
        status: HTTP_STATUS[error.kind],
      });
    }
  });

  app.get("/jobs", (c) =>
    cachedPage(c, deps, async (_ui, view) => {
      const q = c.req.query();
      const offset = wholeNumberParam("offset", q.offset) ?? 0;
      const status = q.status || undefined;
      const module = q.module || undefined;
      const page = await view.jobs({ status, module, limit: PAGE_SIZE, offset });
      const modules = await deps.lab.listModules();
      const body = html`
        <form class="card filters" method="get" action="/jobs" role="search" aria-label="Filter jobs">
          <div
            class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>${JOB_STATUSES
              .map((s) =>
                html`
                  <option value="${s}" ${s === status ? raw(" selected") : ""}>${s}</option>
                `
              )}</select></div>
          <div
            class="field"><label for="f-module">Module</label><select id="f-module" name="module"><option value="">Any</option>${modules
              .map((m) =>
                html`
                  <option value="${m.key}" ${m.key === module ? raw(" selected") : ""}>${m
                    .key}</option>
                `
              )}</select></div>
          <div
            class="actions"><button type="submit">Filter</button><a class="button secondary" href="/jobs">Reset</a></div>
        </form>
        ${jobsTable(page.items)}
        ${pager("/jobs", { status, module }, {
          offset,
          limit: PAGE_SIZE,
          shown: page.items.length,
          hasMore: page.hasMore,
        })}
      `;
      return {
        title: "Jobs",
        crumbs: [["Jobs"]],
        section: "jobs",
        actions: html`<a class="button" href="/modules">Run a module</a>`,
        body,
      };
    }));

  app.get("/jobs/:id", (c) => jobPage(c, deps, { id: c.req.param("id") }));

  app.post("/jobs/:id/retry", async (c) => {
    const result = await deps.lab.retryJob(c.req.param("id"));
    return c.redirect(`/jobs/${result.job.id}`, 303);
  });

  app.post("/jobs/:id/rerun-check", async (c) => {
    const id = c.req.param("id");
    try {
      return await jobPage(c, deps, { id, check: await deps.lab.checkRerun(id) });
    } catch (error) {
      if (!(error instanceof LabosError) || error.kind !== "conflict") throw error;
      return await jobPage(c, deps, { id, message: notice("bad", error.message) });
    }
  });
}
