/**
 * `labos eln check`: the ELN Consortium's structural checks on any `.eln`,
 * from any notebook. Pure: it reads the file and writes nothing.
 *
 * @module
 */
import { LabosError, quote } from "../../errors.ts";
import { type CrateEntry, type CrateLimits, readCrate } from "./_crate.ts";
import {
  CrateGraph,
  type Entity,
  GraphError,
  idKey,
  isLocalId,
  METADATA_FILE,
  refsOf,
  textOf,
  typesOf,
} from "./_graph.ts";

/** What {@linkcode checkEln} found. */
export interface ElnCheck {
  /** The file checked. */
  file: string;
  /** True when there is no failure. */
  ok: boolean;
  /** Each failure, one line. */
  failures: string[];
  /** The crate's publisher (`sdPublisher`), when readable. */
  publisher?: string;
  /** How many `Dataset` and `File` entities the graph holds, and files the archive holds. */
  counts: { datasets: number; files: number; entries: number };
}

/**
 * Runs the structural checks of an `.eln`: exactly one root folder and no
 * entry outside it; `ro-crate-metadata.json` present, JSON, with a
 * descriptor that `conformsTo` RO-Crate and a root `Dataset`; every
 * `hasPart` target in the graph and every local `File` in the archive;
 * sizes and SHA-256 as given; no `hasPart` cycle; the properties the
 * consortium requires (`sdPublisher` and `version` on the descriptor, a
 * `name` on every `Dataset` and `File`). Unsafe entry names, symbolic
 * links and zip bombs are failures too; nothing is extracted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zipSync, strToU8 } from "fflate";
 * import { checkEln } from "./_check.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/x.eln`, zipSync({ "x/notes.txt": strToU8("hi") }));
 * const result = await checkEln(`${dir}/x.eln`);
 * assert.ok(!result.ok && result.failures[0].includes("ro-crate-metadata.json"));
 * ```
 */
export async function checkEln(
  file: string,
  options: { limits?: CrateLimits } = {},
): Promise<ElnCheck> {
  const context = `Cannot check ${quote(file)}`;
  const failures: string[] = [];
  const counts = { datasets: 0, files: 0, entries: 0 };
  let crate;
  try {
    crate = await readCrate(file, { context, limits: options.limits });
  } catch (error) {
    if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
    const message = error.message.startsWith(`${context}: `)
      ? error.message.slice(context.length + 2)
      : error.message;
    return { file, ok: false, failures: [message.replace(/; nothing was imported$/, "")], counts };
  }
  failures.push(...crate.problems);
  counts.entries = crate.files.size;
  if (crate.metadata === undefined) return { file, ok: false, failures, counts };
  let graph: CrateGraph;
  try {
    graph = CrateGraph.parse(crate.metadata);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    failures.push(error.message);
    return { file, ok: false, failures, counts };
  }
  failures.push(...checkGraph(graph, crate.files));
  for (const entity of graph.entities) {
    const types = typesOf(entity);
    if (types.includes("Dataset")) counts.datasets++;
    if (types.includes("File")) counts.files++;
  }
  const publisher = graph.publisher();
  return {
    file,
    ok: failures.length === 0,
    failures,
    ...(publisher ? { publisher } : {}),
    counts,
  };
}

/**
 * The graph's failures, one line each, against the archive's files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGraph } from "./_check.ts";
 * import { CrateGraph } from "./_graph.ts";
 * const graph = CrateGraph.parse(JSON.stringify({ "@graph": [
 *   { "@id": "ro-crate-metadata.json", "@type": "CreativeWork", about: { "@id": "./" },
 *     conformsTo: { "@id": "https://w3id.org/ro/crate/1.1" }, sdPublisher: "X", version: "1.0" },
 *   { "@id": "./", "@type": "Dataset", hasPart: [{ "@id": "a.txt" }] },
 * ] }));
 * assert.deepEqual(checkGraph(graph, new Map()), ['"./" hasPart "a.txt", which is not in the graph']);
 * ```
 */
export function checkGraph(graph: CrateGraph, files: Map<string, CrateEntry>): string[] {
  const failures: string[] = [];
  const { descriptor, root } = graph;
  const conforms = refsOf(descriptor.conformsTo);
  if (!conforms.some((id) => id.startsWith("https://w3id.org/ro/crate/"))) {
    failures.push(
      `the ${METADATA_FILE} descriptor does not "conformsTo" RO-Crate (found ${
        quote(conforms.join(", ") || "nothing")
      })`,
    );
  }
  if (!typesOf(root).includes("Dataset")) {
    failures.push(`the root ${quote(root["@id"])} is not a "Dataset"`);
  }
  for (const property of ["sdPublisher", "version"]) {
    if (descriptor[property] === undefined) {
      failures.push(`the ${METADATA_FILE} descriptor has no ${quote(property)}`);
    }
  }
  const seen = new Set<string>();
  for (const entity of graph.entities) {
    const id = entity["@id"];
    if (seen.has(id)) failures.push(`entity ${quote(id)} appears twice in "@graph"`);
    seen.add(id);
    const types = typesOf(entity);
    if (types.length === 0 && entity !== descriptor) {
      failures.push(`entity ${quote(id)} has no "@type"`);
    }
    for (const target of refsOf(entity.hasPart)) {
      if (!graph.get(target)) {
        failures.push(`${quote(id)} hasPart ${quote(target)}, which is not in the graph`);
      }
    }
    const isFile = types.includes("File");
    if ((isFile || (types.includes("Dataset") && entity !== root)) && !textOf(entity.name)) {
      failures.push(`${isFile ? "File" : "Dataset"} ${quote(id)} has no "name"`);
    }
    if (isFile && isLocalId(id)) failures.push(...checkFile(entity, files));
  }
  const cycle = graph.findCycle();
  if (cycle) failures.push(`hasPart is cyclic: ${cycle.map((id) => quote(id)).join(" -> ")}`);
  return failures;
}

function checkFile(entity: Entity, files: Map<string, CrateEntry>): string[] {
  const id = entity["@id"];
  const entry = files.get(idKey(id));
  if (!entry) return [`File ${quote(id)} is listed but absent from the archive`];
  const failures: string[] = [];
  const size = declaredSize(entity.contentSize);
  if (size !== undefined && size !== entry.size) {
    failures.push(`File ${quote(id)} is ${entry.size} bytes but "contentSize" says ${size}`);
  }
  const sha256 = textOf(entity.sha256)?.toLowerCase();
  if (sha256 !== undefined && sha256 !== entry.sha256) {
    failures.push(
      `File ${quote(id)} has SHA-256 ${entry.sha256.slice(0, 12)}… but "sha256" says ${
        quote(sha256.slice(0, 12))
      }…`,
    );
  }
  return failures;
}

/**
 * A `contentSize` as bytes, when it is a whole number (`"247"`, `247`);
 * sizes like `"2 MB"` are not checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { declaredSize } from "./_check.ts";
 * assert.equal(declaredSize("247"), 247);
 * assert.equal(declaredSize(40959), 40959);
 * assert.equal(declaredSize("2 MB"), undefined);
 * ```
 */
export function declaredSize(value: unknown): number | undefined {
  const text = textOf(value)?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
