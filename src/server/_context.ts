/**
 * The request context: a middleware factory that puts the service, the page
 * cache, the CSRF token, the presentation mode and the start time on `c.var`,
 * and the view context pages build from them.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Lab } from "../service/mod.ts";
import type { HeadCache } from "./_cache.ts";
import { csrfToken } from "./_security.ts";
import { type Mode, MODES, type ServerEnv } from "./_state.ts";

/** The cookie that remembers the presentation mode. */
export const MODE_COOKIE = "labos_mode";

/** What every view needs to know about the request. */
export interface Ui {
  /** The presentation mode. */
  mode: Mode;
  /** The CSRF token for forms. */
  csrf: string;
  /** The current path and query, for the mode switch to come back to. */
  path: string;
  /** Who is acting. */
  actor: string;
  /** The signed-in user (a login session or a personal token); absent in single-token mode. */
  user?: { username: string; role: string; session: boolean };
  /** The data folder. */
  dataDir: string;
  /** When handling started, from `performance.now()`. */
  started: number;
}

/** What {@linkcode labContext} puts on every request. */
export interface ContextOptions {
  /** The service. */
  lab: Lab;
  /** Cached service reads for the pages. */
  cache: HeadCache;
  /** The secret token, from which the CSRF token is derived. */
  token: string;
}

/**
 * The first middleware: sets `c.var.lab`, `cache`, `csrf`, `mode` and `started`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { labContext } from "./_context.ts";
 * import type { ServerEnv } from "./_state.ts";
 * const lab = openLab({ dataDir: "/tmp/labos-example", actor: "alice" });
 * const app = new Hono<ServerEnv>()
 *   .use(labContext({ lab, cache: new HeadCache(lab), token: "t" }))
 *   .get("/", (c) => c.text(`${c.var.lab.actor} ${c.var.mode}`));
 * assert.equal(await (await app.request("/")).text(), "alice learner");
 * ```
 */
export function labContext(options: ContextOptions): MiddlewareHandler<ServerEnv> {
  const csrf = csrfToken(options.token);
  return createMiddleware<ServerEnv>(async (c, next) => {
    c.set("started", performance.now());
    c.set("lab", options.lab);
    c.set("cache", options.cache);
    c.set("csrf", csrf);
    c.set("mode", modeOf(c));
    await next();
  });
}

/**
 * Reads the mode cookie; with none, the lab's starting mode (`display.mode`
 * in `labos.jsonc`, by default "learner").
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { modeOf } from "./_context.ts";
 * const app = new Hono<ServerEnv>().get("/", (c) => c.text(modeOf(c)));
 * const response = await app.request("/", { headers: { cookie: "labos_mode=builder" } });
 * assert.equal(await response.text(), "builder");
 * ```
 */
export function modeOf(c: Context<ServerEnv>): Mode {
  const value = getCookie(c, MODE_COOKIE);
  return (MODES as readonly string[]).includes(value ?? "")
    ? value as Mode
    : c.var.lab?.display.mode ?? "learner";
}

/**
 * The view context of a request, from `c.var`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { labContext, uiOf } from "./_context.ts";
 * import type { ServerEnv } from "./_state.ts";
 * const lab = openLab({ dataDir: "/tmp/labos-example", actor: "alice" });
 * const app = new Hono<ServerEnv>()
 *   .use(labContext({ lab, cache: new HeadCache(lab), token: "t" }))
 *   .get("/x", (c) => c.text(uiOf(c).path));
 * assert.equal(await (await app.request("/x?y=1")).text(), "/x?y=1");
 * ```
 */
export function uiOf(c: Context<ServerEnv>): Ui {
  const url = new URL(c.req.url);
  return {
    mode: c.var.mode ?? modeOf(c),
    csrf: c.var.csrf,
    path: `${url.pathname}${url.search}`,
    actor: c.var.lab.actor,
    ...userOf(c.var.lab),
    dataDir: c.var.lab.dataDir,
    started: c.var.started ?? performance.now(),
  };
}

function userOf(lab: Lab): Pick<Ui, "user"> {
  const { actor, role, auth } = lab.principal;
  return role === "local" ? {} : { user: { username: actor, role, session: auth === "session" } };
}
