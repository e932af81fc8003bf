/**
 * The LabOS control panel: a local web server with a JSON API under
 * `/api/v1` and server-rendered pages, on top of the same service as the
 * CLI. It runs through `@hono/node-server`, so the same code serves under
 * Deno, Node and a compiled binary; every asset is embedded.
 *
 * Security follows the local-server model of Jupyter: a secret token (in the
 * URL once, then an HttpOnly SameSite=Strict session cookie, or a Bearer
 * header), a Host allow-list against DNS rebinding, CSRF tokens on
 * cookie-authenticated changes, a strict Content-Security-Policy with no
 * inline scripts, and body size limits.
 *
 * @example Serve a data folder on a free port
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { startServer } from "./mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const server = await startServer({ lab, token: "secret", port: 0 });
 * const response = await fetch(`${server.origin}/api/v1/health`);
 * assert.equal((await response.json()).ok, true);
 * await server.close();
 * ```
 *
 * @module
 */
export { JSON_BODY_LIMIT, UPLOAD_BODY_SLACK } from "./_app.ts";
export {
  type AppOptions,
  type ControlPanel,
  createApp,
  DEFAULT_HOST,
  DEFAULT_PORT,
  originOf,
  type RunningServer,
  startServer,
  type StartServerOptions,
} from "./_panel.ts";
export { csrfToken, generateToken, isLoopbackHost, SECURITY_HEADERS } from "./_security.ts";
export { type Mode, MODES } from "./_state.ts";
