/**
 * Attaching a file in a real browser: Debian's Chromium against `labos
 * serve` in a subprocess uploads through the experiment page's form, sees
 * the file listed, downloads it under its own name, and the page fits
 * 1280 and 375 px. Screenshots go to test/artifacts/.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Browser } from "playwright-core";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk } from "../_cli.ts";
import type { Experiment } from "../../src/records/mod.ts";
import { startServe } from "./_serve.ts";
import { ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, launchChromium, pageWidth, text } from "./_browser.ts";

const TOKEN = "attach-browser-token-0123456789abcdef";

if (!HAVE_CHROMIUM) {
  console.log(`notice: skipping the attachment browser test: ${CHROMIUM} is absent`);
}

Deno.test({
  name:
    "browser: attach a file on the experiment page, see it listed, download it (1280 and 375 px)",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "labos-attach-browser-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const experiment = await cliJson<Experiment>([
      "--data-dir",
      dataDir,
      "experiments",
      "create",
      "--title",
      "Crystal violet kinetics",
    ]);
    const server = await startServe(dataDir, { env: { LABOS_TOKEN: TOKEN } });
    let browser: Browser | undefined;
    const cspErrors: string[] = [];
    try {
      browser = await launchChromium();
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      const page = await context.newPage();
      page.on("console", (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) {
          cspErrors.push(message.text());
        }
      });
      await page.goto(server.url);
      await page.goto(`${server.origin}/experiments/${experiment.id}`);
      assertEquals(await text(page, "#attachments-title"), "Attachments (0)");

      // 5 MiB streams through the real server (multipart from the browser).
      const raw = crypto.getRandomValues(new Uint8Array(64 * 1024));
      const big = new Uint8Array(5 * 1024 * 1024);
      for (let at = 0; at < big.length; at += raw.length) big.set(raw, at);
      await page.getByLabel("Title", { exact: true }).last().fill("Cuvette set-up");
      await page.locator("#att-reason").fill("photo for the report");
      await page.locator("#att-file").setInputFiles({
        name: "Küvette µ-Aufbau.raw",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(big),
      });
      await page.getByRole("button", { name: "Attach" }).click();
      assertStringIncludes(await text(page, ".notice"), "Attached Küvette µ-Aufbau.raw");
      assertEquals(await text(page, "#attachments-title"), "Attachments (1)");
      const row = page.locator("section[aria-labelledby=attachments-title] tbody tr").first();
      assertStringIncludes(await row.innerText(), "Cuvette set-up");
      assertStringIncludes(await row.innerText(), "5 MiB");
      await page.screenshot({ path: `${ARTIFACTS}/attachments-1280px.png`, fullPage: true });

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Küvette µ-Aufbau.raw" }).click(),
      ]);
      assertEquals(download.suggestedFilename(), "Küvette µ-Aufbau.raw");
      const saved = `${dir}/downloaded.raw`;
      await download.saveAs(saved);
      const back = await Deno.readFile(saved);
      assertEquals(back.length, big.length);
      assert(back.every((byte, index) => byte === big[index]), "the download is the upload");

      // A phone: the card and the form fit, nothing scrolls sideways.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.reload();
      const width = await pageWidth(page);
      assert(width <= 375, `the experiment page is ${width} px wide at 375 px`);
      await page.locator("#attachments-title").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}/attachments-375px.png`, fullPage: true });
      await page.locator("section[aria-labelledby=attachments-title]").screenshot({
        path: `${ARTIFACTS}/attachments-card-375px.png`,
      });
      assertEquals(cspErrors, []);
    } finally {
      await browser?.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
