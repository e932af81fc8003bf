/**
 * Job pages: the filterable list and each job's output, input, plot and
 * provenance, with retry and the rerun check.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Dataset, type Job, JOB_STATUSES } from "../records/mod.ts";
import type { Lab, RerunCheck } from "../service/mod.ts";
import type { NumberFormat } from "../units/mod.ts";
import { type Ui, uiOf } from "./_context.ts";
import { formError, HTTP_STATUS } from "./_errors.ts";
import { formValues, linesOf, parseFormBody, wholeNumberParam } from "./_input.ts";
import { cachedPage, renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  auditLinkFor,
  badge,
  csrfInput,
  dash,
  dataTable,
  emptyTable,
  fieldBlock,
  filterActions,
  filterSelect,
  glossify,
  hashCell,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  pager,
  renderValue,
  time,
} from "./_views.ts";

const PAGE_SIZE = 25;

/**
 * The job pages sub-app, mounted at `/jobs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { jobs } from "./_jobs.ts";
 * assert.ok(jobs.routes.some((route) => route.path === "/:id/rerun-check"));
 * ```
 */
export const jobs: Hono<ServerEnv> = new Hono<ServerEnv>();

jobs.get("/", (c) =>
  cachedPage(c, async (ui, view) => {
    const q = c.req.query();
    const offset = wholeNumberParam("offset", q.offset) ?? 0;
    const status = q.status || undefined;
    const module = q.module || undefined;
    const page = await view.jobs({ status, module, limit: PAGE_SIZE, offset });
    const keys = (await c.var.lab.listModules()).map((m) => m.key);
    const body = html`
      <form class="card filters" method="get" action="/jobs" role="search" aria-label="Filter jobs">
        ${filterSelect({ name: "status", label: "Status", values: JOB_STATUSES, selected: status })}
        ${filterSelect({ name: "module", label: "Module", values: keys, selected: module })}
        ${filterActions("/jobs")}
      </form>
      ${jobsTable(page.items)}
      ${pager("/jobs", { status, module }, {
        offset,
        limit: PAGE_SIZE,
        shown: page.items.length,
        hasMore: page.hasMore,
      })}
      ${page.items.some((job) => job.status === "succeeded")
        ? collectForm(ui, { values: {}, jobIds: [] })
        : ""}
    `;
    return {
      title: "Jobs",
      crumbs: [["Jobs"]],
      section: "jobs",
      actions: html`<a class="button" href="/modules">Run a module</a>`,
      body,
    };
  }));

jobs.post("/collect", async (c) => {
  // The CSRF guard parsed the body once; the form data keeps every checked box.
  const form = await parseFormBody(() => c.req.formData());
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const jobIds = form.getAll("jobIds").filter((id): id is string => typeof id === "string");
  const values = { fields: text("fields"), title: text("title") };
  try {
    const dataset = await c.var.lab.collectJobs({
      jobIds,
      fields: linesOf(values.fields) ?? [],
      title: values.title.trim() || undefined,
    });
    return c.redirect(`/datasets/${dataset.id}`, 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "not_found", "conflict"]);
    const ui = uiOf(c);
    return await renderPage(c, ui, {
      title: "Collect into a table",
      crumbs: [["Jobs", "/jobs"], ["Collect into a table"]],
      section: "jobs",
      body: collectForm(ui, {
        values,
        jobIds,
        message: notice("bad", html`<strong>Nothing was collected.</strong> ${error.message}`),
      }),
      status: HTTP_STATUS[error.kind],
    });
  }
});

jobs.get("/:id", (c) => jobPage(c, { id: c.req.param("id") }));

jobs.post("/:id/retry", async (c) => {
  const result = await c.var.lab.retryJob(c.req.param("id"));
  return c.redirect(`/jobs/${result.job.id}`, 303);
});

jobs.post("/:id/void", async (c) => {
  const id = c.req.param("id");
  const values = await formValues(c);
  try {
    const job = await c.var.lab.voidJob(id, { reason: values.reason });
    return c.redirect(
      job.experimentId
        ? href(`/experiments/${job.experimentId}/plan`, { voided: job.id })
        : `/jobs/${job.id}`,
      303,
    );
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "conflict"]);
    return await jobPage(c, {
      id,
      voidError: error.message,
      message: notice("bad", html`<strong>Nothing was voided.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

jobs.post("/:id/rerun-check", async (c) => {
  const id = c.req.param("id");
  try {
    return await jobPage(c, { id, check: await c.var.lab.checkRerun(id) });
  } catch (thrown) {
    const error = formError(thrown, ["conflict"]);
    return await jobPage(c, { id, message: notice("bad", error.message) });
  }
});

/** The "Collect into a table" form; the job list's check boxes belong to it. */
function collectForm(
  ui: Ui,
  state: { values: Record<string, string>; jobIds: string[]; message?: Html },
): Html {
  const { values, jobIds } = state;
  return html`<form class="card stacked" id="collect-form" method="post" action="/jobs/collect"
  aria-labelledby="collect-title">
<h2 id="collect-title">Collect into a table</h2>
${csrfInput(ui.csrf)}
${state.message ?? ""}
${
    jobIds.length > 0
      ? html`<fieldset><legend>Jobs, one row each</legend>${
        jobIds.map((id) =>
          html`
            <label
              class="check"><input type="checkbox" name="jobIds" value="${id}" checked> ${id}</label>
          `
        )
      }</fieldset>`
      : html`<p class="small">Tick the succeeded jobs above, one row each.</p>`
  }
${
    fieldBlock({
      id: "collect-fields",
      label: "Fields",
      hint:
        "One field per line, each a column: a path into the output, or into the input with input. " +
        "in front; path=column names the column. Such as rateConstant and input.temperatureK.",
      required: true,
      control: (attrs) =>
        html`<textarea name="fields" rows="3" ${attrs}>${values.fields ?? ""}</textarea>`,
    })
  }
${
    fieldBlock({
      id: "collect-title-input",
      label: "Title",
      hint: "Default: Collected from N jobs.",
      control: (attrs) =>
        html`<input type="text" name="title" value="${values.title ?? ""}" ${attrs}>`,
    })
  }
${
    ui.mode === "learner"
      ? html`
        <p
          class="small muted">The table keeps which job each row came from, so the lineage of anything computed from it leads back to those jobs.</p>
      `
      : ""
  }
<div class="actions"><button type="submit">Collect into a table</button></div>
</form>`;
}

function jobsTable(jobs: Job[]): Html {
  if (jobs.length === 0) return emptyTable("No jobs.");
  return dataTable(
    [
      { label: "Collect", class: "select" },
      "Job",
      "Module",
      "Status",
      { label: "Experiment", class: "hide-narrow" },
      { label: "ms", class: "num hide-narrow" },
      "Finished",
    ],
    jobs.map((job) =>
      html`
        <tr class="${job.voided ? "voided" : ""}">
          <td>${job.status === "succeeded"
            ? html`
              <input type="checkbox" name="jobIds" value="${job.id}" form="collect-form"
                aria-label="Collect job ${job.id}">
            `
            : ""}</td>
          <td>${job.voided
            ? html`<s>${idLink("/jobs/", job.id)}</s>`
            : idLink("/jobs/", job.id)}</td>
          <td>${job.module}</td>
          <td>${job.voided
            ? html`<s>${badge(job.status)}</s> ${badge("voided")}`
            : badge(job.status)}</td>
          <td class="hide-narrow">${job.experimentId
            ? idLink("/experiments/", job.experimentId)
            : html`<span class="muted">–</span>`}</td>
          <td class="num hide-narrow">${job.durationMs ?? "–"}</td>
          <td>${time(job.finishedAt)}</td>
        </tr>
      `
    ),
  );
}

async function plotsOf(lab: Lab, module: string): Promise<boolean> {
  try {
    return (await lab.getModule(module)).plots;
  } catch {
    return false;
  }
}

async function jobPage(
  c: Context<ServerEnv>,
  extra: {
    id: string;
    check?: RerunCheck;
    message?: Html;
    voidError?: string;
    status?: ContentfulStatusCode;
  },
): Promise<Response> {
  const ui = uiOf(c);
  const lab = c.var.lab;
  const job = await lab.getJob(extra.id);
  const dataset = job.outputDatasetId
    ? await lab.getDataset(job.outputDatasetId).catch(() => undefined)
    : undefined;
  const shown = dataset?.output === undefined
    ? undefined
    : await lab.showOutput(job.module, dataset.output);
  const plots = await plotsOf(lab, job.module);
  const check = extra.check;
  const body = html`
    ${extra.message ?? ""}
    ${job.voided
      ? notice(
        "warn",
        html`<strong>Voided</strong> ${
          time(job.voided.at)
        } by ${job.voided.by}: “${job.voided.reason}”. It counts for no plan step and no grade.`,
      )
      : ""}
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
          ui.mode === "builder" && (job.error?.stack || job.error?.detail)
            ? html`<pre class="stack">${job.error.stack || job.error.detail}</pre>`
            : ""
        }`,
      )
      : ""}
    ${job.warnings && job.warnings.length > 0
      ? notice(
        "warn",
        html`<strong>${job.warnings.length === 1 ? "Warning" : "Warnings"}:</strong><ul>${
          job.warnings.map((warning) => html`<li>${warning}</li>`)
        }</ul>`,
      )
      : ""}
    <div class="grid-2">
      <div class="stack">
    ${job.status === "succeeded" && plots
      ? html`<section class="card" aria-labelledby="plot-title"><h2 id="plot-title">Plot</h2>
<img class="plot" src="/api/v1/jobs/${job.id}/plot.svg" alt="Plot of the ${job.module} result for job ${job.id}" width="640" height="400"></section>`
      : ""}
    ${valueCards(ui, { job, dataset, shown, format: lab.display.format })}
      </div>
      <div class="stack">
    ${provenanceCard(ui, job)}
    ${againCard(ui, job)}
    ${voidCard(ui, { job, error: extra.voidError })}
      </div>
    </div>
  `;
  return await renderPage(c, ui, {
    title: `Job ${job.id}`,
    crumbs: [["Jobs", "/jobs"], [job.id]],
    section: "jobs",
    lede: html`${job.module} · ${badge(job.status)}${
      job.voided
        ? html`
          ${badge("voided")}
        `
        : ""
    } · ${time(job.finishedAt ?? job.queuedAt)}`,
    body,
    status: extra.status,
  });
}

function valueCards(
  ui: Ui,
  options: { job: Job; dataset: Dataset | undefined; shown: unknown; format: NumberFormat },
): Html {
  const { job, dataset, shown, format } = options;
  return html`
    <section class="card" aria-labelledby="output-title"><h2 id="output-title">Output</h2>
    ${dataset
      ? renderValue(shown ?? dataset.output, { format })
      : html`<p class="muted">No output${job.status === "failed" ? ": the job failed" : ""}.</p>`}
    </section>
    <section class="card" aria-labelledby="input-title"><h2 id="input-title">Input</h2>
    ${renderValue(job.input, { format })}
    ${ui.mode === "learner"
      ? html`<p class="small muted">This is the input after validation, with the module's defaults filled in.</p>`
      : ""}
    </section>
    ${ui.mode === "builder"
      ? html`${jsonBlock(job, { summary: "Job record (JSON)" })}${
        dataset ? jsonBlock(dataset, { summary: "Output dataset record (JSON)" }) : ""
      }`
      : ""}
  `;
}

function provenanceCard(ui: Ui, job: Job): Html {
  return html`
    <section class="card" aria-labelledby="prov-title">
      <h2 id="prov-title">Provenance</h2>
      <table class="kv">
        <tbody>
    <tr><th scope="row">Status</th><td>${badge(job.status)}</td></tr>
    <tr><th scope="row">Module</th><td><a href="/modules/${job.module}">${job.module}</a>@${job
      .moduleVersion} (${job.moduleSource})</td></tr>
    <tr><th scope="row">${glossify("Input hash", ui.mode === "learner")}</th><td>${hashCell(
      job.inputHash,
    )}</td></tr>
    <tr><th scope="row">Output hash</th><td>${hashCell(job.outputHash)}</td></tr>
    <tr><th scope="row">Dataset</th><td>${job.outputDatasetId
      ? idLink("/datasets/", job.outputDatasetId)
      : dash()}</td></tr>
    <tr><th scope="row">Experiment</th><td>${job.experimentId
      ? idLink("/experiments/", job.experimentId)
      : dash()}</td></tr>
    ${job.step && job.experimentId
      ? html`
        <tr>
          <th scope="row">Plan step</th>
          <td><a href="/experiments/${job.experimentId}/plan#step-${job.step}">${job.step}</a></td>
        </tr>
      `
      : ""}
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
    ${(job.conversions ?? []).length
      ? html`
        <tr>
          <th scope="row">Unit conversions</th>
          <td>${(job.conversions ?? []).map((c) =>
            html`<div>${c.field}${
              c.column === undefined ? "" : ` (column ${c.column})`
            }: ${c.from} → ${c.to}, × ${c.factor}${
              c.offset === undefined ? "" : ` ${c.offset < 0 ? "−" : "+"} ${Math.abs(c.offset)}`
            }</div>`
          )}</td>
        </tr>
      `
      : ""}
    ${job.mapping
      ? html`
        <tr>
          <th scope="row">Skipped rows</th>
          <td>${job.mapping.skippedLines.length === 0
            ? "None: no mapped cell was blank"
            : `CSV lines ${job.mapping.skippedLines.join(", ")} (a mapped cell was blank)`}</td>
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
  `;
}

function voidCard(ui: Ui, state: { job: Job; error?: string }): Html {
  const { job, error } = state;
  if (job.voided) return html``;
  return html`
    <section class="card" aria-labelledby="void-title">
      <h2 id="void-title">Void this job</h2>
      <p
        class="small muted">A voided job stays in the record, struck through, but counts for no plan step and no grade. Use it for a run with a typo or a spoilt sample.</p>
      <form class="stacked" method="post" action="/jobs/${job.id}/void">
    ${csrfInput(ui.csrf)}
    ${fieldBlock({
      id: "void-reason",
      label: "Reason",
      hint: "Why; kept in the audit log.",
      required: true,
      errors: error ? [error] : undefined,
      control: (attrs) => html`<input type="text" name="reason" required ${attrs}>`,
    })}
    <div class="actions"><button type="submit" class="danger">Void job</button></div>
      </form>
    </section>
  `;
}

function againCard(ui: Ui, job: Job): Html {
  return html`
    <section class="card" aria-labelledby="again-title"><h2 id="again-title">Run again</h2>
    ${ui.mode === "learner"
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
  `;
}
