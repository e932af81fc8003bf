/**
 * Issue 12, item 4 in the control panel: four rate-law jobs are ticked on
 * the jobs page and collected into a table, and the table feeds Arrhenius
 * through the module form's column mapping. Debian's Chromium driven by
 * playwright-core, against `labos serve` in a subprocess.
 *
 * @module
 */
import type { Browser } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { startServe } from "./_serve.ts";
import { openLab } from "../../src/service/mod.ts";
import { GAS_CONSTANT_J_PER_MOL_K } from "../../src/modules/builtin/kinetics/_arrhenius.ts";
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, launchChromium, text } from "./_browser.ts";

const TOKEN = "chain-browser-token-0123456789abcdef";
const EA_J_PER_MOL = 50_000;
const A_PER_S = 1e6;
const TEMPERATURES = [300, 310, 320, 330];
const TIMES_S = [0, 60, 120, 180, 240];

if (!HAVE_CHROMIUM) {
  console.log(
    `notice: skipping the chain browser test: ${CHROMIUM} is absent (apt-get install chromium)`,
  );
}

Deno.test({
  name: "browser: tick four rate-law jobs, collect them into a table, fit Arrhenius from it",
  // CI installs Chromium, so there a missing browser fails the test instead of skipping it.
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "labos-chain-browser-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const lab = openLab({ dataDir, actor: "tester" });
    const jobIds: string[] = [];
    for (const temperatureK of TEMPERATURES) {
      const k = A_PER_S * Math.exp(-EA_J_PER_MOL / (GAS_CONSTANT_J_PER_MOL_K * temperatureK));
      const result = await lab.run({
        module: "kinetics.integrated-rate-law",
        input: {
          timesS: TIMES_S,
          concentrationsM: TIMES_S.map((t) => 0.01 * Math.exp(-k * t)),
          order: 1,
          temperatureK,
        },
      });
      jobIds.push(result.job.id);
    }
    // A failed job gets no check box: only results can be collected.
    const failed = await lab.run({
      module: "kinetics.integrated-rate-law",
      input: { timesS: [0, 1, 2], concentrationsM: [1, 2, 3], order: 1 },
    });
    assertEquals(failed.job.status, "failed");
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } }))
        .newPage();
      await page.goto(server.url);
      await page.goto(`${server.origin}/jobs`);
      assertEquals(await text(page, "h1"), "Jobs");
      assertEquals(
        await page.getByLabel(`Collect job ${failed.job.id}`).count(),
        0,
        "a failed job has no check box",
      );

      // Nothing ticked: the form says so and nothing is written.
      await page.locator("#collect-fields").fill("rateConstant\ninput.temperatureK");
      await page.getByRole("button", { name: "Collect into a table" }).click();
      assertStringIncludes(await text(page, ".notice.bad"), "give at least one job id");
      await page.goto(`${server.origin}/jobs`);

      for (const id of jobIds) await page.getByLabel(`Collect job ${id}`).check();
      await page.locator("#collect-fields").fill("rateConstant\ninput.temperatureK");
      await page.locator("#collect-title-input").fill("Rate constants by temperature");
      await page.getByRole("button", { name: "Collect into a table" }).click();

      assertEquals(await text(page, "h1"), "Rate constants by temperature");
      const datasetPath = new URL(page.url()).pathname;
      assertMatch(datasetPath, /^\/datasets\/ds_/);
      assertStringIncludes(await text(page, "#table-title"), "4 rows");
      const about = await text(page, "#about-title + table");
      assertStringIncludes(about, "collected");
      for (const id of jobIds) {
        assertEquals(await page.locator(`#about-title + table a[href="/jobs/${id}"]`).count(), 1);
      }
      await page.screenshot({ path: `${ARTIFACTS}/chain-01-collected.png`, fullPage: true });

      // The dataset page leads to a module form with the dataset filled in.
      await page.getByRole("link", { name: "Choose a module" }).click();
      await page.getByRole("link", { name: "Arrhenius analysis: activation energy" }).click();
      const datasetId = datasetPath.split("/").pop()!;
      assertEquals(await page.locator("#in-fromDataset").inputValue(), datasetId);
      await page.locator("#in-map").fill(
        "temperaturesK=temperatureK\nrateConstants=rateConstant",
      );
      await page.getByRole("button", { name: "Run", exact: true }).click();

      assertMatch(await text(page, "h1"), /^Job job_/);
      const jobId = (await text(page, "h1")).replace(/^Job /, "");
      assertEquals(
        await page.locator(`#prov-title + table a[href="/datasets/${datasetId}"]`).count(),
        1,
        "the job lists the collected table as its input",
      );
      assertStringIncludes(await text(page, "#output-title + *"), "50");
      await page.screenshot({ path: `${ARTIFACTS}/chain-02-arrhenius.png`, fullPage: true });
      const job = await (await page.request.get(`${server.origin}/api/v1/jobs/${jobId}`)).json();
      assertEquals(job.status, "succeeded");
      assertEquals(job.inputDatasetIds, [datasetId]);
      const output = await (await page.request.get(
        `${server.origin}/api/v1/datasets/${job.outputDatasetId}`,
      )).json();
      const ea = output.output.activationEnergyKJPerMol as number;
      assert(Math.abs(ea - 50) <= 1e-6 * 50, `Ea = ${ea} kJ/mol`);
    } finally {
      await browser?.close();
      const stopped = await server.stop("SIGINT");
      await Deno.remove(dir, { recursive: true });
      assertEquals(stopped.code, 0, stopped.stderr);
    }
  },
});
