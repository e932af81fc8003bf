/**
 * At most `size` transactions of one process at a time. A transaction holds
 * a pool connection while it waits for the head lock, and the holder of the
 * lock may need a second connection for reads beside its own: with every
 * connection held by waiters, the holder would wait for a connection that
 * only the lock timeout frees. Fewer transactions than connections keeps
 * one free.
 *
 * @module
 */

/**
 * A counting semaphore.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Slots } from "./_slots.ts";
 * const slots = new Slots(1);
 * const order: number[] = [];
 * await Promise.all([1, 2].map((n) => slots.run(async () => {
 *   order.push(n);
 *   await new Promise((resolve) => setTimeout(resolve, 5));
 *   order.push(-n);
 * })));
 * assert.deepStrictEqual(order, [1, -1, 2, -2]);
 * ```
 */
export class Slots {
  #free: number;
  #waiting: Array<() => void> = [];

  /** Allows `size` (at least 1) holders at once. */
  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  /** Runs `fn` in a slot, waiting for one first. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
