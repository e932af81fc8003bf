/**
 * Experiment pages: the filterable list, the create form and the detail page
 * with its audit timeline, linked jobs and datasets, signatures, and transitions.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AuditEvent } from "../audit/mod.ts";
import {
  type Attachment,
  type DatasetSummary,
  type Experiment,
  EXPERIMENT_STATUSES,
  EXPERIMENT_TRANSITIONS,
  type Job,
  SIGNATURE_MEANINGS,
} from "../records/mod.ts";
import {
  byteSize,
  type CreateExperimentInput,
  type Lab,
  type Page,
  type SignatureListing,
} from "../service/mod.ts";
import { attachUpload } from "./_attachments.ts";
import { type Ui, uiOf } from "./_context.ts";
import { formError, HTTP_STATUS } from "./_errors.ts";
import { issuesByField } from "./_form.ts";
import { formValues, wholeNumberParam } from "./_input.ts";
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
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  pager,
  raw,
  time,
} from "./_views.ts";

const PAGE_SIZE = 25;
const LINKED_SHOWN = 25;
const CREATE_FIELDS = ["title", "purpose", "owner", "tags", "reason"];

const TRANSITION_HELP: Record<string, string> = {
  running: "Work has started: samples are ready, measurements are under way.",
  completed: "The results are in and checked. A completed experiment takes no new jobs.",
  failed: "The experiment could not reach its goal. It can go back to draft to try again.",
  archived: "Put away for good. This is final.",
  draft: "Back to planning, for another attempt.",
};

/**
 * The experiment pages sub-app, mounted at `/experiments`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { experiments } from "./_experiments.ts";
 * assert.ok(experiments.routes.some((route) => route.path === "/:id/transition"));
 * ```
 */
export const experiments: Hono<ServerEnv> = new Hono<ServerEnv>();

experiments.get("/", (c) =>
  cachedPage(c, async (ui, view) => {
    const q = c.req.query();
    const offset = wholeNumberParam("offset", q.offset) ?? 0;
    const status = q.status || undefined;
    const tag = q.tag?.trim() || undefined;
    const page = await view.experiments({ status, tag, limit: PAGE_SIZE, offset });
    const body = html`
      ${filterForm({ status, tag })}
      ${experimentTable(page.items, { filtered: Boolean(status || tag) })}
      ${pager("/experiments", { status, tag }, {
        offset,
        limit: PAGE_SIZE,
        shown: page.items.length,
        hasMore: page.hasMore,
      })}
      ${ui.mode === "builder" ? jsonBlock(page, { summary: "This page (JSON)" }) : ""}
    `;
    return {
      title: "Experiments",
      crumbs: [["Experiments"]],
      section: "experiments",
      actions: html`
        <a class="button secondary" href="/templates">Start a guided lab</a><a class="button"
          href="/experiments/new">New experiment</a>
      `,
      body,
    };
  }));

experiments.get("/new", (c) => createPage(c, { values: {}, errors: new Map() }));

experiments.post("/", async (c) => {
  const values = await formValues(c);
  const input: CreateExperimentInput = {
    title: values.title ?? "",
    purpose: values.purpose || undefined,
    owner: values.owner?.trim() || undefined,
    tags: splitTags(values.tags),
    reason: values.reason?.trim() || undefined,
  };
  try {
    const experiment = await c.var.lab.createExperiment(input);
    return c.redirect(`/experiments/${experiment.id}`, 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid"]);
    const issues = error.issues.length > 0 ? error.issues : [{ path: "", message: error.message }];
    return createPage(c, { values, errors: issuesByField(issues, CREATE_FIELDS), status: 400 });
  }
});

experiments.get("/:id", (c) => detailPage(c, { id: c.req.param("id") }));

experiments.post("/:id/transition", async (c) => {
  const id = c.req.param("id");
  const values = await formValues(c);
  try {
    const experiment = await c.var.lab.transitionExperiment(id, {
      to: values.to,
      reason: values.reason,
    });
    return c.redirect(href(`/experiments/${id}`, { moved: experiment.status }), 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "conflict"]);
    const errors = new Map<string, string[]>();
    if (error.kind === "invalid" && /reason/i.test(error.message)) {
      errors.set("reason", ["A reason is required"]);
    }
    return detailPage(c, {
      id,
      errors,
      values,
      message: notice("bad", html`<strong>Cannot move the experiment.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

experiments.post("/:id/share", async (c) => {
  const id = c.req.param("id");
  const values = await formValues(c);
  try {
    await c.var.lab.shareExperiment(id, {
      with: splitNames(values.with),
      remove: splitNames(values.remove),
      reason: values.reason?.trim() || undefined,
    });
    return c.redirect(href(`/experiments/${id}`, { shared: "1" }), 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "forbidden"]);
    return detailPage(c, {
      id,
      share: values,
      message: notice("bad", html`<strong>Cannot share the experiment.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

function splitNames(text: string | undefined): string[] | undefined {
  const list = (text ?? "").split(/[\s,]+/).filter(Boolean);
  return list.length ? list : undefined;
}

experiments.post("/:id/edit", async (c) => {
  const id = c.req.param("id");
  const values = await formValues(c);
  try {
    await c.var.lab.editExperiment(id, {
      title: values.title,
      purpose: values.purpose,
      tags: splitTags(values.tags) ?? [],
      reason: values.reason,
    });
    return c.redirect(href(`/experiments/${id}`, { edited: "1" }), 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "conflict"]);
    const issues = error.issues.length > 0 ? error.issues : [{ path: "", message: error.message }];
    return detailPage(c, {
      id,
      edit: { values, errors: issuesByField(issues, EDIT_FIELDS) },
      message: notice("bad", html`<strong>Cannot edit the experiment.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

const EDIT_FIELDS = ["title", "purpose", "tags", "reason"];

experiments.post("/:id/attachments", async (c) => {
  const id = c.req.param("id");
  try {
    const attachment = await attachUpload(c, id);
    return c.redirect(href(`/experiments/${id}`, { attached: attachment.fileName }), 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "conflict"]);
    return detailPage(c, {
      id,
      message: notice("bad", html`<strong>Not attached.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

experiments.post("/:id/sign", async (c) => {
  const id = c.req.param("id");
  const { password, ...values } = await formValues(c);
  try {
    await c.var.lab.sign(id, { meaning: values.meaning, reason: values.reason, password });
    return c.redirect(href(`/experiments/${id}`, { signed: values.meaning }), 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "unauthorized", "locked"]);
    const issues = error.issues.length > 0 ? error.issues : [{ path: "", message: error.message }];
    return detailPage(c, {
      id,
      sign: { values, errors: issuesByField(issues, SIGN_FIELDS) },
      message: notice("bad", html`<strong>Not signed.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

const SIGN_FIELDS = ["meaning", "reason", "password"];

function filterForm(filter: { status?: string; tag?: string }): Html {
  return html`
    <form class="card filters" method="get" action="/experiments" role="search"
      aria-label="Filter experiments">
      ${filterSelect({
        name: "status",
        label: "Status",
        values: EXPERIMENT_STATUSES,
        selected: filter.status,
      })}
      <div
        class="field"><label for="f-tag">Tag</label><input type="text" id="f-tag" name="tag" value="${filter
          .tag ??
          ""}"></div>
      ${filterActions("/experiments")}
    </form>
  `;
}

function tags(list: string[]): Html {
  return list.length === 0
    ? dash()
    : html`<span class="tags">${list.map((t) => html`<span class="tag">${t}</span>`)}</span>`;
}

function splitTags(text: string | undefined): string[] | undefined {
  const list = (text ?? "").split(/[\s,]+/).filter(Boolean);
  return list.length ? list : undefined;
}

function experimentTable(items: Experiment[], options: { filtered: boolean }): Html {
  if (items.length === 0) {
    return emptyTable(html`No experiments${
      options.filtered ? " match these filters" : html`
        yet. <a href="/experiments/new">Create one</a>
      `
    }.`);
  }
  return dataTable(
    ["Title", "Status", "Owner", { label: "Tags", class: "hide-narrow" }, {
      label: "Jobs",
      class: "num hide-narrow",
    }, "Created"],
    items.map((e) =>
      html`
        <tr>
          <td><a href="/experiments/${e.id}">${e.title}</a></td>
          <td>${badge(e.status)}</td>
          <td>${e.owner}</td>
          <td class="hide-narrow">${tags(e.tags)}</td>
          <td class="num hide-narrow">${e.jobIds.length}</td>
          <td>${time(e.createdAt)}</td>
        </tr>
      `
    ),
  );
}

interface CreateFormState {
  values: Record<string, string>;
  errors: Map<string, string[]>;
  status?: ContentfulStatusCode;
}

function createPage(c: Context<ServerEnv>, state: CreateFormState): Response | Promise<Response> {
  const ui = uiOf(c);
  return renderPage(c, ui, {
    title: "New experiment",
    crumbs: [["Experiments", "/experiments"], ["New"]],
    section: "experiments",
    lede: state.status === undefined
      ? html`${
        ui.mode === "learner"
          ? "An experiment starts as a draft. Running a module in it moves it to running; you complete it when the results are in. "
          : ""
      }To follow a lab's plan, <a href="/templates">start a guided lab</a> instead.`
      : undefined,
    body: createForm(ui, state),
    status: state.status,
  });
}

function createForm(ui: Ui, state: CreateFormState): Html {
  const { values, errors } = state;
  const text = (name: string, label: string, hint?: string, required = false) =>
    fieldBlock({
      id: `exp-${name}`,
      label,
      hint,
      required,
      errors: errors.get(name),
      control: (attrs) =>
        html`<input type="text" name="${name}" value="${values[name] ?? ""}" ${attrs}>`,
    });
  const general = errors.get("") ?? [];
  return html`<form class="card stacked" method="post" action="/experiments">
${csrfInput(ui.csrf)}
${
    general.length
      ? notice(
        "bad",
        html`<strong>Cannot create the experiment.</strong><ul>${
          general.map((e) => html`<li>${e}</li>`)
        }</ul>`,
      )
      : ""
  }
${text("title", "Title", "A short name, such as “Coffee-cup calorimetry, group 3”.", true)}
${
    fieldBlock({
      id: "exp-purpose",
      label: "Purpose",
      hint: "What the experiment sets out to show.",
      errors: errors.get("purpose"),
      control: (attrs) =>
        html`<textarea name="purpose" rows="3" ${attrs}>${values.purpose ?? ""}</textarea>`,
    })
  }
${text("owner", "Owner", `Who is responsible. Default: ${ui.actor}.`)}
${text("tags", "Tags", "Words separated by commas, such as thermo, group-3.")}
${text("reason", "Reason", "Why it is created; kept in the audit log.")}
<div class="actions"><button type="submit">Create experiment</button><a class="button secondary" href="/experiments">Cancel</a></div>
</form>`;
}

interface DetailOptions {
  id: string;
  /** A refused edit: what was typed and what is wrong with it. */
  edit?: { values: Record<string, string>; errors: Map<string, string[]> };
  /** A refused signature: what was chosen (never the password) and what is wrong. */
  sign?: { values: Record<string, string>; errors: Map<string, string[]> };
  errors?: Map<string, string[]>;
  values?: Record<string, string>;
  /** A refused share: what was typed. */
  share?: Record<string, string>;
  message?: Html;
  status?: ContentfulStatusCode;
}

async function detailPage(c: Context<ServerEnv>, options: DetailOptions): Promise<Response> {
  const { id } = options;
  const ui = uiOf(c);
  const lab = c.var.lab;
  const experiment = await lab.getExperiment(id);
  const [timeline, linked, signatures, accounts, attachments] = await Promise.all([
    // Nothing about an experiment precedes its creation, so the backward scan stops there.
    lab.listAudit({
      targetType: "experiment",
      targetId: id,
      since: experiment.createdAt,
      limit: 200,
    }),
    linkedRecords(lab, experiment),
    lab.listSignatures(id),
    lab.hasUsers(),
    lab.listAttachments(id),
  ]);
  const signed = c.req.query("signed");
  const moved = c.req.query("moved");
  const edited = c.req.query("edited");
  const shared = c.req.query("shared");
  const attached = c.req.query("attached");
  const body = html`
    ${options.message ?? ""}
    ${edited ? notice("ok", html`Saved. The change and its reason are in the audit log.`) : ""}
    ${shared ? notice("ok", html`Sharing changed. The change is in the audit log.`) : ""}
    ${attached
      ? notice("ok", html`Attached <strong>${attached}</strong>. The upload is in the audit log.`)
      : ""}
    ${signed
      ? notice("ok", html`Signed (<strong>${signed}</strong>). The signature is in the audit log.`)
      : ""}
    ${moved
      ? notice(
        "ok",
        html`Moved to <strong>${moved}</strong>. The change and its reason are in the audit log.`,
      )
      : ""}
    ${experiment.template
      ? html`
        <p
          class="actions"><a class="button" href="/experiments/${experiment
            .id}/plan">Open the plan</a><span class="small muted">guided lab <a href="/templates/${experiment
            .template}">${experiment.template}</a></span></p>
      `
      : ""}
    <div class="grid-2">
      <div class="stack">
    ${aboutCard(experiment)}
    ${jobsCard(experiment, linked.jobs)}
    ${datasetsCard(experiment, linked.datasets)}
    ${attachmentsCard(ui, { experiment, attachments, maxBytes: lab.attachmentMaxBytes })}
    ${ui.mode === "builder" ? jsonBlock(experiment, { summary: "Experiment record (JSON)" }) : ""}
      </div>
      <div class="stack">
    ${moveCard(ui, {
      experiment,
      errors: options.errors ?? new Map(),
      values: options.values ?? {},
    })}
    ${editCard(ui, { experiment, ...(options.edit ?? { values: {}, errors: new Map() }) })}
    ${shareCard(ui, { experiment, values: options.share ?? {} })}
    ${signaturesCard(ui, {
      experiment,
      signatures,
      accounts,
      ...(options.sign ?? { values: {}, errors: new Map() }),
    })}
    ${timelineCard(ui, { id, timeline })}
      </div>
    </div>
  `;
  return await renderPage(c, ui, {
    title: experiment.title,
    crumbs: [["Experiments", "/experiments"], [experiment.title]],
    section: "experiments",
    body,
    status: options.status,
  });
}

async function linkedRecords(
  lab: Lab,
  experiment: Experiment,
): Promise<{ jobs: Job[]; datasets: DatasetSummary[] }> {
  const jobIds = experiment.jobIds.slice(-LINKED_SHOWN).reverse();
  const datasetIds = experiment.datasetIds.slice(-LINKED_SHOWN).reverse();
  const [jobs, datasets] = await Promise.all([
    Promise.all(jobIds.map((id) => lab.getJob(id).catch(() => undefined))),
    Promise.all(datasetIds.map((id) => lab.getDatasetSummary(id).catch(() => undefined))),
  ]);
  return {
    jobs: jobs.filter((job): job is Job => job !== undefined),
    datasets: datasets.filter((dataset): dataset is DatasetSummary => dataset !== undefined),
  };
}

function aboutCard(experiment: Experiment): Html {
  return html`
    <section class="card" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">Status</th>
            <td>${badge(experiment.status)}</td>
          </tr>
          <tr>
            <th scope="row">Purpose</th>
            <td>${experiment.purpose || dash()}</td>
          </tr>
          <tr>
            <th scope="row">Owner</th>
            <td>${experiment.owner}</td>
          </tr>
          ${experiment.sharedWith?.length
            ? html`
              <tr>
                <th scope="row">Shared with</th>
                <td>${experiment.sharedWith.join(", ")}</td>
              </tr>
            `
            : ""}
          <tr>
            <th scope="row">Tags</th>
            <td>${tags(experiment.tags)}</td>
          </tr>
          <tr>
            <th scope="row">Created</th>
            <td>${time(experiment.createdAt)} by ${experiment
              .createdBy}</td>
          </tr>
          <tr>
            <th scope="row">Updated</th>
            <td>${time(experiment.updatedAt)}</td>
          </tr>
          <tr>
            <th scope="row">Id</th>
            <td class="mono">${experiment.id}</td>
          </tr>
        </tbody>
      </table>
    </section>
  `;
}

function jobsCard(experiment: Experiment, jobs: Job[]): Html {
  const open = experiment.status === "draft" || experiment.status === "running";
  return html`
    <section class="card" aria-labelledby="jobs-title">
    <h2 id="jobs-title">Jobs (${experiment.jobIds.length})</h2>
    ${jobs.length === 0 ? html`<p class="muted">No jobs yet.</p>` : dataTable(
      ["Job", "Module", "Status", "Finished"],
      jobs.map((job) =>
        html`
          <tr class="${job.voided ? "voided" : ""}">
            <td>${job.voided
              ? html`<s>${idLink("/jobs/", job.id)}</s>`
              : idLink("/jobs/", job.id)}</td>
            <td>${job.module}${job.step
              ? html`
                <span class="small muted">· ${job.step}</span>
              `
              : ""}</td>
            <td>${job.voided
              ? html`<s>${badge(job.status)}</s> ${badge("voided")}`
              : badge(job.status)}</td>
            <td>${time(job.finishedAt)}</td>
          </tr>
        `
      ),
    )}
    ${open
      ? html`
        <p
          class="actions"><a class="button secondary" href="${href("/modules", {
            experiment: experiment.id,
          })}">Run a module in this experiment</a><a class="button secondary" href="${href(
            "/datasets/import",
            { experiment: experiment.id },
          )}">Import CSV into it</a></p>
      `
      : ""}
    </section>
  `;
}

function datasetsCard(experiment: Experiment, datasets: DatasetSummary[]): Html {
  return html`
    <section class="card" aria-labelledby="datasets-title">
    <h2 id="datasets-title">Datasets (${experiment.datasetIds.length})</h2>
    ${datasets.length === 0 ? html`<p class="muted">No datasets yet.</p>` : dataTable(
      ["Dataset", "Kind", "Title"],
      datasets.map((dataset) =>
        html`
          <tr>
            <td>${idLink("/datasets/", dataset.id)}</td>
            <td>${dataset.kind}</td>
            <td>${dataset.title}</td>
          </tr>
        `
      ),
    )}
    </section>
  `;
}

function attachmentsCard(
  ui: Ui,
  state: { experiment: Experiment; attachments: Attachment[]; maxBytes: number },
): Html {
  const { experiment, attachments } = state;
  return html`
    <section class="card" aria-labelledby="attachments-title">
    <h2 id="attachments-title">Attachments (${attachments.length})</h2>
    ${attachments.length === 0 ? html`<p class="muted">No files attached yet.</p>` : dataTable(
      ["File", "Title", { label: "Size", class: "num" }, {
        label: "SHA-256",
        class: "hide-narrow",
      }],
      attachments.map((attachment) =>
        html`
          <tr>
            <td class="wrap"><a href="/api/v1/attachments/${attachment
              .id}/download" download>${attachment.fileName}</a></td>
            <td>${attachment.title ?? dash()}</td>
            <td class="num">${byteSize(attachment.size)}</td>
            <td class="mono hide-narrow" title="${attachment.sha256}">${attachment.sha256
              .slice(0, 12)}</td>
          </tr>
        `
      ),
    )}
    ${experiment.status === "archived" ? "" : html`
      <h3 id="attach-title">Attach a file</h3>
      <form class="stacked" aria-labelledby="attach-title" method="post"
        action="/experiments/${experiment
          .id}/attachments"
        enctype="multipart/form-data">
      ${csrfInput(ui.csrf)}
      ${fieldBlock({
        id: "att-title",
        label: "Title",
        hint: "Optional: what the file shows.",
        control: (attrs) => html`<input type="text" name="title" maxlength="200" ${attrs}>`,
      })}
      ${fieldBlock({
        id: "att-reason",
        label: "Reason",
        hint: "Optional: kept in the audit log.",
        control: (attrs) => html`<input type="text" name="reason" maxlength="2000" ${attrs}>`,
      })}
      ${fieldBlock({
        id: "att-file",
        label: "File",
        hint: `Any type: a photo, an instrument's raw file, a PDF. Up to ${
          byteSize(state.maxBytes)
        }.`,
        required: true,
        control: (attrs) => html`<input type="file" name="file" required ${attrs}>`,
      })}
      <div class="actions"><button type="submit">Attach</button></div>
      </form>
    `}
    </section>
  `;
}

interface MoveState {
  experiment: Experiment;
  errors: Map<string, string[]>;
  values: Record<string, string>;
}

function moveCard(ui: Ui, state: MoveState): Html {
  return html`
    <section class="card" aria-labelledby="move-title">
    <h2 id="move-title">Move to another state</h2>
    ${ui.mode === "learner"
      ? html`
        <p
          class="small muted">An experiment goes draft → running → completed (or failed), and can be archived. Each move needs a reason, which is kept in the audit log with the state before and after.</p>
      `
      : ""}
    ${transitionForms(ui, state)}
    </section>
  `;
}

function transitionForms(ui: Ui, state: MoveState): Html {
  const { experiment, errors, values } = state;
  const targets = EXPERIMENT_TRANSITIONS[experiment.status];
  if (targets.length === 0) {
    return html`<p class="muted">${experiment.status} is final: no further transitions.</p>`;
  }
  return html`${
    targets.map((to) =>
      html`<form class="transition inline-form" method="post" action="/experiments/${experiment.id}/transition">
${csrfInput(ui.csrf)}<input type="hidden" name="to" value="${to}">
${
        fieldBlock({
          id: `reason-${to}`,
          label: html`Reason for moving to <strong>${to}</strong>`,
          hint: ui.mode === "learner" ? TRANSITION_HELP[to] : undefined,
          errors: values.to === to ? errors.get("reason") : undefined,
          control: (attrs) =>
            html`<input type="text" name="reason" required value="${
              values.to === to ? values.reason ?? "" : ""
            }" ${attrs}>`,
        })
      }
<button type="submit" class="${
        to === "failed" || to === "archived" ? "danger" : ""
      }">Move to ${to}</button>
</form>`
    )
  }`;
}

function editCard(
  ui: Ui,
  state: { experiment: Experiment; values: Record<string, string>; errors: Map<string, string[]> },
): Html {
  const { experiment, values, errors } = state;
  if (experiment.status === "archived") return html``;
  const value = (name: string, current: string) => values[name] ?? current;
  const text = (name: string, label: string, current: string, hint?: string) =>
    fieldBlock({
      id: `edit-${name}`,
      label,
      hint,
      errors: errors.get(name),
      control: (attrs) =>
        html`<input type="text" name="${name}" value="${value(name, current)}" ${attrs}>`,
    });
  const general = errors.get("") ?? [];
  return html`
    <section class="card" aria-labelledby="edit-title">
      <h2 id="edit-title">Edit</h2>
      <form class="stacked" method="post" action="/experiments/${experiment.id}/edit">
    ${csrfInput(ui.csrf)}
    ${general.length
      ? html`<ul class="errors">${general.map((e) => html`<li>${e}</li>`)}</ul>`
      : ""}
    ${text("title", "Title", experiment.title)}
    ${fieldBlock({
      id: "edit-purpose",
      label: "Purpose",
      errors: errors.get("purpose"),
      control: (attrs) =>
        html`<textarea name="purpose" rows="3" ${attrs}>${
          value("purpose", experiment.purpose)
        }</textarea>`,
    })}
    ${text(
      "tags",
      "Tags",
      experiment.tags.join(", "),
      "Words separated by commas; they replace the old tags.",
    )}
    ${fieldBlock({
      id: "edit-reason",
      label: "Reason",
      hint: "Why you change it; kept in the audit log with the values before and after.",
      required: true,
      errors: errors.get("reason"),
      control: (attrs) =>
        html`<input type="text" name="reason" required value="${values.reason ?? ""}" ${attrs}>`,
    })}
    <div class="actions"><button type="submit">Save changes</button></div>
      </form>
    </section>
  `;
}

/** Sharing: for the owner and staff (the service refuses anyone else). */
function shareCard(
  ui: Ui,
  state: { experiment: Experiment; values: Record<string, string> },
): Html {
  const { experiment, values } = state;
  if (ui.user && ui.user.role === "student" && ui.user.username !== experiment.owner) return html``;
  const text = (name: string, label: string, hint: string) =>
    fieldBlock({
      id: `share-${name}`,
      label,
      hint,
      control: (attrs) =>
        html`<input type="text" name="${name}" value="${values[name] ?? ""}" ${attrs}>`,
    });
  return html`
    <section class="card" aria-labelledby="share-title">
      <h2 id="share-title">Share</h2>
      <form class="stacked" method="post" action="/experiments/${experiment.id}/share">
    ${csrfInput(ui.csrf)}
    ${text(
      "with",
      "Share with",
      "Usernames separated by commas: they see and change this experiment, its jobs and its datasets.",
    )}
    ${experiment.sharedWith?.length
      ? text("remove", "Stop sharing with", `Now shared with ${experiment.sharedWith.join(", ")}.`)
      : ""}
    ${text("reason", "Reason", "Why; kept in the audit log.")}
    <div class="actions"><button type="submit" class="secondary">Save sharing</button></div>
      </form>
    </section>
  `;
}

function signaturesCard(
  ui: Ui,
  state: {
    experiment: Experiment;
    signatures: SignatureListing[];
    /** Whether the lab has user accounts: only a user can sign. */
    accounts: boolean;
    values: Record<string, string>;
    errors: Map<string, string[]>;
  },
): Html {
  const { experiment, signatures, accounts, values, errors } = state;
  return html`
    <section class="card" aria-labelledby="signatures-title">
      <h2 id="signatures-title">Signatures (${signatures.length})</h2>
    ${signatures.length === 0
      ? html`<p class="muted">Not signed yet.</p>`
      : html`<ul class="signatures">${
        signatures.map((signature) =>
          html`<li><strong>${signature.displayName}</strong> (${signature.signer}) · ${
            badge(signature.meaning)
          } · ${time(signature.time, { seconds: true })}${
            signature.matches ? "" : html`
              · <span class="badge failed">no longer matches</span>
            `
          }<p class="reason">“${signature.reason}”</p></li>`
        )
      }</ul>`}
    ${ui.mode === "learner"
      ? html`
        <p
          class="small muted">A signature covers the experiment as it is now: if it changes later, the signature stays and shows “no longer matches”. Signing asks for your password again.</p>
      `
      : ""}
    ${accounts ? signForm(ui, { experiment, values, errors }) : html`
      <p
        class="small muted">Signing needs user accounts: each user has a signing key (<code>labos users add</code>).</p>
    `}
    </section>
  `;
}

function signForm(
  ui: Ui,
  state: { experiment: Experiment; values: Record<string, string>; errors: Map<string, string[]> },
): Html {
  const { experiment, values, errors } = state;
  const general = errors.get("") ?? [];
  return html`
    <form class="stacked" method="post" action="/experiments/${experiment.id}/sign">
    ${csrfInput(ui.csrf)}
    ${general.length
      ? html`<ul class="errors">${general.map((e) => html`<li>${e}</li>`)}</ul>`
      : ""}
    ${fieldBlock({
      id: "sign-meaning",
      label: "Meaning",
      required: true,
      errors: errors.get("meaning"),
      control: (attrs) =>
        html`<select name="meaning" ${attrs}>${
          SIGNATURE_MEANINGS.map((meaning) =>
            html`<option value="${meaning}" ${
              (values.meaning ?? "reviewed") === meaning ? raw("selected") : ""
            }>${meaning}</option>`
          )
        }</select>`,
    })}
    ${fieldBlock({
      id: "sign-reason",
      label: "Reason",
      hint: "Why you sign; part of the signed record.",
      required: true,
      errors: errors.get("reason"),
      control: (attrs) =>
        html`<input type="text" name="reason" required value="${values.reason ?? ""}" ${attrs}>`,
    })}
    ${fieldBlock({
      id: "sign-password",
      label: "Your password",
      hint: "Entered again to sign: it unlocks your signing key.",
      required: true,
      errors: errors.get("password"),
      control: (attrs) =>
        html`<input type="password" name="password" required autocomplete="current-password" ${attrs}>`,
    })}
    <div class="actions"><button type="submit">Sign</button></div>
      </form>
  `;
}

function timelineCard(ui: Ui, options: { id: string; timeline: Page<AuditEvent> }): Html {
  const { id, timeline } = options;
  const events = [...timeline.items].reverse();
  return html`
    <section class="card" aria-labelledby="timeline-title">
    <h2 id="timeline-title">Timeline</h2>
    ${events.length === 0
      ? html`<p class="muted">No events.</p>`
      : html`<ol class="timeline">${
        events.map((event) =>
          html`<li><div class="when">${
            time(event.ts, { seconds: true })
          } · ${event.actor}</div><div class="what">${timelineText(event)}</div>${
            event.reason ? html`<p class="reason">“${event.reason}”</p>` : ""
          }${
            ui.mode === "builder"
              ? jsonBlock(event, { summary: `Event ${event.seq}: ${event.action}` })
              : ""
          }</li>`
        )
      }</ol>`}
    ${timeline.hasMore
      ? html`<p class="small"><a href="${auditLinkFor(id)}">All events in the audit log →</a></p>`
      : ""}
    </section>
  `;
}

function timelineText(event: AuditEvent): Html {
  const details = event.details;
  switch (event.action) {
    case "experiment.created":
      return html`Created as ${badge("draft")}`;
    case "experiment.shared":
      return html`Sharing changed: now shared with ${
        (Array.isArray((details.after as { sharedWith?: unknown })?.sharedWith)
          ? (details.after as { sharedWith: unknown[] }).sharedWith.map(String).join(", ")
          : "") || "nobody"
      }`;
    case "experiment.edited":
      return html`Edited ${
        (Array.isArray(details.changed) ? details.changed : []).map(String).join(", ")
      }`;
    case "experiment.transitioned":
      return html`Moved ${badge(String(details.from))} → ${badge(String(details.to))}`;
    case "experiment.linked":
      if (details.attachmentId) {
        return html`Attached ${idLink("/api/v1/attachments/", String(details.attachmentId))}`;
      }
      return html`Linked${
        details.jobId
          ? html`
            job ${idLink("/jobs/", String(details.jobId))}
          `
          : ""
      }${
        details.datasetId
          ? html`
            dataset ${idLink("/datasets/", String(details.datasetId))}
          `
          : ""
      }`;
    default:
      return html`<code>${event.action}</code>`;
  }
}
