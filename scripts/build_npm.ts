/**
 * Builds the npm package in `npm/` and packs it into `dist/labos-<version>.tgz`.
 *
 * ```sh
 * deno task build:npm
 * ```
 *
 * The package runs on Node 20 or later with no dependency at all: `deno bundle`
 * inlines every npm dependency into `esm/cli.mjs` (the `labos` command, split
 * at every `import()` into `esm/cli/`, so that each command loads only what
 * it uses) and `esm/mod.mjs` (the library). The type declarations under `types/` are the
 * ones `deno pack` derives from the JSR package's public API without a
 * type-check of the whole program (the no-slow-types rule makes that
 * possible); they mention zod's types, so zod is an optional peer dependency.
 *
 * @module
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import denoConfig from "../deno.json" with { type: "json" };
import {
  bundle,
  bundleSplit,
  CLI_ENTRY,
  DIST_DIR,
  formatSize,
  NPM_DIR,
  ROOT,
  run,
  tarballName,
  VERSION,
  writeChecksums,
} from "./_build.ts";

/** The repository used in package metadata and README links when nothing else names one. */
export const DEFAULT_REPOSITORY = "https://github.com/labos/labos";

/** Options for {@linkcode buildNpm}. */
export interface BuildNpmOptions {
  /** The package folder; `npm/` by default. */
  outDir?: string;
  /** Where the tarball goes; `dist/` by default. */
  packDir?: string;
  /** Repository URL; see {@linkcode repositoryUrl}. */
  repository?: string;
  /** Progress lines; `console.log` by default. */
  log?: (line: string) => void;
}

/** What {@linkcode buildNpm} produced. */
export interface NpmBuild {
  /** The package folder. */
  dir: string;
  /** The tarball's absolute path. */
  tarball: string;
  /** The tarball's size in bytes. */
  size: number;
}

/**
 * The repository's web URL: `LABOS_REPOSITORY`, else the GitHub Actions
 * repository, else {@linkcode DEFAULT_REPOSITORY}.
 */
export function repositoryUrl(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  if (env.LABOS_REPOSITORY) return env.LABOS_REPOSITORY.replace(/\/+$/, "");
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
  }
  return DEFAULT_REPOSITORY;
}

/**
 * Rewrites the relative links and images of a Markdown document to absolute
 * URLs in the repository at a git ref, so that they work on the npm registry.
 *
 * @example
 * ```ts
 * import { absoluteLinks } from "./build_npm.ts";
 * import assert from "node:assert";
 * const out = absoluteLinks("![x](docs/a.png) [y](./LICENSE)", { base: "https://g/r", ref: "v1" });
 * assert.strictEqual(out, "![x](https://g/r/raw/v1/docs/a.png) [y](https://g/r/blob/v1/LICENSE)");
 * ```
 */
export function absoluteLinks(markdown: string, options: { base: string; ref: string }): string {
  const absolute = (target: string, image: boolean): string => {
    if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(target)) return target;
    const path = target.replace(/^\.\//, "").replace(/^\//, "");
    return `${options.base}/${image ? "raw" : "blob"}/${options.ref}/${path}`;
  };
  return markdown
    .replace(
      /(!?)\[([^\]]*)\]\(\s*([^)\s]+)((?:\s+"[^"]*")?\s*)\)/g,
      (_, bang: string, text: string, target: string, title: string) =>
        `${bang}[${text}](${absolute(target, bang === "!")}${title})`,
    )
    .replace(
      /^(\s{0,3}\[[^\]]+\]:\s*)(\S+)/gm,
      (_, label: string, target: string) =>
        `${label}${absolute(target, /\.(png|jpe?g|gif|svg|webp)$/i.test(target))}`,
    )
    .replace(
      /(<(img|a|source)\b[^>]*?\s(src|href|srcset)=")([^"]+)(")/gi,
      (_, head: string, tag: string, _attr: string, target: string, tail: string) =>
        `${head}${absolute(target, tag.toLowerCase() !== "a")}${tail}`,
    );
}

/** The npm package manifest. */
export function packageJson(repository: string): Record<string, unknown> {
  return {
    name: "labos",
    version: VERSION,
    description:
      "LabOS, a laboratory operating system: experiments, analysis modules and a tamper-evident audit log, as a command line and a local web control panel",
    keywords: [
      "laboratory",
      "lab",
      "eln",
      "audit-log",
      "chemistry",
      "mass-spectrometry",
      "kinetics",
      "calorimetry",
      "chromatography",
      "spectroscopy",
      "cli",
    ],
    license: denoConfig.license,
    homepage: `${repository}#readme`,
    bugs: { url: `${repository}/issues` },
    repository: { type: "git", url: `git+${repository}.git` },
    type: "module",
    bin: { labos: "./bin/labos.mjs" },
    main: "./esm/mod.mjs",
    types: "./types/mod.d.ts",
    exports: {
      ".": { types: "./types/mod.d.ts", default: "./esm/mod.mjs" },
      ...Object.fromEntries(
        SUBPATHS.map((name) => [
          `./${name}`,
          { types: `./types/${name}.d.ts`, default: `./esm/${name}.mjs` },
        ]),
      ),
      "./package.json": "./package.json",
    },
    files: ["bin/", "esm/", "types/", "README.md", "LICENSE", "CHANGELOG.md"],
    engines: { node: ">=20" },
    peerDependencies: { zod: "^4.1.12" },
    peerDependenciesMeta: { zod: { optional: true } },
  };
}

/**
 * The library's subpath entries besides the root and the CLI, read from
 * deno.json "exports" (`./module` → `labos/module`, built from `module.ts`).
 */
export const SUBPATHS: string[] = Object.entries(denoConfig.exports as Record<string, string>)
  .filter(([path]) => path !== "." && path !== "./cli")
  .map(([path, file]) => {
    const name = path.slice(2);
    if (file !== `./${name}.ts`) {
      throw new Error(`deno.json exports "${path}" from "${file}": expected "./${name}.ts"`);
    }
    return name;
  });

const BIN_SOURCE = `#!/usr/bin/env node
const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  console.error(\`error: LabOS needs Node.js 20 or later, not "\${process.versions.node}"\`);
  process.exit(1);
}
await import("../esm/cli.mjs");
`;

/** Writes the package folder and packs the tarball; resolves to what was built. */
export async function buildNpm(options: BuildNpmOptions = {}): Promise<NpmBuild> {
  const log = options.log ?? console.log;
  const dir = options.outDir ?? NPM_DIR;
  const packDir = options.packDir ?? DIST_DIR;
  const repository = options.repository ?? repositoryUrl();
  rmSync(dir, { recursive: true, force: true });
  for (const folder of ["bin", "esm", "types"]) mkdirSync(join(dir, folder), { recursive: true });
  mkdirSync(packDir, { recursive: true });

  const entry = await bundleSplit(CLI_ENTRY, join(dir, "esm", "cli"));
  writeFileSync(
    join(dir, "esm", "cli.mjs"),
    `// The labos command; its code is split into esm/cli/, loaded as each command needs it.\nimport "./cli/${
      basename(entry)
    }";\n`,
  );
  await bundle(join(ROOT, "mod.ts"), join(dir, "esm", "mod.mjs"));
  for (const name of SUBPATHS) {
    await bundle(join(ROOT, `${name}.ts`), join(dir, "esm", `${name}.mjs`));
  }
  const chunks = readdirSync(join(dir, "esm", "cli"));
  const cliBytes = chunks.reduce(
    (sum, file) => sum + statSync(join(dir, "esm", "cli", file)).size,
    0,
  );
  log(
    `bundles: esm/cli.mjs and ${chunks.length} files under esm/cli/ (${
      formatSize(cliBytes)
    }), esm/mod.mjs (${size(dir, "esm/mod.mjs")})`,
  );

  const declarations = await writeDeclarations(join(dir, "types"));
  log(`types: ${declarations} declaration files under types/ (from deno pack)`);

  writeFileSync(join(dir, "bin", "labos.mjs"), BIN_SOURCE, { mode: 0o755 });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(packageJson(repository), null, 2)}\n`,
  );
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  writeFileSync(
    join(dir, "README.md"),
    absoluteLinks(readme, { base: repository, ref: `v${VERSION}` }),
  );
  copyFileSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  copyFileSync(join(ROOT, "CHANGELOG.md"), join(dir, "CHANGELOG.md"));

  await run(["npm", "pack", "--ignore-scripts", "--pack-destination", packDir], { cwd: dir });
  const tarball = join(packDir, tarballName());
  const bytes = statSync(tarball).size;
  log(`tarball: ${tarball} (${formatSize(bytes)})`);
  await writeChecksums(packDir);
  return { dir, tarball, size: bytes };
}

function size(dir: string, path: string): string {
  return formatSize(statSync(join(dir, path)).size);
}

/** Copies the `.d.ts` files of `deno pack`'s output (library entries only) into a folder. */
async function writeDeclarations(typesDir: string): Promise<number> {
  const temp = await Deno.makeTempDir({ prefix: "labos-pack-" });
  try {
    const tarball = join(temp, "pack.tgz");
    await run([Deno.execPath(), "pack", "--quiet", "--allow-dirty", "--output", tarball]);
    await run(["tar", "-xzf", tarball, "-C", temp]);
    const packageDir = join(temp, "package");
    const files = [
      ...new Set(
        ["mod", ...SUBPATHS].flatMap((name) => reachableDeclarations(packageDir, `${name}.d.ts`)),
      ),
    ];
    for (const path of files) {
      mkdirSync(dirname(join(typesDir, path)), { recursive: true });
      copyFileSync(join(packageDir, path), join(typesDir, path));
    }
    return files.length;
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
}

/** The declaration files reachable from an entry through relative imports; throws on a missing one. */
function reachableDeclarations(dir: string, entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    let text: string;
    try {
      text = Deno.readTextFileSync(join(dir, file));
    } catch {
      throw new Error(`deno pack wrote no declaration "${file}" in "${dir}"`);
    }
    seen.add(file);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "");
    for (const match of code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)"(\.{1,2}\/[^"]+)"/g)) {
      pending.push(
        join(dirname(file), match[1].replace(/\.js$/, ".d.ts")).split("\\").join("/"),
      );
    }
  }
  return [...seen].sort();
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { repository: { type: "string" } },
  });
  try {
    const built = await buildNpm({ repository: values.repository });
    console.log(`built the npm package labos@${VERSION}: ${relative(ROOT, built.tarball)}`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
