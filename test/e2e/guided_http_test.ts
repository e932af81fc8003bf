/**
 * Guided labs over HTTP, in process through `app.request()`: the templates,
 * plan, run-plan, step binding, void and assign routes of the JSON API, and
 * the panel's template, plan, run-this-step, void and assign pages.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";
import type { Experiment, Job } from "../../src/records/mod.ts";
import type { ExperimentPlan } from "../../src/templates/mod.ts";

const TOKEN = "guided-test-token-0123456789abcdef";
const PORT = 8321;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const FIXED = { massG: 100, initialTempC: 22, finalTempC: 29.1, amountMol: 0.05 };

type Request = (path: string, init?: RequestInit & { auth?: boolean }) => Promise<Response>;

async function withPanel(fn: (lab: Lab, request: Request) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-guided-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const request: Request = (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("host", `127.0.0.1:${PORT}`);
      if (init.auth !== false && !headers.has("cookie")) {
        headers.set("authorization", `Bearer ${TOKEN}`);
      }
      return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
    };
    await fn(lab, request);
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

async function session(request: Request): Promise<string> {
  const response = await request(`/?token=${TOKEN}`, { auth: false });
  assertEquals(response.status, 303);
  return (response.headers.get("set-cookie") ?? "").split(";")[0];
}

function form(fields: Record<string, string>, cookie: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...fields, _csrf: csrfToken(TOKEN) }).toString(),
  };
}

Deno.test("API: templates, create from a template, run a step, plan, void, run-plan", async () => {
  await withPanel(async (lab, request) => {
    const list = await (await request("/api/v1/templates")).json() as Array<{ key: string }>;
    assert(list.some((t) => t.key === "coffee-cup-calorimetry"));
    const shown = await (await request("/api/v1/templates/coffee-cup-calorimetry")).json();
    assertEquals([shown.source, shown.steps.length], ["builtin", 3]);
    const missing = await request("/api/v1/templates/titration");
    assertEquals(missing.status, 404);

    const created = await request(
      "/api/v1/experiments",
      json({ template: "coffee-cup-calorimetry" }),
    );
    assertEquals(created.status, 201);
    const experiment = await created.json() as Experiment;
    const run = (input: Record<string, unknown>, step?: string) =>
      request(
        "/api/v1/runs",
        json({ module: "thermo.calorimetry", input, experimentId: experiment.id, step }),
      );
    const typo = await (await run({ ...FIXED, finalTempC: 82.9 }, "neutralisation")).json();
    const fixed = await (await run(FIXED, "neutralisation")).json();
    assertEquals(fixed.job.step, "neutralisation");

    const bad = await run(FIXED, "neutralisation-curve");
    assertEquals(bad.status, 400);
    assertMatch(
      (await bad.json()).error.message,
      /^Cannot run module "thermo.calorimetry" for step "neutralisation-curve"/,
    );

    const voided = await request(`/api/v1/jobs/${typo.job.id}/void`, json({ reason: "Typo" }));
    assertEquals(voided.status, 200);
    assertEquals(((await voided.json()) as Job).voided?.reason, "Typo");
    const again = await request(`/api/v1/jobs/${typo.job.id}/void`, json({ reason: "Typo" }));
    assertEquals(again.status, 409);
    const noReason = await request(`/api/v1/jobs/${fixed.job.id}/void`, json({}));
    assertEquals(noReason.status, 400);

    const plan = await (await request(`/api/v1/experiments/${experiment.id}/plan`))
      .json() as ExperimentPlan;
    assertEquals(plan, await lab.experimentPlan(experiment.id));
    assertEquals([plan.done, plan.total], [1, 3]);
    const rise = plan.steps[1].checks.find((check) => check.field === "deltaTK");
    assertEquals([rise?.ok, rise?.basis, rise?.deviation], [true, "grading", 0.2]);
    assertEquals(plan.steps[1].runs.map((r) => r.voided), [true, false]);

    const ran = await request(
      `/api/v1/experiments/${experiment.id}/run-plan`,
      json({ steps: ["dissolution"] }),
    );
    assertEquals(ran.status, 201);
    assertEquals(((await ran.json()).plan as ExperimentPlan).done, 2);
    const badPlan = await request(
      `/api/v1/experiments/${experiment.id}/run-plan`,
      json({ steps: "dissolution" }),
    );
    assertEquals(badPlan.status, 400);
  });
});

Deno.test("API: assign creates one owned draft per name, or none", async () => {
  await withPanel(async (lab, request) => {
    const response = await request(
      "/api/v1/templates/beer-lambert-calibration/assign",
      json({ to: ["ana", "bo"] }),
    );
    assertEquals(response.status, 201);
    const made = await response.json() as Experiment[];
    assertEquals(made.map((e) => [e.owner, e.template]), [
      ["ana", "beer-lambert-calibration"],
      ["bo", "beer-lambert-calibration"],
    ]);
    const refused = await request(
      "/api/v1/templates/beer-lambert-calibration/assign",
      json({ to: ["cy", "Bad Name"] }),
    );
    assertEquals(refused.status, 400);
    assertMatch((await refused.json()).error.message, /^Cannot assign to "Bad Name": /);
    assertEquals((await lab.listExperiments()).items.length, 2);
  });
});

Deno.test("panel: guided labs, create from a template, run this step prefilled, void, assign", async () => {
  await withPanel(async (lab, request) => {
    const cookie = await session(request);
    const page = (path: string) => request(path, { headers: { cookie } });
    const listed = await (await page("/templates")).text();
    assertStringIncludes(listed, `href="/templates/coffee-cup-calorimetry"`);
    assertStringIncludes(listed, `aria-current="page">Guided labs`);
    const shown = await (await page("/templates/coffee-cup-calorimetry")).text();
    assertStringIncludes(shown, "Temperature rise: 6.9 ± 0.05 K; your own data: ± 5 %");

    const created = await request(
      "/templates/coffee-cup-calorimetry/create",
      form({ title: "", reason: "Week 3" }, cookie),
    );
    assertEquals(created.status, 303);
    const location = created.headers.get("location") ?? "";
    const id = /^\/experiments\/(exp_\w+)\/plan$/.exec(location)?.[1];
    assert(id, location);
    const plan = await (await page(location)).text();
    assertStringIncludes(plan, "0 of 3 steps done");
    assertStringIncludes(
      plan,
      `href="/modules/thermo.calorimetry?experiment=${id}&amp;step=neutralisation#run"`,
    );

    const formPage = await (await page(
      `/modules/thermo.calorimetry?experiment=${id}&step=neutralisation`,
    )).text();
    assertMatch(formPage, /name="finalTempC" value="28.9"/);
    assertMatch(formPage, /name="step" autocomplete="off" value="neutralisation"/);

    const ran = await request(
      "/modules/thermo.calorimetry/run",
      form({
        massG: "100",
        initialTempC: "22",
        finalTempC: "29.1",
        amountMol: "0.05",
        experimentId: id,
        step: "neutralisation",
      }, cookie),
    );
    assertEquals(ran.status, 303);
    assertEquals(ran.headers.get("location"), `/experiments/${id}/plan#step-neutralisation`);
    const after = await (await page(`/experiments/${id}/plan`)).text();
    assertStringIncludes(after, "1 of 3 steps done");
    assertStringIncludes(after, "6.9 K ± 5 %");
    assertStringIncludes(after, "grading tolerance");
    assertMatch(after, /\+0\.2000 K \(\+2\.899 %\)/);

    const [job] = (await lab.listJobs()).items;
    const refused = await request(`/jobs/${job.id}/void`, form({ reason: " " }, cookie));
    assertEquals(refused.status, 400);
    assertStringIncludes(await refused.text(), "Nothing was voided.");
    const voided = await request(`/jobs/${job.id}/void`, form({ reason: "Typo" }, cookie));
    assertEquals(voided.status, 303);
    const struck = await (await page(`/experiments/${id}/plan`)).text();
    assertStringIncludes(struck, "0 of 3 steps done");
    assertStringIncludes(struck, `<s><a class="mono id" href="/jobs/${job.id}"`);
    assertStringIncludes(
      await (await page("/jobs")).text(),
      `<s><a class="mono id" href="/jobs/${job.id}"`,
    );
    assertStringIncludes(
      await (await page(`/experiments/${id}`)).text(),
      `<s><a class="mono id" href="/jobs/${job.id}"`,
    );

    const assigned = await request(
      "/templates/assign",
      form({ template: "halogen-isotope-pattern", to: "ana, bo" }, cookie),
    );
    assertEquals(assigned.status, 200);
    const text = await assigned.text();
    assertStringIncludes(text, "Assigned: 2 draft experiments");
    const bad = await request(
      "/templates/assign",
      form({ template: "halogen-isotope-pattern", to: "ana, Bo" }, cookie),
    );
    assertEquals(bad.status, 400);
    assertStringIncludes(await bad.text(), "Cannot assign to &quot;Bo&quot;");
    const owners = (await lab.listExperiments()).items.map((e) => e.owner).sort();
    assertEquals(owners, ["ana", "bo", "tester"]);
  });
});
