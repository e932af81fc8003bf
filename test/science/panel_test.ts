/**
 * Issue 13 item 4 in the control panel: a job's stored warnings show on its
 * page, in process through `app.request()`.
 *
 * @module
 */
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { openLab } from "../../src/service/mod.ts";
import { createApp } from "../../src/server/mod.ts";

const TOKEN = "science-panel-token-0123456789abcdef";
const PORT = 8322;

Deno.test("the job page shows the warnings stored on the job", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-science-panel-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "tester" });
    await lab.init();
    const run = await lab.run({
      module: "chromatography.peak-metrics",
      input: { peaks: [{ name: "smear", retentionTimeMin: 1, baseWidthMin: 5 }] },
    });
    assertEquals(run.job.warnings?.length, 1);
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const response = await app.request(`http://127.0.0.1:${PORT}/jobs/${run.job.id}`, {
      headers: { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` },
    });
    assertEquals(response.status, 200);
    const page = await response.text();
    assertStringIncludes(page, '<div class="notice warn" role="status"><strong>Warning:</strong>');
    assertStringIncludes(page, "<li>Peak &quot;smear&quot; has a plate count below 1 (N = 0.64)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
