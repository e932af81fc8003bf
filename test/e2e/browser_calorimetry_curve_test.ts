/**
 * Issue 13 item 5 in a real browser: an experiment made from the coffee-cup
 * template, its curve step run from the module form with the example series,
 * and the job page showing ΔH with its uncertainty and the plot. Debian's
 * Chromium driven by playwright-core, against `labos serve` in a subprocess.
 *
 * @module
 */
import type { Browser } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk } from "../_cli.ts";
import { startServe } from "./_serve.ts";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from "./_browser.ts";

const TOKEN = "browser-curve-token-0123456789abcdef";

if (!HAVE_CHROMIUM) {
  console.log(`notice: skipping the calorimetry curve browser test: ${CHROMIUM} is absent`);
}

Deno.test({
  name: "browser: the coffee-cup curve step runs from the panel and shows ΔH ± u and its plot",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "labos-browser-curve-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    // The experiment comes from the CLI, as a teacher would (guided_browser_test.ts uses the panel).
    const experiment = await cliJson<{ id: string }>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--template",
      "coffee-cup-calorimetry",
    ]);
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.goto(`${server.origin}/modules?experiment=${experiment.id}`);
      await page.getByRole("link", { name: "Calorimetry curve: ΔT by extrapolation" }).click();
      assertEquals(
        (await page.locator("h1").first().innerText()).trim(),
        "Calorimetry curve: ΔT by extrapolation",
      );
      await page.getByRole("link", { name: "neutralisation-synthetic-curve" }).click();
      assertStringIncludes(await page.locator("#in-timesS").inputValue(), "195");
      assertEquals(await page.locator("#in-experimentId").inputValue(), experiment.id);
      await page.getByRole("button", { name: "Run", exact: true }).click();

      assertMatch((await page.locator("h1").first().innerText()).trim(), /^Job job_/);
      const body = await page.locator("main").innerText();
      assertStringIncludes(body, "succeeded");
      // Shown GUM-style with the display settings: the uncertainty to two figures, the unit after.
      assertMatch(body, /reactionEnthalpyKJPerMol\s+−57\.75\s±\s0\.82\skJ\/mol/);
      assertMatch(body, /deltaTK\s+6\.902\s±\s0\.013\sK/);
      const plot = page.locator("img.plot");
      await plot.waitFor({ state: "visible" });
      await plot.evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
      const width = await plot.evaluate((img) =>
        (img as unknown as { naturalWidth: number }).naturalWidth
      );
      assert(width > 0, "the plot image loaded");

      // The run counts for the template's curve step.
      const plan = await cliJson<{ steps: Array<{ id: string; status: string }> }>([
        "--data-dir",
        dataDir,
        "experiments",
        "plan",
        experiment.id,
      ]);
      assertEquals(plan.steps.find((s) => s.id === "neutralisation-curve")?.status, "done");
      await context.close();
    } finally {
      await browser?.close();
      const stopped = await server.stop("SIGINT");
      assertEquals(stopped.code, 0, stopped.stderr);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
