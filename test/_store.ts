/**
 * The store the service-level tests run on, so that one suite covers both:
 * the data folder by default, or with `LABOS_TEST_STORE=postgres` a fresh
 * PostgreSQL database per data folder a test names (the same folder gives
 * the same database, so a test can reopen its lab). `deno task test:pg`
 * (test/_pg_suite.ts) starts one throwaway cluster for the whole run and
 * passes its URL as `LABOS_TEST_PG_URL`; without it the first lab starts a
 * cluster of its own, which test/_pg.ts stops when the process ends.
 *
 * Tests that read or write data-folder files directly are folder-only:
 * mark them `{ ignore: FOLDER_ONLY }` and say why.
 *
 * @module
 */
import postgres from "postgres";
import { type Lab, openLab, type OpenLabOptions } from "../src/service/mod.ts";
import { FolderStorage } from "../src/storage/folder/mod.ts";
import { PostgresStorage } from "../src/storage/postgres/mod.ts";
import type { LabStorage } from "../src/storage/mod.ts";
import { startPostgres } from "./_pg.ts";

/** The store of this run: `LABOS_TEST_STORE=postgres`, else the data folder. */
export const TEST_STORE: "folder" | "postgres" = Deno.env.get("LABOS_TEST_STORE") === "postgres"
  ? "postgres"
  : "folder";

/** True when the run is not on the data folder: `ignore` it in tests that inspect folder files. */
export const FOLDER_ONLY: boolean = TEST_STORE !== "folder";

let cluster: Promise<string> | undefined;
const databases = new Map<string, Promise<string>>();
let created = 0;

/**
 * Opens a lab as `openLab` does, on the store of this run: for PostgreSQL,
 * the database that stands for `options.dataDir` (created empty on first
 * use). Close it (`await using`, or `lab.close()`) before the test ends.
 */
export async function openTestLab(options: OpenLabOptions): Promise<Lab> {
  if (TEST_STORE === "folder" || options.storage || options.store) return openLab(options);
  return openLab({ ...options, store: await databaseFor(options.dataDir) });
}

/**
 * The bare storage under the lab that {@linkcode openTestLab} opens for
 * `dataDir`, for tests of the storage wrappers. Close it before the test ends.
 */
export async function openTestStorage(dataDir: string): Promise<LabStorage> {
  if (TEST_STORE === "folder") return new FolderStorage(dataDir);
  return new PostgresStorage(await databaseFor(dataDir));
}

function databaseFor(dataDir: string): Promise<string> {
  let url = databases.get(dataDir);
  if (!url) {
    url = createDatabase();
    databases.set(dataDir, url);
  }
  return url;
}

/** A fresh, empty database on the run's cluster. */
async function createDatabase(): Promise<string> {
  cluster ??= clusterUrl();
  const admin = new URL(await cluster);
  // Test files may run in parallel on one cluster: the name is unique to this process.
  const name = `labos_t${Deno.pid}_${++created}_${crypto.randomUUID().slice(0, 8)}`;
  const sql = postgres(admin.href, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  admin.pathname = `/${name}`;
  return admin.href;
}

async function clusterUrl(): Promise<string> {
  const shared = Deno.env.get("LABOS_TEST_PG_URL");
  if (shared) return shared;
  const started = await startPostgres();
  if (!started) {
    throw new Error(
      'LABOS_TEST_STORE=postgres needs PostgreSQL: install Debian\'s "postgresql" package, or run "deno task test:pg", which says when it skips',
    );
  }
  // test/_pg.ts stops it when the process ends.
  return started.url;
}

/**
 * `Deno.test` for a test that reads or writes data-folder files directly:
 * on another store it is reported as ignored. Say why beside it.
 */
export function folderOnlyTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test(name, { ignore: FOLDER_ONLY }, fn);
}

/**
 * CLI arguments for the store of this run: on PostgreSQL, `--data-dir DIR`
 * becomes `--store URL` of the database that stands for DIR, so that the
 * CLI and `openTestLab` see the same lab.
 */
export async function storeArgs(args: string[]): Promise<string[]> {
  if (TEST_STORE === "folder") return args;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--data-dir" && i + 1 < args.length) {
      out.push("--store", await databaseFor(args[++i]));
    } else if (args[i].startsWith("--data-dir=")) {
      out.push("--store", await databaseFor(args[i].slice("--data-dir=".length)));
    } else out.push(args[i]);
  }
  return out;
}
