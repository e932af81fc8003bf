/**
 * Builds large data folders through the public API, for the scale benchmarks.
 *
 * @module
 */
import { openLab } from "../mod.ts";

/** Ensures `dataDir` holds at least `count` experiments, creating them in batches. */
export async function buildExperiments(dataDir: string, count: number): Promise<number> {
  const lab = openLab({ dataDir, actor: "bench" });
  await lab.init();
  let have = (await lab.status()).counts.experiments;
  const statuses = ["running", "completed", "failed", "archived"];
  while (have < count) {
    const batch = Math.min(2000, count - have);
    const made = await lab.createExperiments(
      Array.from({ length: batch }, (_, i) => ({
        title: `Scale experiment ${have + i + 1}`,
        purpose: "Benchmark data",
        tags: [`group-${(have + i) % 10}`],
      })),
    );
    // A few transitions, so that status filters and the audit log look like real use.
    for (const experiment of made.slice(0, 4)) {
      await lab.transitionExperiment(experiment.id, { to: statuses[0], reason: "bench" });
    }
    have += batch;
  }
  return have;
}

/** Runs a command `runs` times and returns the durations in ms. */
export async function timeCommand(
  args: string[],
  runs: number,
  options: { env?: Record<string, string> } = {},
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const output = await new Deno.Command(args[0], {
      args: args.slice(1),
      env: options.env,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    times.push(performance.now() - started);
    if (output.code !== 0) {
      throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
    }
  }
  return times;
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Where a scale benchmark's CLI and server read: a data folder or a PostgreSQL database. */
export interface ScaleStore {
  /** `folder` or the database URL without its password. */
  label: string;
  /** Global CLI arguments that choose it. */
  args: string[];
  /** Environment that chooses it. */
  env: Record<string, string>;
  /** Stops a throwaway cluster (nothing for the others). */
  stop(): Promise<void>;
}

/**
 * The store of a scale benchmark from `--store`: `folder` (the data folder
 * `dir`), `postgres` (a throwaway cluster from `test/_pg.ts`) or a
 * `postgres://` URL (kept, so later runs reuse it). An empty database is
 * seeded from the data folder `dir`, built first with `build`, by
 * `labos migrate` and `labos migrate --to`: the records, ids and audit
 * lines are the folder's, byte for byte.
 */
export async function openScaleStore(
  store: string,
  options: { dir: string; build: () => Promise<void> },
): Promise<ScaleStore> {
  await options.build();
  if (store === "folder") {
    return {
      label: "folder",
      args: ["--data-dir", options.dir],
      env: {},
      stop: () => Promise.resolve(),
    };
  }
  let url = store;
  let stop = () => Promise.resolve();
  if (store === "postgres") {
    const { startPostgres } = await import("../test/_pg.ts");
    const cluster = await startPostgres();
    if (!cluster) throw new Error("PostgreSQL is not installed");
    url = await cluster.createDatabase();
    stop = () => cluster.stop();
  } else if (!/^postgres(ql)?:\/\//.test(store)) {
    throw new Error(`--store: expected folder, postgres or a postgres:// URL, not "${store}"`);
  }
  const chosen = {
    label: url.replace(/:[^:@/]*@/, "@"),
    args: [],
    env: { LABOS_STORE: url },
    stop,
  };
  const status = await labosJson(chosen, ["status"]).catch(() => undefined);
  if ((status as { auditHead?: { seq: number } } | undefined)?.auditHead?.seq) return chosen;
  const folder = { label: "folder", args: ["--data-dir", options.dir], env: {}, stop };
  const started = performance.now();
  await labosJson(folder, ["migrate"]);
  const copy = await labosJson(folder, ["migrate", "--to", url]);
  console.log(
    `seeded ${chosen.label} from ${options.dir} in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s: ${JSON.stringify(copy)}`,
  );
  return chosen;
}

/** Runs `labos --json ARGS` on a store and parses stdout. */
export async function labosJson(store: ScaleStore, args: string[]): Promise<unknown> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("../cli.ts", import.meta.url).pathname,
      ...store.args,
      "--json",
      ...args,
    ],
    env: { NO_COLOR: "1", ...store.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (output.code !== 0) {
    throw new Error(`labos ${args.join(" ")}: ${decoder.decode(output.stderr).trim()}`);
  }
  return JSON.parse(decoder.decode(output.stdout));
}
