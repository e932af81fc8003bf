/**
 * `deno task test:pg`: the service-level test files again, on PostgreSQL
 * (`LABOS_TEST_STORE=postgres`, see test/_store.ts), over one throwaway
 * cluster started here and stopped afterwards. Without PostgreSQL it says
 * the run is skipped and succeeds, except under `CI=true`, where that is a
 * failure. Extra arguments go to `deno test` (e.g. `--filter`).
 *
 * @module
 */
import { startPostgres } from "./_pg.ts";

/**
 * The test files that go through `Lab` only. Files that inspect data-folder
 * files throughout (crash, tamper, legacy, the CLI and server tests) stay
 * folder-only; single tests that do are marked `ignore: FOLDER_ONLY`.
 */
export const PG_SUITE: readonly string[] = [
  "src/service/_attachments_test.ts",
  "src/service/_collect_test.ts",
  "src/service/_gradebook_test.ts",
  "src/service/_scopes_test.ts",
  "src/service/_users_test.ts",
  "test/e2e/gradebook_test.ts",
  "test/e2e/guided_service_test.ts",
  "test/e2e/signatures_test.ts",
  "test/e2e/templates_service_test.ts",
  "test/reliability/fuzz_test.ts",
];

/** The line printed before the PostgreSQL run, so .ci/run can tell its summary from the folder run's. */
export const PG_SUITE_MARKER = "test:pg: the service-level tests on PostgreSQL";

if (import.meta.main) {
  const cluster = await startPostgres();
  if (!cluster) {
    console.log(`test:pg: skipped (${PG_SUITE.length} test files not run on PostgreSQL)`);
    Deno.exit(0);
  }
  let code = 1;
  try {
    console.log(PG_SUITE_MARKER);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--parallel", ...Deno.args, ...PG_SUITE],
      env: { LABOS_TEST_STORE: "postgres", LABOS_TEST_PG_URL: cluster.url },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    code = (await child.status).code;
  } finally {
    await cluster.stop();
  }
  Deno.exit(code);
}
