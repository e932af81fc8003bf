/**
 * The release files: the GitHub workflows (parsed as YAML), the Containerfile,
 * CHANGELOG.md, the version everywhere, and the pure helpers of the release
 * scripts. Nothing here builds anything.
 *
 * @module
 */
import { parse } from "yaml";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { REPO_ROOT } from "../_cli.ts";
import denoConfig from "../../deno.json" with { type: "json" };
import { VERSION } from "../../mod.ts";
import { binaryName, TARGETS } from "../../scripts/_build.ts";
import { absoluteLinks, packageJson, repositoryUrl } from "../../scripts/build_npm.ts";
import { checkTag, releaseNotes, SEMVER_PATTERN } from "../../scripts/_release.ts";
import { parseArtifactCommand } from "../../scripts/smoke.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

interface Job {
  "runs-on": string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const DENO_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

async function workflow(name: string): Promise<Workflow> {
  return parse(await Deno.readTextFile(`${REPO_ROOT}.github/workflows/${name}`)) as Workflow;
}

function stepText(step: Step): string {
  return [step.name, step.uses, step.run, JSON.stringify(step.with ?? {})].join("\n");
}

function findStep(job: Job, pattern: RegExp): Step {
  const step = job.steps.find((candidate) => pattern.test(stepText(candidate)));
  assert(step, `no step matching ${pattern} in ${JSON.stringify(job.steps.map((s) => s.name))}`);
  return step;
}

function needs(job: Job): string[] {
  return job.needs === undefined ? [] : ([] as string[]).concat(job.needs);
}

function setupDenoVersions(wf: Workflow): unknown[] {
  return Object.values(wf.jobs).flatMap((job) =>
    job.steps.filter((step) => step.uses?.startsWith("denoland/setup-deno@v2"))
      .map((step) => step.with?.["deno-version"])
  );
}

Deno.test("ci.yml runs .ci/run on Linux and the unit tests on macOS and Windows", async () => {
  const wf = await workflow("ci.yml");
  assert("push" in wf.on, "runs on every push");
  const linux = Object.values(wf.jobs).find((job) => job["runs-on"] === "ubuntu-latest");
  assert(linux, "a Linux job");
  findStep(linux, /bash \.ci\/run/);
  const unit = Object.values(wf.jobs).find((job) => job.strategy !== undefined);
  assert(unit, "a matrix job for the unit tests");
  assertEquals(unit.strategy?.matrix.os, ["macos-latest", "windows-latest"]);
  findStep(unit, /deno test -A src\//);
  for (const version of setupDenoVersions(wf)) assertEquals(version, "2.9.6");
});

Deno.test("release.yml checks the tag, then builds all five targets with deno compile", async () => {
  const wf = await workflow("release.yml");
  assertEquals(wf.on.push, { tags: ["v*"] });
  const check = wf.jobs.check;
  assertStringIncludes(findStep(check, /check-tag/).run ?? "", '"$GITHUB_REF_NAME"');
  findStep(check, /_release\.ts notes/);
  findStep(check, /deno publish --dry-run/);

  const build = wf.jobs.build;
  assert(needs(build).includes("check"), "build waits for the tag check");
  const compile = findStep(build, /deno task compile/).run ?? "";
  assertStringIncludes(compile, "--compiler deno");
  for (const target of DENO_TARGETS) assertStringIncludes(compile, `--target ${target}`);
  findStep(build, /deno task build:npm/);
  assertStringIncludes(findStep(build, /SHA256SUMS/).run ?? "", "sha256sum labos-* > SHA256SUMS");
  findStep(build, /actions\/upload-artifact/);
  for (const version of setupDenoVersions(wf)) assertEquals(version, "${{ env.DENO_VERSION }}");
  assertMatch(JSON.stringify((wf as unknown as { env: unknown }).env), /"DENO_VERSION":"2\.9\.6"/);
});

Deno.test("release.yml smoke-tests every executable on a native runner, and the npm tarball", async () => {
  const wf = await workflow("release.yml");
  const smoke = wf.jobs.smoke;
  const include = smoke.strategy?.matrix.include as Array<
    { runner: string; target: string; file: string }
  >;
  assertEquals(include.map((entry) => entry.target).sort(), [...DENO_TARGETS].sort());
  const runners = Object.fromEntries(include.map((entry) => [entry.target, entry.runner]));
  assertEquals(runners["x86_64-unknown-linux-gnu"], "ubuntu-latest");
  assertEquals(runners["aarch64-unknown-linux-gnu"], "ubuntu-24.04-arm");
  assertMatch(runners["x86_64-apple-darwin"], /^macos-(13|1\d-intel)$/);
  assertEquals(runners["aarch64-apple-darwin"], "macos-latest");
  assertEquals(runners["x86_64-pc-windows-msvc"], "windows-latest");
  for (const entry of include) {
    assertEquals(entry.file, binaryName(TARGETS.find((t) => t.deno === entry.target)!));
  }
  assertEquals(smoke["runs-on"], "${{ matrix.runner }}");
  findStep(smoke, /actions\/download-artifact/);
  assertStringIncludes(findStep(smoke, /deno task smoke/).run ?? "", "dist/${{ matrix.file }}");

  const npm = wf.jobs["smoke-npm"];
  findStep(npm, /npm install -g --prefix/);
  findStep(npm, /deno task smoke "npx --no-install labos"/);
  findStep(npm, /deno task smoke "node .*esm\/cli\.mjs"/);
});

Deno.test("release.yml publishes only after every smoke test, with provenance everywhere", async () => {
  const wf = await workflow("release.yml");
  const publish = wf.jobs.publish;
  for (const job of ["check", "smoke", "smoke-npm"]) assert(needs(publish).includes(job), job);
  assertEquals(publish.permissions?.["id-token"], "write");
  assertEquals(publish.permissions?.contents, "write");
  assertEquals(publish.permissions?.attestations, "write");
  assertStringIncludes(findStep(publish, /SHA256SUMS/).run ?? "", "sha256sum -c SHA256SUMS");
  const attest = findStep(publish, /actions\/attest-build-provenance@v2/);
  assertStringIncludes(String(attest.with?.["subject-path"]), "dist/labos-*");

  const steps = publish.steps.map(stepText);
  const jsr = steps.findIndex((text) => /deno publish\n/.test(text) || /jsr publish/.test(text));
  assert(jsr >= 0, "a JSR publish step");
  const npmStep = findStep(publish, /npm publish/);
  assertStringIncludes(npmStep.run ?? "", "--provenance");
  assertEquals(npmStep.env?.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}");
  const setupNode = findStep(publish, /actions\/setup-node/);
  assertEquals(setupNode.with?.["registry-url"], "https://registry.npmjs.org");

  findStep(publish, /_release\.ts notes/);
  const release = findStep(publish, /softprops\/action-gh-release@v2/);
  assertEquals(release.with?.body_path, "${{ runner.temp }}/notes.md");
  assertStringIncludes(String(release.with?.files), "dist/SHA256SUMS");
  const releaseAt = steps.indexOf(stepText(release));
  assert(releaseAt > jsr && releaseAt > steps.indexOf(stepText(npmStep)), "release comes last");
});

Deno.test("the Containerfile runs the Linux executable as non-root on /data", async () => {
  const text = await Deno.readTextFile(`${REPO_ROOT}Containerfile`);
  const lines = text.split("\n").filter((line) => line && !line.startsWith("#"));
  const last = (instruction: string) =>
    lines.filter((line) => line.startsWith(`${instruction} `)).pop() ?? "";
  assertMatch(last("FROM"), /^FROM (gcr\.io\/distroless\/cc-debian12:nonroot|debian:12-slim)/);
  assertMatch(text, /COPY [^\n]*dist\/labos-\$\{TARGET\} \/usr\/local\/bin\/labos/);
  assertMatch(text, /ARG TARGET=x86_64-unknown-linux-gnu/);
  assertEquals(last("VOLUME"), "VOLUME /data");
  assertEquals(last("ENV"), "ENV LABOS_DATA_DIR=/data");
  assertMatch(last("USER"), /^USER (65532|nonroot)/);
  assertEquals(last("ENTRYPOINT"), 'ENTRYPOINT ["labos"]');
  assertEquals(last("CMD"), 'CMD ["serve", "--host", "0.0.0.0"]');
  assertStringIncludes(text, "LABOS_TOKEN");
  // The PostgreSQL store is chosen by LABOS_STORE, its password kept out of argv.
  assertMatch(text, /^#.*LABOS_STORE=postgres:\/\//m);
  assertStringIncludes(text, "PGPASSFILE");
});

Deno.test("CHANGELOG.md follows Keep a Changelog with notes for the current version", async () => {
  const text = await Deno.readTextFile(`${REPO_ROOT}CHANGELOG.md`);
  assertStringIncludes(text, "Keep a Changelog");
  assertMatch(text, /^## \[Unreleased\]$/m);
  assertMatch(
    text,
    new RegExp(`^## \\[${VERSION.replaceAll(".", "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"),
  );
  assertMatch(releaseNotes(text, VERSION), /^### Added/);
  for (const heading of text.matchAll(/^## \[([^\]]+)\]/gm)) {
    assert(heading[1] === "Unreleased" || SEMVER_PATTERN.test(heading[1]), heading[1]);
  }
});

Deno.test("deno.json, mod.ts VERSION and the npm manifest carry one SemVer version", () => {
  assertMatch(denoConfig.version, SEMVER_PATTERN);
  assertEquals(VERSION, denoConfig.version);
  assertEquals(packageJson(repositoryUrl({})).version, denoConfig.version);
  assertEquals(checkTag(`v${VERSION}`).version, VERSION);
});

Deno.test("checkTag accepts only v<version>, and marks pre-releases for npm's next tag", () => {
  assertEquals(checkTag("v1.2.3", { version: "1.2.3" }), {
    version: "1.2.3",
    prerelease: false,
    npmTag: "latest",
  });
  assertEquals(checkTag("v1.2.3-rc.1", { version: "1.2.3-rc.1" }).npmTag, "next");
  assertEquals(checkTag("v1.2.3+build.5", { version: "1.2.3+build.5" }).prerelease, false);
  for (const [tag, version] of [["1.2.3", "1.2.3"], ["v1.2.4", "1.2.3"], ["v1.2", "1.2"]]) {
    let message = "";
    try {
      checkTag(tag, { version });
    } catch (error) {
      message = (error as Error).message;
    }
    assertMatch(message, /^The (tag|deno\.json version) "[^"]+"/, `${tag} ${version}`);
  }
});

Deno.test("releaseNotes takes one section and stops at the next heading or link list", () => {
  const changelog = [
    "# Changelog",
    "## [Unreleased]",
    "",
    "## [1.1.0-rc.1] - 2026-12-01",
    "",
    "### Fixed",
    "- A bug.",
    "",
    "## [1.0.0] - 2026-11-01",
    "- First.",
    "",
    "[1.1.0-rc.1]: https://example.org/compare",
  ].join("\n");
  assertEquals(releaseNotes(changelog, "1.1.0-rc.1"), "### Fixed\n- A bug.\n");
  assertEquals(releaseNotes(changelog, "1.0.0"), "- First.\n");
  let message = "";
  try {
    releaseNotes(changelog, "2.0.0");
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, 'CHANGELOG.md has no "## [2.0.0]" section');
});

Deno.test("the npm manifest is dependency-free, Node 20+, with the labos command", () => {
  const manifest = packageJson("https://github.com/example/labos") as Record<string, unknown>;
  assertEquals(manifest.name, "labos");
  assertEquals(manifest.type, "module");
  assertEquals(manifest.license, denoConfig.license);
  assertEquals(manifest.bin, { labos: "./bin/labos.mjs" });
  assertEquals(manifest.engines, { node: ">=20" });
  assertEquals(manifest.dependencies, undefined);
  assertEquals(manifest.repository, {
    type: "git",
    url: "git+https://github.com/example/labos.git",
  });
  assert((manifest.files as string[]).every((entry) => !entry.startsWith("data")));
});

Deno.test("repositoryUrl prefers LABOS_REPOSITORY, then the GitHub Actions repository", () => {
  assertEquals(repositoryUrl({ LABOS_REPOSITORY: "https://x.org/a/b/" }), "https://x.org/a/b");
  assertEquals(
    repositoryUrl({ GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "o/r" }),
    "https://github.com/o/r",
  );
  assertEquals(repositoryUrl({}), "https://github.com/labos/labos");
});

Deno.test("absoluteLinks rewrites relative links and images, and leaves the rest", () => {
  const options = { base: "https://github.com/o/r", ref: "v1.0.0" };
  const input = [
    'See [the docs](docs/guide.md#install) and [license](./LICENSE "MIT").',
    "![Dashboard](docs/screenshots/dashboard.png)",
    "[Deno](https://deno.com), [top](#quick-start), [mail](mailto:a@b.c)",
    "[ref]: docs/api.md",
    '<img src="docs/a.svg" alt="a"> <a href="CHANGELOG.md">log</a>',
  ].join("\n");
  assertEquals(
    absoluteLinks(input, options),
    [
      'See [the docs](https://github.com/o/r/blob/v1.0.0/docs/guide.md#install) and [license](https://github.com/o/r/blob/v1.0.0/LICENSE "MIT").',
      "![Dashboard](https://github.com/o/r/raw/v1.0.0/docs/screenshots/dashboard.png)",
      "[Deno](https://deno.com), [top](#quick-start), [mail](mailto:a@b.c)",
      "[ref]: https://github.com/o/r/blob/v1.0.0/docs/api.md",
      '<img src="https://github.com/o/r/raw/v1.0.0/docs/a.svg" alt="a"> <a href="https://github.com/o/r/blob/v1.0.0/CHANGELOG.md">log</a>',
    ].join("\n"),
  );
});

Deno.test("parseArtifactCommand keeps paths whole, splits commands and absolutises paths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-test-" });
  try {
    await Deno.mkdir(`${dir}/my dist`);
    await Deno.writeTextFile(`${dir}/my dist/labos`, "");
    await Deno.mkdir(`${dir}/npm/esm`, { recursive: true });
    await Deno.writeTextFile(`${dir}/npm/esm/cli.mjs`, "");
    assertEquals(parseArtifactCommand(["my dist/labos"], dir), [`${dir}/my dist/labos`]);
    assertEquals(parseArtifactCommand(["node npm/esm/cli.mjs"], dir), [
      "node",
      `${dir}/npm/esm/cli.mjs`,
    ]);
    assertEquals(parseArtifactCommand(["npx --no-install labos"], dir), [
      "npx",
      "--no-install",
      "labos",
    ]);
    let message = "";
    try {
      parseArtifactCommand(["dist/missing"], dir);
    } catch (error) {
      message = (error as Error).message;
    }
    assertEquals(message, `No artifact at "dist/missing" (relative to "${dir}")`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JSR publishing excludes tests, build output and data folders", () => {
  const exclude = denoConfig.publish.exclude;
  for (const pattern of ["**/*_test.ts", "test/", "dist/", "npm/", "data/", "scripts/"]) {
    assert(exclude.includes(pattern), `publish.exclude lacks ${pattern}`);
  }
  assertEquals(denoConfig.exports, {
    ".": "./mod.ts",
    "./cli": "./cli.ts",
    "./module": "./module.ts",
    "./audit": "./audit.ts",
    "./storage": "./storage.ts",
    "./templates": "./templates.ts",
    "./records": "./records.ts",
    "./class": "./class.ts",
    "./exchange": "./exchange.ts",
  });
  for (const task of ["compile", "build:npm", "smoke"]) {
    assert(task in denoConfig.tasks, `deno.json lacks the ${task} task`);
  }
});
