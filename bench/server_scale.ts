/**
 * The control panel at scale: with 100,000 experiments and 500,000 audit
 * events, the dashboard, the experiments list and the audit log's first page
 * must each answer within 3× the time of `GET /api/v1/health`, measured side
 * by side (p95 over 200 requests each) against `labos serve` in a subprocess.
 *
 * ```sh
 * deno run -A bench/server_scale.ts [--experiments 100000] [--events 500000] [--dir /tmp/labos-server-scale] [--requests 200]
 *   [--store folder|postgres|postgres://…]
 * ```
 *
 * With `--store postgres` (a throwaway cluster) or a `postgres://` URL, the
 * data folder is copied into the empty database with `labos migrate --to`
 * (ids, seq and audit lines kept) and the server runs on PostgreSQL.
 *
 * The data folder is built through the public API (`lab.createExperiments`
 * in batches, then extra audit events in batches through a storage transaction), and
 * reused by later runs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { openLab } from "../mod.ts";
import { FolderStorage } from "../src/storage/folder/mod.ts";
import { buildExperiments, openScaleStore } from "./_scale.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    experiments: { type: "string", default: "100000" },
    events: { type: "string", default: "500000" },
    dir: { type: "string", default: "/tmp/labos-server-scale" },
    requests: { type: "string", default: "200" },
    store: { type: "string", default: "folder" },
  },
});
const experiments = Number(values.experiments);
const events = Number(values.events);
const requests = Number(values.requests);
const dataDir = values.dir;
const TOKEN = "bench-token-0123456789abcdef0123";

async function buildEvents(target: number): Promise<number> {
  const lab = openLab({ dataDir, actor: "bench" });
  const storage = new FolderStorage(dataDir);
  let seq = (await lab.auditHead()).seq;
  const sample = (await lab.listExperiments({ limit: 100 })).items.map((e) => e.id);
  while (seq < target) {
    const batch = Math.min(10_000, target - seq);
    await storage.transaction((tx) => {
      for (let i = 0; i < batch; i++) {
        tx.audit({
          actor: `student-${(seq + i) % 40}`,
          action: "experiment.noted",
          target: { type: "experiment", id: sample[(seq + i) % sample.length] },
          reason: null,
          details: { note: `Bench note ${seq + i + 1}` },
        });
      }
      return Promise.resolve();
    });
    seq += batch;
  }
  return seq;
}

function p95(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const started = performance.now();
let haveEvents = 0;
const store = await openScaleStore(values.store, {
  dir: dataDir,
  build: async () => {
    const haveExperiments = await buildExperiments(dataDir, experiments);
    haveEvents = await buildEvents(events);
    console.log(
      `data folder ${dataDir}: ${haveExperiments} experiments, ${haveEvents} audit events (${
        ((performance.now() - started) / 1000).toFixed(1)
      } s to build or check)`,
    );
  },
});
console.log(`store: ${store.label}`);

const cli = new URL("../cli.ts", import.meta.url).pathname;
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", cli, ...store.args, "serve", "--port", "0"],
  env: { LABOS_TOKEN: TOKEN, NO_COLOR: "1", ...store.env },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let printed = "";
while (!/Open: \S+/.test(printed)) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`labos serve exited: ${printed}`);
  printed += value;
}
const origin = new URL(/Open: (\S+)/.exec(printed)![1]).origin;
const headers = { authorization: `Bearer ${TOKEN}` };

async function time(path: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${origin}${path}`, { headers });
  await response.arrayBuffer();
  const elapsed = performance.now() - t0;
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
  return elapsed;
}

// The server verifies the chain once in the background at start; wait for it
// so that it does not run during the measurement.
const verifyStarted = performance.now();
while (!(await (await fetch(`${origin}/`, { headers })).text()).includes('id="verify-result"')) {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
console.log(
  `startup verification of ${haveEvents} events: ${
    ((performance.now() - verifyStarted) / 1000).toFixed(1)
  } s`,
);

const routes: Array<[string, string]> = [
  ["GET /api/v1/health", "/api/v1/health"],
  ["GET / (dashboard)", "/"],
  ["GET /experiments", "/experiments"],
  ["GET /audit", "/audit"],
];
const firstLoad = new Map<string, number>();
for (const [name, path] of routes.slice(1)) firstLoad.set(name, await time(path));
for (let i = 0; i < 20; i++) for (const [, path] of routes) await time(path);
const times = new Map<string, number[]>(routes.map(([name]) => [name, []]));
for (let i = 0; i < requests; i++) {
  for (const [name, path] of routes) times.get(name)!.push(await time(path));
}
child.kill("SIGTERM");
await child.status;
await store.stop();

const health = p95(times.get(routes[0][0])!);
let worst = 0;
for (const [name] of routes) {
  const list = times.get(name)!;
  const ratio = p95(list) / health;
  if (name !== routes[0][0]) worst = Math.max(worst, ratio);
  console.log(
    `${name.padEnd(22)} p95 ${p95(list).toFixed(2).padStart(7)} ms  median ${
      median(list).toFixed(2).padStart(7)
    } ms  ratio ${ratio.toFixed(2)}${
      firstLoad.has(name) ? `  (first load after start ${firstLoad.get(name)!.toFixed(0)} ms)` : ""
    }`,
  );
}
console.log(`worst ratio ${worst.toFixed(2)} (target < 3) over ${requests} requests per route`);
if (worst >= 3) Deno.exitCode = 1;
