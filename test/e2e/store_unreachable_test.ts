/**
 * The CLI against a PostgreSQL address that accepts connections and then
 * closes them, or never answers (issue 15): one line on stderr, exit code
 * 1, and the process ends on its own (the driver would reconnect without
 * end). No PostgreSQL needed: the server is a node:net listener.
 */
import { createServer, type Socket } from "node:net";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { CLI_PATH, CONFIG_HOME } from "../_cli.ts";

/** Generous: the default connect timeout is 10 s; a hang is killed here instead of blocking the suite. */
const KILL_AFTER_SECONDS = 60;

/** Runs `labos ARGS`, killed after {@linkcode KILL_AFTER_SECONDS}. */
async function cliKilledAfter(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI_PATH, ...args],
    env: { NO_COLOR: "1", LABOS_ACTOR: "tester", LABOS_CONFIG_HOME: CONFIG_HOME },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, KILL_AFTER_SECONDS * 1000);
  try {
    const output = await child.output();
    return { killed, code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

for (const mode of ["read", "silent"] as const) {
  const what = mode === "read" ? "closes each connection" : "never answers";
  Deno.test(`store: a server that accepts and ${what}: one line, exit 1, no hang`, async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
      // After the client's first message, as a proxy in front of a lost server does.
      if (mode === "read") socket.once("data", () => socket.end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await cliKilledAfter([
        "--store",
        `postgres://labos@127.0.0.1:${port}/lab`,
        "status",
      ]);
      assert(!result.killed, `labos status did not exit within ${KILL_AFTER_SECONDS} s`);
      assertEquals(result.code, 1, result.stderr);
      assertEquals(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
      assertMatch(
        result.stderr,
        new RegExp(
          `^error: Cannot reach the PostgreSQL store at postgres://labos@127\\.0\\.0\\.1:${port}/lab: `,
        ),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}
