/**
 * The local-server security model: one secret token, a session cookie
 * derived from it, a CSRF token derived from it, and the Host allow-list.
 *
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { parseFormBody, safeBack } from "./_input.ts";
import type { ServerEnv, ServerState } from "./_state.ts";

/** The security headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The form field and header that carry the CSRF token. */
export const CSRF_FIELD = "_csrf";
/** The header that carries the CSRF token for scripted clients using the cookie. */
export const CSRF_HEADER = "X-CSRF-Token";

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The paths whose bodies stream instead of being read whole: attachment
 * uploads, in the panel and the API. Their multipart bodies are checked
 * for the CSRF token by their reader (the token must be the first field),
 * and the general body limit leaves them to the attachment limit.
 */
export const STREAMED_UPLOAD: RegExp = /^(?:\/api\/v1)?\/experiments\/[^/]+\/attachments$/;

/**
 * A random token of 32 bytes, base64url.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { generateToken } from "./_security.ts";
 * assert.ok(generateToken().length === 43);
 * ```
 */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Compares two secrets in constant time (for equal-length digests).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { safeEqual } from "./_security.ts";
 * assert.ok(safeEqual("a", "a") && !safeEqual("a", "b"));
 * ```
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

function derive(token: string, purpose: string): string {
  return createHmac("sha256", token).update(`labos:${purpose}:v1`).digest("base64url");
}

/**
 * The session cookie value for a token: an HMAC, so the token itself never
 * sits in the cookie jar and sessions survive a restart with the same token.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sessionValue } from "./_security.ts";
 * assert.ok(sessionValue("t") !== "t");
 * ```
 */
export function sessionValue(token: string): string {
  return derive(token, "session");
}

/**
 * The CSRF token for a server token: a synchroniser token that only a page
 * served by this server can know.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { csrfToken } from "./_security.ts";
 * assert.ok(csrfToken("t") !== csrfToken("u"));
 * ```
 */
export function csrfToken(token: string): string {
  return derive(token, "csrf");
}

/**
 * The CSRF token of a login session, derived from its token: only a page
 * served in that session can know it, and it works on any server sharing
 * the session.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sessionCsrf } from "./_security.ts";
 * assert.ok(sessionCsrf("a") !== sessionCsrf("b") && sessionCsrf("a") !== "a");
 * ```
 */
export function sessionCsrf(session: string): string {
  return derive(session, "login-csrf");
}

/**
 * Whether a host name is a loopback address.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isLoopbackHost } from "./_security.ts";
 * assert.ok(isLoopbackHost("127.0.0.1") && !isLoopbackHost("0.0.0.0"));
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The Host header values this server answers to.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { allowedHosts } from "./_security.ts";
 * const hosts = allowedHosts({ token: "t", host: "127.0.0.1", port: 8321, extraHosts: [] });
 * assert.ok(hosts.has("localhost:8321") && !hosts.has("evil.example:8321"));
 * ```
 */
export function allowedHosts(state: ServerState): Set<string> {
  const port = state.port;
  const names = new Set(["localhost", "127.0.0.1", "[::1]"]);
  const bound = state.host.includes(":") && !state.host.startsWith("[")
    ? `[${state.host}]`
    : state.host;
  if (bound !== "0.0.0.0" && bound !== "[::]") names.add(bound.toLowerCase());
  for (const name of state.extraHosts) names.add(name.toLowerCase());
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

/**
 * The name of the session cookie; ports share cookies, so the port is part of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sessionCookieName } from "./_security.ts";
 * assert.ok(sessionCookieName({ token: "t", host: "::1", port: 9, extraHosts: [] }) === "labos_session_9");
 * ```
 */
export function sessionCookieName(state: ServerState): string {
  return `labos_session_${state.port}`;
}

/**
 * Sends the security headers on every response, errors included.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { securityHeaders } from "./_security.ts";
 * const app = new Hono<ServerEnv>().use("*", securityHeaders()).get("/", (c) => c.text("hi"));
 * assert.ok((await app.request("/")).headers.get("X-Content-Type-Options") === "nosniff");
 * ```
 */
export function securityHeaders(): MiddlewareHandler<ServerEnv> {
  return createMiddleware<ServerEnv>(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
}

/**
 * Refuses a Host header that is not this server's: the DNS-rebinding defence.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { hostGuard } from "./_security.ts";
 * const state = { token: "t", host: "127.0.0.1", port: 8321, extraHosts: [] };
 * const app = new Hono<ServerEnv>().use("*", hostGuard(state)).get("/", (c) => c.text("hi"));
 * assert.ok((await app.request("/", { headers: { host: "evil.example:8321" } })).status === 403);
 * ```
 */
export function hostGuard(state: ServerState): MiddlewareHandler<ServerEnv> {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!allowedHosts(state).has(host)) {
      return denied(c.req.path, {
        status: 403,
        kind: "forbidden",
        message: `Host ${JSON.stringify(host)} is not allowed`,
      });
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== "null") {
      let originHost: string;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = "";
      }
      if (!allowedHosts(state).has(originHost)) {
        return denied(c.req.path, {
          status: 403,
          kind: "forbidden",
          message: `Origin ${JSON.stringify(origin)} is not allowed`,
        });
      }
    }
    await next();
  });
}

/**
 * Requires the token: a `Bearer` header, the session cookie, or `?token=`
 * on a GET (which sets the cookie and redirects to the same URL without it).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { tokenGuard } from "./_security.ts";
 * const state = { token: "secret", host: "127.0.0.1", port: 8321, extraHosts: [] };
 * const app = new Hono<ServerEnv>().use("*", tokenGuard(state)).get("/", (c) => c.text(c.get("auth")));
 * assert.ok((await app.request("/")).status === 401);
 * assert.ok(await (await app.request("/", { headers: { authorization: "Bearer secret" } })).text() === "bearer");
 * ```
 */
export function tokenGuard(state: ServerState): MiddlewareHandler<ServerEnv> {
  return createMiddleware<ServerEnv>(async (c, next) => {
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match || !safeEqual(match[1], state.token)) {
        return denied(c.req.path, {
          status: 401,
          kind: "unauthorized",
          message: "Invalid bearer token",
        });
      }
      c.set("auth", "bearer");
      return await next();
    }
    const url = new URL(c.req.url);
    const queryToken = url.searchParams.get("token");
    if (queryToken !== null) {
      if (!safeEqual(queryToken, state.token)) {
        return denied(c.req.path, {
          status: 401,
          kind: "unauthorized",
          message: "Invalid token in the URL",
        });
      }
      if (c.req.method === "GET" || c.req.method === "HEAD") {
        setCookie(c, sessionCookieName(state), sessionValue(state.token), {
          httpOnly: true,
          sameSite: "Strict",
          path: "/",
        });
        url.searchParams.delete("token");
        // Only to a path on this server: `//evil/?token=…` must not leave it.
        return c.redirect(safeBack(`${url.pathname}${url.search}`), 303);
      }
      c.set("auth", "bearer");
      return await next();
    }
    const cookie = getCookie(c, sessionCookieName(state));
    if (cookie !== undefined && safeEqual(cookie, sessionValue(state.token))) {
      c.set("auth", "cookie");
      return await next();
    }
    return denied(c.req.path, {
      status: 401,
      kind: "unauthorized",
      message: cookie === undefined
        ? "A token is required: open the URL printed by labos serve, or send Authorization: Bearer <token>"
        : "Invalid session: open the URL printed by labos serve again",
    });
  });
}

/**
 * Requires the CSRF token (`c.var.csrf`) on every state-changing request
 * not authenticated by a bearer token: cookie sessions and the login form.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { csrfGuard } from "./_security.ts";
 * const state = { token: "t", host: "127.0.0.1", port: 8321, extraHosts: [] };
 * const app = new Hono<ServerEnv>()
 *   .use("*", async (c, next) => { c.set("auth", "cookie"); await next(); })
 *   .use("*", csrfGuard(state))
 *   .post("/", (c) => c.text("done"));
 * assert.ok((await app.request("/", { method: "POST" })).status === 403);
 * ```
 */
export function csrfGuard(state: ServerState): MiddlewareHandler<ServerEnv> {
  return createMiddleware<ServerEnv>(async (c, next) => {
    if (!UNSAFE_METHODS.has(c.req.method) || c.get("auth") === "bearer") return await next();
    let sent = c.req.header(CSRF_HEADER);
    const type = c.req.header("content-type") ?? "";
    if (
      sent === undefined && type.startsWith("multipart/form-data") &&
      STREAMED_UPLOAD.test(c.req.path)
    ) {
      // The upload streams: its reader checks the token, which must be the body's first field.
      c.set("csrfPending", c.get("csrf") ?? csrfToken(state.token));
      return await next();
    }
    if (
      sent === undefined &&
      (type.startsWith("application/x-www-form-urlencoded") ||
        type.startsWith("multipart/form-data"))
    ) {
      const body = await parseFormBody(() => c.req.parseBody());
      const field = body[CSRF_FIELD];
      if (typeof field === "string") sent = field;
    }
    if (sent === undefined || !safeEqual(sent, c.get("csrf") ?? csrfToken(state.token))) {
      return denied(c.req.path, {
        status: 403,
        kind: "forbidden",
        message: "Missing or invalid CSRF token: reload the page and try again",
      });
    }
    await next();
  });
}

/** What {@linkcode denied} answers. */
export interface DeniedOptions {
  /** The HTTP status. */
  status: 401 | 403 | 413;
  /** The error kind in the JSON body. */
  kind: string;
  /** One line, sentence case. */
  message: string;
}

/**
 * A refusal: a JSON error under /api, a small plain page elsewhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { denied } from "./_security.ts";
 * const response = denied("/api/v1/x", { status: 403, kind: "forbidden", message: "No" });
 * assert.ok(response.status === 403);
 * ```
 */
export function denied(path: string, options: DeniedOptions): Response {
  const { status, kind, message } = options;
  if (path.startsWith("/api/")) {
    return Response.json({ error: { kind, message } }, {
      status,
      headers: status === 401 ? { "WWW-Authenticate": 'Bearer realm="labos"' } : {},
    });
  }
  const title = status === 401 ? "Sign-in needed" : status === 403 ? "Forbidden" : "Too large";
  const escaped = message.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · LabOS</title></head><body><main><h1>${title}</h1><p>${escaped}</p></main></body></html>`,
    { status, headers: { "Content-Type": "text/html; charset=utf-8" } },
  );
}
