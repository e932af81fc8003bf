/**
 * `labos serve` as a real process: the printed URL, a free port with
 * `--port 0`, real sockets, the refusal to bind a network address without
 * LABOS_TOKEN, and a clean stop on SIGTERM and SIGINT.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk, runCli, withTempDir } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { startServe } from "./_serve.ts";

const TOKEN = "serve-test-token-0123456789abcdef";

Deno.test("labos serve --port 0 prints the URL, serves over a socket and stops on SIGTERM", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let stopped = false;
    try {
      assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=serve-test-token/);
      assert(Number(new URL(server.url).port) > 0);
      assertStringIncludes(
        server.stdout(),
        "acting as tester; 0 experiments, 0 jobs, 0 datasets, 1 audit events",
      );
      assertStringIncludes(
        server.stdout(),
        "To require sign-in, add a user: labos users add NAME --role instructor --password-stdin",
      );

      const health = await fetch(`${server.origin}/api/v1/health`);
      assertEquals((await health.json()).ok, true);
      const denied = await fetch(`${server.origin}/api/v1/experiments`);
      assertEquals(denied.status, 401);
      await denied.body?.cancel();
      const created = await fetch(`${server.origin}/api/v1/experiments`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ title: "Over a socket" }),
      });
      assertEquals(created.status, 201);
      await created.body?.cancel();

      const signIn = await fetch(server.url, { redirect: "manual" });
      assertEquals(signIn.status, 303);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
      await signIn.body?.cancel();
      const page = await fetch(`${server.origin}/experiments`, { headers: { cookie } });
      assertStringIncludes(await page.text(), "Over a socket");

      const result = await server.stop("SIGTERM");
      stopped = true;
      assertEquals(result.code, 0, result.stderr);
      assertStringIncludes(result.stdout, "Stopped (SIGTERM)");
    } finally {
      if (!stopped) await server.stop("SIGKILL");
    }
  });
});

Deno.test("labos serve makes up a token when LABOS_TOKEN is unset, and stops on SIGINT", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const server = await startServe(dataDir);
    const token = new URL(server.url).searchParams.get("token") ?? "";
    assert(token.length >= 40, `a long random token, got ${JSON.stringify(token)}`);
    const status = await fetch(`${server.origin}/api/v1/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(status.status, 200);
    await status.body?.cancel();
    const result = await server.stop("SIGINT");
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stdout, "Stopped (SIGINT)");
  });
});

Deno.test("labos serve refuses a network address without LABOS_TOKEN and warns with one", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const refused = await runCli([
      "--data-dir",
      dataDir,
      "serve",
      "--host",
      "0.0.0.0",
      "--port",
      "0",
    ]);
    assertEquals(refused.code, 2);
    assertMatch(refused.stderr, /^error: Refusing to bind "0\.0\.0\.0" without LABOS_TOKEN/);

    const server = await startServe(dataDir, {
      env: { LABOS_TOKEN: TOKEN },
      args: ["--host", "0.0.0.0"],
    });
    const result = await server.stop("SIGTERM");
    assertEquals(result.code, 0);
    assertStringIncludes(result.stderr, "warning: binding 0.0.0.0 exposes the control panel");

    const uninitialised = await runCli(["--data-dir", `${dir}/nothing`, "serve", "--port", "0"]);
    assertEquals(uninitialised.code, 2);
    assertStringIncludes(uninitialised.stderr, "not initialised");
  });
});

Deno.test("in sign-in mode labos serve prints the login page and binds a network address without LABOS_TOKEN", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const lab = openLab({ dataDir, actor: "prof", scryptCost: { N: 2 ** 10, r: 8, p: 1 } });
    await lab.addUser({ username: "prof", role: "instructor", password: "correct horse battery" });
    const server = await startServe(dataDir, { args: ["--host", "0.0.0.0"] });
    try {
      assertMatch(server.url, /^http:\/\/127\.0\.0\.1:\d+\/login$/);
      assertStringIncludes(server.stdout(), "sign-in mode: every request acts as a user");
      assertStringIncludes(server.stdout(), "Authorization: Bearer <personal token");
      const denied = await fetch(`${server.origin}/api/v1/status`);
      assertEquals(denied.status, 401);
      await denied.body?.cancel();
    } finally {
      const result = await server.stop("SIGTERM");
      assertEquals(result.code, 0, result.stderr);
      assertStringIncludes(result.stderr, "passwords cross the network in clear text");
    }
  });
});
