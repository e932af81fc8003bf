import { spawn } from "node:child_process";
import process from "node:process";
import type { Command } from "commander";
import { LabosError, quote } from "../errors.ts";
import { generateToken, isLoopbackHost, startServer } from "../server/mod.ts";
import type { CliContext } from "./_context.ts";

/** The options of `labos serve`. */
export interface ServeOptions {
  /** The address to bind. */
  host: string;
  /** The port; 0 picks a free one. */
  port: number;
  /** Whether to open a browser. */
  open?: boolean;
  /** More Host header names to accept. */
  allowHost?: string[];
}

/**
 * `labos serve`: starts the control panel and serves until SIGINT or
 * SIGTERM. With `--json`, prints one JSON line, `{"url","port","pid"}`,
 * once listening, and nothing else on stdout.
 */
export async function serve(
  cli: CliContext,
  options: ServeOptions,
  command: Command,
): Promise<void> {
  if (options.port > 65535) {
    throw new LabosError(
      "invalid",
      `Invalid "--port" ${quote(options.port)}: expected 0 to 65535`,
    );
  }
  const envToken = cli.io.env.LABOS_TOKEN;
  const lab = await cli.lab(command);
  const status = await lab.status();
  // With users, everyone signs in: the start-up token opens nothing.
  const users = await lab.hasUsers();
  if (!isLoopbackHost(options.host)) {
    if (!envToken && !users) {
      throw new LabosError(
        "invalid",
        `Refusing to bind ${
          quote(options.host)
        } without LABOS_TOKEN: anyone on the network could try tokens; set LABOS_TOKEN to a long random secret, or use --host 127.0.0.1`,
      );
    }
    cli.io.stderr(
      users
        ? `warning: binding ${options.host} exposes the control panel beyond this computer; every request signs in as a user, but passwords cross the network in clear text unless a proxy serves https\n`
        : `warning: binding ${options.host} exposes the control panel beyond this computer; anyone with the token can change the data folder\n`,
    );
  }
  if (envToken !== undefined && envToken.length < 16) {
    throw new LabosError("invalid", "LABOS_TOKEN is too short: use at least 16 characters");
  }
  const token = envToken ?? generateToken();
  const server = await startServer({
    lab,
    token,
    host: options.host,
    port: options.port,
    allowedHosts: options.allowHost,
    verifyOnStart: true,
    debug: cli.io.env.LABOS_DEBUG === "1",
  });
  const { counts } = status;
  const asJson = command.optsWithGlobals().json === true;
  const url = users ? `${server.origin}/login` : server.url;
  // One line a script can read to find the panel once it is listening.
  if (asJson) {
    cli.io.stdout(`${JSON.stringify({ url, port: server.port, pid: process.pid })}\n`);
  } else {
    const counted =
      `${counts.experiments} experiments, ${counts.jobs} jobs, ${counts.datasets} datasets, ${status.auditHead.seq} audit events`;
    cli.io.stdout(
      [
        `LabOS control panel for ${lab.dataDir}`,
        ...(users
          ? [
            `  sign-in mode: every request acts as a user of this data folder; ${counted}`,
            `  API: ${server.origin}/api/v1 (Authorization: Bearer <personal token from labos users token NAME>)`,
          ]
          : [
            `  single-token mode, acting as ${lab.actor}; ${counted}`,
            `  API: ${server.origin}/api/v1 (Authorization: Bearer <token>)`,
            "  To require sign-in, add a user: labos users add NAME --role instructor --password-stdin",
          ]),
        `  Open: ${url}`,
        "Press Ctrl+C to stop.",
        "",
      ].join("\n"),
    );
  }
  if (options.open) openBrowser(url);
  const signal = await untilSignal();
  await server.close();
  await lab.close();
  if (!asJson) cli.io.stdout(`Stopped (${signal})\n`);
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    try {
      process.on("SIGTERM", onTerm);
    } catch {
      // Windows has no SIGTERM listener; Ctrl+C (SIGINT) still stops the server.
    }
  });
}

function openBrowser(url: string): void {
  const [command, args] = process.platform === "darwin"
    ? ["open", [url]]
    : process.platform === "win32"
    ? ["cmd", ["/c", "start", "", url]]
    : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
  } catch {
    // Best effort: the URL is printed anyway.
  }
}
