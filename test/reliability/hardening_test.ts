/**
 * Regression tests for issue 11 (hardening): one test per item, each named
 * after its item number.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { runCli, withTempDir } from "../_cli.ts";

const HALF_LIFE = fileURLToPath(new URL("../fixtures/plugins/half_life.mjs", import.meta.url));

/** A plugin that leaves a marker file when it is imported, then provides half_life. */
async function plantPlugin(dir: string): Promise<string> {
  await Deno.copyFile(HALF_LIFE, `${dir}/half_life.mjs`);
  await Deno.writeTextFile(
    `${dir}/planted.mjs`,
    `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./marker", import.meta.url), "loaded");
export { default } from "./half_life.mjs";
`,
  );
  await Deno.writeTextFile(
    `${dir}/labos.jsonc`,
    JSON.stringify({ dataDir: "./data", plugins: ["./planted.mjs"] }),
  );
  return `${dir}/marker`;
}

Deno.test("item 1: an untrusted labos.jsonc loads no plugin code until `labos trust`; an edit untrusts it; --config is trusted", async () => {
  await withTempDir(async (dir) => {
    const marker = await plantPlugin(dir);
    const env = { LABOS_CONFIG_HOME: `${dir}/config-home` };
    const untrusted = await runCli(["modules", "list"], { cwd: dir, env });
    assertEquals(untrusted.code, 0, untrusted.stderr);
    assert(!existsSync(marker), "the planted plugin was imported");
    assertEquals(untrusted.stderr.trimEnd().split("\n").length, 1);
    assertMatch(
      untrusted.stderr,
      /^warning: 1 plugin\(s\) skipped: .*labos\.jsonc" is not trusted/,
    );
    assertStringIncludes(untrusted.stderr, `"labos trust"`);
    assert(!untrusted.stdout.includes("fixture.half-life"));

    const trust = await runCli(["trust"], { cwd: dir, env });
    assertEquals(trust.code, 0, trust.stderr);
    assertMatch(trust.stdout, /^trusted .*labos\.jsonc \(sha256 [0-9a-f]{64}\)\n$/);
    assert(existsSync(`${dir}/config-home/trusted.json`));
    assert(!existsSync(marker), "labos trust loads no plugin");
    const trusted = await runCli(["modules", "list"], { cwd: dir, env });
    assertEquals(trusted.stderr, "");
    assertStringIncludes(trusted.stdout, "fixture.half-life");
    assert(existsSync(marker));
    await Deno.remove(marker);

    // Edited after it was trusted: untrusted again, like direnv.
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      JSON.stringify({ dataDir: "./data", plugins: ["./planted.mjs"] }) + "\n",
    );
    const edited = await runCli(["modules", "list"], { cwd: dir, env });
    assertStringIncludes(edited.stderr, "is not trusted");
    assert(!existsSync(marker));

    // A file named with --config is trusted; its paths are relative to it.
    await Deno.mkdir(`${dir}/elsewhere`);
    const explicit = await runCli(
      ["--config", `${dir}/labos.jsonc`, "modules", "list"],
      { cwd: `${dir}/elsewhere`, env },
    );
    assertEquals(explicit.stderr, "");
    assertStringIncludes(explicit.stdout, "fixture.half-life");

    const missing = await runCli(["--config", "nope.jsonc", "status"], { cwd: dir, env });
    assertEquals(missing.code, 2);
    assertEquals(
      missing.stderr,
      `error: Invalid --config "nope.jsonc": expected an existing labos.jsonc file\n`,
    );
  });
});

Deno.test("item 1: audit, doctor, status, export, import-archive, migrate and init load no plugins, even trusted ones", async () => {
  await withTempDir(async (dir) => {
    const marker = await plantPlugin(dir);
    const env = { LABOS_CONFIG_HOME: `${dir}/config-home` };
    assertEquals((await runCli(["trust"], { cwd: dir, env })).code, 0);
    const commands = [
      ["init"],
      ["status"],
      ["doctor"],
      ["audit", "verify"],
      ["audit", "head"],
      ["audit", "export", "--out", `${dir}/audit.jsonl`],
      ["export", "--out", `${dir}/lab.zip`],
      ["migrate", "--dry-run"],
      ["--data-dir", `${dir}/restored`, "import-archive", `${dir}/lab.zip`],
    ];
    for (const args of commands) {
      const result = await runCli(args, { cwd: dir, env });
      assertEquals(result.code, 0, `labos ${args.join(" ")}: ${result.stderr}`);
      assert(!existsSync(marker), `labos ${args.join(" ")} loaded a plugin`);
    }
  });
});
