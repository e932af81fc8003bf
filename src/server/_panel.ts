/**
 * The control panel as a value: the app for in-process requests or any
 * server adapter, and the listening server through `@hono/node-server`.
 *
 * @module
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { LabosError, quote } from "../errors.ts";
import type { Lab } from "../service/mod.ts";
import { buildApp } from "./_app.ts";

/** The default port of `labos serve`. */
export const DEFAULT_PORT = 8321;
/** The default host of `labos serve`. */
export const DEFAULT_HOST = "127.0.0.1";

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  /** The service to serve. */
  lab: Lab;
  /** The secret token every request must carry. */
  token: string;
  /** The bound host, accepted in the Host header. Default: 127.0.0.1. */
  host?: string;
  /** The port, accepted in the Host header. Default: 8321. */
  port?: number;
  /** More Host header names to accept (without the port). */
  allowedHosts?: string[];
  /**
   * Show stack traces on error pages in builder mode (`labos serve` sets it
   * from `LABOS_DEBUG=1`). Default: false, so no page ever shows one.
   */
  debug?: boolean;
}

/** The control panel app, for in-process requests or any server adapter. */
export interface ControlPanel {
  /** Answers a request: the handler for any Fetch-API server adapter. */
  fetch(request: Request): Response | Promise<Response>;
  /** Answers a request built from a URL and init, in process (for tests). */
  request(input: string, init?: RequestInit): Promise<Response>;
  /** Sets the port the Host check expects, once known. */
  setPort(port: number): void;
  /** Verifies the audit chain and keeps the result for the pages. */
  verifyAudit(): Promise<void>;
}

/**
 * Builds the control panel app without listening.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { createApp } from "./_panel.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * const panel = createApp({ lab, token: "secret", port: 8321 });
 * const response = await panel.request("http://127.0.0.1:8321/api/v1/health", {
 *   headers: { host: "127.0.0.1:8321" },
 * });
 * assert.equal(response.status, 200);
 * ```
 */
export function createApp(options: AppOptions): ControlPanel {
  const built = buildApp(options.lab, {
    token: options.token,
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? DEFAULT_PORT,
    extraHosts: options.allowedHosts ?? [],
    debug: options.debug ?? false,
  });
  const app = built.app;
  return {
    fetch: (request) => app.fetch(request),
    request: async (input, init) => await app.request(input, init),
    setPort(port) {
      built.state.port = port;
    },
    async verifyAudit() {
      await built.cache.verify();
    },
  };
}

/** Options for {@linkcode startServer}. */
export interface StartServerOptions extends AppOptions {
  /** Verify the audit chain in the background once listening, so the dashboard has a result. Default: false. */
  verifyOnStart?: boolean;
}

/** A listening control panel. */
export interface RunningServer {
  /** The bound host. */
  host: string;
  /** The bound port (the chosen one for port 0). */
  port: number;
  /** `http://host:port`, for API clients. */
  origin: string;
  /** The URL to open in a browser, with the token. */
  url: string;
  /** Stops accepting connections, closes open ones and resolves when done. */
  close(): Promise<void>;
}

/**
 * The origin for a host and port, with IPv6 hosts in brackets and wildcard
 * hosts replaced by 127.0.0.1.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { originOf } from "./_panel.ts";
 * assert.equal(originOf("::1", 80), "http://[::1]:80");
 * ```
 */
export function originOf(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${shown.includes(":") && !shown.startsWith("[") ? `[${shown}]` : shown}:${port}`;
}

/**
 * Starts the control panel and resolves once it listens.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { startServer } from "./_panel.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const server = await startServer({ lab, token: "secret", port: 0 });
 * assert.ok(server.port > 0 && server.url.includes("token=secret"));
 * await server.close();
 * ```
 */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const requested = options.port ?? DEFAULT_PORT;
  const panel = createApp({ ...options, host, port: requested });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: panel.fetch, hostname: host, port: requested });
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new LabosError(
            "conflict",
            `Cannot listen on ${host}:${requested}: the port is in use; try --port 0`,
          )
          : new LabosError(
            "invalid",
            `Cannot listen on ${quote(host)} port ${requested}: ${error.message}`,
            {
              cause: error,
            },
          ),
      );
    });
    server.once("listening", () => {
      const port = (server.address() as AddressInfo).port;
      panel.setPort(port);
      if (options.verifyOnStart) panel.verifyAudit().catch(() => {});
      const origin = originOf(host, port);
      resolve({
        host,
        port,
        origin,
        url: `${origin}/?token=${encodeURIComponent(options.token)}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            const http = server as unknown as { closeAllConnections?: () => void };
            http.closeAllConnections?.();
          }),
      });
    });
  });
}
