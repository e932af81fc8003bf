/**
 * The view pieces the pages share, on top of hono/html's `html` tagged
 * template, which escapes every interpolated value unless it is itself
 * `html`: badges, times, links, pagers, notices, form fields, filter
 * selects, empty tables, values, hashes, audit links and the audit chain
 * card, and learner mode's glossary tooltips.
 *
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AuditHead } from "../audit/mod.ts";
import { formatQuantity, type NumberFormat } from "../units/mod.ts";
import type { VerifyRecord } from "./_cache.ts";
import type { Ui } from "./_context.ts";
import { CSRF_FIELD } from "./_security.ts";
import { GLOSSARY } from "./_terms.ts";

export { html, raw };

/** A fragment of escaped HTML. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { escapeHtml } from "./_views.ts";
 * assert.ok(escapeHtml("<b>") === "&lt;b&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * A status badge.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { badge } from "./_views.ts";
 * assert.ok(String(badge("draft")).includes("badge draft"));
 * ```
 */
export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

/**
 * A timestamp as a `<time>` element, shortened to the minute (seconds with `seconds`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { time } from "./_views.ts";
 * assert.ok(String(time("2025-01-02T03:04:05.000Z")).includes("2025-01-02 03:04"));
 * ```
 */
export function time(ts: string | null | undefined, options: { seconds?: boolean } = {}): Html {
  if (!ts) return html`<span class="muted">–</span>`;
  const shown = ts.replace("T", " ").slice(0, options.seconds ? 19 : 16);
  return html`<time datetime="${ts}" title="${ts}">${shown}</time>`;
}

/**
 * Pretty JSON in a collapsible block, for builder mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { jsonBlock } from "./_views.ts";
 * assert.ok(String(jsonBlock({ a: "<x>" })).includes("&lt;x&gt;"));
 * ```
 */
export function jsonBlock(
  value: unknown,
  options: { summary?: string; open?: boolean } = {},
): Html {
  return html`
    <details class="raw" ${options.open ? raw(" open") : ""}>
      <summary>${options.summary ?? "Raw JSON"}</summary>
      <pre>${JSON.stringify(value, null, 2)}</pre>
    </details>
  `;
}

/**
 * A URL with query parameters; empty and undefined values are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { href } from "./_views.ts";
 * assert.ok(href("/audit", { actor: "a b", offset: 0, x: "" }) === "/audit?actor=a+b&offset=0");
 * ```
 */
export function href(
  path: string,
  params: Record<string, string | number | undefined> = {},
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Previous / next links for an offset-paginated list.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pager } from "./_views.ts";
 * const nav = String(pager("/x", {}, { offset: 0, limit: 10, shown: 10, hasMore: true }));
 * assert.ok(nav.includes("offset=10"));
 * ```
 */
export function pager(
  path: string,
  params: Record<string, string | number | undefined>,
  page: { offset: number; limit: number; shown: number; hasMore: boolean },
): Html {
  const { offset, limit, shown, hasMore } = page;
  const previous = offset > 0
    ? html`<a href="${
      href(path, { ...params, offset: Math.max(0, offset - limit) || undefined })
    }" rel="prev">← Newer</a>`
    : html`<span class="disabled">← Newer</span>`;
  const next = hasMore
    ? html`<a href="${href(path, { ...params, offset: offset + limit })}" rel="next">Older →</a>`
    : html`<span class="disabled">Older →</span>`;
  const range = shown === 0 ? "Nothing to show" : `Showing ${offset + 1}–${offset + shown}`;
  return html`
    <nav class="pager"
      aria-label="Pagination">${previous}<span class="muted">${range}</span>${next}</nav>
  `;
}

/**
 * The hidden CSRF field every form carries.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { csrfInput } from "./_views.ts";
 * assert.ok(String(csrfInput("abc")).includes('value="abc"'));
 * ```
 */
export function csrfInput(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/**
 * A notice box.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { notice } from "./_views.ts";
 * assert.ok(String(notice("ok", "Saved")).includes('class="notice ok"'));
 * ```
 */
export function notice(kind: "ok" | "bad" | "warn" | "info", body: unknown): Html {
  return html`<div class="notice ${kind}" role="${
    kind === "bad" ? "alert" : "status"
  }">${body}</div>`;
}

/**
 * A link to a record page showing a short form of its id (prefix and last
 * eight characters), with the full id in the tooltip.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { idLink } from "./_views.ts";
 * assert.ok(String(idLink("/jobs/", "job_01ABCDEFGHJKMNPQRSTVWXYZ12")).includes("job_…TVWXYZ12"));
 * ```
 */
export function idLink(base: string, id: string): Html {
  const shown = /^[a-z]+_[0-9A-Z]{26}$/.test(id)
    ? `${id.slice(0, id.indexOf("_") + 1)}…${id.slice(-8)}`
    : id;
  return html`<a class="mono id" href="${base}${id}" title="${id}">${shown}</a>`;
}

/**
 * Shortens a hash or long id for display, keeping the full value in a tooltip.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { short } from "./_views.ts";
 * assert.ok(String(short("0123456789abcdef", 4)).includes("0123…"));
 * ```
 */
export function short(text: string, length = 12): Html {
  return text.length <= length
    ? html`${text}`
    : html`<span title="${text}">${text.slice(0, length)}…</span>`;
}

/**
 * Formats a number for people with the display settings (default 4
 * significant figures), the same function as the CLI's text output.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatNumber } from "./_views.ts";
 * assert.ok(formatNumber(1 / 3) === "0.3333" && formatNumber(12) === "12");
 * assert.equal(formatNumber(1 / 3, { significantFigures: 2, decimalPlaces: null }), "0.33");
 * ```
 */
export function formatNumber(value: number, format?: NumberFormat): string {
  return formatQuantity(value, { format });
}

/** Options for {@linkcode fieldBlock}. */
export interface FieldBlockOptions {
  /** The control's id. */
  id: string;
  /** The label text. */
  label: Html | string;
  /** Builds the control; `attrs` holds its id and ARIA attributes. */
  control: (attrs: Html) => Html;
  /** A hint under the label. */
  hint?: Html | string;
  /** Error messages shown next to the field. */
  errors?: string[];
  /** Whether the field is required (shown in the label). */
  required?: boolean;
}

/**
 * A labelled form field with its hint and inline errors, wired up with
 * `aria-describedby` and `aria-invalid`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fieldBlock, html } from "./_views.ts";
 * const block = String(fieldBlock({
 *   id: "title", label: "Title", errors: ["is required"],
 *   control: (attrs) => html`<input type="text" name="title" ${attrs}>`,
 * }));
 * assert.ok(block.includes('aria-invalid="true"') && block.includes("is required"));
 * ```
 */
export function fieldBlock(options: FieldBlockOptions): Html {
  const { id, errors = [] } = options;
  const described = [options.hint ? `${id}-hint` : "", errors.length ? `${id}-error` : ""].filter(
    Boolean,
  );
  const attrs = html`id="${id}"${
    described.length
      ? html`
        aria-describedby="${described.join(" ")}"
      `
      : ""
  }${errors.length ? raw(' aria-invalid="true"') : ""}${
    options.required ? raw(' aria-required="true"') : ""
  }`;
  return html`<div class="field${errors.length ? " has-error" : ""}">
<label for="${id}">${options.label}${
    options.required
      ? html`
        <span class="muted small">(required)</span>
      `
      : ""
  }</label>
${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ""}
${options.control(attrs)}
${
    errors.length
      ? html`<p class="field-error" id="${id}-error">${
        errors.length === 1 ? errors[0] : html`${errors.map((e) => html`${e}<br>`)}`
      }</p>`
      : ""
  }
</div>`;
}

let pattern: RegExp | undefined;
const definitions = new Map<string, string>();

function termPattern(): RegExp {
  if (pattern) return pattern;
  const words: string[] = [];
  for (const entry of GLOSSARY) {
    for (const word of [entry.term, ...(entry.aliases ?? [])]) {
      definitions.set(escapeHtml(word), entry.definition);
      words.push(escapeHtml(word));
    }
  }
  words.sort((a, b) => b.length - a.length);
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join("|")})(?![\\p{L}\\p{N}])`, "gu");
  return pattern;
}

/**
 * Escapes text and, when `explain` is set, wraps glossary terms in
 * `<abbr title>` tooltips (the first time each term appears).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { glossify } from "./_views.ts";
 * assert.ok(String(glossify("Peaks by m/z <b>", true)).includes('<abbr title="Mass-to-charge'));
 * ```
 */
export function glossify(text: string, explain: boolean): Html {
  const escaped = escapeHtml(text);
  if (!explain) return raw(escaped);
  const seen = new Set<string>();
  return raw(escaped.replace(termPattern(), (word) => {
    const definition = definitions.get(word);
    if (!definition || seen.has(definition)) return word;
    seen.add(definition);
    return `<abbr title="${escapeHtml(definition)}">${word}</abbr>`;
  }));
}

/**
 * A dash for a missing value.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { dash } from "./_views.ts";
 * assert.ok(String(dash()).includes("–"));
 * ```
 */
export function dash(): Html {
  return html`<span class="muted">–</span>`;
}

/**
 * The place of a table that has no rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { emptyTable } from "./_views.ts";
 * assert.ok(String(emptyTable("No jobs.")).includes('<p class="empty">No jobs.</p>'));
 * ```
 */
export function emptyTable(message: Html | string): Html {
  return html`
    <div class="table-wrap">
      <p class="empty">${message}</p>
    </div>
  `;
}

/** A column of {@linkcode dataTable}: its header, with a class for its header cell if given. */
export type TableColumn = string | { label: string; class: string };

/**
 * A scrollable table with a header row: the markup every list page shares.
 * Each row is a `<tr>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { html } from "hono/html";
 * import { dataTable } from "./_views.ts";
 * const table = String(dataTable(["Job", { label: "ms", class: "num" }], [html`<tr><td>1</td></tr>`]));
 * assert.ok(table.includes('<th scope="col" class="num">ms</th>'));
 * ```
 */
export function dataTable(columns: readonly TableColumn[], rows: readonly Html[]): Html {
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr>${columns.map((column) =>
            typeof column === "string"
              ? html`<th scope="col">${column}</th>`
              : html`<th scope="col" class="${column.class}">${column.label}</th>`
          )}</tr>
        </thead>
        <tbody>${rows}</tbody>
      </table>
    </div>
  `;
}

/** Options for {@linkcode filterSelect}. */
export interface FilterSelectOptions {
  /** The query parameter. */
  name: string;
  /** The label text. */
  label: string;
  /** The values to choose from, after "Any". */
  values: readonly string[];
  /** The current value. */
  selected: string | undefined;
}

/**
 * A labelled select of a list filter, with "Any" first.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { filterSelect } from "./_views.ts";
 * const select = String(filterSelect({ name: "kind", label: "Kind", values: ["a", "b"], selected: "b" }));
 * assert.ok(select.includes('<option value="b"  selected>b</option>'));
 * ```
 */
export function filterSelect(options: FilterSelectOptions): Html {
  const { name, label, values, selected } = options;
  return html`
    <div
      class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">Any</option>${values
        .map((value) =>
          html`<option value="${value}" ${
            value === selected ? raw(" selected") : ""
          }>${value}</option>`
        )}</select></div>
  `;
}

/**
 * The Filter and Reset buttons of a list filter form.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { filterActions } from "./_views.ts";
 * assert.ok(String(filterActions("/jobs")).includes('href="/jobs"'));
 * ```
 */
export function filterActions(path: string): Html {
  return html`
    <div
      class="actions"><button type="submit">Filter</button><a class="button secondary" href="${path}">Reset</a></div>
  `;
}

/** Options for {@linkcode renderValue}. */
export interface RenderValueOptions {
  /** Significant figures or decimal places of raw numbers (the lab's display settings). */
  format?: NumberFormat;
  /** Nesting depth, for deep values. */
  depth?: number;
}

/**
 * Renders a module output or input value for people: a module output as the
 * service shows it (`Lab.showOutput`, numbers already text), or raw values,
 * whose numbers get `format`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { renderValue } from "./_views.ts";
 * assert.ok(String(renderValue({ peaks: [{ mz: 58 }] })).includes('<th scope="col">mz</th>'));
 * ```
 */
export function renderValue(value: unknown, options: RenderValueOptions = {}): Html {
  const depth = options.depth ?? 0;
  const deeper = { ...options, depth: depth + 1 };
  if (value === null || value === undefined) return dash();
  if (typeof value === "number") {
    return html`<span class="num">${formatNumber(value, options.format)}</span>`;
  }
  if (typeof value !== "object") return html`${String(value)}`;
  if (Array.isArray(value)) return renderArray(value, deeper);
  const entries = Object.entries(value as Record<string, unknown>);
  if (depth > 3) return html`<code>${JSON.stringify(value)}</code>`;
  return html`
    <table class="kv">
      <tbody>${entries.map(([key, item]) =>
        html`
          <tr>
            <th scope="row">${key}</th>
            <td>${renderValue(item, deeper)}</td>
          </tr>
        `
      )}</tbody>
    </table>
  `;
}

function renderArray(value: unknown[], options: RenderValueOptions): Html {
  if (value.length === 0) return html`<span class="muted">none</span>`;
  if (!value.every((item) => item !== null && typeof item === "object" && !Array.isArray(item))) {
    return html`${value.map((item, i) => html`${i ? ", " : ""}${renderValue(item, options)}`)}`;
  }
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
              renderValue(cell, options)
            }</td>`;
          })
        }</tr>`
      )}</tbody></table>${value.length > 200
        ? html`<caption>First 200 of ${value.length} rows</caption>`
        : ""}</div>
  `;
}

/**
 * Shortened hash for tables.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hashCell } from "./_views.ts";
 * assert.ok(String(hashCell("a".repeat(64))).includes("…"));
 * ```
 */
export function hashCell(hash: string | null | undefined): Html {
  return hash ? html`<span class="hash">${short(hash, 16)}</span>` : dash();
}

/**
 * A link to an audit search for a target.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { auditLinkFor } from "./_views.ts";
 * assert.equal(auditLinkFor("exp_1"), "/audit?target=exp_1");
 * ```
 */
export function auditLinkFor(id: string): string {
  return href("/audit", { target: id });
}

const TARGET_PAGES: Record<string, string> = {
  experiment: "/experiments/",
  job: "/jobs/",
  dataset: "/datasets/",
};

/**
 * A link to an audit event's target record.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { targetLink } from "./_views.ts";
 * assert.ok(String(targetLink({ type: "data", id: "labos" })).includes("data:labos"));
 * ```
 */
export function targetLink(target: { type: string; id: string }): Html {
  const base = TARGET_PAGES[target.type];
  return base
    ? idLink(base, target.id)
    : html`<span class="mono id">${target.type}:${target.id}</span>`;
}

/** What {@linkcode auditStatus} shows. */
export interface AuditStatusOptions {
  /** The current audit head. */
  head: AuditHead;
  /** The last verification, if any. */
  verify: VerifyRecord | undefined;
  /** Whether a verification is running now. */
  verifying: boolean;
}

/**
 * The audit chain card: the head and the last verification, with a verify
 * button. The dashboard and the audit log show it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { auditStatus } from "./_views.ts";
 * const ui = { mode: "lab" as const, csrf: "c", path: "/", actor: "a", dataDir: "/d", started: 0 };
 * const head = { seq: 3, hash: "0".repeat(64) };
 * assert.ok(String(auditStatus(ui, { head, verify: undefined, verifying: false })).includes("not verified"));
 * ```
 */
export function auditStatus(ui: Ui, options: AuditStatusOptions): Html {
  const { head } = options;
  return html`<section class="card" aria-labelledby="chain-title">
<h2 id="chain-title">Audit chain</h2>
<table class="kv"><tbody>
<tr><th scope="row">Events</th><td>${head.seq}</td></tr>
<tr><th scope="row">Head hash</th><td class="hash">${head.hash}</td></tr>
</tbody></table>
${verifyResult(options)}
${
    ui.mode === "learner"
      ? html`<p class="small muted">${
        glossify(
          "Every change is an event in the audit log. Each event stores the hash of the one before it, so changing any past event breaks the chain. Verifying re-reads the whole log and checks every link; the dashboard shows the last result instead of re-checking on every visit.",
          true,
        )
      }</p>`
      : ""
  }
<form method="post" action="/audit/verify">${
    csrfInput(ui.csrf)
  }<input type="hidden" name="back" value="${ui.path}">
<button type="submit" class="secondary">Verify the audit chain</button></form>
</section>`;
}

function verifyResult(options: AuditStatusOptions): Html {
  const { head, verify, verifying } = options;
  if (verify === undefined) {
    return html`<p><span class="badge">not verified</span> ${
      verifying ? "A verification is running now." : "Not verified since the server started."
    }</p>`;
  }
  if (!verify.result.ok) {
    return html`
      <div class="notice bad" role="alert"
        id="verify-result"><strong>FAILED</strong> (${verify.result.kind} at seq ${verify.result
          .seq}): ${verify.result.message}. ${verify.result
          .events} events before it are intact.</div>
    `;
  }
  const behind = head.seq - verify.head.seq;
  return html`
    <p
      id="verify-result"><span class="badge ok">verified</span> <strong>ok: ${verify.result
        .events} events</strong>, chain intact up to seq ${verify.head.seq}.</p>
    <p class="small muted">Checked ${time(verify.at, { seconds: true })} in ${verify
      .durationMs} ms${behind > 0
      ? html`; ${behind} event${behind === 1 ? "" : "s"} recorded since`
      : ""}.</p>${verify.result.warnings.length > 0
      ? html`<ul class="small">${verify.result.warnings.map((w) => html`<li>${w}</li>`)}</ul>`
      : ""}
  `;
}
