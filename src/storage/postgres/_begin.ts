/**
 * Transactions that survive a lost connection without taking the process
 * down. The driver issues its `rollback` or `commit` on the transaction's
 * pinned connection after the callback settles, and a write on a
 * connection that has closed throws from a timer, out of reach of any
 * `catch` (porsager/postgres#1154, #1208, open in 3.4.10). So once the
 * connection is lost, the callback issues no query and never settles:
 * the driver sends nothing more, and the caller gets the connection error.
 *
 * @module
 */
import type postgres from "postgres";
import { isConnectionError } from "./_errors.ts";
import type { Sql } from "./_schema.ts";

/**
 * Runs `fn` in a transaction of `pool` (`options` such as
 * `"isolation level repeatable read read only"`), committed when it
 * resolves and rolled back when it throws, unless the connection was
 * lost: then the connection error is thrown and nothing is sent again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { begin } from "./_begin.ts";
 * const pool = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(() => begin(pool, "", (tx) => tx`SELECT 1`));
 * await pool.end();
 * ```
 */
export async function begin<T>(
  pool: postgres.Sql,
  options: string,
  fn: (tx: Sql) => Promise<T>,
): Promise<T> {
  let lost = false;
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  const never = new Promise<never>(() => {});
  const run = pool.begin(options, async (tx) => {
    const guarded = new Proxy(tx, {
      apply(target, self, args) {
        if (lost) throw closedError();
        return Reflect.apply(target, self, args);
      },
    });
    try {
      const result = await fn(guarded);
      // Lost meanwhile: a commit now would be written to the closed connection.
      if (lost) return never;
      return result;
    } catch (error) {
      if (!lost && !isConnectionError(error)) throw error;
      fail(error);
      return never;
    }
  }) as Promise<T>;
  run.catch((error) => {
    lost = true;
    fail(error);
  });
  return await Promise.race([run, failed]);
}

function closedError(): Error {
  return Object.assign(new Error("the connection of the transaction was closed"), {
    code: "CONNECTION_CLOSED",
  });
}
