/**
 * A guided lab in a real browser (Debian's Chromium, playwright-core,
 * `labos serve` in a subprocess), at desktop width and at 375 px: create an
 * experiment from a template, run a step from the plan with its prefilled
 * form (once with a typo, then corrected), void the typo, and read the
 * plan's checks. Screenshots go to test/artifacts/.
 *
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { startServe } from "./_serve.ts";
import { ARTIFACTS, HAVE_CHROMIUM, launchChromium, pageWidth, text } from "./_browser.ts";

const TOKEN = "guided-browser-token-0123456789abcdef";

async function guidedLab(page: Page, options: { width: number; origin: string }): Promise<void> {
  const { width } = options;
  const narrow = (where: string) => async () => {
    const wide = await pageWidth(page);
    assert(wide <= width, `${where} is ${wide} px wide at ${width} px`);
  };

  // The guided labs, and one of them.
  await page.goto(`${options.origin}/templates`);
  assertEquals(await text(page, "h1"), "Guided labs");
  await page.getByRole("link", { name: "Coffee-cup calorimetry" }).click();
  assertEquals(await text(page, "h1"), "Coffee-cup calorimetry");
  assertStringIncludes(await text(page, "#planned-title + .table-wrap"), "your own data: ± 5 %");
  await narrow("the template page")();

  // Create an experiment from it: the plan opens with nothing done.
  await page.getByLabel("Reason").fill(`Lab at ${width} px`);
  await page.getByRole("button", { name: "Create experiment" }).click();
  assertMatch(new URL(page.url()).pathname, /^\/experiments\/exp_\w+\/plan$/);
  assertEquals(await text(page, "#progress-title"), "0 of 3 steps done");
  await narrow("the plan")();

  // Run the neutralisation step from the plan: its form holds the worked example.
  const step = page.locator("#step-neutralisation");
  const runStep = async (finalTempC: string) => {
    await step.getByRole("link", { name: "Run this step" }).click();
    assertEquals(await page.locator("#in-finalTempC").inputValue(), "28.9");
    assertEquals(await page.locator("#in-step").inputValue(), "neutralisation");
    await page.locator("#in-finalTempC").fill(finalTempC);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    assertMatch(new URL(page.url()).pathname, /\/plan$/);
  };
  await runStep("82.9");
  await narrow("the module form")();
  assertEquals(await text(page, "#progress-title"), "1 of 3 steps done");
  assertStringIncludes(await step.locator("tr.plan-check").first().innerText(), "bad");
  await runStep("29.1");
  // Credited to the corrected run, graded with ±5 %: ΔT = 7.1 K passes against 6.9 K.
  const rise = step.locator("tr.plan-check", { hasText: "Temperature rise" });
  assertStringIncludes(await rise.innerText(), "6.9 K ± 5 %");
  assertStringIncludes(await rise.innerText(), "+0.2000 K");
  assertStringIncludes(await rise.innerText(), "ok");
  assertEquals(await text(page, "#progress-title"), "1 of 3 steps done");
  await page.screenshot({ path: `${ARTIFACTS}/guided-plan-${width}.png`, fullPage: true });

  // Void the typo (the first run) from its job page; the plan strikes it through.
  await step.locator("tbody tr").first().getByRole("link").click();
  assertMatch(await text(page, "h1"), /^Job job_/);
  await page.getByLabel("Reason").fill("Typo: 82.9 for 28.9");
  await page.getByRole("button", { name: "Void job" }).click();
  assertMatch(new URL(page.url()).pathname, /\/plan$/);
  assertStringIncludes(await text(page, ".notice.ok"), "Voided");
  const struck = step.locator("tr.voided");
  assertEquals(await struck.count(), 1);
  assertEquals(await struck.locator("s").count() > 0, true);
  assertEquals(await text(page, "#progress-title"), "1 of 3 steps done");
  await narrow("the plan after voiding")();
  await page.screenshot({ path: `${ARTIFACTS}/guided-voided-${width}.png`, fullPage: true });

  // The instructor's page assigns the lab to two students.
  await page.goto(`${options.origin}/templates/assign?template=coffee-cup-calorimetry`);
  await page.getByLabel("Students").fill("ana, bo");
  await page.getByRole("button", { name: "Assign" }).click();
  assertStringIncludes(await text(page, ".notice.ok"), "Assigned: 2 draft experiments");
  await narrow("the assign page")();
}

Deno.test({
  name: "browser: a guided lab from its template, a step run from the plan, a typo voided",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "labos-guided-browser-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      for (const width of [1280, 375]) {
        const context = await browser.newContext({ viewport: { width, height: 860 } });
        const page = await context.newPage();
        await page.goto(server.url);
        await guidedLab(page, { width, origin: server.origin });
        await context.close();
      }
    } finally {
      await browser?.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
