import type { Hash } from "node:crypto";
import { createSha256 } from "../_crypto.ts";
import { LabosError, quote } from "../errors.ts";
import { mib } from "../records/mod.ts";

/**
 * Counts and hashes the bytes of a blob as they pass, and stops them past
 * `maxBytes`: both stores take a blob through one, so the limit and its
 * message are the same everywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlobMeter } from "./_blob_meter.ts";
 * const meter = new BlobMeter(10);
 * const stored: Uint8Array[] = [];
 * for await (const chunk of meter.pass(new Uint8Array(4))) stored.push(chunk);
 * assert.equal(stored.length, 1);
 * assert.deepEqual(meter.info(), {
 *   sha256: "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119",
 *   size: 4,
 * });
 * ```
 */
export class BlobMeter {
  readonly #maxBytes: number | undefined;
  readonly #hash: Hash = createSha256();
  #size = 0;

  /** A meter for one blob; `invalid` unless `maxBytes` is a whole number of bytes. */
  constructor(maxBytes: number | undefined) {
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
      throw new LabosError(
        "invalid",
        `Invalid "maxBytes": expected a whole number of bytes: current value is ${quote(maxBytes)}`,
      );
    }
    this.#maxBytes = maxBytes;
  }

  /** Yields the source's chunks, counted and hashed; throws `invalid` once they pass the limit. */
  async *pass(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncIterable<Uint8Array> {
    const max = this.#maxBytes;
    for await (const chunk of source instanceof Uint8Array ? [source] : source) {
      this.#size += chunk.byteLength;
      if (max !== undefined && this.#size > max) {
        throw new LabosError(
          "invalid",
          `Cannot store the file: it is larger than the limit of ${mib(max)} (${max} bytes)`,
        );
      }
      this.#hash.update(chunk);
      yield chunk;
    }
  }

  /** The blob's SHA-256 and size, once every chunk has passed. */
  info(): { sha256: string; size: number } {
    return { sha256: this.#hash.digest("hex"), size: this.#size };
  }
}
