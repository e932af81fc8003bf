/**
 * The load and fault harness behind `bench/server_load.ts` and
 * `test/reliability/server_load_test.ts`: several `labos serve` processes on
 * one store, many simulated users over loopback HTTP, faults injected
 * mid-load, and then an independent check that every acknowledged write is
 * stored, the counts add up, nothing is half-written and the exported chain
 * verifies.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ClusterControl } from "./_load_pg.ts";

/** Which store the servers run on. */
export type LoadStore = "folder" | "postgres";

/** Options of {@linkcode runLoad}. */
export interface LoadOptions {
  /** The store under test. */
  store: LoadStore;
  /** How many `labos serve` processes share the store (default 2). */
  processes?: number;
  /** Simulated users, each with an account and a personal token (default 100). */
  users?: number;
  /** Module runs per user (default 10). */
  runs?: number;
  /** Requests in flight at once, over all users (default 32). */
  concurrency?: number;
  /** SIGKILL one server at 30 % of the runs. */
  killServer?: boolean;
  /** `pg_ctl restart` at 50 % of the runs (PostgreSQL only). */
  restartPostgres?: boolean;
  /** Stop the cluster at 70 % of the runs for `cutSeconds`, then start it again (PostgreSQL only). */
  cut?: boolean;
  /** How long the cluster stays down for `cut` (default 6 s). */
  cutSeconds?: number;
  /** A request without an answer after this long is a hang (default 60 s). */
  hangSeconds?: number;
  /** A user gives up on one operation after this long of clean refusals (default 240 s). */
  giveUpSeconds?: number;
  /** Keep the temporary folder (and say where it is). */
  keep?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** One check of the store after the load. */
export interface LoadCheck {
  /** What was checked. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** What was found. */
  detail: string;
}

/** What a load run measured and found. */
export interface LoadReport {
  /** The store. */
  store: LoadStore;
  /** Server processes. */
  processes: number;
  /** Simulated users. */
  users: number;
  /** Runs per user. */
  runs: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Median latency of answered requests, ms. */
  p50: number;
  /** 95th percentile latency of answered requests, ms. */
  p95: number;
  /** Median and 95th percentile of acknowledged writes alone, ms. */
  writes: { p50: number; p95: number };
  /** Answered requests (2xx) per second of load. */
  throughput: number;
  /** Acknowledged module runs per second of load. */
  runsPerSecond: number;
  /** Seconds of load, from the first request to the last answer. */
  seconds: number;
  /** The faults injected, in order, e.g. `kill -9 server 2`. */
  faults: string[];
  /** Acknowledged writes (HTTP 2xx with the record id). */
  acknowledged: { experiments: number; jobs: number };
  /** Acknowledged writes not found in the store afterwards: must be 0. */
  writesLost: number;
  /** Cleanly refused attempts: 503 (with the kind) or a refused connection. */
  refused: number;
  /** Write attempts whose answer never came (connection reset by a kill): their outcome is unknown. */
  unanswered: number;
  /** Of those, how many turned out stored (so the retry made a second record). */
  unansweredStored: number;
  /** Operations given up after `giveUpSeconds` of refusals (refused writes, not lost ones). */
  givenUp: number;
  /** Answers that were neither a success nor a clean refusal (e.g. 500), with a sample. */
  unclean: { count: number; samples: string[] };
  /** Requests that got no answer within `hangSeconds`. */
  hung: number;
  /** The longest time any request took, ms. */
  maxLatency: number;
  /** The cut, when injected: what a request and a CLI command answered while the cluster was down. */
  cut?: {
    seconds: number;
    answers: number;
    maxAnswerMs: number;
    message: string;
    /** Every refusal was a one-line 503. */
    clean: boolean;
    cli: { code: number; ms: number; stderr: string };
  };
  /** The checks after the load. */
  checks: LoadCheck[];
  /** True when every check held, nothing was lost, nothing was unclean and nothing hung. */
  ok: boolean;
}

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const README = fileURLToPath(new URL("../README.md", import.meta.url));
const PASSWORD = "load-bench-password-1";
const MODULE = "thermo.calorimetry";

/** The `thermo.calorimetry` input of run `r`: its final temperature encodes `r`, so a stored job names its run. */
function runInput(r: number): Record<string, number> {
  return { massG: 100, initialTempC: 22, finalTempC: 23 + r / 100, amountMol: 0.05 };
}

function runOf(input: { finalTempC?: number } | undefined): number {
  return Math.round(((input?.finalTempC ?? 0) - 23) * 100);
}

function userName(u: number): string {
  return `load${String(u).padStart(4, "0")}`;
}

function experimentTitle(u: number): string {
  return `Load ${userName(u)}`;
}

/** The store a run uses: how the CLI reaches it, and how to hurt it. */
interface StoreHandle {
  args: string[];
  env: Record<string, string>;
  label: string;
  cluster?: ClusterControl;
  dispose(): Promise<void>;
}

/** What one CLI process printed. */
interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function cli(
  store: StoreHandle,
  args: string[],
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliOutput> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...store.args, ...args],
    env: { NO_COLOR: "1", LABOS_ACTOR: "bench", ...store.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timer = options.timeoutMs === undefined
    ? undefined
    : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const output = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    ms: performance.now() - started,
  };
}

async function cliOk(store: StoreHandle, args: string[], stdin?: string): Promise<string> {
  const result = await cli(store, args, { stdin });
  if (result.code !== 0) {
    throw new Error(`labos ${args.join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

async function openStore(kind: LoadStore, root: string): Promise<StoreHandle> {
  const env = { LABOS_CONFIG_HOME: `${root}/config-home` };
  if (kind === "folder") {
    const dataDir = `${root}/data`;
    return {
      args: ["--data-dir", dataDir],
      env,
      label: dataDir,
      dispose: () => Promise.resolve(),
    };
  }
  // Loaded only here, so the folder store runs without the PostgreSQL driver or harness.
  const { startLoadCluster } = await import("./_load_pg.ts");
  const cluster = await startLoadCluster();
  return {
    args: [],
    env: { ...env, LABOS_STORE: cluster.url },
    label: cluster.url,
    cluster,
    dispose: () => cluster.stop(),
  };
}

/** A running `labos serve`. */
interface Server {
  index: number;
  origin: string;
  child: Deno.ChildProcess;
  stderr(): string;
  /** Killed or stopped by the harness. */
  killed: boolean;
  /** The exit code once the process has ended. */
  exitCode?: number;
}

async function startServer(store: StoreHandle, index: number): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...store.args, "--json", "serve", "--port", "0"],
    env: { NO_COLOR: "1", LABOS_ACTOR: "bench", ...store.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) err += decoder.decode(chunk, { stream: true });
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      clearTimeout(deadline);
      throw new Error(`labos serve ${index + 1} exited before listening: ${err.trim()}`);
    }
    out += value;
  }
  clearTimeout(deadline);
  // Keep draining stdout so the server never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const { url } = JSON.parse(out.split("\n")[0]) as { url: string };
  const server: Server = {
    index,
    origin: new URL(url).origin,
    child,
    stderr: () => err,
    killed: false,
  };
  child.status.then((status) => server.exitCode = status.code);
  return server;
}

async function stopServer(server: Server): Promise<void> {
  if (server.killed) return;
  server.killed = true;
  try {
    server.child.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      server.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 15_000);
  await server.child.status;
  clearTimeout(timer);
}

/** A counting semaphore: at most `size` requests in flight. */
class Gate {
  #free: number;
  #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async enter(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The percentile `q` (0..1) of some numbers, nearest rank. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))];
}

/** What happened to one attempt. */
type Attempt =
  | { kind: "ok"; status: number; body: unknown }
  | { kind: "refused"; status?: number; retryAfter: number; message: string }
  | { kind: "unanswered"; message: string }
  | { kind: "unclean"; status: number; message: string }
  | { kind: "hung" };

/** Shared counters of a load run. */
class Tally {
  latencies: number[] = [];
  writeLatencies: number[] = [];
  refused = 0;
  unanswered = 0;
  givenUp = 0;
  hung = 0;
  maxLatency = 0;
  unclean: string[] = [];
  answered = 0;
  /** While the cluster is cut: the answers seen. */
  cutWindow:
    | { start: number; end?: number; answers: number; maxMs: number; messages: Set<string> }
    | undefined;
}

/** The HTTP client of the simulated users: fails over between servers and retries clean refusals. */
class Client {
  #servers: Server[];
  #gate: Gate;
  #tally: Tally;
  #hangMs: number;
  #giveUpMs: number;

  constructor(
    servers: Server[],
    gate: Gate,
    tally: Tally,
    options: { hangMs: number; giveUpMs: number },
  ) {
    this.#servers = servers;
    this.#gate = gate;
    this.#tally = tally;
    this.#hangMs = options.hangMs;
    this.#giveUpMs = options.giveUpMs;
  }

  async #attempt(
    server: Server,
    method: string,
    path: string,
    token: string,
    body: unknown,
  ): Promise<Attempt> {
    await this.#gate.enter();
    const started = performance.now();
    try {
      const response = await fetch(`${server.origin}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#hangMs),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      this.#tally.maxLatency = Math.max(this.#tally.maxLatency, ms);
      // A request in flight at any time while the cluster is down counts for the cut.
      const cut = this.#tally.cutWindow;
      const inCut = cut !== undefined && cut.start <= started + ms &&
        (cut.end === undefined || started <= cut.end);
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch { /* not JSON */ }
      const message = (parsed as { error?: { message?: string } })?.error?.message ??
        text.slice(0, 200);
      if (inCut) {
        cut.answers++;
        cut.maxMs = Math.max(cut.maxMs, ms);
        if (!response.ok) cut.messages.add(`${response.status} ${message}`);
      }
      if (response.ok) {
        this.#tally.latencies.push(ms);
        this.#tally.answered++;
        if (method !== "GET") this.#tally.writeLatencies.push(ms);
        return { kind: "ok", status: response.status, body: parsed };
      }
      if (response.status === 503 || response.status === 429) {
        const retryAfter = Number(response.headers.get("retry-after") ?? "1");
        return {
          kind: "refused",
          status: response.status,
          retryAfter: Number.isFinite(retryAfter) ? retryAfter : 1,
          message,
        };
      }
      return { kind: "unclean", status: response.status, message };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof DOMException && error.name === "TimeoutError") return { kind: "hung" };
      if (/connection refused|os error 111/i.test(message)) {
        return { kind: "refused", retryAfter: 0, message };
      }
      return { kind: "unanswered", message };
    } finally {
      this.#gate.leave();
    }
  }

  /**
   * One operation, retried until it succeeds: a refused or unanswered attempt
   * moves on to the next server. Returns undefined when given up.
   */
  async call<T>(
    home: number,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ body: T; unanswered: number } | undefined> {
    const deadline = performance.now() + this.#giveUpMs;
    let at = home;
    let unanswered = 0;
    for (let tries = 0;; tries++) {
      // With every server gone there is no one left to answer.
      if (this.#servers.every((s) => s.exitCode !== undefined)) {
        this.#tally.givenUp++;
        return undefined;
      }
      const server = this.#servers[at % this.#servers.length];
      const result = await this.#attempt(server, method, path, token, body);
      if (result.kind === "ok") return { body: result.body as T, unanswered };
      if (result.kind === "unclean") {
        this.#tally.unclean.push(`${method} ${path}: ${result.status} ${result.message}`);
        return undefined;
      }
      if (result.kind === "hung") {
        this.#tally.hung++;
        if (method !== "GET") unanswered++;
      } else if (result.kind === "unanswered") {
        if (method !== "GET") {
          unanswered++;
          this.#tally.unanswered++;
        }
      } else {
        this.#tally.refused++;
      }
      if (performance.now() > deadline) {
        this.#tally.givenUp++;
        return undefined;
      }
      if (result.kind === "refused" && result.status !== undefined) {
        // The store said when to come back; jitter spreads the returning users.
        await sleep(Math.min(result.retryAfter, 2) * 1000 * (0.5 + Math.random()));
      } else {
        at++;
        await sleep(50 + Math.random() * 100);
      }
      if (tries > 10_000) return undefined;
    }
  }
}

interface Account {
  u: number;
  name: string;
  token: string;
}

/** What the users' loop acknowledged. */
interface Acks {
  experiments: Map<number, string>;
  jobs: Map<string, string>;
  unanswered: Map<string, number>;
  runs: number;
}

async function simulateUser(
  client: Client,
  account: Account,
  home: number,
  runs: number,
  acks: Acks,
): Promise<void> {
  const created = await client.call<{ id: string }>(
    home,
    "POST",
    "/api/v1/experiments",
    account.token,
    { title: experimentTitle(account.u), purpose: "Load bench", tags: ["load"] },
  );
  if (created?.unanswered) acks.unanswered.set(`e${account.u}`, created.unanswered);
  if (!created) return;
  const experimentId = created.body.id;
  acks.experiments.set(account.u, experimentId);
  for (let r = 1; r <= runs; r++) {
    const ran = await client.call<{ job: { id: string } }>(
      home,
      "POST",
      "/api/v1/runs",
      account.token,
      { module: MODULE, input: runInput(r), experimentId },
    );
    if (ran?.unanswered) acks.unanswered.set(`${account.u}:${r}`, ran.unanswered);
    if (!ran) continue;
    acks.jobs.set(`${account.u}:${r}`, ran.body.job.id);
    acks.runs++;
    await client.call(home, "GET", `/api/v1/jobs/${ran.body.job.id}`, account.token);
    await client.call(home, "GET", "/api/v1/experiments?limit=20", account.token);
  }
  await client.call(home, "GET", `/api/v1/experiments/${experimentId}`, account.token);
  await client.call(home, "GET", `/api/v1/jobs?experimentId=${experimentId}`, account.token);
}

/** Runs `work` over `items` with at most `width` at once. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** The README's independent Python verifier, as printed there. */
async function readmeVerifier(): Promise<string> {
  const text = await Deno.readTextFile(README);
  const match = /```python\n(import hashlib, json, sys\n[\s\S]*?)```/.exec(text);
  if (!match) throw new Error("README.md has no Python verifier block");
  return match[1];
}

async function pythonAvailable(): Promise<boolean> {
  try {
    return (await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output()).success;
  } catch {
    return false;
  }
}

interface StatusJson {
  counts: { experiments: number; jobs: number; datasets: number };
  auditHead: { seq: number; hash: string };
}

async function status(store: StoreHandle): Promise<StatusJson> {
  return JSON.parse(await cliOk(store, ["--json", "status"])) as StatusJson;
}

/**
 * Runs one load: sets up the store, users and servers, runs the users,
 * injects the faults, then checks the store.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const processes = options.processes ?? 2;
  const users = options.users ?? 100;
  const runs = options.runs ?? 10;
  const concurrency = options.concurrency ?? 32;
  const log = options.log ?? (() => {});
  if (options.store === "folder" && (options.restartPostgres || options.cut)) {
    throw new Error("--restart-postgres and --cut need --store postgres");
  }
  const root = await Deno.makeTempDir({ prefix: "labos-load-" });
  const store = await openStore(options.store, root);
  const servers: Server[] = [];
  try {
    return await loadOn(store, servers, {
      ...options,
      processes,
      users,
      runs,
      concurrency,
      log,
    });
  } finally {
    for (const server of servers) await stopServer(server);
    await store.dispose();
    if (options.keep) log(`kept ${root}`);
    else await Deno.remove(root, { recursive: true });
  }
}

async function loadOn(
  store: StoreHandle,
  servers: Server[],
  options: LoadOptions & {
    processes: number;
    users: number;
    runs: number;
    concurrency: number;
    log: (line: string) => void;
  },
): Promise<LoadReport> {
  const { processes, users, runs, concurrency, log } = options;
  const setupStarted = performance.now();
  await cliOk(store, ["init"]);
  await cliOk(store, [
    "users",
    "add",
    "loadadmin",
    "--role",
    "admin",
    "--password-stdin",
  ], `${PASSWORD}\n`);
  const admin = (JSON.parse(await cliOk(store, ["--json", "users", "token", "loadadmin"])) as {
    token: string;
  }).token;
  const accounts: Account[] = [];
  await pool(Array.from({ length: users }, (_, u) => u), 2, async (u) => {
    const name = userName(u);
    await cliOk(
      store,
      ["users", "add", name, "--role", "student", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    const { token } = JSON.parse(await cliOk(store, ["--json", "users", "token", name])) as {
      token: string;
    };
    accounts.push({ u, name, token });
  });
  accounts.sort((a, b) => a.u - b.u);
  log(
    `${users} users and tokens made in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
  );

  for (let i = 0; i < processes; i++) servers.push(await startServer(store, i));
  log(`${processes} servers: ${servers.map((s) => s.origin).join(", ")}`);

  // Events per create, per first run (which also starts the experiment) and per later run,
  // measured through the API so the checks follow the code.
  const tally = new Tally();
  const gate = new Gate(concurrency);
  const hangMs = (options.hangSeconds ?? 60) * 1000;
  const client = new Client(servers, gate, tally, {
    hangMs,
    giveUpMs: (options.giveUpSeconds ?? 240) * 1000,
  });
  const head = async () =>
    (await client.call<{ seq: number }>(0, "GET", "/api/v1/audit/head", admin))!.body.seq;
  const h0 = await head();
  const calibration = (await client.call<{ id: string }>(0, "POST", "/api/v1/experiments", admin, {
    title: "Load calibration",
  }))!.body.id;
  const h1 = await head();
  await client.call(0, "POST", "/api/v1/runs", admin, {
    module: MODULE,
    input: runInput(0),
    experimentId: calibration,
  });
  const h2 = await head();
  await client.call(0, "POST", "/api/v1/runs", admin, {
    module: MODULE,
    input: runInput(0),
    experimentId: calibration,
  });
  const h3 = await head();
  const cost = { create: h1 - h0, firstRun: h2 - h1, run: h3 - h2 };
  const baseline = await status(store);
  tally.latencies.length = 0;
  tally.writeLatencies.length = 0;
  tally.answered = 0;

  const acks: Acks = { experiments: new Map(), jobs: new Map(), unanswered: new Map(), runs: 0 };
  const faults: string[] = [];
  let cutReport: LoadReport["cut"];
  let finishCut = () => {};
  const total = users * runs;
  const plan: Array<{ at: number; inject: () => Promise<void> }> = [];
  if (options.killServer) {
    plan.push({
      at: 0.3,
      inject: async () => {
        const victim = servers[servers.length - 1];
        victim.killed = true;
        victim.child.kill("SIGKILL");
        await victim.child.status;
        faults.push(`kill -9 server ${victim.index + 1}`);
        log(`fault: kill -9 server ${victim.index + 1} at ${acks.runs}/${total} runs`);
      },
    });
  }
  if (options.restartPostgres && store.cluster) {
    const cluster = store.cluster;
    plan.push({
      at: 0.5,
      inject: async () => {
        const t0 = performance.now();
        await cluster.restart();
        faults.push("PostgreSQL restart");
        log(
          `fault: pg_ctl restart at ${acks.runs}/${total} runs (${
            ((performance.now() - t0) / 1000).toFixed(1)
          } s)`,
        );
      },
    });
  }
  if (options.cut && store.cluster) {
    const cluster = store.cluster;
    const seconds = options.cutSeconds ?? 6;
    plan.push({
      at: 0.7,
      inject: async () => {
        await cluster.halt();
        log(`fault: cluster stopped at ${acks.runs}/${total} runs for ${seconds} s`);
        tally.cutWindow = { start: performance.now(), answers: 0, maxMs: 0, messages: new Set() };
        const probe = cli(store, ["status"], { timeoutMs: hangMs });
        await sleep(seconds * 1000);
        const window = tally.cutWindow;
        window.end = performance.now();
        const cliResult = await probe;
        await cluster.start();
        faults.push(`cluster stopped ${seconds} s`);
        log("cluster started again");
        // Read once the load is over, when every request sent during the cut has its answer.
        finishCut = () => {
          cutReport = {
            seconds,
            answers: window.answers,
            maxAnswerMs: window.maxMs,
            message: [...window.messages][0] ?? "",
            clean: [...window.messages].every((m) => /^503 /.test(m) && !m.includes("\n")),
            cli: { code: cliResult.code, ms: cliResult.ms, stderr: cliResult.stderr.trim() },
          };
        };
      },
    });
  }

  const started = performance.now();
  let finished = false;
  let injectorError: unknown;
  const injector = (async () => {
    for (const step of plan) {
      while (!finished && acks.runs < step.at * total) await sleep(20);
      if (finished) break;
      await step.inject();
    }
  })().catch((error) => injectorError = error);
  await Promise.all(
    accounts.map((account) => simulateUser(client, account, account.u % processes, runs, acks)),
  );
  const seconds = (performance.now() - started) / 1000;
  finished = true;
  await injector;
  if (injectorError) throw injectorError;
  finishCut();
  log(`load done in ${seconds.toFixed(1)} s: ${acks.runs} runs acknowledged`);
  const died = servers.filter((server) => !server.killed && server.exitCode !== undefined);
  for (const server of died) {
    log(`server ${server.index + 1} died:\n${server.stderr().slice(0, 4000)}`);
  }
  const latencies = [...tally.latencies];
  const writeLatencies = [...tally.writeLatencies];
  const answered = tally.answered;
  for (const server of servers) await stopServer(server);

  const checks = await checkStore(store, {
    admin,
    accounts,
    acks,
    baseline,
    cost,
    runs,
  });
  const lost = checks.lost;
  const report: LoadReport = {
    store: options.store,
    processes,
    users,
    runs,
    concurrency,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    writes: { p50: percentile(writeLatencies, 0.5), p95: percentile(writeLatencies, 0.95) },
    throughput: answered / seconds,
    runsPerSecond: acks.runs / seconds,
    seconds,
    faults,
    acknowledged: { experiments: acks.experiments.size, jobs: acks.jobs.size },
    writesLost: lost,
    refused: tally.refused,
    unanswered: tally.unanswered,
    unansweredStored: checks.unansweredStored,
    givenUp: tally.givenUp,
    unclean: { count: tally.unclean.length, samples: tally.unclean.slice(0, 5) },
    hung: tally.hung,
    maxLatency: tally.maxLatency,
    ...(cutReport ? { cut: cutReport } : {}),
    checks: checks.list,
    ok: false,
  };
  report.checks.unshift({
    name: "no server died on its own",
    ok: died.length === 0,
    detail: died.length === 0
      ? `${processes} started`
      : died.map((server) =>
        `server ${server.index + 1} exited with code ${server.exitCode}: ${
          server.stderr().trim().split("\n").find((line) => /error/i.test(line)) ?? ""
        }`
      ).join("; "),
  });
  if (cutReport) {
    const oneLine = (s: string) => s.length > 0 && !s.includes("\n");
    report.checks.push({
      name: "cut: requests answered cleanly and in time",
      ok: cutReport.answers > 0 && cutReport.maxAnswerMs < hangMs &&
        cutReport.clean,
      detail: `${cutReport.answers} answers, slowest ${
        cutReport.maxAnswerMs.toFixed(0)
      } ms; ${cutReport.message}`,
    });
    report.checks.push({
      name: "cut: the CLI fails with one line in time",
      ok: cutReport.cli.code === 1 && oneLine(cutReport.cli.stderr) && cutReport.cli.ms < hangMs,
      detail: `exit ${cutReport.cli.code} after ${
        cutReport.cli.ms.toFixed(0)
      } ms: ${cutReport.cli.stderr}`,
    });
  }
  report.ok = report.writesLost === 0 && report.unclean.count === 0 && report.hung === 0 &&
    report.checks.every((check) => check.ok);
  return report;
}

interface Job {
  id: string;
  experimentId?: string;
  outputDatasetId: string | null;
  status: string;
  input?: { finalTempC?: number };
}

/** Checks the store after the load, through a fresh server and the CLI. */
async function checkStore(
  store: StoreHandle,
  context: {
    admin: string;
    accounts: Account[];
    acks: Acks;
    baseline: StatusJson;
    cost: { create: number; firstRun: number; run: number };
    runs: number;
  },
): Promise<{ list: LoadCheck[]; lost: number; unansweredStored: number }> {
  const { admin, accounts, acks, baseline, cost } = context;
  const list: LoadCheck[] = [];
  const verifier = await startServer(store, 99);
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${verifier.origin}${path}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    if (!response.ok) {
      throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    }
    return await response.json() as T;
  };
  let lost = 0;
  let unansweredStored = 0;
  const lostSamples: string[] = [];
  let storedExperiments = 0;
  let storedJobs = 0;
  let startedExperiments = 0;
  let halfWritten = 0;
  try {
    // Every experiment of the load, by its title's user.
    const byTitle = new Map(accounts.map((a) => [experimentTitle(a.u), a.u]));
    const byUser = new Map<number, string[]>();
    for (let offset = 0;; offset += 1000) {
      const page = await get<{ items: Array<{ id: string; title: string }>; hasMore: boolean }>(
        `/api/v1/experiments?tag=load&limit=1000&offset=${offset}`,
      );
      for (const item of page.items) {
        const u = byTitle.get(item.title);
        if (u === undefined) continue;
        byUser.set(u, [...(byUser.get(u) ?? []), item.id]);
        storedExperiments++;
      }
      if (!page.hasMore) break;
    }
    await pool(accounts, 4, async (account) => {
      const ids = byUser.get(account.u) ?? [];
      const acked = acks.experiments.get(account.u);
      if (acked && !ids.includes(acked)) {
        lost++;
        lostSamples.push(`experiment ${acked} of ${account.name}`);
      }
      if (ids.length > 1 || (ids.length === 1 && !acked)) {
        unansweredStored += ids.length - (acked ? 1 : 0);
      }
      for (const experimentId of ids) {
        const jobs = (await get<{ items: Job[] }>(
          `/api/v1/jobs?experimentId=${experimentId}&limit=1000`,
        )).items;
        const experiment = await get<{ jobIds: string[]; datasetIds: string[] }>(
          `/api/v1/experiments/${experimentId}`,
        );
        storedJobs += jobs.length;
        if (jobs.length > 0) startedExperiments++;
        const perRun = new Map<number, number>();
        for (const job of jobs) {
          perRun.set(runOf(job.input), (perRun.get(runOf(job.input)) ?? 0) + 1);
          // A job without its dataset, or not linked from its experiment, is half-written.
          if (
            job.status !== "succeeded" || !job.outputDatasetId ||
            !experiment.jobIds.includes(job.id) ||
            !experiment.datasetIds.includes(job.outputDatasetId)
          ) halfWritten++;
        }
        for (const [r, n] of perRun) {
          const ackedJob = acks.jobs.get(`${account.u}:${r}`);
          unansweredStored += n - (ackedJob ? 1 : 0);
        }
      }
      for (let r = 1; r <= context.runs; r++) {
        const job = acks.jobs.get(`${account.u}:${r}`);
        if (!job) continue;
        try {
          await get(`/api/v1/jobs/${job}`);
        } catch {
          lost++;
          lostSamples.push(`job ${job} (${account.name} run ${r})`);
        }
      }
    });
  } finally {
    await stopServer(verifier);
  }
  const after = await status(store);
  const unansweredAttempts = [...acks.unanswered.values()].reduce((a, b) => a + b, 0);
  list.push({
    name: "every acknowledged write is stored",
    ok: lost === 0,
    detail: lost === 0
      ? `${acks.experiments.size} experiments and ${acks.jobs.size} jobs found`
      : `${lost} missing: ${lostSamples.slice(0, 5).join(", ")}`,
  });
  const newExperiments = after.counts.experiments - baseline.counts.experiments;
  const newJobs = after.counts.jobs - baseline.counts.jobs;
  const newDatasets = after.counts.datasets - baseline.counts.datasets;
  list.push({
    name: "counts are exact",
    ok: newExperiments === storedExperiments && newJobs === storedJobs &&
      newDatasets === storedJobs && storedJobs - acks.jobs.size <= unansweredAttempts &&
      storedExperiments - acks.experiments.size <= unansweredAttempts &&
      storedJobs >= acks.jobs.size,
    detail:
      `status: +${newExperiments} experiments, +${newJobs} jobs, +${newDatasets} datasets; acknowledged ${acks.experiments.size} experiments, ${acks.jobs.size} jobs; ${unansweredAttempts} unanswered write attempts, ${unansweredStored} of them stored`,
  });
  const expectedEvents = storedExperiments * cost.create + startedExperiments * cost.firstRun +
    (storedJobs - startedExperiments) * cost.run;
  list.push({
    name: "audit events match the records",
    ok: after.auditHead.seq - baseline.auditHead.seq === expectedEvents,
    detail: `+${after.auditHead.seq - baseline.auditHead.seq} events, expected ${expectedEvents} (${
      JSON.stringify(cost)
    } per create, first run, run)`,
  });
  list.push({
    name: "nothing half-written",
    ok: halfWritten === 0,
    detail: `${halfWritten} jobs without a dataset or experiment link`,
  });
  const verify = await cli(store, ["audit", "verify"]);
  list.push({
    name: "labos audit verify",
    ok: verify.code === 0,
    detail: (verify.stdout + verify.stderr).trim().split("\n")[0],
  });
  const doctor = await cli(store, ["doctor"]);
  list.push({
    name: "labos doctor",
    ok: doctor.code === 0,
    detail: (doctor.code === 0 ? doctor.stdout : doctor.stdout + doctor.stderr).trim().split("\n")
      .slice(-1)[0] ?? "",
  });
  const exportDir = await Deno.makeTempDir({ prefix: "labos-load-export-" });
  try {
    const file = `${exportDir}/audit.jsonl`;
    const exported = await cli(store, ["audit", "export", "--out", file]);
    list.push({
      name: "labos audit export",
      ok: exported.code === 0,
      detail: (exported.stdout + exported.stderr).trim().split("\n")[0],
    });
    if (exported.code === 0) {
      if (await pythonAvailable()) {
        await Deno.writeTextFile(`${exportDir}/verify.py`, await readmeVerifier());
        const python = await new Deno.Command("python3", {
          args: [`${exportDir}/verify.py`, file, `${file}.head.json`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(python.success ? python.stdout : python.stderr)
          .trim().split("\n").slice(-1)[0];
        list.push({
          name: "README's Python verifier accepts the export",
          ok: python.success &&
            text === `ok: ${after.auditHead.seq} events, head ${after.auditHead.hash}`,
          detail: text,
        });
      } else {
        list.push({
          name: "README's Python verifier accepts the export",
          ok: true,
          detail: "skipped: python3 is not installed",
        });
      }
    }
  } finally {
    await Deno.remove(exportDir, { recursive: true });
  }
  return { list, lost, unansweredStored };
}

/** The table header. */
export const TABLE_HEADER: string =
  "| store | processes | users | runs | p50 | p95 | throughput | faults injected | writes lost |\n" +
  "| ----- | --------: | ----: | ---: | --: | --: | ---------: | --------------- | ----------: |";

/** One row of the table for a report. */
export function tableRow(report: LoadReport): string {
  const faults = report.faults.length === 0 ? "none" : report.faults.join(", ");
  return `| ${
    report.store === "folder" ? "folder" : "PostgreSQL"
  } | ${report.processes} | ${report.users} | ${report.users * report.runs} | ${
    report.p50.toFixed(0)
  } ms | ${report.p95.toFixed(0)} ms | ${report.throughput.toFixed(1)} req/s (${
    report.runsPerSecond.toFixed(1)
  } runs/s) | ${faults} | ${report.writesLost} |`;
}

/** A report as text: the checks, the counters and the table row. */
export function formatReport(report: LoadReport): string {
  const lines = [
    `store ${report.store}, ${report.processes} servers, ${report.users} users × ${report.runs} runs, ${report.concurrency} requests in flight at most`,
    `load ${report.seconds.toFixed(1)} s; all requests p50 ${report.p50.toFixed(1)} ms, p95 ${
      report.p95.toFixed(1)
    } ms; writes p50 ${report.writes.p50.toFixed(1)} ms, p95 ${
      report.writes.p95.toFixed(1)
    } ms; slowest ${report.maxLatency.toFixed(0)} ms`,
    `acknowledged ${report.acknowledged.experiments} experiments, ${report.acknowledged.jobs} jobs; refused attempts ${report.refused}; unanswered ${report.unanswered} (stored ${report.unansweredStored}); given up ${report.givenUp}; unclean ${report.unclean.count}; hung ${report.hung}`,
    ...report.unclean.samples.map((sample) => `  unclean: ${sample}`),
    ...report.checks.map((check) => `${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`),
    `writes lost: ${report.writesLost}`,
  ];
  return lines.join("\n");
}
