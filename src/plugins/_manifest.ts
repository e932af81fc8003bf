import * as fs from "node:fs";
// Two functions, not the package's index, which loads all of its fifty files on every start.
import satisfies from "semver/functions/satisfies.js";
import validRange from "semver/ranges/valid.js";
import * as z from "zod";
import { LabosError } from "../errors.ts";
import { LABOS_API_VERSION, type ModuleExample } from "../modules/contract.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";

/** The manifest file of a plugin folder. */
export const MANIFEST_FILE = "labos-module.json";

/** A plugin manifest, `labos-module.json`: an in-process module (`entry`) or an executable (`command`). */
export interface ModuleManifest {
  /** The JSON Schema of the file, for editors. */
  $schema?: string;
  /** The module key, `domain.name`. */
  key: string;
  /** The module's semantic version. */
  version: string;
  /** The LabOS module API versions it works with, as a semver range such as `^1.0.0`. */
  labosApi: string;
  /** In-process plugins: the ES module that exports the module, relative to the manifest. */
  entry?: string;
  /** Executable plugins: the program and its arguments, run in the manifest's folder. */
  command?: string[];
  /** Human title (executable plugins). */
  title?: string;
  /** Scientific domain; defaults to the key's first part. */
  domain?: string;
  /** One sentence on what it computes (executable plugins). */
  summary?: string;
  /** The algorithm, in a paragraph (executable plugins). */
  method?: string;
  /** Real references. */
  citations?: string[];
  /** Where the method stops being valid. */
  limitations?: string[];
  /** The science explained for a student. */
  learnerNotes?: string[];
  /** Worked examples with their expected outputs. */
  examples?: ModuleExample[];
  /** JSON Schema of the input (executable plugins; required). */
  inputSchema?: Record<string, unknown>;
  /** JSON Schema of the output (executable plugins; optional). */
  outputSchema?: Record<string, unknown>;
  /** Time limit of one run, in ms (executable plugins). */
  timeoutMs?: number;
}

/** A string matching `pattern`, with a message that says what is expected. */
function matching(pattern: RegExp, message: string): z.ZodType<string> {
  return z.string().refine((value) => pattern.test(value), message).meta({
    pattern: pattern.source,
  });
}

const manifestObject = z.strictObject({
  $schema: z.string().optional(),
  key: matching(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/, 'must look like "domain.name"'),
  version: matching(
    /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/,
    "must be a semantic version such as 1.0.0",
  ),
  labosApi: z.string().refine(
    (range) => validRange(range) !== null,
    "must be a semver range such as ^1.0.0",
  ),
  entry: z.string().min(1).optional(),
  command: z.array(z.string().min(1)).min(1).optional(),
  title: z.string().min(1).optional(),
  domain: matching(/^[a-z][a-z0-9-]*$/, "must be a lowercase word").optional(),
  summary: z.string().min(1).optional(),
  method: z.string().min(1).optional(),
  citations: z.array(z.string()).optional(),
  limitations: z.array(z.string()).optional(),
  learnerNotes: z.array(z.string()).optional(),
  examples: z.array(z.strictObject({
    name: z.string().min(1),
    source: z.string(),
    input: z.record(z.string(), z.unknown()),
    expected: z.record(z.string(), z.unknown()),
  })).optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.int().min(1).max(3_600_000).optional(),
}).superRefine((manifest, context) => {
  const kinds = [manifest.entry, manifest.command].filter((value) => value !== undefined).length;
  if (kinds !== 1) {
    context.addIssue({
      code: "custom",
      message: 'must give either "entry" (an ES module) or "command" (an executable)',
    });
    return;
  }
  if (manifest.command) {
    for (const field of ["title", "summary", "method", "inputSchema"] as const) {
      if (manifest[field] === undefined) {
        context.addIssue({
          code: "custom",
          path: [field],
          message: "is required for an executable plugin",
        });
      }
    }
  }
});

/** Schema of `labos-module.json`. */
export const ManifestSchema: z.ZodType<ModuleManifest> = manifestObject;

/** The zod schema for the published JSON Schema. */
export const MANIFEST_ZOD_SCHEMA: z.ZodType = manifestObject;

/** Reads and validates a manifest; errors name the file and the field. */
export function readManifest(file: string): ModuleManifest {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new LabosError(
      "invalid",
      `${file} is not valid JSON: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const result = ManifestSchema.safeParse(value);
  if (!result.success) {
    const issues = toFieldIssues(result.error, value, { schema: ManifestSchema });
    throw new LabosError("invalid", `${file}: ${formatIssues(issues)}`, { issues });
  }
  return result.data;
}

/**
 * Checks a `labosApi` range against this LabOS's module API version; returns
 * the problem, or undefined when the range includes it.
 */
export function apiProblem(range: string): string | undefined {
  if (validRange(range) === null) {
    return `labosApi ${JSON.stringify(range)} is not a semver range such as ^1.0.0`;
  }
  return satisfies(LABOS_API_VERSION, range)
    ? undefined
    : `labosApi ${JSON.stringify(range)} does not include ${LABOS_API_VERSION}`;
}
