/**
 * Shared server types, in their own file so that the other internal files
 * can use them without import cycles.
 *
 * @module
 */

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
}

/** Hono's environment: what middleware hands to handlers. */
export interface ServerEnv {
  /** Per-request values. */
  Variables: {
    /** How the request was authenticated. */
    auth: "bearer" | "cookie";
    /** The presentation mode from the `labos_mode` cookie. */
    mode: Mode;
    /** When handling started, from `performance.now()`. */
    started: number;
  };
}
