/**
 * A server that accepts connections and then closes them, or never
 * answers, gives the one-line `unavailable` error within the connect
 * timeout, and the pool stops trying (issue 15). No PostgreSQL needed: the
 * servers are node:net listeners.
 */
import { createServer, type Server, type Socket } from "node:net";
import { assert, assertEquals } from "../../../test/_assert.ts";
import { LabosError } from "../../errors.ts";
import { PostgresStorage } from "./_storage.ts";

/**
 * A listener on 127.0.0.1 that closes each connection at once (`"close"`),
 * after the client's first message (`"read"`), or never answers (`"silent"`).
 */
async function brokenServer(mode: "close" | "read" | "silent"): Promise<{
  url: string;
  connections: () => number;
  stop: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.on("error", () => {});
    if (mode === "close") return void socket.destroy();
    sockets.add(socket);
    if (mode === "read") socket.once("data", () => socket.end());
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://labos@127.0.0.1:${port}/lab`,
    connections: () => count,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `promise`'s rejection, or a failure when it settles otherwise or not within `seconds`. */
async function rejection(promise: Promise<unknown>, seconds: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([
      promise.then(() => new Error("expected a rejection"), (error) => error),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function assertUnavailable(error: unknown): void {
  assert(error instanceof LabosError, String(error));
  assertEquals(error.kind, "unavailable", error.message);
  assertEquals(error.retryAfter, 5);
  assert(!error.message.includes("\n"), error.message);
  assert(
    error.message.startsWith("Cannot reach the PostgreSQL store at postgres://labos@127.0.0.1:"),
    error.message,
  );
}

for (const mode of ["close", "read", "silent"] as const) {
  const what = {
    close: "closes each connection",
    read: "closes each connection after the first message",
    silent: "never answers",
  }[mode];
  Deno.test(`postgres: a server that accepts and ${what} gives a one-line unavailable error; the pool stops`, async () => {
    const server = await brokenServer(mode);
    const storage = new PostgresStorage(server.url, { connectTimeoutSeconds: 1 });
    try {
      // Generous guards: the store answers after about 1 s; before the fix it never did.
      assertUnavailable(await rejection(storage.rawManifest(), 15));
      assertUnavailable(await rejection(storage.transaction(async () => {}), 15));
      await storage.close();
      // Closed: nothing is trying any more (a last attempt already under way may still land).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = server.connections();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assertEquals(server.connections(), seen);
    } finally {
      await storage.close();
      await server.stop();
    }
  });
}
