/**
 * Assembles the Hono app: security middleware, the JSON API, the pages and
 * the embedded assets.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { LOGO_SVG } from "../../assets/ui/icons.ts";
import { STYLE_CSS } from "../../assets/ui/style.css.ts";
import { LabosError } from "../errors.ts";
import type { Lab } from "../service/mod.ts";
import { VERSION } from "../version.ts";
import { apiRoutes } from "./_api.ts";
import { HeadCache } from "./_cache.ts";
import { errorResponse } from "./_errors.ts";
import { html, notice } from "./_html.ts";
import { renderPage } from "./_layout.ts";
import { registerDatasetPages } from "./_page_datasets.ts";
import { registerExperimentPages } from "./_page_experiments.ts";
import { registerHomePages } from "./_page_home.ts";
import { registerModulePages } from "./_page_modules.ts";
import { csrfGuard, denied, hostGuard, securityHeaders, tokenGuard } from "./_security.ts";
import { type Mode, MODES, type ServerEnv, type ServerState } from "./_state.ts";
import { formValues, MODE_COOKIE, modeOf, type PageDeps, safeBack, uiOf } from "./_ui.ts";

/** Body size limit for JSON and form requests: 1 MiB. */
export const JSON_BODY_LIMIT: number = 1024 * 1024;
/** Body size limit for CSV uploads: 10 MiB. */
export const UPLOAD_BODY_LIMIT: number = 10 * 1024 * 1024;

const UPLOAD_PATHS = new Set(["/api/v1/datasets/import", "/datasets/import"]);

/** The assembled app and what it shares with the server around it. */
export interface LabosApp {
  /** The Hono app. */
  app: Hono<ServerEnv>;
  /** The security state; `port` is updated once the server listens. */
  state: ServerState;
  /** The head-keyed cache and the last audit verification. */
  cache: HeadCache;
}

/**
 * Builds the app over a service.
 *
 * @example
 * ```ts
 * import { openLab } from "../service/mod.ts";
 * import { buildApp } from "./_app.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * const { app } = buildApp(lab, { token: "secret", host: "127.0.0.1", port: 8321, extraHosts: [] });
 * const response = await app.request("/api/v1/health", { headers: { host: "127.0.0.1:8321" } });
 * console.assert(response.status === 200);
 * ```
 */
export function buildApp(lab: Lab, state: ServerState): LabosApp {
  const cache = new HeadCache(lab);
  const deps: PageDeps = { lab, cache, state };
  const app = new Hono<ServerEnv>();

  app.use("*", async (c, next) => {
    c.set("started", performance.now());
    await next();
  });
  app.use("*", securityHeaders());
  app.use("*", hostGuard(state));
  app.get("/api/v1/health", (c) => c.json({ ok: true, version: VERSION }));
  app.use("*", tokenGuard(state));

  const tooLarge = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: (c) =>
        denied(c.req.path, {
          status: 413,
          kind: "payload_too_large",
          message: `The request body is larger than ${limit / 1024 / 1024} MiB`,
        }),
    });
  const jsonLimit = tooLarge(JSON_BODY_LIMIT);
  const uploadLimit = tooLarge(UPLOAD_BODY_LIMIT);
  app.use("*", (c, next) => (UPLOAD_PATHS.has(c.req.path) ? uploadLimit : jsonLimit)(c, next));
  app.use("*", csrfGuard(state));
  app.use("*", async (c, next) => {
    c.set("mode", modeOf(c));
    await next();
  });

  app.get("/assets/style.css", (c) =>
    c.body(STYLE_CSS, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "private, max-age=300",
    }));
  app.get("/assets/logo.svg", (c) =>
    c.body(LOGO_SVG, 200, {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": "private, max-age=300",
    }));

  app.post("/mode", async (c) => {
    const values = await formValues(c);
    if (!(MODES as readonly string[]).includes(values.mode ?? "")) {
      throw new LabosError(
        "invalid",
        `Unknown mode ${JSON.stringify(values.mode ?? "")}: expected one of ${MODES.join(", ")}`,
      );
    }
    setCookie(c, MODE_COOKIE, values.mode as Mode, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: 365 * 24 * 3600,
    });
    return c.redirect(safeBack(values.back), 303);
  });

  app.route("/api/v1", apiRoutes(lab, cache));
  registerHomePages(app, deps);
  registerExperimentPages(app, deps);
  registerModulePages(app, deps);
  registerDatasetPages(app, deps);

  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) {
      return c.json({
        error: { kind: "not_found", message: `No route ${c.req.method} ${c.req.path}` },
      }, 404);
    }
    return renderPage(c, uiOf(c, deps), {
      title: "Not found",
      crumbs: [["Not found"]],
      section: "none",
      body: html`
        <p>There is no page at <code>${c.req.path}</code>.</p>
        <p><a href="/">Back to the dashboard</a></p>
      `,
      status: 404,
    });
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    const { status, body } = errorResponse(error);
    if (c.req.path.startsWith("/api/")) {
      const response = c.json(body, status);
      if (status === 503) response.headers.set("Retry-After", "1");
      return response;
    }
    const ui = uiOf(c, deps);
    const builder = ui.mode === "builder" && error instanceof Error && error.stack;
    return renderPage(c, ui, {
      title: status === 404
        ? "Not found"
        : status === 400
        ? "Invalid request"
        : "Something went wrong",
      crumbs: [["Error"]],
      section: "none",
      body: html`${notice("bad", body.error.message)}${
        builder ? html`<pre class="stack">${(error as Error).stack}</pre>` : ""
      }<p><a href="/">Back to the dashboard</a></p>`,
      status,
    });
  });

  return { app, state, cache };
}
