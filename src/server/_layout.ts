/**
 * The page frame (head, header with navigation and the mode switch,
 * breadcrumb, main content and footer) and the page cache.
 *
 * @module
 */
import { storeNoun } from "../storage/mod.ts";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { VERSION } from "../version.ts";
import type { HeadView } from "./_cache.ts";
import { type Ui, uiOf } from "./_context.ts";
import type { Mode, ServerEnv } from "./_state.ts";
import { csrfInput, type Html, html, raw } from "./_views.ts";

/** The navigation sections. */
export type Section =
  | "dashboard"
  | "experiments"
  | "templates"
  | "gradebook"
  | "modules"
  | "jobs"
  | "datasets"
  | "import"
  | "audit"
  | "glossary"
  | "none";

/** What a page provides to the frame. */
export interface PageOptions {
  /** The `<title>` and `<h1>`. */
  title: string;
  /** The breadcrumb trail after "Dashboard": label and link (the last is the current page). */
  crumbs: Array<[string, string?]>;
  /** The highlighted navigation section. */
  section: Section;
  /** The page content, below the `<h1>` (or instead of it with `heading: false`). */
  body: Html;
  /** Buttons or links beside the `<h1>`. */
  actions?: Html;
  /** A line under the `<h1>`. */
  lede?: Html | string;
  /** The HTTP status. Default: 200. */
  status?: ContentfulStatusCode;
  /** A page for someone not signed in (the login page): no navigation, no mode switch. */
  signedOut?: boolean;
}

const NAV: Array<[Exclude<Section, "none">, string, string]> = [
  ["dashboard", "/", "Dashboard"],
  ["experiments", "/experiments", "Experiments"],
  ["templates", "/templates", "Guided labs"],
  ["gradebook", "/gradebook", "Gradebook"],
  ["modules", "/modules", "Modules"],
  ["jobs", "/jobs", "Jobs"],
  ["datasets", "/datasets", "Datasets"],
  ["import", "/datasets/import", "Import CSV"],
  ["audit", "/audit", "Audit log"],
  ["glossary", "/glossary", "Glossary"],
];

const MODE_LABELS: Record<Mode, string> = {
  learner: "Learner",
  lab: "Lab",
  builder: "Builder",
};

/**
 * Renders a full page.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import { html } from "./_views.ts";
 * import { renderPage } from "./_layout.ts";
 * import type { ServerEnv } from "./_state.ts";
 * const ui = { mode: "lab" as const, csrf: "c", path: "/", actor: "a", dataDir: "/d", started: 0 };
 * const app = new Hono<ServerEnv>().get("/", (c) =>
 *   renderPage(c, ui, { title: "Hello", crumbs: [["Hello"]], section: "none", body: html`<p>Hi</p>` }));
 * assert.ok((await (await app.request("/")).text()).includes("<title>Hello · LabOS</title>"));
 * ```
 */
export function renderPage(
  c: Context<ServerEnv>,
  ui: Ui,
  options: PageOptions,
): Response | Promise<Response> {
  c.header("Server-Timing", `render;dur=${(performance.now() - ui.started).toFixed(1)}`);
  return c.html(pageHtml(ui, options), options.status ?? 200);
}

/**
 * The HTML document of a page, for {@linkcode renderPage} and the page cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { html } from "./_views.ts";
 * import { pageHtml } from "./_layout.ts";
 * const ui = { mode: "lab" as const, csrf: "c", path: "/", actor: "a", dataDir: "/d", started: 0 };
 * const doc = await pageHtml(ui, { title: "Hi", crumbs: [], section: "none", body: html`` });
 * assert.ok(String(doc).trimStart().startsWith("<!doctype html>"));
 * ```
 */
export function pageHtml(ui: Ui, options: PageOptions): Html {
  const crumbs: Array<[string, string?]> =
    options.section === "dashboard" && options.crumbs.length === 0
      ? [["Dashboard"]]
      : [["Dashboard", "/"], ...options.crumbs];
  // A student's gradebook is a 404: the link is not offered.
  const nav = NAV.filter(([key]) => key !== "gradebook" || ui.user?.role !== "student").map((
    [key, path, label],
  ) =>
    html`<li><a href="${path}"${
      key === options.section ? raw(' aria-current="page"') : ""
    }>${label}</a></li>`
  );
  const modes = (Object.keys(MODE_LABELS) as Mode[]).map((mode) =>
    html`
      <option value="${mode}" ${mode === ui.mode
        ? raw(" selected")
        : ""}>${MODE_LABELS[mode]}</option>
    `
  );
  const elapsed = performance.now() - ui.started;
  const doc = html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${options.title} · LabOS</title>
        <link rel="stylesheet" href="/assets/style.css">
        <link rel="icon" href="/assets/logo.svg" type="image/svg+xml">
      </head>
      <body class="mode-${ui.mode}">
        <a class="skip" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="bar">
            <a class="brand"
              href="/"><img src="/assets/logo.svg" alt="" width="26" height="26"><span>LabOS</span></a>
            ${options.signedOut ? "" : html`
                      <nav class="site-nav" aria-label="Main">
                <ul>${nav}</ul>
              </nav>
                      <form class="mode-form" method="post" action="/mode">
              ${csrfInput(ui.csrf)}<input type="hidden" name="back" value="${ui.path}">
              <label for="mode-select">Mode</label>
              <select id="mode-select" name="mode">${modes}</select>
              <button type="submit">Apply</button>
                      </form>
                      ${whoForm(ui)}
            `}
          </div>
        </header>
        <main id="main">
    ${options.signedOut ? "" : html`
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <ol>${crumbs.map(([label, link], index) =>
          index === crumbs.length - 1 || link === undefined
            ? html`<li><span aria-current="page">${label}</span></li>`
            : html`<li><a href="${link}">${label}</a></li>`
        )}</ol>
      </nav>
    `}
    <div class="page-head"><h1>${options.title}</h1>${options.actions
      ? html`<div class="actions">${options.actions}</div>`
      : ""}</div>
    ${options.lede ? html`<p class="lede">${options.lede}</p>` : ""}
    ${options.body}
        </main>
        <footer class="site-footer">
    LabOS ${VERSION}${options.signedOut ? "" : html`
      · acting as <strong>${ui.actor}</strong> · ${storeNoun(ui.dataDir).toLowerCase()} <span
        class="mono">${ui
          .dataDir}</span> · ${MODE_LABELS[ui.mode]} mode${ui.mode === "builder"
          ? html`
            · rendered in ${elapsed.toFixed(1)} ms
          `
          : ""}
    `}
        </footer>
      </body>
    </html>
  `;
  return doc;
}

/** Who is signed in, with the logout button of a login session. */
function whoForm(ui: Ui): Html | string {
  if (!ui.user) return "";
  const who =
    html`<span class="who">Signed in as <strong>${ui.user.username}</strong> (${ui.user.role})</span>`;
  if (!ui.user.session) return html`<div class="who-form">${who}</div>`;
  return html`<form class="who-form" method="post" action="/logout">
    ${who}${csrfInput(ui.csrf)}<button type="submit">Log out</button>
  </form>`;
}

/**
 * Answers a list page from the page cache: the rendered HTML is kept until
 * the audit head moves (or a verification finishes), per mode and URL.
 * Builder mode, which shows render timings, is always rendered afresh.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { labContext } from "./_context.ts";
 * import { cachedPage } from "./_layout.ts";
 * import type { ServerEnv } from "./_state.ts";
 * import { html } from "./_views.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * let renders = 0;
 * const app = new Hono<ServerEnv>()
 *   .use(labContext({ lab, cache: new HeadCache(lab), token: "t" }))
 *   .get("/", (c) =>
 *     cachedPage(c, () => {
 *       renders++;
 *       return Promise.resolve({ title: "Hi", crumbs: [], section: "none", body: html`` });
 *     }));
 * await app.request("/");
 * await app.request("/");
 * assert.equal(renders, 1);
 * ```
 */
export async function cachedPage(
  c: Context<ServerEnv>,
  build: (ui: Ui, view: HeadView) => Promise<PageOptions>,
): Promise<Response> {
  const ui = uiOf(c);
  const cache = c.var.cache;
  const view = await cache.view(c.var.lab);
  if (ui.mode === "builder") return await renderPage(c, ui, await build(ui, view));
  const verified = cache.lastVerify()?.at ?? "-";
  // The view is the principal's; the CSRF token in the page is the session's.
  const key = `page:${ui.mode}:${verified}:${cache.verifying}:${ui.csrf}:${ui.path}`;
  const text = await view.memo(key, async () => String(await pageHtml(ui, await build(ui, view))));
  return c.html(text);
}
