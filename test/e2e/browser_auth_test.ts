/**
 * Sign-in mode in a real browser (Debian's Chromium driven by
 * playwright-core, against `labos serve` in a subprocess), at desktop width
 * and at 375 px: a student signs in, sees their own experiment and not
 * another student's, and logs out. Screenshots go to test/artifacts/.
 *
 * @module
 */
import type { Browser } from "playwright-core";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { openLab } from "../../src/service/mod.ts";
import { startServe } from "./_serve.ts";
import { ARTIFACTS, HAVE_CHROMIUM, launchChromium, pageWidth, text } from "./_browser.ts";

const PASSWORD = "titration-2026";

Deno.test({
  name:
    "browser: a student signs in, sees only their own experiment and logs out (desktop, 375 px)",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "labos-browser-auth-" });
    const dataDir = `${dir}/data`;
    await cliOk(["--data-dir", dataDir, "init"]);
    const lab = openLab({ dataDir, actor: "prof" });
    await lab.addUser({ username: "amy", role: "student", password: PASSWORD });
    await lab.addUser({ username: "ben", role: "student", password: PASSWORD });
    const mine = await lab.as({ actor: "amy", role: "student", auth: "token" })
      .createExperiment({ title: "Amy's titration" });
    const theirs = await lab.as({ actor: "ben", role: "student", auth: "token" })
      .createExperiment({ title: "Ben's titration" });
    const server = await startServe(dataDir);
    let browser: Browser | undefined;
    const cspErrors: string[] = [];
    try {
      assertEquals(server.url, `${server.origin}/login`, "sign-in mode prints the login page");
      browser = await launchChromium();
      for (const [label, width, height] of [["desktop", 1280, 860], ["375px", 375, 800]] as const) {
        const context = await browser.newContext({ viewport: { width, height } });
        const page = await context.newPage();
        page.on("console", (message) => {
          if (/Content Security Policy|Refused to/i.test(message.text())) {
            cspErrors.push(message.text());
          }
        });

        // Any page leads to the login form first, and back after it.
        await page.goto(`${server.origin}/experiments`);
        assertEquals(await text(page, "h1"), "Sign in");
        await page.getByLabel("Username").fill("amy");
        await page.getByLabel("Password").fill("not-the-password");
        await page.getByRole("button", { name: "Sign in" }).click();
        assertStringIncludes(await text(page, ".notice.bad"), "Wrong username or password");
        assertEquals(await text(page, "h1"), "Sign in");
        await page.getByLabel("Password").fill(PASSWORD);
        await page.getByRole("button", { name: "Sign in" }).click();
        assertEquals(await text(page, "h1"), "Experiments");
        assertEquals(new URL(page.url()).pathname, "/experiments");
        assertStringIncludes(await text(page, ".who-form"), "Signed in as amy (student)");
        const list = await text(page, "main");
        assertStringIncludes(list, "Amy's titration");
        assert(!list.includes("Ben's titration"), "another student's experiment is not listed");
        assert(await pageWidth(page) <= width, `${label}: nothing scrolls sideways`);
        await page.screenshot({ path: `${ARTIFACTS}/auth-${label}-list.png`, fullPage: true });

        await page.getByRole("link", { name: "Amy's titration" }).click();
        assertEquals(await text(page, "h1"), "Amy's titration");
        assertMatch(new URL(page.url()).pathname, new RegExp(`^/experiments/${mine.id}$`));

        const response = await page.goto(`${server.origin}/experiments/${theirs.id}`);
        assertEquals(response?.status(), 404);
        assertEquals(await text(page, "h1"), "Not found");

        await page.getByRole("button", { name: "Log out" }).click();
        assertEquals(await text(page, "h1"), "Sign in");
        assert(await pageWidth(page) <= width, `${label}: the login page fits`);
        await page.screenshot({ path: `${ARTIFACTS}/auth-${label}-login.png`, fullPage: true });
        await page.goto(`${server.origin}/experiments/${mine.id}`);
        assertEquals(await text(page, "h1"), "Sign in", "logged out: back to the login");
        await context.close();
      }
      assertEquals(cspErrors, [], "no Content-Security-Policy violations");
    } finally {
      await browser?.close();
      const stopped = await server.stop("SIGINT");
      assertEquals(stopped.code, 0, stopped.stderr);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
