import type { LabStorage } from "./types.ts";

/** Members that return an async iterable at once, so cannot wait for the storage. */
const ITERABLES = new Set<PropertyKey>(["auditScan", "readBlob", "listBlobs"]);

/**
 * A storage built on first use by `load` (for example after a dynamic
 * import of its driver), so that opening a lab stays synchronous and loads
 * nothing. Until it is built, `location` and `manifestLocation` are
 * `location`, and `close()` builds nothing; afterwards every member is the
 * built storage's. A failed load is retried by the next call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "./folder/mod.ts";
 * import { deferredStorage } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * let built = 0;
 * const storage = deferredStorage(dir, () => {
 *   built++;
 *   return Promise.resolve(new FolderStorage(dir));
 * });
 * assert.equal(storage.location, dir);
 * await storage.close();
 * assert.equal(built, 0);
 * assert.equal(await storage.manifest(), undefined);
 * assert.equal(await storage.count("experiment"), 0);
 * assert.equal(built, 1);
 * ```
 */
export function deferredStorage(location: string, load: () => Promise<LabStorage>): LabStorage {
  let built: LabStorage | undefined;
  let loading: Promise<LabStorage> | undefined;
  const storage = (): Promise<LabStorage> => {
    loading ??= load().then((value) => (built = value), (error) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return new Proxy({} as LabStorage, {
    get(_target, property) {
      if (built) {
        const value = Reflect.get(built, property, built);
        return typeof value === "function" ? value.bind(built) : value;
      }
      if (property === "location" || property === "manifestLocation") return location;
      if (property === "close") {
        return async () => {
          if (loading) await (await loading.catch(() => undefined))?.close();
        };
      }
      if (property === "locate") {
        // Only messages use it, after a call that built the storage.
        return (type: string, id: string) => `${location} ${type} ${id}`;
      }
      if (typeof property === "symbol" || property === "then") return undefined;
      if (ITERABLES.has(property)) {
        return async function* (...args: unknown[]) {
          const target = await storage() as unknown as Record<
            PropertyKey,
            (...a: unknown[]) => AsyncIterable<unknown>
          >;
          yield* target[property](...args);
        };
      }
      return async (...args: unknown[]) => {
        const target = await storage() as unknown as Record<
          PropertyKey,
          (...a: unknown[]) => unknown
        >;
        return await target[property](...args);
      };
    },
  });
}
