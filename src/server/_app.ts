/**
 * Assembles the Hono app: the request context and security middleware, one
 * sub-app per resource mounted with `app.route()`, the embedded assets, and
 * the central `notFound` and `onError` that turn every error into a JSON
 * answer under `/api` and a page elsewhere.
 *
 * @module
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { LOGO_SVG } from "../../assets/ui/icons.ts";
import { STYLE_CSS } from "../../assets/ui/style.css.ts";
import { LabosError } from "../errors.ts";
import { mib } from "../records/mod.ts";
import type { Lab } from "../service/mod.ts";
import { VERSION } from "../version.ts";
import { api } from "./_api.ts";
import { audit } from "./_audit.ts";
import { authGuard, loginRoutes } from "./_auth.ts";
import { HeadCache } from "./_cache.ts";
import { labContext, MODE_COOKIE, uiOf } from "./_context.ts";
import { datasets } from "./_datasets.ts";
import { errorResponse } from "./_errors.ts";
import { experiments } from "./_experiments.ts";
import { glossary } from "./_glossary.ts";
import { gradebook } from "./_gradebook.ts";
import { home } from "./_home.ts";
import { formValues, safeBack } from "./_input.ts";
import { jobs } from "./_jobs.ts";
import { renderPage } from "./_layout.ts";
import { modules } from "./_modules.ts";
import { plans } from "./_plans.ts";
import { csrfGuard, denied, hostGuard, securityHeaders, STREAMED_UPLOAD } from "./_security.ts";
import { type Mode, MODES, type ServerEnv, type ServerState } from "./_state.ts";
import { templates } from "./_templates.ts";
import { html, notice } from "./_views.ts";

/** Body size limit for JSON and form requests: 1 MiB. */
export const JSON_BODY_LIMIT: number = 1024 * 1024;
/**
 * Body size limit for CSV uploads beyond the lab's dataset file limit
 * (`Lab.datasetLimits.maxBytes`, 64 MiB by default): room for the other
 * fields of a form.
 */
export const UPLOAD_BODY_SLACK: number = 1024 * 1024;

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
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { buildApp } from "./_app.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * const { app } = buildApp(lab, { token: "secret", host: "127.0.0.1", port: 8321, extraHosts: [] });
 * const response = await app.request("/api/v1/health", { headers: { host: "127.0.0.1:8321" } });
 * assert.equal(response.status, 200);
 * ```
 */
export function buildApp(lab: Lab, state: ServerState): LabosApp {
  const cache = new HeadCache(lab);
  const app = new Hono<ServerEnv>()
    .use(labContext({ lab, cache, token: state.token }))
    .use(securityHeaders())
    .use(hostGuard(state))
    .get("/api/v1/health", (c) => c.json({ ok: true, version: VERSION }))
    .use(authGuard(state, lab))
    .use(bodyLimits(lab.datasetLimits.maxBytes + UPLOAD_BODY_SLACK))
    .use(csrfGuard(state))
    .route("/assets", assets)
    .route("/", loginRoutes(state, lab))
    .post("/mode", setMode)
    .route("/api/v1", api)
    .route("/", home)
    .route("/experiments", experiments)
    .route("/experiments", plans)
    .route("/templates", templates)
    .route("/gradebook", gradebook)
    .route("/modules", modules)
    .route("/jobs", jobs)
    .route("/datasets", datasets)
    .route("/audit", audit)
    .route("/glossary", glossary)
    .notFound(notFound)
    .onError((error, c) => onError(error, c, state.debug === true));
  return { app, state, cache };
}

function tooLarge(limit: number): MiddlewareHandler<ServerEnv> {
  return bodyLimit({
    maxSize: limit,
    onError: (c) =>
      denied(c.req.path, {
        status: 413,
        kind: "payload_too_large",
        message: `The request body is larger than ${mib(limit)}`,
      }),
  });
}

/**
 * `upload` bytes for CSV uploads, 1 MiB for everything else; attachment
 * uploads stream, and their reader holds them to the attachment limit.
 */
function bodyLimits(upload: number): MiddlewareHandler<ServerEnv> {
  const json = tooLarge(JSON_BODY_LIMIT);
  const uploadLimit = tooLarge(upload);
  return createMiddleware<ServerEnv>((c, next) => {
    if (c.req.method === "POST" && STREAMED_UPLOAD.test(c.req.path)) return next();
    return (UPLOAD_PATHS.has(c.req.path) ? uploadLimit : json)(c, next);
  });
}

const ASSET_CACHE = "private, max-age=300";

const assets = new Hono<ServerEnv>()
  .get("/style.css", (c) =>
    c.body(STYLE_CSS, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": ASSET_CACHE,
    }))
  .get("/logo.svg", (c) =>
    c.body(LOGO_SVG, 200, {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": ASSET_CACHE,
    }));

async function setMode(c: Context<ServerEnv>): Promise<Response> {
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
}

function notFound(c: Context<ServerEnv>): Response | Promise<Response> {
  if (c.req.path.startsWith("/api/")) {
    return c.json({
      error: { kind: "not_found", message: `No route ${c.req.method} ${c.req.path}` },
    }, 404);
  }
  return renderPage(c, uiOf(c), {
    title: "Not found",
    crumbs: [["Not found"]],
    section: "none",
    body: html`
      <p>There is no page at <code>${c.req.path}</code>.</p>
      <p><a href="/">Back to the dashboard</a></p>
    `,
    status: 404,
  });
}

/**
 * The one error mapping: HTTP exceptions as they are, service errors by kind.
 * A stack trace (with its `file://` paths) shows only in builder mode on a
 * server started with `LABOS_DEBUG=1`: the mode is a cookie anyone can set.
 */
function onError(
  error: Error,
  c: Context<ServerEnv>,
  debug: boolean,
): Response | Promise<Response> {
  if (error instanceof HTTPException) return error.getResponse();
  const { status, body } = errorResponse(error);
  const retryAfter = error instanceof LabosError ? error.retryAfter : undefined;
  if (c.req.path.startsWith("/api/")) {
    const response = c.json(body, status);
    if (status === 503 || retryAfter !== undefined) {
      response.headers.set("Retry-After", String(retryAfter ?? 1));
    }
    return response;
  }
  const ui = uiOf(c);
  const stack = debug && ui.mode === "builder" && error.stack;
  return renderPage(c, ui, {
    title: status === 404
      ? "Not found"
      : status === 400
      ? "Invalid request"
      : "Something went wrong",
    crumbs: [["Error"]],
    section: "none",
    body: html`${notice("bad", body.error.message)}${
      stack ? html`<pre class="stack">${stack}</pre>` : ""
    }<p><a href="/">Back to the dashboard</a></p>`,
    status,
  });
}
