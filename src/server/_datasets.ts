/**
 * Dataset pages: the list, CSV upload (through the same import code as
 * `labos import`) and the detail page with the table, lineage and download.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LabosError } from "../errors.ts";
import {
  type Dataset,
  type DatasetSummary,
  decimalCommaHint,
  mib,
  tableRows,
} from "../records/mod.ts";
import { type Ui, uiOf } from "./_context.ts";
import { formError, HTTP_STATUS } from "./_errors.ts";
import { issuesByField } from "./_form.ts";
import { importFields, parseFormBody, textFields, wholeNumberParam } from "./_input.ts";
import { cachedPage, renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  auditLinkFor,
  csrfInput,
  dash,
  dataTable,
  emptyTable,
  fieldBlock,
  filterActions,
  filterSelect,
  hashCell,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  notice,
  pager,
  raw,
  renderValue,
  time,
} from "./_views.ts";

const PAGE_SIZE = 25;
const PREVIEW_ROWS = 100;
const KINDS = ["imported", "module-output", "collected"];
const IMPORT_FIELDS = ["file", "title", "experimentId", "units", "delimiter"];

interface ImportFormState {
  values: Record<string, string>;
  errors: Map<string, string[]>;
  message?: Html;
  status?: ContentfulStatusCode;
}

/**
 * The dataset pages sub-app, mounted at `/datasets`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { datasets } from "./_datasets.ts";
 * assert.ok(datasets.routes.some((route) => route.path === "/import"));
 * ```
 */
export const datasets: Hono<ServerEnv> = new Hono<ServerEnv>();

datasets.get("/", (c) =>
  cachedPage(c, async (_ui, view) => {
    const q = c.req.query();
    const offset = wholeNumberParam("offset", q.offset) ?? 0;
    const kind = q.kind || undefined;
    const page = await view.datasets({ kind, limit: PAGE_SIZE, offset });
    const body = html`
      <form class="card filters" method="get" action="/datasets" role="search"
        aria-label="Filter datasets">
        ${filterSelect({ name: "kind", label: "Kind", values: KINDS, selected: kind })}
        ${filterActions("/datasets")}
      </form>
      ${datasetRows(page.items)}
      ${pager("/datasets", { kind }, {
        offset,
        limit: PAGE_SIZE,
        shown: page.items.length,
        hasMore: page.hasMore,
      })}
    `;
    return {
      title: "Datasets",
      crumbs: [["Datasets"]],
      section: "datasets",
      actions: html`<a class="button" href="/datasets/import">Import CSV</a>`,
      body,
    };
  }));

datasets.get("/import", (c) => {
  const experiment = c.req.query("experiment");
  return importPage(c, {
    values: experiment ? { experimentId: experiment } : {},
    errors: new Map(),
  });
});

datasets.post("/import", async (c) => {
  const form = await parseFormBody(() => c.req.parseBody());
  const values = textFields(form);
  const file = form.file;
  try {
    if (!(file instanceof File) || file.size === 0 && file.name === "") {
      throw new LabosError("invalid", "Choose a CSV file to import", {
        issues: [{ path: "file", message: "Choose a CSV file to import" }],
      });
    }
    const dataset = await c.var.lab.importCsv({
      fileName: file.name || "upload.csv",
      bytes: new Uint8Array(await file.arrayBuffer()),
      ...importFields((name) => values[name]),
    });
    return c.redirect(`/datasets/${dataset.id}`, 303);
  } catch (thrown) {
    const error = formError(thrown, ["invalid", "not_found", "conflict"]);
    return importPage(c, {
      values,
      errors: issuesByField(error.issues, IMPORT_FIELDS),
      message: notice("bad", html`<strong>Nothing was imported.</strong> ${error.message}`),
      status: HTTP_STATUS[error.kind],
    });
  }
});

datasets.get("/:id", async (c) => {
  const ui = uiOf(c);
  const lab = c.var.lab;
  const dataset = await lab.getDataset(c.req.param("id"));
  const shown = dataset.output === undefined
    ? undefined
    : await lab.showOutput(dataset.provenance?.module ?? "", dataset.output);
  const decimalComma = dataset.table ? decimalCommaHint(dataset.table) : undefined;
  const body = html`
    ${decimalComma
      ? notice(
        "info",
        html`<strong>Hint:</strong> ${
          decimalComma.replace("use --decimal-comma", "")
        }import the file again with <em>Decimal comma</em> ticked to read them as numbers.`,
      )
      : ""}
    <div class="grid-2">
      <div class="stack">
    ${tablePreview(dataset)}
    ${dataset.output !== undefined
      ? html`
        <section class="card"
          aria-labelledby="output-title"><h2 id="output-title">Output</h2>${renderValue(
            shown,
            { format: lab.display.format },
          )}</section>
      `
      : ""}
    ${lineageCard(ui, dataset)}
    ${ui.mode === "builder" ? jsonBlock(dataset, { summary: "Dataset record (JSON)" }) : ""}
      </div>
      <div class="stack">
    ${aboutCard(dataset)}
    ${dataset.table ? useCard(dataset) : ""}
      </div>
    </div>
  `;
  return renderPage(c, ui, {
    title: dataset.title,
    crumbs: [["Datasets", "/datasets"], [dataset.title]],
    section: "datasets",
    body,
  });
});

function importPage(c: Context<ServerEnv>, state: ImportFormState): Response | Promise<Response> {
  const ui = uiOf(c);
  return renderPage(c, ui, {
    title: "Import CSV",
    crumbs: [["Datasets", "/datasets"], ["Import CSV"]],
    section: "import",
    lede:
      "Creates a dataset from an instrument's CSV export, through the same import code as labos import.",
    body: importForm(ui, { ...state, maxBytes: c.var.lab.datasetLimits.maxBytes }),
    status: state.status,
  });
}

function importForm(ui: Ui, state: ImportFormState & { maxBytes: number }): Html {
  const { values, errors, message } = state;
  const text = (name: string, label: string, hint: string) =>
    fieldBlock({
      id: `imp-${name}`,
      label,
      hint,
      errors: errors.get(name),
      control: (attrs) =>
        html`<input type="text" name="${name}" value="${values[name] ?? ""}" ${attrs}>`,
    });
  return html`<form class="card stacked" method="post" action="/datasets/import" enctype="multipart/form-data">
${csrfInput(ui.csrf)}
${message ?? ""}
${
    fieldBlock({
      id: "imp-file",
      label: "CSV file",
      hint: `The first line is the header. Up to ${mib(state.maxBytes)}.`,
      required: true,
      errors: errors.get("file"),
      control: (attrs) =>
        html`<input type="file" name="file" accept=".csv,.tsv,.txt,text/csv" ${attrs}>`,
    })
  }
${text("title", "Title", "Default: the file name.")}
${text("experimentId", "Experiment", "Optional: the experiment id (exp_…) to link the dataset to.")}
${
    fieldBlock({
      id: "imp-units",
      label: "Units",
      hint: "Optional: one column=unit per line, such as time_s=s.",
      errors: errors.get("units"),
      control: (attrs) =>
        html`<textarea name="units" rows="2" ${attrs}>${values.units ?? ""}</textarea>`,
    })
  }
${delimiterField(state)}
<label class="check"><input type="checkbox" name="decimalComma"${
    values.decimalComma ? raw(" checked") : ""
  }> Decimal comma (read 1,5 as 1.5)</label>
${
    ui.mode === "learner"
      ? html`
        <p
          class="small muted">LabOS keeps the file's name, size and SHA-256 fingerprint with the dataset, and infers each column's type (number, integer, boolean, date or text).</p>
      `
      : ""
  }
<div class="actions"><button type="submit">Import</button></div>
</form>`;
}

const DELIMITERS = [
  ["", "Detect"],
  [",", "Comma ,"],
  [";", "Semicolon ;"],
  ["\\t", "Tab"],
  ["|", "Pipe |"],
];

function delimiterField(state: ImportFormState): Html {
  const current = state.values.delimiter ?? "";
  return fieldBlock({
    id: "imp-delimiter",
    label: "Delimiter",
    errors: state.errors.get("delimiter"),
    control: (attrs) =>
      html`<select name="delimiter" ${attrs}>${
        DELIMITERS.map(([value, label]) =>
          html`
            <option value="${value}" ${current === value ? raw(" selected") : ""}>${label}</option>
          `
        )
      }</select>`,
  });
}

function datasetRows(items: DatasetSummary[]): Html {
  if (items.length === 0) return emptyTable("No datasets.");
  return dataTable(
    ["Title", "Kind", { label: "Id", class: "hide-narrow" }, "Created"],
    items.map((d) =>
      html`
        <tr>
          <td><a href="/datasets/${d.id}">${d.title}</a></td>
          <td>${d.kind}</td>
          <td class="mono hide-narrow">${d.id}</td>
          <td>${time(d.createdAt)}</td>
        </tr>
      `
    ),
  );
}

function tablePreview(dataset: Dataset): Html {
  const table = dataset.table;
  if (!table) return "" as unknown as Html;
  const rows = tableRows(table, { limit: PREVIEW_ROWS });
  return html`
    <section class="card" aria-labelledby="table-title">
      <h2 id="table-title">Table (${table.rowCount} rows)</h2>
      <div class="table-wrap">
        <table>
    <thead><tr>${table.columns.map((column) =>
      html`
        <th scope="col"
          ${column.type === "number" || column.type === "integer"
            ? raw(' class="num"')
            : ""}>${column.name}${column.unit
            ? html`
              <span class="muted">[${column.unit}]</span>
            `
            : ""}<br><span class="muted small">${column.type}</span></th>
      `
    )}</tr></thead>
    <tbody>${rows.map((row) =>
      html`<tr>${
        row.map((value) =>
          html`<td${typeof value === "number" ? raw(' class="num"') : ""}>${
            value === null ? "" : String(value)
          }</td>`
        )
      }</tr>`
    )}</tbody>
    ${table.rowCount > PREVIEW_ROWS
      ? html`<caption>First ${PREVIEW_ROWS} of ${table.rowCount} rows</caption>`
      : ""}
        </table>
      </div>
    </section>
  `;
}

function lineageCard(ui: Ui, dataset: Dataset): Html {
  return html`
    <section class="card" aria-labelledby="lineage-title"><h2 id="lineage-title">Lineage</h2>
    ${ui.mode === "learner"
      ? html`
        <p
          class="small muted">Where this dataset came from: the files it was imported from and the jobs that computed it, back to the source.</p>
      `
      : ""}
    <img class="lineage" src="/api/v1/datasets/${dataset
      .id}/lineage.svg" alt="Lineage graph of dataset ${dataset.id}">
    </section>
  `;
}

function aboutCard(dataset: Dataset): Html {
  return html`
    <section class="card" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <table class="kv">
        <tbody>
    <tr><th scope="row">Kind</th><td>${dataset.kind}</td></tr>
    <tr><th scope="row">Experiment</th><td>${dataset.experimentId
      ? idLink("/experiments/", dataset.experimentId)
      : dash()}</td></tr>
    ${sourceRows(dataset)}
    ${provenanceRows(dataset)}
    ${collectionRows(dataset)}
    ${dataset.parentIds.length
      ? html`
        <tr>
          <th scope="row">Parents</th>
          <td>${dataset.parentIds.map((id) =>
            html`
              ${idLink("/datasets/", id)}
            `
          )}</td>
        </tr>
      `
      : ""}
    <tr><th scope="row">Created</th><td>${time(dataset.createdAt)} by ${dataset
      .createdBy}</td></tr>
    <tr><th scope="row">Id</th><td class="mono">${dataset.id}</td></tr>
        </tbody>
      </table>
      <p
        class="actions"><a class="button secondary" href="/api/v1/datasets/${dataset
          .id}/download" download>Download ${dataset.table ? "CSV" : "JSON"}</a></p>
      <p class="small"><a href="${auditLinkFor(dataset.id)}">Audit events of this dataset →</a></p>
    </section>
  `;
}

function sourceRows(dataset: Dataset): Html | string {
  if (!dataset.source) return "";
  return html`
    <tr>
      <th scope="row">Source file</th>
      <td>${dataset.source.fileName} (${dataset.source.sizeBytes} bytes)</td>
    </tr>
    <tr>
      <th scope="row">File SHA-256</th>
      <td>${hashCell(dataset.source.sha256)}</td>
    </tr>
  `;
}

function provenanceRows(dataset: Dataset): Html | string {
  const p = dataset.provenance;
  if (!p) return "";
  return html`
    <tr>
      <th scope="row">Job</th>
      <td>${idLink("/jobs/", p.jobId)}</td>
    </tr>
    <tr>
      <th scope="row">Module</th>
      <td>${p.module}@${p.moduleVersion} (${p.moduleSource})</td>
    </tr>
    <tr>
      <th scope="row">Input hash</th>
      <td>${hashCell(p.inputHash)}</td>
    </tr>
    <tr>
      <th scope="row">Output hash</th>
      <td>${hashCell(dataset.outputHash)}</td>
    </tr>
  `;
}

function collectionRows(dataset: Dataset): Html | string {
  const collection = dataset.collection;
  if (!collection) return "";
  return html`
    <tr>
      <th scope="row">Collected</th>
      <td>${collection.fields.map((f) =>
        html`<div><code>${f.path}</code> as ${f.column}</div>`
      )}</td>
    </tr>
    <tr>
      <th scope="row">From jobs</th>
      <td>${collection.jobs.map((job, row) =>
        html`<div>row ${row + 1}: ${
          idLink("/jobs/", job.jobId)
        } (${job.module}@${job.moduleVersion})</div>`
      )}</td>
    </tr>
  `;
}

function useCard(dataset: Dataset): Html {
  return html`
    <section class="card">
      <h2>Use it</h2>
      <p
        class="small">Run a module on these columns: choose a module, then map its fields to columns under “Take columns from a table dataset” (<code>${dataset
          .id}</code> is filled in).</p>
      <p><a class="button secondary" href="${href("/modules", {
        experiment: dataset.experimentId ?? undefined,
        dataset: dataset.id,
      })}">Choose a module</a></p>
    </section>
  `;
}
