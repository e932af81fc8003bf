/**
 * Shared server types, in their own file so that the other internal files
 * can use them without import cycles.
 *
 * @module
 */
import type { Lab } from "../service/mod.ts";
import type { HeadCache } from "./_cache.ts";

/** The presentation modes. They change what is shown, never the data. */
export const MODES = ["learner", "lab", "builder"] as const;

/** A presentation mode. */
export type Mode = typeof MODES[number];

/** The mutable facts the security middleware checks against. */
export interface ServerState {
  /** The secret token. */
  token: string;
  /** The host the server is bound to. */
  host: string;
  /** The port, known once the server listens (for `--port 0`). */
  port: number;
  /** More Host header names to accept, such as a LAN name. */
  extraHosts: string[];
  /** Whether error pages may show stack traces (builder mode, started with `LABOS_DEBUG=1`). */
  debug?: boolean;
  /** True once the data folder has users: the panel then asks for a login. */
  users?: boolean;
}

/** What every handler reads from `c.var`, set by the middleware of `_context.ts` and `_security.ts`. */
export interface ServerVariables {
  /** The service. */
  lab: Lab;
  /** Cached service reads for the pages, and the last audit verification. */
  cache: HeadCache;
  /** The CSRF token forms carry. */
  csrf: string;
  /**
   * Set on a streamed upload (see `STREAMED_UPLOAD`) sent without the CSRF
   * header: the token its first form field must carry.
   */
  csrfPending?: string;
  /**
   * How the request was authenticated: a bearer token, a cookie (the
   * single-token session or a login session), or not yet (the login page).
   */
  auth: "bearer" | "cookie" | "anonymous";
  /** The login session's token, when a login session authenticated the request. */
  session?: string;
  /** The presentation mode from the `labos_mode` cookie. */
  mode: Mode;
  /** When handling started, from `performance.now()`. */
  started: number;
}

/** Hono's environment: what middleware hands to handlers. */
export interface ServerEnv {
  /** Per-request values. */
  Variables: ServerVariables;
}
