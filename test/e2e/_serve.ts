/**
 * Starts `labos serve --port 0` in a subprocess for end-to-end tests and
 * reads the URL it prints.
 *
 * @module
 */
import { CLI_PATH } from "../_cli.ts";

/** A running `labos serve` subprocess. */
export interface ServeProcess {
  /** The tokenised URL printed by the command. */
  url: string;
  /** `http://host:port`. */
  origin: string;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Sends a signal and waits for the exit; returns the code and the output. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Runs `labos --data-dir DIR serve --port 0 ARGS` and waits for the URL. */
export async function startServe(
  dataDir: string,
  options: { env?: Record<string, string>; args?: string[]; cwd?: string } = {},
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      CLI_PATH,
      "--data-dir",
      dataDir,
      "serve",
      "--port",
      "0",
      ...(options.args ?? []),
    ],
    env: { NO_COLOR: "1", LABOS_ACTOR: "tester", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let out = "";
  let err = "";
  const stdoutDone = (async () => {
    for await (const chunk of child.stdout) out += decoder.decode(chunk, { stream: true });
  })();
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) err += decoder.decode(chunk, { stream: true });
  })();
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (url === undefined) {
    url = /Open: (\S+)/.exec(out)?.[1];
    if (url) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`labos serve printed no URL in 30 s: ${out} ${err}`);
    }
    const exited = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    if (exited) {
      await Promise.all([stdoutDone, stderrDone]);
      throw new Error(`labos serve exited early: ${out} ${err}`);
    }
  }
  return {
    url,
    origin: new URL(url).origin,
    stdout: () => out,
    async stop(signal: Deno.Signal = "SIGTERM") {
      child.kill(signal);
      const status = await child.status;
      await Promise.all([stdoutDone, stderrDone]);
      return { code: status.code, stdout: out, stderr: err };
    },
  };
}
