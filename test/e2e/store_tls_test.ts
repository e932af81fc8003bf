/**
 * The PostgreSQL store over TLS (issue 15, item 5), on a throwaway cluster
 * with `ssl=on`, a self-signed certificate and TCP refused without TLS:
 * `sslmode=require` works and the server sees an encrypted connection;
 * `sslmode=verify-full` against the self-signed certificate is refused
 * with one line, and works with `sslrootcert=<that certificate>`.
 */
import postgres from "postgres";
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { cliJson, cliOk, runCli } from "../_cli.ts";
import { PG_AVAILABLE, startPostgres } from "../_pg.ts";
import type { Experiment } from "../../src/records/mod.ts";

/** Runs the CLI, failing after `seconds` instead of hanging the suite. */
async function within(seconds: number, args: string[], env?: Record<string, string>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`labos ${args.join(" ")} did not exit within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([runCli(args, { env }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

if (!PG_AVAILABLE && Deno.env.get("CI") !== "true") {
  console.log("skipped: PostgreSQL is not installed; PostgreSQL over TLS");
}

Deno.test({
  name: "store: PostgreSQL over TLS, sslmode=require works and verify-full checks the certificate",
  ignore: !PG_AVAILABLE && Deno.env.get("CI") !== "true",
  // The driver's TLS sockets close after the test's last await.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cluster = await startPostgres({ tls: true });
    if (!cluster) throw new Error("PostgreSQL is not available");
    try {
      const plain = await cluster.createDatabase();
      const store = `${plain}?sslmode=require`;

      await t.step("the server refuses TCP without TLS", async () => {
        const result = await within(30, ["--store", plain, "status"]);
        assertEquals(result.code, 1, result.stderr);
        assertMatch(result.stderr.trim(), /^error: .*no encryption/);
        assertEquals(result.stderr.trim().split("\n").length, 1, result.stderr);
      });

      await t.step("the driver's connection with sslmode=require is encrypted", async () => {
        const sql = postgres(store, { max: 1, onnotice: () => {} });
        try {
          const [row] = await sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
          assertEquals(row.ssl, true);
        } finally {
          await sql.end({ timeout: 1 });
        }
      });

      await t.step("labos init, status, create and list with sslmode=require", async () => {
        await cliOk(["--store", store, "init"]);
        assertMatch(
          await cliOk(["--store", store, "status"]),
          /^store {8}postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+\?sslmode=require \(schema v\d+\)$/m,
        );
        const created = await cliJson<Experiment>(
          ["--store", store, "experiments", "create", "--title", "Over TLS"],
        );
        const listed = await cliJson<Experiment[]>(["--store", store, "experiments", "list"]);
        assertEquals(listed.map((item) => item.id), [created.id]);
      });

      const verified = `${plain.replace("127.0.0.1", "localhost")}?sslmode=verify-full`;
      await t.step("verify-full without the CA is refused with one line, no hang", async () => {
        const result = await within(30, ["--store", verified, "status"]);
        assert(result.code === 1 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
        const lines = result.stderr.trim().split("\n");
        assertEquals(lines.length, 1, result.stderr);
        assertMatch(
          lines[0],
          /^error: Cannot verify the TLS certificate of the PostgreSQL store at postgres:\/\/postgres@localhost:\d+\/\S+: self-signed certificate .*sslrootcert/,
        );
        assert(!/\bat .*:\d+:\d+/.test(result.stderr), result.stderr);
      });

      await t.step("verify-full works with sslrootcert=<the CA file>", async () => {
        const withCa = `${verified}&sslrootcert=${encodeURIComponent(cluster.certificate!)}`;
        const result = await within(30, ["--json", "--store", withCa, "experiments", "list"]);
        assertEquals(result.code, 0, result.stderr);
        assertEquals(JSON.parse(result.stdout).length, 1);
      });
    } finally {
      await cluster.stop();
    }
  },
});
