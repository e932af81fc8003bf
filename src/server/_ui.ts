/**
 * What the page handlers share: their dependencies, the per-request view
 * context and form reading.
 *
 * @module
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Lab } from "../service/mod.ts";
import type { HeadCache, HeadView } from "./_cache.ts";
import { pageHtml, type PageOptions, renderPage, type Ui } from "./_layout.ts";
import { parseFormBody } from "./_errors.ts";
import { csrfToken } from "./_security.ts";
import { type Mode, MODES, type ServerEnv, type ServerState } from "./_state.ts";

/** The cookie that remembers the presentation mode. */
export const MODE_COOKIE = "labos_mode";

/** The default presentation mode. */
export const DEFAULT_MODE: Mode = "lab";

/** What page handlers use. */
export interface PageDeps {
  /** The service. */
  lab: Lab;
  /** Cached service reads for the pages. */
  cache: HeadCache;
  /** The server's security state. */
  state: ServerState;
}

/**
 * Reads the mode cookie.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { modeOf } from "./_ui.ts";
 * const app = new Hono<ServerEnv>().get("/", (c) => c.text(modeOf(c)));
 * console.assert(await (await app.request("/", { headers: { cookie: "labos_mode=builder" } })).text() === "builder");
 * ```
 */
export function modeOf(c: Context<ServerEnv>): Mode {
  const value = getCookie(c, MODE_COOKIE);
  return (MODES as readonly string[]).includes(value ?? "") ? value as Mode : DEFAULT_MODE;
}

/**
 * The view context of a request.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import type { ServerEnv } from "./_state.ts";
 * import { uiOf } from "./_ui.ts";
 * const lab = openLab({ dataDir: "/tmp/labos-example", actor: "alice" });
 * const deps = { lab, cache: new HeadCache(lab), state: { token: "t", host: "127.0.0.1", port: 1, extraHosts: [] } };
 * const app = new Hono<ServerEnv>().get("/x", (c) => c.text(uiOf(c, deps).path));
 * console.assert(await (await app.request("/x?y=1")).text() === "/x?y=1");
 * ```
 */
export function uiOf(c: Context<ServerEnv>, deps: PageDeps): Ui {
  const url = new URL(c.req.url);
  return {
    mode: c.get("mode") ?? modeOf(c),
    csrf: csrfToken(deps.state.token),
    path: `${url.pathname}${url.search}`,
    actor: deps.lab.actor,
    dataDir: deps.lab.dataDir,
    started: c.get("started") ?? performance.now(),
  };
}

/**
 * The text fields of a submitted form (files are left out).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { formValues } from "./_ui.ts";
 * const app = new Hono<ServerEnv>().post("/", async (c) => c.json(await formValues(c)));
 * const response = await app.request("/", { method: "POST", body: new URLSearchParams({ a: "1" }) });
 * console.assert((await response.json()).a === "1");
 * ```
 */
export async function formValues(c: Context<ServerEnv>): Promise<Record<string, string>> {
  const body = await parseFormBody(() => c.req.parseBody());
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string") values[name] = value;
  }
  return values;
}

/**
 * A local path to go back to, or `/`: never another origin.
 *
 * @example
 * ```ts
 * import { safeBack } from "./_ui.ts";
 * console.assert(safeBack("/audit?x=1") === "/audit?x=1" && safeBack("//evil.example") === "/");
 * ```
 */
export function safeBack(value: string | undefined): string {
  return value && value.startsWith("/") && !value.startsWith("//") && !value.includes("\\")
    ? value
    : "/";
}

/**
 * Answers a list page from the page cache: the rendered HTML is kept until
 * the audit head moves (or a verification finishes), per mode and URL.
 * Builder mode, which shows render timings, is always rendered afresh.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { html } from "./_html.ts";
 * import type { ServerEnv } from "./_state.ts";
 * import { cachedPage } from "./_ui.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const deps = { lab, cache: new HeadCache(lab), state: { token: "t", host: "127.0.0.1", port: 1, extraHosts: [] } };
 * let renders = 0;
 * const app = new Hono<ServerEnv>().get("/", (c) =>
 *   cachedPage(c, deps, () => {
 *     renders++;
 *     return Promise.resolve({ title: "Hi", crumbs: [], section: "none", body: html`` });
 *   }));
 * await app.request("/");
 * await app.request("/");
 * console.assert(renders === 1);
 * ```
 */
export async function cachedPage(
  c: Context<ServerEnv>,
  deps: PageDeps,
  build: (ui: Ui, view: HeadView) => Promise<PageOptions>,
): Promise<Response> {
  const ui = uiOf(c, deps);
  const view = await deps.cache.view();
  if (ui.mode === "builder") return await renderPage(c, ui, await build(ui, view));
  const verified = deps.cache.lastVerify()?.at ?? "-";
  const key = `page:${ui.mode}:${verified}:${deps.cache.verifying}:${ui.path}`;
  const text = await view.memo(key, async () => String(await pageHtml(ui, await build(ui, view))));
  return c.html(text);
}
