/**
 * CLI/API parity: the same data folder read and written through `labos
 * --json ...` (a subprocess) and through the HTTP API (in process) gives the
 * same records, outputs, hashes and error messages.
 *
 * @module
 */
import { assert, assertEquals } from "../_assert.ts";
import { cliJson, runCli } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp } from "../../src/server/mod.ts";

const TOKEN = "parity-test-token-0123456789abcdef";

interface Api {
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

async function withBoth(
  fn: (dataDir: string, api: Api, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-parity-" });
  const dataDir = `${dir}/data`;
  try {
    const lab = openLab({ dataDir, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token: TOKEN, port: 8321 });
    const headers = { host: "127.0.0.1:8321", authorization: `Bearer ${TOKEN}` };
    const api: Api = {
      async get(path) {
        const response = await app.request(`http://127.0.0.1:8321/api/v1${path}`, { headers });
        assertEquals(response.status, 200, path);
        return await response.json();
      },
      async post(path, body) {
        const response = await app.request(`http://127.0.0.1:8321/api/v1${path}`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      },
    };
    await fn(dataDir, api, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface RunResult {
  job: {
    status: string;
    module: string;
    moduleVersion: string;
    inputHash: string;
    outputHash: string;
  };
  dataset: { provenance: { inputHash: string } };
  output: unknown;
}

Deno.test("parity: the same run through labos run --json and POST /api/v1/runs", async () => {
  await withBoth(async (dataDir, api, dir) => {
    const input = {
      massG: 100,
      specificHeatJPerGK: 4.184,
      initialTempC: 22,
      finalTempC: 28.9,
      amountMol: 0.05,
    };
    await Deno.writeTextFile(`${dir}/input.json`, JSON.stringify(input));
    const viaCli = await cliJson<RunResult>([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--input",
      `${dir}/input.json`,
    ]);
    const viaApi = await api.post("/runs", { module: "thermo.calorimetry", input });
    assertEquals(viaApi.status, 201);
    const fromApi = viaApi.body as unknown as RunResult;
    assertEquals(fromApi.output, viaCli.output);
    assertEquals(fromApi.job.inputHash, viaCli.job.inputHash);
    assertEquals(fromApi.job.outputHash, viaCli.job.outputHash);
    assertEquals(fromApi.dataset.provenance.inputHash, viaCli.dataset.provenance.inputHash);
    assertEquals(Object.keys(fromApi.job).sort(), Object.keys(viaCli.job).sort());
    assertEquals(Object.keys(fromApi).sort(), Object.keys(viaCli).sort());

    // Both jobs are in the one data folder, listed the same both ways.
    const cliJobs = await cliJson<unknown[]>(["--data-dir", dataDir, "jobs", "list"]);
    const apiJobs = await api.get("/jobs") as { items: unknown[] };
    assertEquals(apiJobs.items, cliJobs);
    assertEquals(cliJobs.length, 2);

    // The same invalid input gives the same message both ways.
    const bad = await runCli([
      "--data-dir",
      dataDir,
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=-3",
      "--param",
      "deltaTK=2",
    ]);
    assertEquals(bad.code, 2);
    const badApi = await api.post("/runs", {
      module: "thermo.calorimetry",
      params: ["massG=-3", "deltaTK=2"],
    });
    assertEquals(badApi.status, 400);
    assertEquals(`error: ${(badApi.body.error as { message: string }).message}\n`, bad.stderr);
  });
});

Deno.test("parity: experiments created both ways list the same both ways", async () => {
  await withBoth(async (dataDir, api) => {
    const fromCli = await cliJson<Record<string, unknown>>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "From the CLI",
      "--tag",
      "parity",
    ]);
    const fromApi = await api.post("/experiments", { title: "From the API", tags: ["parity"] });
    assertEquals(fromApi.status, 201);
    assertEquals(Object.keys(fromApi.body).sort(), Object.keys(fromCli).sort());
    assertEquals(fromApi.body.status, fromCli.status);

    const cliList = await cliJson<unknown[]>([
      "--data-dir",
      dataDir,
      "experiments",
      "list",
      "--tag",
      "parity",
    ]);
    const apiList = await api.get("/experiments?tag=parity") as {
      items: unknown[];
      hasMore: boolean;
    };
    assertEquals(apiList.items, cliList);
    assertEquals(cliList.length, 2);
    assertEquals(apiList.hasMore, false);

    const id = fromCli.id as string;
    assertEquals(
      await api.get(`/experiments/${id}`),
      await cliJson(["--data-dir", dataDir, "experiments", "show", id]),
    );
    const moved = await api.post(`/experiments/${id}/transition`, {
      to: "running",
      reason: "Parity",
    });
    assertEquals(moved.status, 200);
    assertEquals(moved.body, await cliJson(["--data-dir", dataDir, "experiments", "show", id]));
  });
});

Deno.test("parity: status, modules, audit list and verify agree", async () => {
  await withBoth(async (dataDir, api) => {
    await api.post("/experiments", { title: "Audit me" });
    assertEquals(await api.get("/status"), await cliJson(["--data-dir", dataDir, "status"]));
    assertEquals(
      await api.get("/modules/kinetics.arrhenius"),
      await cliJson(["--data-dir", dataDir, "modules", "show", "kinetics.arrhenius"]),
    );
    const cliAudit = await cliJson<unknown[]>([
      "--data-dir",
      dataDir,
      "audit",
      "list",
      "--limit",
      "5",
    ]);
    const apiAudit = await api.get("/audit?limit=5") as { items: unknown[] };
    assertEquals(apiAudit.items, cliAudit);
    const verified = await api.post("/audit/verify", {});
    assertEquals(verified.body, await cliJson(["--data-dir", dataDir, "audit", "verify"]));
    assert(verified.body.ok);
  });
});
