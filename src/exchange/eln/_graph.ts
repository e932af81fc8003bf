/**
 * The JSON-LD graph of an RO-Crate, read the way real notebooks write it:
 * `@graph` in any order, `@type` as a string or an array, references as
 * `{"@id"}` objects, bare strings or arrays of either, and `@id`s written
 * `./a/`, `a/`, `a` or percent-encoded for the same folder.
 *
 * @module
 */

/** The metadata file's name inside the crate's root folder. */
export const METADATA_FILE = "ro-crate-metadata.json";

/** One entity of the graph. */
export interface Entity {
  /** Its id, as written. */
  "@id": string;
  /** Its type(s), as written. */
  "@type"?: unknown;
  /** Any other property. */
  [key: string]: unknown;
}

/** Why a metadata text is not a usable crate, in one line. */
export class GraphError extends Error {}

/**
 * The id as a key that matches every spelling of the same local path:
 * without `./`, without a trailing `/`, percent-decoded. Absolute ids
 * (`https://…`, `#x`, `person://…`) are kept as written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idKey } from "./_graph.ts";
 * assert.equal(idKey("./My%20run/"), idKey("My run"));
 * assert.equal(idKey("https://example.org/x/"), "https://example.org/x/");
 * ```
 */
export function idKey(id: string): string {
  if (!isLocalId(id)) return id;
  let key = id;
  while (key.startsWith("./")) key = key.slice(2);
  while (key.endsWith("/")) key = key.slice(0, -1);
  try {
    key = decodeURIComponent(key);
  } catch {
    // A lone "%" is a literal character in some crates' ids.
  }
  return key === "." ? "" : key;
}

/**
 * Whether an id names a path inside the crate rather than a URL, a
 * fragment (`#RSpace`) or another scheme (`person://…`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLocalId } from "./_graph.ts";
 * assert.ok(isLocalId("./data/a.csv") && !isLocalId("https:/x") && !isLocalId("#org"));
 * ```
 */
export function isLocalId(id: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(id) && !id.startsWith("#") && !id.startsWith("_:");
}

/**
 * The types of an entity, whether `@type` is a string or an array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { typesOf } from "./_graph.ts";
 * assert.deepEqual(typesOf({ "@id": "a", "@type": ["File", "ImageObject"] }), ["File", "ImageObject"]);
 * assert.deepEqual(typesOf({ "@id": "a", "@type": "Dataset" }), ["Dataset"]);
 * ```
 */
export function typesOf(entity: Entity | undefined): string[] {
  const type = entity?.["@type"];
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/**
 * The ids a property refers to: `{"@id"}` objects, bare strings, or arrays of either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refsOf } from "./_graph.ts";
 * assert.deepEqual(refsOf([{ "@id": "a" }, "b"]), ["a", "b"]);
 * assert.deepEqual(refsOf({ "@id": "c" }), ["c"]);
 * ```
 */
export function refsOf(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const ids: string[] = [];
  for (const item of values) {
    if (typeof item === "string") ids.push(item);
    else if (isObject(item) && typeof item["@id"] === "string") ids.push(item["@id"]);
  }
  return ids;
}

/** The text of a property: a string, a number, or the first of an array. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return textOf(value[0]);
  if (isObject(value) && typeof value["@value"] === "string") return value["@value"];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An RO-Crate's graph: its entities by id, its descriptor and its root. */
export class CrateGraph {
  /** Every entity, in `@graph` order. */
  readonly entities: Entity[];
  /** The metadata descriptor (`@id` `ro-crate-metadata.json`). */
  readonly descriptor: Entity;
  /** The root data entity the descriptor is `about`. */
  readonly root: Entity;
  readonly #byKey = new Map<string, Entity>();

  private constructor(entities: Entity[], descriptor: Entity, root: Entity) {
    this.entities = entities;
    this.descriptor = descriptor;
    this.root = root;
  }

  /**
   * Reads a metadata document; throws {@linkcode GraphError} when it is not
   * JSON, has no `@graph`, no descriptor or no root.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CrateGraph } from "./_graph.ts";
   * const graph = CrateGraph.parse(JSON.stringify({ "@graph": [
   *   { "@id": "./", "@type": "Dataset", hasPart: [{ "@id": "./a/" }] },
   *   { "@id": "ro-crate-metadata.json", "@type": "CreativeWork", about: { "@id": "./" } },
   *   { "@id": "a", "@type": ["Dataset"] },
   * ] }));
   * assert.equal(graph.parts(graph.root)[0]?.["@id"], "a");
   * ```
   */
  static parse(text: string): CrateGraph {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new GraphError(`${METADATA_FILE} is not valid JSON (${(error as Error).message})`);
    }
    if (!isObject(json) || !Array.isArray(json["@graph"])) {
      throw new GraphError(`${METADATA_FILE} has no "@graph" array`);
    }
    const entities: Entity[] = [];
    for (const [index, item] of json["@graph"].entries()) {
      if (!isObject(item) || typeof item["@id"] !== "string") {
        throw new GraphError(`${METADATA_FILE}: "@graph" item ${index} has no "@id"`);
      }
      entities.push(item as Entity);
    }
    const descriptor = entities.find((e) =>
      e["@id"] === METADATA_FILE || e["@id"] === `./${METADATA_FILE}`
    );
    if (!descriptor) {
      throw new GraphError(
        `${METADATA_FILE} has no metadata descriptor (an entity with "@id" "${METADATA_FILE}")`,
      );
    }
    const about = refsOf(descriptor.about)[0];
    if (about === undefined) {
      throw new GraphError(`${METADATA_FILE}: the descriptor has no "about" (the root dataset)`);
    }
    const keyed = new Map<string, Entity>();
    for (const entity of entities) {
      const key = idKey(entity["@id"]);
      // The first of two entities with one id wins; check reports the duplicate.
      if (!keyed.has(key)) keyed.set(key, entity);
    }
    const root = keyed.get(idKey(about));
    if (!root) {
      throw new GraphError(
        `${METADATA_FILE}: the root dataset ${JSON.stringify(about)} is not in the graph`,
      );
    }
    const graph = new CrateGraph(entities, descriptor, root);
    for (const [key, entity] of keyed) graph.#byKey.set(key, entity);
    return graph;
  }

  /** The entity with this id, in any spelling of a local path. */
  get(id: string): Entity | undefined {
    return this.#byKey.get(idKey(id));
  }

  /** The entities an entity's `hasPart` names that are in the graph. */
  parts(entity: Entity): Entity[] {
    return refsOf(entity.hasPart).map((id) => this.get(id)).filter((e): e is Entity => !!e);
  }

  /**
   * The first `hasPart` cycle reachable from the root, as a list of ids
   * from the repeated entity back to it, or undefined.
   */
  findCycle(): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (entity: Entity): string[] | undefined => {
      const key = idKey(entity["@id"]);
      state.set(key, "open");
      stack.push(entity["@id"]);
      for (const part of this.parts(entity)) {
        const partKey = idKey(part["@id"]);
        const seen = state.get(partKey);
        if (seen === "open") {
          const at = stack.findIndex((id) => idKey(id) === partKey);
          return [...stack.slice(at), part["@id"]];
        }
        if (seen === undefined) {
          const found = visit(part);
          if (found) return found;
        }
      }
      stack.pop();
      state.set(key, "done");
      return undefined;
    };
    for (const entity of [this.root, ...this.entities]) {
      if (!state.has(idKey(entity["@id"]))) {
        const found = visit(entity);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The publisher's name: `sdPublisher` as a name, an inline object or a reference. */
  publisher(): string | undefined {
    const value = this.descriptor.sdPublisher ?? this.root.sdPublisher;
    if (typeof value === "string") return this.get(value) ? nameOf(this.get(value)) : value;
    if (!isObject(value)) return undefined;
    const named = textOf(value.name);
    if (named) return named;
    const ref = typeof value["@id"] === "string" ? value["@id"] : undefined;
    return ref === undefined ? undefined : nameOf(this.get(ref)) ?? ref;
  }

  /** A person's display name: `name`, else given and family names, else email or id. */
  personName(id: string): string {
    const person = this.get(id);
    if (!person) return id;
    const given = textOf(person.givenName);
    const family = textOf(person.familyName);
    const full = [given, family].filter(Boolean).join(" ");
    return textOf(person.name) || full || textOf(person.email) || id;
  }
}

function nameOf(entity: Entity | undefined): string | undefined {
  return entity ? textOf(entity.name) : undefined;
}
