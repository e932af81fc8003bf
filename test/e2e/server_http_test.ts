/**
 * HTTP tests of the control panel, in process through `app.request()`:
 * authentication, the Host check, CSRF, security headers, body limits,
 * validation errors, escaping, the API routes and the HTML forms.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { openLab, type OpenLabOptions } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import { createApp, csrfToken, SECURITY_HEADERS } from "../../src/server/mod.ts";
import { VERSION } from "../../src/version.ts";

const TOKEN = "http-test-token-0123456789abcdef";
const PORT = 8321;
const ORIGIN = `http://127.0.0.1:${PORT}`;

interface Harness {
  lab: Lab;
  /** A request with the Host header set and, unless `auth: false`, the bearer token. */
  request(path: string, init?: RequestInit & { auth?: boolean; host?: string }): Promise<Response>;
  /** A signed-in browser session: the cookie header from the tokenised URL. */
  session(): Promise<string>;
  csrf: string;
}

async function withPanel(
  fn: (h: Harness) => Promise<void>,
  options: { datasetLimits?: OpenLabOptions["datasetLimits"] } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-http-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "tester", datasetLimits: options.datasetLimits });
    await lab.init();
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const request = (path: string, init: RequestInit & { auth?: boolean; host?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("host")) headers.set("host", init.host ?? `127.0.0.1:${PORT}`);
      if (init.auth !== false && !headers.has("authorization") && !headers.has("cookie")) {
        headers.set("authorization", `Bearer ${TOKEN}`);
      }
      return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
    };
    const session = async () => {
      const response = await request(`/?token=${TOKEN}`, { auth: false });
      assertEquals(response.status, 303);
      const cookie = response.headers.get("set-cookie") ?? "";
      return cookie.split(";")[0];
    };
    await fn({ lab, request, session, csrf: csrfToken(TOKEN) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function json(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

function form(fields: Record<string, string>, cookie: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(fields).toString(),
  };
}

Deno.test("health answers without a token and says only ok and the version", async () => {
  await withPanel(async ({ request }) => {
    const response = await request("/api/v1/health", { auth: false });
    assertEquals(response.status, 200);
    assertEquals(await response.json(), { ok: true, version: VERSION });
  });
});

Deno.test("a missing or bad token is 401, for the API and the pages", async () => {
  await withPanel(async ({ request }) => {
    for (const path of ["/api/v1/experiments", "/", "/experiments", "/assets/style.css"]) {
      const none = await request(path, { auth: false });
      assertEquals(none.status, 401, path);
      await none.body?.cancel();
    }
    const bad = await request("/api/v1/experiments", { headers: { authorization: "Bearer nope" } });
    assertEquals(bad.status, 401);
    assertEquals((await bad.json()).error.kind, "unauthorized");
    const badQuery = await request("/?token=wrong", { auth: false });
    assertEquals(badQuery.status, 401);
    await badQuery.body?.cancel();
    const badCookie = await request("/", { headers: { cookie: `labos_session_${PORT}=forged` } });
    assertEquals(badCookie.status, 401);
    await badCookie.body?.cancel();
  });
});

Deno.test("the tokenised URL sets an HttpOnly SameSite=Strict cookie and drops the token", async () => {
  await withPanel(async ({ request, session }) => {
    const response = await request(`/experiments?status=draft&token=${TOKEN}`, { auth: false });
    assertEquals(response.status, 303);
    assertEquals(response.headers.get("location"), "/experiments?status=draft");
    const cookie = response.headers.get("set-cookie") ?? "";
    assertMatch(cookie, /^labos_session_8321=/);
    assertMatch(cookie, /HttpOnly/);
    assertMatch(cookie, /SameSite=Strict/);
    assert(!cookie.includes(TOKEN), "the cookie does not hold the token itself");
    const page = await request("/experiments", { headers: { cookie: await session() } });
    assertEquals(page.status, 200);
    await page.body?.cancel();
  });
});

Deno.test("a foreign Host or Origin is 403, even with the token", async () => {
  await withPanel(async ({ request }) => {
    for (
      const host of ["evil.example:8321", "127.0.0.1:9999", "localhost", "attacker.localhost:8321"]
    ) {
      const response = await request("/api/v1/experiments", { host });
      assertEquals(response.status, 403, host);
      assertEquals((await response.json()).error.kind, "forbidden");
    }
    const health = await request("/api/v1/health", { host: "evil.example:8321", auth: false });
    assertEquals(health.status, 403);
    await health.body?.cancel();
    for (const host of ["localhost:8321", "127.0.0.1:8321", "[::1]:8321"]) {
      const ok = await request("/api/v1/status", { host });
      assertEquals(ok.status, 200, host);
      await ok.body?.cancel();
    }
    const origin = await request("/api/v1/experiments", {
      ...json({ title: "x" }),
      headers: { "content-type": "application/json", origin: "http://evil.example" },
    });
    assertEquals(origin.status, 403);
    await origin.body?.cancel();
  });
});

Deno.test("a cookie-authenticated change needs the CSRF token; a bearer one does not", async () => {
  await withPanel(async ({ request, session, csrf, lab }) => {
    const cookie = await session();
    const noToken = await request("/experiments", form({ title: "No CSRF" }, cookie));
    assertEquals(noToken.status, 403);
    assertStringIncludes(await noToken.text(), "CSRF");
    const wrong = await request("/experiments", form({ title: "Bad CSRF", _csrf: "x" }, cookie));
    assertEquals(wrong.status, 403);
    await wrong.body?.cancel();
    const apiNoToken = await request("/api/v1/experiments", {
      ...json({ title: "x" }),
      headers: { "content-type": "application/json", cookie },
    });
    assertEquals(apiNoToken.status, 403);
    await apiNoToken.body?.cancel();
    assertEquals((await lab.listExperiments()).items.length, 0, "nothing was created");

    const ok = await request("/experiments", form({ title: "With CSRF", _csrf: csrf }, cookie));
    assertEquals(ok.status, 303);
    assertMatch(ok.headers.get("location") ?? "", /^\/experiments\/exp_/);
    const apiHeader = await request("/api/v1/experiments", {
      ...json({ title: "Header CSRF" }),
      headers: { "content-type": "application/json", cookie, "x-csrf-token": csrf },
    });
    assertEquals(apiHeader.status, 201);
    await apiHeader.body?.cancel();
    const bearer = await request("/api/v1/experiments", json({ title: "Bearer" }));
    assertEquals(bearer.status, 201);
    await bearer.body?.cancel();
    assertEquals((await lab.listExperiments()).items.length, 3);
  });
});

Deno.test("every answer carries the security headers", async () => {
  await withPanel(async ({ request }) => {
    for (
      const [path, auth] of [["/", true], ["/api/v1/health", false], ["/api/v1/nope", true], [
        "/",
        false,
      ], [
        "/assets/style.css",
        true,
      ]] as const
    ) {
      const response = await request(path, { auth });
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        assertEquals(response.headers.get(name), value, `${name} on ${path}`);
      }
      await response.body?.cancel();
    }
    const page = await request("/");
    const text = await page.text();
    assert(!/<script/i.test(text), "no scripts at all");
    assert(!/ style=/i.test(text), "no inline styles");
    assertEquals(
      SECURITY_HEADERS["Content-Security-Policy"],
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
  });
});

Deno.test("record text is escaped: a <script> title renders as text", async () => {
  await withPanel(async ({ request }) => {
    const title = "<script>alert(1)</script>";
    const created = await request(
      "/api/v1/experiments",
      json({ title, purpose: `"><img src=x onerror=alert(1)>` }),
    );
    assertEquals(created.status, 201);
    const { id } = await created.json();
    for (const path of ["/experiments", `/experiments/${id}`, "/", "/audit"]) {
      const body = await (await request(path)).text();
      assert(!body.includes(title), `raw title on ${path}`);
      assert(!body.includes("<img src=x"), `raw purpose on ${path}`);
      if (path.startsWith("/experiments")) {
        assertStringIncludes(body, "&lt;script&gt;alert(1)&lt;/script&gt;");
      }
    }
  });
});

Deno.test("validation errors are 400 with a body listing the bad fields", async () => {
  await withPanel(async ({ request, lab }) => {
    const run = await request(
      "/api/v1/runs",
      json({ module: "thermo.calorimetry", input: { massG: -3, deltaTK: 2 } }),
    );
    assertEquals(run.status, 400);
    const body = await run.json();
    assertEquals(body.error.kind, "invalid");
    assertStringIncludes(body.error.message, "massG");
    assertEquals(body.error.issues, [{
      path: "massG",
      message: "must be > 0: current value is -3",
    }]);
    assertEquals((await lab.listJobs()).items.length, 0, "an invalid run records nothing");

    const experiment = await request("/api/v1/experiments", json({ title: 42, tags: "x" }));
    assertEquals(experiment.status, 400);
    const issues = (await experiment.json()).error.issues.map((i: { path: string }) => i.path);
    assertEquals(issues.sort(), ["tags", "title"]);

    const notJson = await request("/api/v1/experiments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    assertEquals(notJson.status, 400);
    assertStringIncludes((await notJson.json()).error.message, "not valid JSON");

    const paging = await request("/api/v1/experiments?limit=abc");
    assertEquals(paging.status, 400);
    assertEquals((await paging.json()).error.issues[0].path, "limit");

    const missing = await request("/api/v1/experiments/exp_01JAAAAAAAAAAAAAAAAAAAAAAA");
    assertEquals(missing.status, 404);
    assertEquals((await missing.json()).error.kind, "not_found");

    const unknown = await request("/api/v1/nothing/here");
    assertEquals(unknown.status, 404);
    assertEquals((await unknown.json()).error.kind, "not_found");
  });
});

Deno.test(
  "oversized bodies are 413: 1 MiB for JSON; CSV uploads follow the dataset limit (item 7)",
  async () => {
    await withPanel(async ({ request }) => {
      const big = JSON.stringify({ title: "x", purpose: "a".repeat(1024 * 1024 + 10) });
      const tooBig = await request("/api/v1/experiments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      assertEquals(tooBig.status, 413);
      assertEquals((await tooBig.json()).error.kind, "payload_too_large");

      const row = "1,2,3\n";
      const twoMiB = `a,b,c\n${row.repeat(Math.ceil((2 * 1024 * 1024) / row.length))}`;
      const upload = await request("/api/v1/datasets/import?fileName=big.csv", {
        method: "POST",
        body: twoMiB,
      });
      assertEquals(upload.status, 201, "a 2 MiB CSV is accepted on the upload route");
      await upload.body?.cancel();

      // Past the dataset limit but within the form's slack: the import names the file and the limit.
      const overLimit = `a,b,c\n${row.repeat(Math.ceil((4.5 * 1024 * 1024) / row.length))}`;
      const refused = await request("/api/v1/datasets/import?fileName=over.csv", {
        method: "POST",
        body: overLimit,
      });
      assertEquals(refused.status, 400);
      assertEquals(
        (await refused.json()).error.message,
        'Cannot import "over.csv": the file is 4.5 MiB, more than the 4 MiB limit of a dataset',
      );

      const sixMiB = `a,b,c\n${row.repeat(Math.ceil((6 * 1024 * 1024) / row.length))}`;
      const tooBigUpload = await request("/api/v1/datasets/import?fileName=huge.csv", {
        method: "POST",
        body: sixMiB,
      });
      assertEquals(tooBigUpload.status, 413);
      assertEquals(
        (await tooBigUpload.json()).error.message,
        "The request body is larger than 5 MiB",
      );

      // A chunked body without Content-Length is counted as it streams.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new TextEncoder().encode("a".repeat(256 * 1024));
          for (let i = 0; i < 5; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const chunked = await request("/api/v1/experiments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
      });
      assertEquals(chunked.status, 413);
      await chunked.body?.cancel();
    }, { datasetLimits: { maxBytes: 4 * 1024 * 1024 } });
  },
);

Deno.test("API: experiments, runs, jobs, plots, datasets, lineage, import, download and audit", async () => {
  await withPanel(async ({ request }) => {
    const created =
      await (await request("/api/v1/experiments", json({ title: "Kinetics", tags: ["k"] }))).json();
    assertEquals(created.status, "draft");
    const list = await (await request("/api/v1/experiments?status=draft&tag=k&limit=10")).json();
    assertEquals(list.items.map((e: { id: string }) => e.id), [created.id]);
    assertEquals(list.hasMore, false);

    const imported = await request(
      `/api/v1/datasets/import?fileName=rates.csv&experimentId=${created.id}&units=T=K`,
      {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: "T,k\n650,1.66\n700,7.39\n",
      },
    );
    assertEquals(imported.status, 201);
    const dataset = await imported.json();
    assertEquals(dataset.table.columns[0], { name: "T", type: "integer", unit: "K" });

    const run = await request(
      "/api/v1/runs",
      json({
        module: "kinetics.arrhenius",
        fromDataset: dataset.id,
        map: ["temperaturesK=T", "rateConstants=k"],
        experimentId: created.id,
      }),
    );
    assertEquals(run.status, 201);
    const result = await run.json();
    assertEquals(result.job.status, "succeeded");
    assertEquals(result.job.inputDatasetIds, [dataset.id]);
    assert(result.output.activationEnergyKJPerMol > 100);

    const plot = await request(`/api/v1/jobs/${result.job.id}/plot.svg`);
    assertEquals(plot.status, 200);
    assertEquals(plot.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    assertStringIncludes(await plot.text(), "<svg");

    const lineage = await (await request(`/api/v1/datasets/${result.dataset.id}/lineage`)).json();
    assertEquals(lineage.nodes.map((n: { kind: string }) => n.kind).sort(), [
      "dataset",
      "dataset",
      "file",
      "job",
    ]);
    const lineageSvg = await request(`/api/v1/datasets/${result.dataset.id}/lineage.svg`);
    assertStringIncludes(await lineageSvg.text(), "<svg");

    const csv = await request(`/api/v1/datasets/${dataset.id}/download`);
    assertEquals(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assertEquals(await csv.text(), "T,k\r\n650,1.66\r\n700,7.39\r\n");
    const output = await request(`/api/v1/datasets/${result.dataset.id}/download`);
    assertMatch(output.headers.get("content-disposition") ?? "", /\.json"$/);
    assertEquals((await output.json()).output, result.output);

    const jobs = await (await request(`/api/v1/jobs?experimentId=${created.id}`)).json();
    assertEquals(jobs.items.length, 1);
    const moved = await request(
      `/api/v1/experiments/${created.id}/transition`,
      json({ to: "completed", reason: "Done" }),
    );
    assertEquals((await moved.json()).status, "completed");
    const illegal = await request(
      `/api/v1/experiments/${created.id}/transition`,
      json({ to: "draft", reason: "Again" }),
    );
    assertEquals(illegal.status, 409);
    assertEquals((await illegal.json()).error.kind, "conflict");
    const noReason = await request(
      `/api/v1/experiments/${created.id}/transition`,
      json({ to: "archived" }),
    );
    assertEquals(noReason.status, 400);
    assertEquals((await noReason.json()).error.issues[0].path, "reason");

    const audit = await (await request(`/api/v1/audit?target=experiment:${created.id}&limit=2`))
      .json();
    assertEquals(audit.items.length, 2);
    assertEquals(audit.items[0].action, "experiment.transitioned");
    assertEquals(audit.hasMore, true);
    const byAction = await (await request("/api/v1/audit?action=job.succeeded")).json();
    assertEquals(byAction.items.length, 1);
    const verify = await request("/api/v1/audit/verify", { method: "POST" });
    const verified = await verify.json();
    assertEquals(verified.ok, true);
    const head = await (await request("/api/v1/audit/head")).json();
    assertEquals(verified.events, head.seq);

    const modules = await (await request("/api/v1/modules")).json();
    assert(modules.some((m: { key: string }) => m.key === "thermo.calorimetry"));
    const calorimetry = await (await request("/api/v1/modules/thermo.calorimetry")).json();
    assertEquals(calorimetry.inputSchema.type, "object");
    const unknownModule = await request("/api/v1/modules/nope.nope");
    assertEquals(unknownModule.status, 404);
    await unknownModule.body?.cancel();
  });
});

Deno.test("a module failure is recorded and answered 422 with the failed job", async () => {
  await withPanel(async ({ request }) => {
    // Two equal temperatures make the Arrhenius fit impossible.
    const response = await request(
      "/api/v1/runs",
      json({
        module: "kinetics.arrhenius",
        input: { temperaturesK: [700, 700], rateConstants: [1, 2] },
      }),
    );
    assertEquals(response.status, 422);
    const body = await response.json();
    assertEquals(body.job.status, "failed");
    assert(body.job.error.message.length > 0);
    assertEquals(body.dataset, null);
    assertEquals(body.output, null);
  });
});

Deno.test("multipart CSV import works like labos import", async () => {
  await withPanel(async ({ request, session, csrf }) => {
    const data = new FormData();
    data.set(
      "file",
      new File(["time_s;conc\n0;1,5\n10;0,75\n"], "decay.csv", { type: "text/csv" }),
    );
    data.set("decimalComma", "on");
    data.set("units", "time_s=s");
    const api = await request("/api/v1/datasets/import", { method: "POST", body: data });
    assertEquals(api.status, 201);
    const dataset = await api.json();
    assertEquals(dataset.source.fileName, "decay.csv");
    assertEquals(dataset.table.values, [[0, 10], [1.5, 0.75]]);

    const cookie = await session();
    const page = new FormData();
    page.set("_csrf", csrf);
    page.set("file", new File(["a,b\n1,2\n"], "page.csv"));
    page.set("title", "From the page");
    const uploaded = await request("/datasets/import", {
      method: "POST",
      body: page,
      headers: { cookie },
    });
    assertEquals(uploaded.status, 303);
    const shown = await (await request(uploaded.headers.get("location") ?? "")).text();
    assertStringIncludes(shown, "From the page");
    assertStringIncludes(shown, "Lineage");

    const broken = new FormData();
    broken.set("_csrf", csrf);
    broken.set("file", new File(["a,b\n1,2,3\n"], "broken.csv"));
    const rejected = await request("/datasets/import", {
      method: "POST",
      body: broken,
      headers: { cookie },
    });
    assertEquals(rejected.status, 400);
    assertStringIncludes(await rejected.text(), "Nothing was imported");
  });
});

Deno.test("the run form shows inline errors, keeps the values and records nothing", async () => {
  await withPanel(async ({ request, session, csrf, lab }) => {
    const cookie = await session();
    const response = await request(
      "/modules/thermo.calorimetry/run",
      form({ _csrf: csrf, massG: "-3", deltaTK: "abc", specificHeatJPerGK: "" }, cookie),
    );
    assertEquals(response.status, 400);
    const page = await response.text();
    assertMatch(page, /id="in-massG-error">must be &gt; 0: current value is -3</);
    assertMatch(page, /id="in-deltaTK-error">must be a number: current value is &quot;abc&quot;</);
    assertMatch(page, /name="massG" value="-3"/);
    assertStringIncludes(page, "nothing was recorded");
    assertEquals((await lab.listJobs()).items.length, 0);

    const rows = await request(
      "/modules/ms.neutral-losses/run",
      form({ _csrf: csrf, precursorMz: "58", peaks: "mz, intensity\n58, 30\n43, -1" }, cookie),
    );
    assertEquals(rows.status, 400);
    assertStringIncludes(await rows.text(), "row 2, intensity: must be &gt;= 0");

    const good = await request(
      "/modules/ms.neutral-losses/run",
      form({
        _csrf: csrf,
        precursorMz: "58",
        peaks: "mz, intensity\n58, 30\n43, 100\n15, 20",
        tolerance: "",
      }, cookie),
    );
    assertEquals(good.status, 303);
    const jobPage = await (await request(good.headers.get("location") ?? "")).text();
    assertStringIncludes(jobPage, "succeeded");
    assertStringIncludes(jobPage, "/plot.svg");
    assertEquals((await lab.listJobs()).items.length, 1);
  });
});

Deno.test("example links prefill the run form, and every page has a title and a breadcrumb", async () => {
  await withPanel(async ({ request, lab }) => {
    const example = await (await request("/modules/kinetics.arrhenius?example=0")).text();
    assertMatch(example, /<textarea name="temperaturesK"[^>]*>650, 700<\/textarea>/);
    const experiment = await lab.createExperiment({ title: "Pages" });
    const run = await lab.run({ module: "thermo.calorimetry", input: { massG: 100, deltaTK: 2 } });
    const pages = [
      "/",
      "/experiments",
      "/experiments/new",
      `/experiments/${experiment.id}`,
      "/modules",
      "/modules/thermo.calorimetry",
      "/jobs",
      `/jobs/${run.job.id}`,
      "/datasets",
      `/datasets/${run.dataset?.id}`,
      "/datasets/import",
      "/audit",
      "/glossary",
    ];
    for (const path of pages) {
      const response = await request(path);
      assertEquals(response.status, 200, path);
      const body = await response.text();
      assertMatch(body, /<title>[^<]+ · LabOS<\/title>/, path);
      assertStringIncludes(body, 'aria-label="Breadcrumb"');
      assertStringIncludes(body, "<main");
      for (const id of body.matchAll(/<input[^>]*type="(?:text|file)"[^>]*>/g)) {
        const idMatch = /id="([^"]+)"/.exec(id[0]);
        assert(
          idMatch && body.includes(`for="${idMatch[1]}"`),
          `an input without a label on ${path}: ${id[0]}`,
        );
      }
    }
    const missing = await request("/experiments/exp_01JAAAAAAAAAAAAAAAAAAAAAAA");
    assertEquals(missing.status, 404);
    assertStringIncludes(await missing.text(), "No experiment with id");
  });
});

Deno.test("modes change the presentation, never the data", async () => {
  await withPanel(async ({ request, session, csrf, lab }) => {
    const experiment = await lab.createExperiment({ title: "Modes" });
    const cookie = await session();
    const pageIn = async (mode: string) => {
      const set = await request(
        "/mode",
        form({ _csrf: csrf, mode, back: `/experiments/${experiment.id}` }, cookie),
      );
      assertEquals(set.status, 303);
      assertEquals(set.headers.get("location"), `/experiments/${experiment.id}`);
      const modeCookie = (set.headers.get("set-cookie") ?? "").split(";")[0];
      assertEquals(modeCookie, `labos_mode=${mode}`);
      const headers = { cookie: `${cookie}; ${modeCookie}` };
      return {
        experiment: await (await request(`/experiments/${experiment.id}`, { headers })).text(),
        module: await (await request("/modules/spectroscopy.beer-lambert", { headers })).text(),
      };
    };
    const learner = await pageIn("learner");
    assertStringIncludes(learner.module, "What happens when I click Run");
    assertStringIncludes(learner.module, '<abbr title="');
    assert(!learner.experiment.includes("(JSON)"), "learners see no raw JSON");
    const lab_ = await pageIn("lab");
    assert(!lab_.module.includes("What happens when I click Run"));
    const builder = await pageIn("builder");
    assertStringIncludes(builder.experiment, "Experiment record (JSON)");
    assertStringIncludes(builder.module, "Input JSON Schema");
    for (const page of [learner, lab_, builder]) assertStringIncludes(page.experiment, "Modes");

    const failed = await lab.run({
      module: "kinetics.arrhenius",
      input: { temperaturesK: [700, 700], rateConstants: [1, 2] },
    });
    assertEquals(failed.job.status, "failed");
    const jobIn = async (mode: string) =>
      await (await request(`/jobs/${failed.job.id}`, {
        headers: { cookie: `${cookie}; labos_mode=${mode}` },
      })).text();
    // A one-line failure has no detail, and stacks are kept only with LABOS_DEBUG=1
    // (hardening item 29): builders see the job record, nobody sees a stack block.
    assertStringIncludes(await jobIn("builder"), "Job record (JSON)");
    for (const mode of ["builder", "lab"]) {
      assert(
        !(await jobIn(mode)).includes('<pre class="stack">'),
        `no stack block in ${mode} mode`,
      );
    }
    assertStringIncludes(await jobIn("lab"), "This job failed");

    const offsite = await request(
      "/mode",
      form({ _csrf: csrf, mode: "lab", back: "//evil.example/" }, cookie),
    );
    assertEquals(offsite.headers.get("location"), "/");
    const bad = await request("/mode", form({ _csrf: csrf, mode: "root" }, cookie));
    assertEquals(bad.status, 400);
    await bad.body?.cancel();
  });
});

Deno.test("transitions from the page need a reason, and the audit page verifies the chain", async () => {
  await withPanel(async ({ request, session, csrf, lab }) => {
    const experiment = await lab.createExperiment({ title: "Lifecycle" });
    const cookie = await session();
    const blank = await request(
      `/experiments/${experiment.id}/transition`,
      form({ _csrf: csrf, to: "running", reason: " " }, cookie),
    );
    assertEquals(blank.status, 400);
    assertStringIncludes(await blank.text(), "A reason is required");
    assertEquals((await lab.getExperiment(experiment.id)).status, "draft");
    const moved = await request(
      `/experiments/${experiment.id}/transition`,
      form({ _csrf: csrf, to: "running", reason: "Samples ready" }, cookie),
    );
    assertEquals(moved.status, 303);
    const detail = await (await request(moved.headers.get("location") ?? "")).text();
    assertStringIncludes(detail, "Moved to <strong>running</strong>");
    assertStringIncludes(detail, "“Samples ready”");

    const before = await (await request("/audit")).text();
    assertStringIncludes(before, "Not verified since the server started");
    const verify = await request("/audit/verify", form({ _csrf: csrf, back: "/audit" }, cookie));
    assertEquals(verify.status, 303);
    const after = await (await request("/audit")).text();
    const head = await lab.auditHead();
    assertStringIncludes(after, `ok: ${head.seq} events`);
    assertStringIncludes(after, head.hash);
  });
});

Deno.test("cached pages follow changes made elsewhere, such as by the CLI in another process", async () => {
  await withPanel(async ({ request, lab }) => {
    const before = await (await request("/experiments")).text();
    assert(!before.includes("Made elsewhere"));
    assertStringIncludes(await (await request("/")).text(), '<span class="value">0</span>');
    const other = openLab({ dataDir: lab.dataDir, actor: "someone-else" });
    await other.createExperiment({ title: "Made elsewhere" });
    assertStringIncludes(await (await request("/experiments")).text(), "Made elsewhere");
    const dashboard = await (await request("/")).text();
    assertStringIncludes(dashboard, "someone-else");
    assertStringIncludes(dashboard, "experiment.created");
  });
});
