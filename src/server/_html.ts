/**
 * Small HTML building blocks on top of hono/html's `html` tagged template,
 * which escapes every interpolated value unless it is itself `html`.
 *
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { CSRF_FIELD } from "./_security.ts";

export { html, raw };

/** A fragment of escaped HTML. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./_html.ts";
 * console.assert(escapeHtml("<b>") === "&lt;b&gt;");
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
 * import { badge } from "./_html.ts";
 * console.assert(String(badge("draft")).includes("badge draft"));
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
 * import { time } from "./_html.ts";
 * console.assert(String(time("2025-01-02T03:04:05.000Z")).includes("2025-01-02 03:04"));
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
 * import { jsonBlock } from "./_html.ts";
 * console.assert(String(jsonBlock({ a: "<x>" })).includes("&lt;x&gt;"));
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
 * import { href } from "./_html.ts";
 * console.assert(href("/audit", { actor: "a b", offset: 0, x: "" }) === "/audit?actor=a+b&offset=0");
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
 * import { pager } from "./_html.ts";
 * const nav = String(pager("/x", {}, { offset: 0, limit: 10, shown: 10, hasMore: true }));
 * console.assert(nav.includes("offset=10"));
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
 * import { csrfInput } from "./_html.ts";
 * console.assert(String(csrfInput("abc")).includes('value="abc"'));
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
 * import { notice } from "./_html.ts";
 * console.assert(String(notice("ok", "Saved")).includes('class="notice ok"'));
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
 * import { idLink } from "./_html.ts";
 * console.assert(String(idLink("/jobs/", "job_01ABCDEFGHJKMNPQRSTVWXYZ12")).includes("job_…TVWXYZ12"));
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
 * import { short } from "./_html.ts";
 * console.assert(String(short("0123456789abcdef", 4)).includes("0123…"));
 * ```
 */
export function short(text: string, length = 12): Html {
  return text.length <= length
    ? html`${text}`
    : html`<span title="${text}">${text.slice(0, length)}…</span>`;
}

/**
 * Formats a number for people: integers as is, others to 6 significant figures.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./_html.ts";
 * console.assert(formatNumber(1 / 3) === "0.333333" && formatNumber(12) === "12");
 * ```
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return value.toExponential(5).replace(/\.?0+e/, "e");
  return String(Number(value.toPrecision(6)));
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
 * import { fieldBlock, html } from "./_html.ts";
 * const block = String(fieldBlock({
 *   id: "title", label: "Title", errors: ["is required"],
 *   control: (attrs) => html`<input type="text" name="title" ${attrs}>`,
 * }));
 * console.assert(block.includes('aria-invalid="true"') && block.includes("is required"));
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
