/**
 * Issue 14's class scenario in a real browser (Debian's Chromium driven by
 * playwright-core, against `labos serve` in a subprocess), at desktop width
 * and at 375 px: an instructor and two students are made with
 * `labos users add`; the instructor assigns a guided lab to both from the
 * panel; the first student signs in, opens the lab, runs two steps from the
 * plan (one with a typo, then voided) and reads the plan's checks; the
 * instructor opens the gradebook, sees the counts without the voided run,
 * reads the class distribution plot (decoded back to numbers) and signs the
 * experiment off with the password again; the second student cannot open
 * the first one's experiment, plan or the gradebook (404). Screenshots go
 * to test/artifacts/.
 *
 * @module
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { decodePlotSvg } from "../_svg_decode.ts";
import { startServe } from "./_serve.ts";
import { ARTIFACTS, HAVE_CHROMIUM, launchChromium, pageWidth, text } from "./_browser.ts";

const PASSWORDS: Record<string, string> = {
  prof: "burette-instructor-2026",
  ana: "calorimeter-ana-2026",
  bo: "calorimeter-bo-2026",
};

async function signIn(page: Page, options: { origin: string; username: string }): Promise<void> {
  await page.goto(`${options.origin}/login`);
  assertEquals(await text(page, "h1"), "Sign in");
  await page.getByLabel("Username").fill(options.username);
  await page.getByLabel("Password").fill(PASSWORDS[options.username]);
  await page.getByRole("button", { name: "Sign in" }).click();
  assertStringIncludes(await text(page, ".who-form"), `Signed in as ${options.username}`);
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  assertEquals(await text(page, "h1"), "Sign in");
}

/** The scenario, on one page: see the module doc. */
async function story(
  page: Page,
  options: {
    origin: string;
    fits: (where: string) => Promise<void>;
    shot: (name: string) => Promise<unknown>;
  },
): Promise<void> {
  const { origin, fits, shot } = options;
  // The instructor assigns the lab to both students from the panel.
  await signIn(page, { origin, username: "prof" });
  await page.goto(`${origin}/templates/assign?template=coffee-cup-calorimetry`);
  await page.getByLabel("Students").fill("ana, bo");
  await page.getByRole("button", { name: "Assign" }).click();
  assertStringIncludes(await text(page, ".notice.ok"), "Assigned: 2 draft experiments");
  await signOut(page);

  // Student 1 opens the assigned lab from her experiments.
  await signIn(page, { origin, username: "ana" });
  await page.goto(`${origin}/experiments`);
  await page.getByRole("link", { name: /Coffee-cup calorimetry/ }).first().click();
  const experimentPath = new URL(page.url()).pathname;
  assertMatch(experimentPath, /^\/experiments\/exp_\w+$/);
  await page.getByRole("link", { name: "Open the plan" }).click();
  assertEquals(new URL(page.url()).pathname, `${experimentPath}/plan`);
  assertEquals(await text(page, "#progress-title"), "0 of 3 steps done");
  await fits("the plan");

  // Two steps from the plan, with her own readings: the second one has a typo.
  const runStep = async (step: string, finalTempC: string) => {
    await page.locator(`#step-${step}`).getByRole("link", { name: "Run this step" }).click();
    assertEquals(await page.locator("#in-step").inputValue(), step);
    await page.locator("#in-finalTempC").fill(finalTempC);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    assertMatch(new URL(page.url()).pathname, /\/plan$/);
  };
  await runStep("neutralisation", "29.1");
  await runStep("dissolution", "2.03");
  assertEquals(await text(page, "#progress-title"), "2 of 3 steps done");
  const dissolution = page.locator("#step-dissolution");
  assertStringIncludes(await dissolution.locator("tr.plan-check").first().innerText(), "bad");

  // She voids the typo from its job page: the step is pending again.
  await dissolution.locator("tbody tr").first().getByRole("link").click();
  assertMatch(await text(page, "h1"), /^Job job_/);
  await page.getByLabel("Reason").fill("Typo: 2.03 for 20.3");
  await page.getByRole("button", { name: "Void job" }).click();
  assertMatch(new URL(page.url()).pathname, /\/plan$/);
  assertEquals(await text(page, "#progress-title"), "1 of 3 steps done");
  assertEquals(await dissolution.locator("tr.voided s").count() > 0, true);

  // The plan's checks: ΔT = 7.1 K passes 6.9 K ± 5 % (her own data, the grading tolerance).
  const rise = page.locator("#step-neutralisation tr.plan-check", {
    hasText: "Temperature rise",
  });
  assertStringIncludes(await rise.innerText(), "6.9 K ± 5 %");
  assertStringIncludes(await rise.innerText(), "ok");
  const checks = page.locator("#step-neutralisation tr.plan-check");
  const total = await checks.count();
  const passed = await page.locator("#step-neutralisation tr.plan-check.ok").count();
  assertEquals(total, 4);
  await fits("the plan after voiding");
  await shot("student-plan");
  await signOut(page);

  // The instructor's gradebook: the voided run counts for nothing.
  await signIn(page, { origin, username: "prof" });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Gradebook" })
    .click();
  assertEquals(await text(page, "h1"), "Gradebook");
  const anaRow = page.locator('tr.gradebook-row[data-student="ana"]');
  const boRow = page.locator('tr.gradebook-row[data-student="bo"]');
  assertEquals(await text(page, 'tr[data-student="ana"] td.steps-done'), "1 of 3");
  assertEquals(await text(page, 'tr[data-student="ana"] td.checks-ok'), `${passed} of 10`);
  assertEquals(await text(page, 'tr[data-student="bo"] td.steps-done'), "0 of 3");
  assertEquals(await text(page, 'tr[data-student="bo"] td.checks-ok'), "0 of 10");
  assertStringIncludes(await anaRow.innerText(), "not signed");
  assertEquals(await boRow.count(), 1);
  await fits("the gradebook");

  // The class distribution of the temperature rise, read back from the SVG.
  const plot = page.locator("img.plot");
  assertStringIncludes(await plot.getAttribute("alt") ?? "", "Temperature rise");
  const svg = await (await page.request.get(`${origin}${await plot.getAttribute("src")}`))
    .text();
  const decoded = decodePlotSvg(svg).panels[0];
  assertEquals(decoded.yLabel, "Temperature rise (K)");
  const span = decoded.yDomain[1] - decoded.yDomain[0];
  const near = (drawn: number, expected: number, what: string) =>
    assert(Math.abs(drawn - expected) <= 0.01 * span, `${what}: drawn ${drawn}, is ${expected}`);
  const points = decoded.series.find((series) => series.kind === "points")!.points;
  assertEquals(points.length, 1, "only ana has done the step");
  near(points[0][1], 7.1, "ana's ΔT");
  const accepted = decoded.series.find((series) => series.kind === "line" && !series.dashed)!;
  near(accepted.points[0][1], 6.9, "the accepted value");
  const band = decoded.series.filter((series) => series.dashed).map((s) => s.points[0][1]);
  near(Math.min(...band), 6.555, "the low limit");
  near(Math.max(...band), 7.245, "the high limit");
  const download = page.getByRole("link", { name: "Download CSV" });
  const csv = await page.request.get(`${origin}${await download.getAttribute("href")}`);
  assertEquals(csv.headers()["content-disposition"], 'attachment; filename="gradebook.csv"');
  const rows = (await csv.text()).split("\r\n");
  assertMatch(rows[1], /^ana,coffee-cup-calorimetry,exp_\w+,running,1,3,\d+,10,/);
  await shot("instructor-gradebook");

  // The instructor signs the experiment off, entering the password again.
  await anaRow.getByRole("link", { name: "ana", exact: true }).click();
  assertEquals(new URL(page.url()).pathname, experimentPath);
  const signing = page.locator("section:has(#signatures-title)");
  await signing.getByLabel("Meaning").selectOption("approved");
  await signing.getByLabel("Reason").fill("Checked against the plan");
  await signing.getByLabel("Your password").fill(PASSWORDS.prof);
  await signing.getByRole("button", { name: "Sign", exact: true }).click();
  assertStringIncludes(await text(page, ".notice.ok"), "Signed");
  await page.goto(`${origin}/gradebook`);
  const signed = await anaRow.innerText();
  assertStringIncludes(signed, "approved");
  assertStringIncludes(signed, "prof");
  assert(!signed.includes("no longer matches"), signed);
  await fits("the signed gradebook");
  await shot("signed-gradebook");
  await signOut(page);

  // Student 2 cannot open student 1's experiment, its plan, or the gradebook.
  await signIn(page, { origin, username: "bo" });
  for (const path of [experimentPath, `${experimentPath}/plan`, "/gradebook"]) {
    const response = await page.goto(`${origin}${path}`);
    assertEquals(response?.status(), 404, path);
    assertEquals(await text(page, "h1"), "Not found", path);
  }
  const api = await page.request.get(`${origin}/api/v1/gradebook`);
  assertEquals(api.status(), 404);
  await signOut(page);
}

/** The whole class story at one width, in a fresh data folder. */
async function classStory(browser: Browser, options: { width: number }): Promise<void> {
  const { width } = options;
  const dir = await Deno.makeTempDir({ prefix: "labos-gradebook-browser-" });
  const dataDir = `${dir}/data`;
  await cliOk(["--data-dir", dataDir, "init"]);
  for (const [name, role] of [["prof", "instructor"], ["ana", "student"], ["bo", "student"]]) {
    await cliOk(
      ["--data-dir", dataDir, "users", "add", name, "--role", role, "--password-stdin"],
      { stdin: `${PASSWORDS[name]}\n` },
    );
  }
  const server = await startServe(dataDir);
  const origin = server.origin;
  let context: BrowserContext | undefined;
  const cspErrors: string[] = [];
  try {
    context = await browser.newContext({ viewport: { width, height: 860 } });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        cspErrors.push(message.text());
      }
    });
    const fits = async (where: string) => {
      const wide = await pageWidth(page);
      assert(wide <= width, `${where} is ${wide} px wide at ${width} px`);
    };
    const shot = (name: string) =>
      page.screenshot({ path: `${ARTIFACTS}/gradebook-${name}-${width}.png`, fullPage: true });

    try {
      await story(page, { origin, fits, shot });
    } catch (error) {
      await page.screenshot({
        path: `${ARTIFACTS}/gradebook-failure-${width}.png`,
        fullPage: true,
      });
      throw error;
    }
    assertEquals(cspErrors, [], "no Content-Security-Policy violations");
  } finally {
    await context?.close();
    const stopped = await server.stop("SIGINT");
    assertEquals(stopped.code, 0, stopped.stderr);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "browser: assign, a student's plan with a voided typo, the gradebook, a sign-off, and another student's 404 (desktop, 375 px)",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      for (const width of [1280, 375]) await classStory(browser, { width });
    } finally {
      await browser?.close();
    }
  },
});
