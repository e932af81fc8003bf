/**
 * The gradebook through its adapters: `labos gradebook` (table, `--json`,
 * `--csv`, `--plot`) and the API and page in process, which agree with the
 * service; the CSV download and the distribution SVG, decoded back to
 * numbers.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, runCli, withTempDir } from "../_cli.ts";
import { decodePlotSvg } from "../_svg_decode.ts";
import { openTestLab, TEST_STORE } from "../_store.ts";
import type { Gradebook } from "../../src/service/mod.ts";
import { createApp } from "../../src/server/mod.ts";
import type { Experiment } from "../../src/records/mod.ts";

const KEY = "coffee-cup-calorimetry";
const TOKEN = "gradebook-test-token-0123456789abcdef";
const PORT = 8321;

async function classFolder(dir: string): Promise<{ data: string; ids: string[] }> {
  const data = `${dir}/data`;
  await cliOk(["--data-dir", data, "init"]);
  const made = await cliJson<Experiment[]>([
    "--data-dir",
    data,
    "--json",
    "assign",
    KEY,
    "--to",
    "ana,bo",
  ]);
  const ids = made.map((experiment) => experiment.id);
  // ana: the neutralisation on her own data (ΔT 7.1 K); a typo'd dissolution, voided.
  const run = (id: string, step: string, params: string[]) =>
    cliJson<{ job: { id: string } }>([
      "--data-dir",
      data,
      "--json",
      "run",
      "thermo.calorimetry",
      "--experiment",
      id,
      "--step",
      step,
      ...params.flatMap((param) => ["--param", param]),
    ]);
  await run(ids[0], "neutralisation", [
    "massG=100",
    "initialTempC=22",
    "finalTempC=29.1",
    "amountMol=0.05",
  ]);
  const typo = await run(ids[0], "dissolution", [
    "massG=53.2",
    "initialTempC=24.9",
    "finalTempC=2.03",
    "amountMol=0.0401",
  ]);
  await cliOk(["--data-dir", data, "jobs", "void", typo.job.id, "--reason", "Typo"]);
  // bo: the neutralisation at 30.5 °C (ΔT 8.5 K).
  await run(ids[1], "neutralisation", [
    "massG=100",
    "initialTempC=22",
    "finalTempC=30.5",
    "amountMol=0.05",
  ]);
  return { data, ids };
}

Deno.test("labos gradebook: table, --json, --csv and --plot agree with the service", async () => {
  await withTempDir(async (dir) => {
    const { data, ids } = await classFolder(dir);
    await using check = await openTestLab({ dataDir: data, actor: "check" });
    const service = await check.gradebook();
    const book = await cliJson<Gradebook>(["--data-dir", data, "--json", "gradebook"]);
    assertEquals(book, service);
    assertEquals(
      book.rows.map((row) => [row.student, row.experimentId, row.stepsDone, row.stepsTotal]),
      [["ana", ids[0], 1, 3], ["bo", ids[1], 1, 3]],
    );

    const text = await cliOk(["--data-dir", data, "gradebook"]);
    assertMatch(text, /^STUDENT\s+TEMPLATE\s+EXPERIMENT\s+STATUS\s+STEPS\s+CHECKS\s+SIGN-OFF/);
    assertMatch(text, new RegExp(`ana\\s+${KEY}\\s+${ids[0]}\\s+running\\s+1/3\\s+\\d+/10\\s+-`));

    const csv = await cliOk(["--data-dir", data, "gradebook", "--csv", "--template", KEY]);
    const lines = csv.split("\r\n");
    assertEquals(lines.length, 4, "a header, two rows and the final line end");
    assert(lines[0].startsWith("student,template,experiment,status,steps_done,steps_total"));
    assert(lines[1].startsWith(`ana,${KEY},${ids[0]},running,1,3,`));

    const plot = `${dir}/spread.svg`;
    const out = await cliOk([
      "--data-dir",
      data,
      "gradebook",
      "--plot",
      plot,
      "--step",
      "neutralisation",
      "--field",
      "deltaTK",
    ]);
    assertStringIncludes(out, `Wrote ${plot}: Temperature rise (deltaTK) of step neutralisation`);
    assertStringIncludes(out, "accepted 6.9 K ± 5 %");
    const decoded = decodePlotSvg(await Deno.readTextFile(plot)).panels[0];
    const points = decoded.series.find((series) => series.kind === "points")!.points;
    const span = decoded.yDomain[1] - decoded.yDomain[0];
    [7.1, 8.5].forEach((expected, index) =>
      assert(Math.abs(points[index][1] - expected) <= 0.01 * span, `point ${index}`)
    );

    const refused = await runCli(["--data-dir", data, "--json", "gradebook", "--csv"]);
    assertEquals(refused.code, 2);
    assertEquals(refused.stderr, `error: "--csv" and "--json" cannot be combined: choose one\n`);
    const noPlot = await runCli(["--data-dir", data, "gradebook", "--step", "neutralisation"]);
    assertEquals(noPlot.code, 2);
    assertStringIncludes(noPlot.stderr, "add --plot FILE.svg");
    if (TEST_STORE === "folder") {
      const inside = await runCli(["--data-dir", data, "gradebook", "--plot", `${data}/x.svg`]);
      assertEquals(inside.code, 2);
      assertStringIncludes(inside.stderr, "inside the data folder");
    }
  });
});

Deno.test("gradebook over HTTP: the API answers what the service does, the CSV downloads, the page shows the counts", async () => {
  await withTempDir(async (dir) => {
    const { data, ids } = await classFolder(dir);
    await using lab = await openTestLab({ dataDir: data, actor: "tester" });
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const get = (path: string) =>
      Promise.resolve(app.request(`http://127.0.0.1:${PORT}${path}`, {
        headers: { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` },
      }));

    const api = await get(`/api/v1/gradebook?template=${KEY}`);
    assertEquals(api.status, 200);
    assertEquals(await api.json(), await lab.gradebook({ template: KEY }));

    const csv = await get(`/api/v1/gradebook/csv?template=${KEY}`);
    assertEquals(csv.status, 200);
    assertEquals(csv.headers.get("content-type"), "text/csv; charset=utf-8");
    assertEquals(
      csv.headers.get("content-disposition"),
      `attachment; filename="gradebook-${KEY}.csv"`,
    );
    assertEquals(await csv.text(), await lab.gradebookCsv({ template: KEY }));

    const svg = await get(
      `/api/v1/gradebook/distribution.svg?template=${KEY}&step=neutralisation&field=heatJ`,
    );
    assertEquals(svg.status, 200);
    assertEquals(svg.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    const decoded = decodePlotSvg(await svg.text()).panels[0];
    assertEquals(decoded.yLabel, "Heat taken up by the solution (J)");
    // q = m c ΔT = 100 g × 4.184 J/(g K) × ΔT: 2970.64 J (ana), 3556.4 J (bo).
    const span = decoded.yDomain[1] - decoded.yDomain[0];
    const points = decoded.series.find((series) => series.kind === "points")!.points;
    [2970.64, 3556.4].forEach((expected, index) =>
      assert(Math.abs(points[index][1] - expected) <= 0.01 * span, `point ${index}`)
    );

    const bad = await get(`/api/v1/gradebook/distribution?template=${KEY}&step=nope`);
    assertEquals(bad.status, 400);
    assertStringIncludes((await bad.json()).error.message, 'Unknown step "nope"');
    assertEquals((await get(`/api/v1/gradebook?template=no-such-lab`)).status, 404);

    const page = await get(`/gradebook?template=${KEY}&plot=neutralisation:deltaTK`);
    assertEquals(page.status, 200);
    const body = await page.text();
    assertStringIncludes(body, "<title>Gradebook · LabOS</title>");
    assertMatch(
      body,
      new RegExp(`data-student="ana"[\\s\\S]*?/experiments/${ids[0]}/plan">1 of 3`),
    );
    assertStringIncludes(
      body,
      `/api/v1/gradebook/distribution.svg?template=${KEY}&amp;step=neutralisation&amp;field=deltaTK`,
    );
    assertStringIncludes(body, `href="/api/v1/gradebook/csv?template=${KEY}"`);
    assertStringIncludes(body, `<th scope="col" class="hide-narrow">Sign-off</th>`);
    assertStringIncludes(
      body,
      `<td class="sign-off wrap hide-narrow"><span class="muted small">not signed</span>`,
    );
  });
});

Deno.test("gradebook in sign-in mode: staff read it; a student gets 404 everywhere and no Gradebook link", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({
      dataDir: dir,
      actor: "prof",
      scryptCost: { N: 1024, r: 8, p: 1 },
    });
    await lab.init();
    const roles = [["amy", "student"], ["ivy", "instructor"], ["tom", "ta"]] as const;
    for (const [username, role] of roles) {
      await lab.addUser({ username, role, password: "correct horse battery" });
    }
    await lab.assign(KEY, { to: ["amy"] });
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const get = async (path: string, username: string) => {
      const token = (await lab.createToken(username)).token;
      return await app.request(`http://127.0.0.1:${PORT}${path}`, {
        headers: { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${token}` },
      });
    };
    const paths = [
      "/api/v1/gradebook",
      "/api/v1/gradebook/csv",
      "/api/v1/gradebook/distribution",
      "/api/v1/gradebook/distribution.svg",
      "/gradebook",
    ];
    for (const path of paths) {
      const refused = await get(path, "amy");
      assertEquals(refused.status, 404, path);
      const text = await refused.text();
      assert(!text.includes("amy,") && !text.includes("<svg"), `${path} shows nothing`);
      for (const staff of ["ivy", "tom"]) assertEquals((await get(path, staff)).status, 200, path);
    }
    const nav = (page: string) => page.includes('<a href="/gradebook"');
    assert(!nav(await (await get("/", "amy")).text()), "a student is not offered the gradebook");
    assert(nav(await (await get("/", "ivy")).text()), "an instructor is");
    const book = await (await get("/api/v1/gradebook", "tom")).json() as Gradebook;
    assertEquals(book.rows.map((row) => [row.student, row.stepsDone]), [["amy", 0]]);
  });
});
