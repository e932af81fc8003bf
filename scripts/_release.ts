/**
 * Release helpers for `.github/workflows/release.yml`: checks that a tag names
 * the `deno.json` version and extracts that version's notes from
 * `CHANGELOG.md`.
 *
 * ```sh
 * deno run -A scripts/_release.ts check-tag v0.1.0   # prints version=, prerelease=, npm_tag=
 * deno run -A scripts/_release.ts notes 0.1.0        # prints the CHANGELOG section
 * ```
 *
 * @module
 */
import { VERSION } from "./_build.ts";

/** SemVer 2.0.0, with optional pre-release and build metadata. */
export const SEMVER_PATTERN: RegExp =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** What a release tag means for publishing. */
export interface TagInfo {
  /** The version, without the `v`. */
  version: string;
  /** Whether it has a pre-release part, such as `-rc.1`. */
  prerelease: boolean;
  /** The npm dist-tag: `next` for pre-releases, else `latest`. */
  npmTag: string;
}

/**
 * Checks that a tag is `v` followed by the expected SemVer version; throws a
 * one-line error otherwise.
 *
 * @example
 * ```ts
 * import { checkTag } from "./_release.ts";
 * import assert from "node:assert";
 * assert.strictEqual(checkTag("v1.2.0-rc.1", { version: "1.2.0-rc.1" }).npmTag, "next");
 * ```
 */
export function checkTag(tag: string, options: { version?: string } = {}): TagInfo {
  const version = options.version ?? VERSION;
  if (!SEMVER_PATTERN.test(version)) {
    throw new Error(`The deno.json version "${version}" is not SemVer`);
  }
  if (tag !== `v${version}`) {
    throw new Error(
      `The tag "${tag}" does not match the deno.json version: expected "v${version}"`,
    );
  }
  const prerelease = version.split("+")[0].includes("-");
  return { version, prerelease, npmTag: prerelease ? "next" : "latest" };
}

/**
 * The body of a version's section in a Keep a Changelog file, without its
 * heading; throws when there is no such section or it is empty.
 *
 * @example
 * ```ts
 * import { releaseNotes } from "./_release.ts";
 * import assert from "node:assert";
 * const text = "## [Unreleased]\n\n## [1.0.0] - 2026-01-01\n\n- First.\n\n## [0.9.0] - 2025-12-01\n";
 * assert.strictEqual(releaseNotes(text, "1.0.0"), "- First.\n");
 * ```
 */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start === -1) throw new Error(`CHANGELOG.md has no "## [${version}]" section`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith("## ") || /^\[[^\]]+\]:\s/.test(line));
  const body = (end === -1 ? rest : rest.slice(0, end)).join("\n").trim();
  if (body === "") throw new Error(`The CHANGELOG.md section for "${version}" is empty`);
  return `${body}\n`;
}

if (import.meta.main) {
  const [command, value] = Deno.args;
  try {
    if (command === "check-tag" && value) {
      const info = checkTag(value);
      console.log(`version=${info.version}`);
      console.log(`prerelease=${info.prerelease}`);
      console.log(`npm_tag=${info.npmTag}`);
    } else if (command === "notes" && value) {
      const changelog = await Deno.readTextFile(new URL("../CHANGELOG.md", import.meta.url));
      Deno.stdout.writeSync(new TextEncoder().encode(releaseNotes(changelog, value)));
    } else {
      throw new Error(
        `Unknown command "${Deno.args.join(" ")}": expected check-tag TAG or notes VERSION`,
      );
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
