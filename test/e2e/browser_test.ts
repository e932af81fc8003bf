/**
 * The whole journey through the control panel in a real browser: Debian's
 * Chromium driven by playwright-core, against `labos serve` in a subprocess.
 * Every assertion reads what the page shows. Screenshots go to
 * test/artifacts/; with LABOS_UPDATE_SCREENSHOTS=1 the dashboard and job
 * page are also written to docs/screenshots/ for the README.
 *
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk, REPO_ROOT } from "../_cli.ts";
import { startServe } from "./_serve.ts";
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, launchChromium, text } from "./_browser.ts";

const DOCS_SHOTS = `${REPO_ROOT}docs/screenshots`;
const UPDATE_DOCS = Deno.env.get("LABOS_UPDATE_SCREENSHOTS") === "1";
const TOKEN = "browser-test-token-0123456789abcdef";

if (!HAVE_CHROMIUM) {
  console.log(
    `notice: skipping the browser test: ${CHROMIUM} is absent (apt-get install chromium)`,
  );
}

async function shot(page: Page, name: string, docsName?: string): Promise<void> {
  const file = `${ARTIFACTS}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (docsName && UPDATE_DOCS) {
    await Deno.mkdir(DOCS_SHOTS, { recursive: true });
    await page.screenshot({ path: `${DOCS_SHOTS}/${docsName}.png`, fullPage: false });
  }
}

function nav(page: Page, name: string) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
}

Deno.test({
  name:
    "browser: create, run (invalid then valid), see the plot, complete and verify through the UI",
  // CI installs Chromium, so there a missing browser fails the test instead of skipping it.
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "labos-browser-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let browser: Browser | undefined;
    const cspErrors: string[] = [];
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      page.on("console", (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) {
          cspErrors.push(message.text());
        }
      });

      // (1) The tokenised URL signs in and lands on the dashboard without the token.
      await page.goto(server.url);
      assertEquals(new URL(page.url()).search, "", "the token is removed from the address bar");
      assertEquals(await text(page, "h1"), "Dashboard");
      assertStringIncludes(await page.title(), "Dashboard");
      assertStringIncludes(await text(page, ".stats"), "Experiments");

      // (2) Create an experiment from the form.
      await page.getByRole("link", { name: "New experiment" }).first().click();
      assertEquals(await text(page, "h1"), "New experiment");
      await page.getByLabel("Title").fill("Decomposition of N2O5");
      await page.getByLabel("Purpose").fill("Activation energy from two temperatures");
      await page.getByLabel("Tags").fill("kinetics, group-3");
      await page.getByRole("button", { name: "Create experiment" }).click();
      assertEquals(await text(page, "h1"), "Decomposition of N2O5");
      assertStringIncludes(await text(page, "table.kv"), "draft");
      const experimentPath = new URL(page.url()).pathname;
      assertMatch(experimentPath, /^\/experiments\/exp_/);
      await shot(page, "02-experiment-created");

      // (3) Run a module from its generated form: first invalid, then valid.
      await page.getByRole("link", { name: "Run a module in this experiment" }).click();
      await page.getByRole("link", { name: "Arrhenius analysis: activation energy" }).click();
      assertEquals(await text(page, "h1"), "Arrhenius analysis: activation energy");
      await page.locator("#in-temperaturesK").fill("650, -700");
      await page.locator("#in-rateConstants").fill("1.66, 7.39");
      await page.getByRole("button", { name: "Run", exact: true }).click();
      const inlineError = await text(page, "#in-temperaturesK-error");
      assertStringIncludes(inlineError, "must be > 0");
      assertStringIncludes(inlineError, "-700");
      assertEquals(
        await page.locator("#in-temperaturesK").inputValue(),
        "650, -700",
        "the value is kept",
      );
      assertStringIncludes(await text(page, ".notice.bad"), "nothing was recorded");
      await shot(page, "03-run-invalid");
      await page.locator("#in-temperaturesK").fill("650, 700");
      await page.getByRole("button", { name: "Run", exact: true }).click();

      // (4) The job page shows the output and the plot.
      assertMatch(await text(page, "h1"), /^Job job_/);
      assertStringIncludes(await text(page, "#prov-title"), "Provenance");
      const plot = page.locator("img.plot");
      await plot.waitFor({ state: "visible" });
      // Visible precedes loaded (the img has a width and height), so wait for the decode.
      await plot.evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
      const plotWidth = await plot.evaluate((img) =>
        (img as unknown as { naturalWidth: number }).naturalWidth
      );
      assert(plotWidth > 0, "the plot image loaded");
      assertStringIncludes(await text(page, "#output-title"), "Output");
      await shot(page, "04-job", "job");

      // Only the valid attempt made a job.
      await nav(page, "Jobs").click();
      assertEquals(
        await page.locator("main tbody tr").count(),
        1,
        "the invalid attempt recorded nothing",
      );

      // (5) Complete the experiment (the run moved it to running) with a reason.
      await page.goto(`${server.origin}${experimentPath}`);
      assertStringIncludes(await text(page, "table.kv"), "running");
      await page.locator("#reason-completed").fill("Both rate constants measured and checked");
      await page.getByRole("button", { name: "Move to completed" }).click();
      assertStringIncludes(await text(page, ".notice.ok"), "Moved to completed");
      assertStringIncludes(await text(page, "table.kv"), "completed");
      assertStringIncludes(
        await text(page, ".timeline"),
        "Both rate constants measured and checked",
      );
      await shot(page, "05-experiment-completed");

      // CSV upload through the same import code as `labos import`.
      await nav(page, "Import CSV").click();
      await Deno.writeTextFile(`${dir}/rates.csv`, "temperature_K,k_per_s\n650,1.66\n700,7.39\n");
      await page.setInputFiles("#imp-file", `${dir}/rates.csv`);
      await page.getByRole("button", { name: "Import" }).click();
      assertEquals(await text(page, "h1"), "rates.csv");
      assertStringIncludes(await text(page, "#table-title"), "2 rows");
      // isVisible() does not wait: an image not yet laid out under load reads as hidden.
      await page.locator("img.lineage").waitFor({ state: "visible", timeout: 15_000 });
      await shot(page, "06-dataset");

      // (6) Verify the audit log from the UI.
      await nav(page, "Audit log").click();
      const events = Number(await text(page, "#chain-title + table td"));
      assert(events > 5, `expected several events, got ${events}`);
      await page.getByRole("button", { name: "Verify the audit chain" }).click();
      const verified = await text(page, "#verify-result");
      assertStringIncludes(verified, "verified");
      assertStringIncludes(verified, `ok: ${events} events`);
      await shot(page, "07-audit-verified");

      // Learner mode: explanations, guided steps and glossary tooltips.
      await page.selectOption("#mode-select", "learner");
      await page.getByRole("button", { name: "Apply" }).click();
      assertStringIncludes(await text(page, "body"), "Every change is an event in the audit log");
      await page.goto(`${server.origin}/modules/kinetics.arrhenius`);
      assertStringIncludes(await text(page, "#run"), "What happens when I click Run");
      assert(await page.locator("abbr[title]").count() > 0, "glossary tooltips are shown");
      await shot(page, "08-module-learner");

      // Builder mode shows raw JSON; the dashboard is taken in lab mode for the docs.
      await page.selectOption("#mode-select", "builder");
      await page.getByRole("button", { name: "Apply" }).click();
      assertStringIncludes(await text(page, "body"), "Input JSON Schema");
      await page.selectOption("#mode-select", "lab");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.goto(`${server.origin}/`);
      assertStringIncludes(await text(page, "#verify-result"), "ok:");
      await shot(page, "01-dashboard", "dashboard");

      // 375 px wide: nothing scrolls sideways.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.goto(`${server.origin}/`);
      const overflow = await page.evaluate(() => {
        const root =
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document;
        return root.documentElement.scrollWidth;
      });
      assert(overflow <= 375, `the dashboard is ${overflow} px wide at 375 px`);
      await shot(page, "09-dashboard-375px");

      assertEquals(cspErrors, [], "no Content-Security-Policy violations");
      await context.close();
    } finally {
      await browser?.close();
      const stopped = await server.stop("SIGINT");
      assertEquals(stopped.code, 0, stopped.stderr);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
