/**
 * The CLI against a real PostgreSQL store, on a throwaway cluster
 * (test/_pg.ts): init, writes and lists, the audit chain verified by LabOS
 * and by the README's independent Python verifier, `migrate --to` from a
 * data folder (twice: the second run writes nothing), an archive exported
 * from PostgreSQL restored into a new data folder with the same audit log
 * byte for byte, the password warning, and a store that cannot be reached.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, runCli, withTempDir } from "../_cli.ts";
import { PG_AVAILABLE, startPostgres } from "../_pg.ts";
import { startServe } from "./_serve.ts";
import type { Experiment } from "../../src/records/mod.ts";

/** The attached file's content address. */
const BLOB = createHash("sha256").update("12.345 g\n").digest("hex");
const PYTHON = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => existsSync(p));
if (!PG_AVAILABLE && Deno.env.get("CI") !== "true") {
  console.log("skipped: PostgreSQL is not installed; the CLI test on a PostgreSQL store");
}

async function python(args: string[]): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(PYTHON!, { args, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return { code: output.code, out: decoder.decode(output.stdout) + decoder.decode(output.stderr) };
}

/** Runs the CLI, killed after `seconds`: a hang fails instead of blocking the suite. */
async function within(seconds: number, args: string[]) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`labos ${args.join(" ")} did not exit within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([runCli(args), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test({
  name: "store: the CLI on PostgreSQL, from init to an archive restored into a data folder",
  // Under CI=true startPostgres throws when PostgreSQL is missing, so the test fails.
  ignore: !PG_AVAILABLE && Deno.env.get("CI") !== "true",
  async fn(t) {
    const cluster = await startPostgres();
    if (!cluster) throw new Error("PostgreSQL is not available");
    try {
      await withTempDir(async (dir) => {
        const store = await cluster.createDatabase();
        const withPassword = store.replace("postgres@", "postgres:s3cret-pw@");

        await t.step("init creates the tables; a password on the command line warns", async () => {
          const init = await runCli(["--store", withPassword, "init"]);
          assertEquals(init.code, 0, init.stderr);
          assertEquals(init.stdout, `Initialised LabOS store ${store}\n`);
          assertMatch(init.stderr, /^warning: the --store URL holds a password, .*PGPASSFILE/);
          assert(!`${init.stdout}${init.stderr}`.includes("s3cret-pw"));
          const again = await cliOk(["--store", store, "init"]);
          assertEquals(again, `Store ${store} is already initialised: nothing changed\n`);
          const migrate = await cliOk(["--store", store, "migrate"]);
          assertStringIncludes(migrate, "PostgreSQL schema v1 is current");
        });

        await t.step("writes and lists, and the chain verifies", async () => {
          const experiment = await cliJson<Experiment>([
            "--store",
            store,
            "experiments",
            "create",
            "--title",
            "Calorimetry ✓",
          ]);
          await cliOk(["--store", store, "run", "thermo.calorimetry", "--experiment"].concat(
            [experiment.id, "--param", "massG=100", "--param", "initialTempC=22"],
            ["--param", "finalTempC=29.1", "--param", "amountMol=0.05"],
          ));
          const listed = await cliJson<Experiment[]>([
            "--store",
            store,
            "experiments",
            "list",
          ]);
          assertEquals(listed.map((item) => item.id), [experiment.id]);
          const jobs = await cliJson<unknown[]>(["--store", store, "jobs", "list"]);
          assertEquals(jobs.length, 1);
          const status = await cliOk(["--store", withPassword, "status"]);
          assertMatch(
            status,
            /^store {8}postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+ \(schema v2\)$/m,
          );
          assert(!status.includes("s3cret-pw"));
          assertStringIncludes(await cliOk(["--store", store, "audit", "verify"]), "ok: ");
        });

        await t.step({
          name: "audit export is accepted by the README's Python verifier",
          ignore: PYTHON === undefined,
          fn: async () => {
            const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
            const code = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
            assert(code, "the README's verifier");
            await Deno.writeTextFile(`${dir}/verify.py`, code);
            await cliOk(["--store", store, "audit", "export", "--out", `${dir}/pg-log.jsonl`]);
            const ok = await python([
              `${dir}/verify.py`,
              `${dir}/pg-log.jsonl`,
              `${dir}/pg-log.jsonl.head.json`,
            ]);
            assertEquals(ok.code, 0, ok.out);
            const head = (await cliOk(["--store", store, "audit", "head"])).trim().split(" ");
            assertEquals(ok.out, `ok: ${head[1]} events, head ${head[2]}\n`);
          },
        });

        const folder = `${dir}/lab`;
        const target = await cluster.createDatabase();
        await t.step("migrate --to copies a data folder into an empty database, once", async () => {
          await cliOk(["--data-dir", folder, "init"]);
          const made = await cliJson<Experiment>(
            ["--data-dir", folder, "experiments", "create", "--title", "Kinetics"],
          );
          await cliOk(["--data-dir", folder, "experiments", "transition", made.id].concat(
            ["running", "--reason", "Started"],
          ));
          await Deno.writeTextFile(`${dir}/weighing.txt`, "12.345 g\n");
          await cliOk(["--data-dir", folder, "attach", made.id, `${dir}/weighing.txt`]);
          for (const title of ["Calorimetry", "Spectroscopy"]) {
            await cliOk(["--data-dir", folder, "experiments", "create", "--title", title]);
          }
          await Deno.writeTextFile(`${dir}/rates.csv`, "t_s,c_M\n0,0.1\n10,0.05\n");
          const imported = await cliJson<{ id: string }>(
            ["--data-dir", folder, "import", `${dir}/rates.csv`, "--experiment", made.id],
          );
          const order = ["experiments", "list"];
          const listedBefore = await cliJson<Experiment[]>(["--data-dir", folder, ...order]);
          const datasetBefore = await cliJson([
            "--data-dir",
            folder,
            "datasets",
            "show",
            imported.id,
          ]);
          const head = (await cliOk(["--data-dir", folder, "audit", "head"])).trim();
          const first = await cliOk(["--data-dir", folder, "migrate", "--to", target]);
          assertMatch(first, new RegExp(`^Migrated ${folder} to ${target}: \\d+ files`));
          assertStringIncludes(first, "the audit log verifies in both");
          const second = await cliOk(["--data-dir", folder, "migrate", "--to", target]);
          assertStringIncludes(second, "already migrated, nothing written");
          assertEquals((await cliOk(["--store", target, "audit", "head"])).trim(), head);
          // Records are copied in batches: newest-first order and a table's values survive.
          assertEquals(
            (await cliJson<Experiment[]>(["--store", target, ...order])).map((e) => e.id),
            listedBefore.map((e) => e.id),
          );
          assertEquals(
            await cliJson(["--store", target, "datasets", "show", imported.id]),
            datasetBefore,
          );
          assertEquals(
            (await cliJson<Experiment>(["--store", target, "experiments", "show", made.id])).id,
            made.id,
          );
          const refused = await runCli(["--data-dir", folder, "migrate", "--to", store]);
          assertEquals(refused.code, 2);
          assertMatch(
            refused.stderr,
            /^error: Cannot migrate to ".*": it already holds a LabOS store/,
          );
          assertEquals(refused.stderr.split("\n").length, 2);
        });

        await t.step(
          "export from PostgreSQL, import into a new folder: the same log, byte for byte",
          async () => {
            await cliOk(["--store", target, "export", "--out", `${dir}/pg.zip`]);
            const restored = `${dir}/restored`;
            await cliOk(["--data-dir", restored, "import-archive", `${dir}/pg.zip`]);
            assertEquals(
              await Deno.readFile(`${restored}/audit/log.jsonl`),
              await Deno.readFile(`${folder}/audit/log.jsonl`),
            );
            assertEquals(
              await Deno.readTextFile(`${restored}/audit/head.json`),
              await Deno.readTextFile(`${folder}/audit/head.json`),
            );
            assertStringIncludes(await cliOk(["--data-dir", restored, "audit", "verify"]), "ok: ");
            // The attached file went to PostgreSQL as a blob and came back as the same file.
            const blob = (path: string) =>
              Deno.readTextFile(
                `${path}/blobs/sha256/${BLOB.slice(0, 2)}/${BLOB}`,
              );
            assertEquals(await blob(restored), "12.345 g\n");
            assertEquals(await blob(folder), "12.345 g\n");
            const fresh = await cluster.createDatabase();
            await cliOk(["--store", fresh, "import-archive", `${dir}/pg.zip`]);
            assertEquals(
              (await cliOk(["--store", fresh, "audit", "head"])).trim(),
              (await cliOk(["--data-dir", folder, "audit", "head"])).trim(),
            );
          },
        );

        await t.step(
          "serve answers from the store, 503 with Retry-After when it stops; the CLI says one line, exit 1",
          async () => {
            const token = "store-cli-test-token-0123456789";
            const server = await startServe(`${dir}/unused`, {
              env: { LABOS_STORE: store, LABOS_TOKEN: token },
            });
            const get = () =>
              fetch(`${server.origin}/api/v1/experiments`, {
                headers: { authorization: `Bearer ${token}` },
              });
            try {
              const ok = await get();
              assertEquals(ok.status, 200);
              assertEquals((await ok.json()).items.length, 1);
              // The panel's footer names the store, not a data folder.
              const page = await fetch(`${server.origin}/`, {
                headers: { authorization: `Bearer ${token}` },
              });
              assertMatch(await page.text(), /· store <span\s+class="mono">postgres:\/\//);
              await cluster.stop();
              const down = await get();
              assertEquals(down.status, 503);
              assertEquals(down.headers.get("retry-after"), "5");
              const body = await down.json();
              assertEquals(body.error.kind, "unavailable");
              assertMatch(
                body.error.message,
                /^Cannot reach the PostgreSQL store at postgres:\/\//,
              );
            } finally {
              const stopped = await server.stop();
              assertEquals(stopped.code, 0, stopped.stderr);
            }
            const down = await within(60, ["--store", store, "status"]);
            assertEquals(down.code, 1, down.stderr);
            assertMatch(
              down.stderr,
              /^error: Cannot reach the PostgreSQL store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+: .+\n$/,
            );
            const bad = await runCli(["--store", "mysql://ada:s3cret-pw@db/labos", "status"]);
            assertEquals(bad.code, 2);
            assertEquals(
              bad.stderr,
              'error: Invalid --store "mysql://ada:***@db/labos": expected a postgres:// or postgresql:// URL (leave it out to use the data folder)\n',
            );
          },
        );
      });
    } finally {
      await cluster.stop();
    }
  },
});
