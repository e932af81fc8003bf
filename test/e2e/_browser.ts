/**
 * What the browser tests share: Debian's Chromium (never a downloaded
 * browser), where screenshots go, and two page helpers.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "../_cli.ts";

/** The Chromium that Debian's `chromium` package installs. */
export const CHROMIUM = "/usr/bin/chromium";
/** Whether it is installed; the browser tests are skipped, saying so, when it is not. */
export const HAVE_CHROMIUM: boolean = existsSync(CHROMIUM);
/** Where the browser tests write their screenshots. */
export const ARTIFACTS = `${REPO_ROOT}test/artifacts`;

/**
 * Starts Debian's Chromium headless, with nothing fetched in the background
 * (no updates, sync or QUIC), for one browser test.
 */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The trimmed text of the first element that matches `selector`. */
export async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).trim();
}

/** The page's full width in CSS pixels, to catch sideways scrolling on a phone. */
export async function pageWidth(page: Page): Promise<number> {
  return await page.evaluate(() =>
    (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
      .document.documentElement.scrollWidth
  );
}
