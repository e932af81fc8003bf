/**
 * Who is asking. With no user defined the panel keeps its single-token mode
 * (the start-up token, acting as the start-up actor). Once the data folder
 * has users, every request is a user's: a login session in an HttpOnly
 * cookie for the pages, or `Authorization: Bearer <personal token>` for the
 * API, and `c.var.lab` acts as that user. Nothing in a request body or query
 * can name the actor.
 *
 * @module
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { LabosError } from "../errors.ts";
import type { Lab, UserInfo } from "../service/mod.ts";
import { uiOf } from "./_context.ts";
import { formValues, safeBack } from "./_input.ts";
import { renderPage } from "./_layout.ts";
import { denied, sessionCsrf, tokenGuard } from "./_security.ts";
import type { ServerEnv, ServerState } from "./_state.ts";
import { csrfInput, fieldBlock, type Html, html, notice } from "./_views.ts";

/**
 * The name of the login session cookie; ports share cookies, so the port is part of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { loginCookieName } from "./_auth.ts";
 * assert.equal(loginCookieName({ token: "t", host: "::1", port: 9, extraHosts: [] }), "labos_login_9");
 * ```
 */
export function loginCookieName(state: ServerState): string {
  return `labos_login_${state.port}`;
}

/**
 * Whether the data folder has users, so the panel asks for a login. Users
 * are never deleted (only disabled), so once true it stays true without
 * reading the folder again.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { usersMode } from "./_auth.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * assert.equal(await usersMode({ token: "t", host: "127.0.0.1", port: 1, extraHosts: [] }, lab), false);
 * ```
 */
export async function usersMode(state: ServerState, lab: Lab): Promise<boolean> {
  if (state.users === true) return true;
  const users = await lab.hasUsers();
  if (users) state.users = true;
  return users;
}

const PUBLIC_PATHS = new Set(["/login", "/assets/style.css", "/assets/logo.svg"]);

/**
 * Establishes the principal of every request and puts the `Lab` acting as
 * it on `c.var.lab`: the start-up token in single-token mode, else a
 * login session (cookie) or a personal token (`Bearer`). A page request
 * without a session goes to the login page; an API request answers 401.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { labContext } from "./_context.ts";
 * import { authGuard } from "./_auth.ts";
 * import type { ServerEnv } from "./_state.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const state = { token: "secret", host: "127.0.0.1", port: 8321, extraHosts: [] };
 * const app = new Hono<ServerEnv>()
 *   .use(labContext({ lab, cache: new HeadCache(lab), token: "secret" }))
 *   .use(authGuard(state, lab))
 *   .get("/", (c) => c.text(`${c.var.lab.principal.actor} ${c.var.lab.principal.auth}`));
 * const response = await app.request("/", { headers: { authorization: "Bearer secret" } });
 * assert.equal(await response.text(), "alice token");
 * ```
 */
export function authGuard(state: ServerState, lab: Lab): MiddlewareHandler<ServerEnv> {
  const guardToken = tokenGuard(state);
  return createMiddleware<ServerEnv>(async (c, next) => {
    if (!(await usersMode(state, lab))) {
      c.set("lab", lab.as({ actor: lab.actor, role: "local", auth: "token" }));
      return await guardToken(c, next);
    }
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const user = match ? await known(() => lab.authenticateToken(match[1])) : undefined;
      if (!user) {
        return denied(c.req.path, {
          status: 401,
          kind: "unauthorized",
          message: "Invalid bearer token: send a personal token made with labos users token",
        });
      }
      c.set("lab", lab.as({ actor: user.username, role: user.role, auth: "token" }));
      c.set("auth", "bearer");
      return await next();
    }
    const session = getCookie(c, loginCookieName(state));
    const user = session === undefined ? undefined : await known(() => lab.resolveSession(session));
    if (session !== undefined && user) {
      c.set("lab", lab.as({ actor: user.username, role: user.role, auth: "session" }));
      c.set("auth", "cookie");
      c.set("session", session);
      c.set("csrf", sessionCsrf(session));
      return await next();
    }
    if (session !== undefined) deleteCookie(c, loginCookieName(state), { path: "/" });
    if (PUBLIC_PATHS.has(c.req.path)) {
      c.set("auth", "anonymous");
      return await next();
    }
    if (!c.req.path.startsWith("/api/") && (c.req.method === "GET" || c.req.method === "HEAD")) {
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      const back = `${url.pathname}${url.search}`;
      return c.redirect(back === "/" ? "/login" : `/login?next=${encodeURIComponent(back)}`, 303);
    }
    return denied(c.req.path, {
      status: 401,
      kind: "unauthorized",
      message: session === undefined
        ? "Sign in first: open /login, or send Authorization: Bearer <personal token>"
        : "Your session has ended: sign in again at /login",
    });
  });
}

/** The user, or undefined when the service says `unauthorized`; other errors go on. */
async function known(check: () => Promise<UserInfo>): Promise<UserInfo | undefined> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof LabosError && error.kind === "unauthorized") return undefined;
    throw error;
  }
}

/**
 * The login and logout routes, mounted at `/`: `GET /login` shows the form,
 * `POST /login` checks the password and starts a session, `POST /logout`
 * ends it. Both forms carry the CSRF token. In single-token mode they only
 * lead back to the dashboard.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { loginRoutes } from "./_auth.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * const routes = loginRoutes({ token: "t", host: "127.0.0.1", port: 1, extraHosts: [] }, lab);
 * assert.ok(routes.routes.some((route) => route.path === "/logout"));
 * ```
 */
export function loginRoutes(state: ServerState, lab: Lab): Hono<ServerEnv> {
  return new Hono<ServerEnv>()
    .get("/login", (c) => {
      if (c.get("auth") !== "anonymous") return c.redirect(safeBack(c.req.query("next")), 303);
      return loginPage(c, { next: c.req.query("next") ?? "/" });
    })
    .post("/login", async (c) => {
      if (c.get("auth") !== "anonymous") return c.redirect("/", 303);
      const values = await formValues(c);
      const username = (values.username ?? "").trim();
      const next = safeBack(values.next);
      try {
        const user = await lab.authenticatePassword(username, values.password ?? "");
        const session = await lab.createSession(user.username);
        setCookie(c, loginCookieName(state), session.token, {
          httpOnly: true,
          sameSite: "Strict",
          path: "/",
          secure: isHttps(c),
          expires: new Date(session.expiresAt),
        });
        return c.redirect(next, 303);
      } catch (thrown) {
        const slowed = thrown instanceof LabosError && thrown.kind === "locked" &&
          thrown.retryAfter !== undefined;
        if (!slowed && !(thrown instanceof LabosError && thrown.kind === "unauthorized")) {
          throw thrown;
        }
        if (slowed) c.header("Retry-After", String(thrown.retryAfter));
        return loginPage(c, {
          next,
          username,
          error: thrown.message,
          status: slowed ? 429 : 401,
        });
      }
    })
    .post("/logout", async (c) => {
      const session = c.get("session");
      if (session !== undefined) await lab.endSession(session);
      deleteCookie(c, loginCookieName(state), { path: "/", secure: isHttps(c) });
      return c.redirect("/login", 303);
    });
}

/** Served over https, directly or behind a proxy that says so: the cookie is then `Secure`. */
function isHttps(c: Context<ServerEnv>): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

function loginPage(
  c: Context<ServerEnv>,
  options: { next: string; username?: string; error?: string; status?: 401 | 429 },
): Response | Promise<Response> {
  const ui = uiOf(c);
  return renderPage(c, ui, {
    title: "Sign in",
    crumbs: [["Sign in"]],
    section: "none",
    signedOut: true,
    status: options.status,
    body: loginForm(ui.csrf, options),
  });
}

function loginForm(
  csrf: string,
  options: { next: string; username?: string; error?: string },
): Html {
  return html`<form class="card stacked login-card" method="post" action="/login">
${csrfInput(csrf)}<input type="hidden" name="next" value="${safeBack(options.next)}">
${options.error ? notice("bad", options.error) : ""}
${
    fieldBlock({
      id: "login-username",
      label: "Username",
      required: true,
      control: (attrs) =>
        html`
          <input type="text" name="username" autocomplete="username" autocapitalize="none" spellcheck="false"
            required value="${options.username ?? ""}" ${attrs}>
        `,
    })
  }
${
    fieldBlock({
      id: "login-password",
      label: "Password",
      required: true,
      control: (attrs) =>
        html`<input type="password" name="password" autocomplete="current-password" required ${attrs}>`,
    })
  }
<div class="actions"><button type="submit">Sign in</button></div>
</form>`;
}
