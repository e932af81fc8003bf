import { randomHex } from "../_crypto.ts";
import * as fs from "node:fs/promises";
import { hostname } from "node:os";
import * as path from "node:path";
import { constants } from "node:fs";
import { excerpt, LabosError } from "../errors.ts";
import { NO_FOLLOW } from "./_links.ts";

const READ_NO_FOLLOW = constants.O_RDONLY | NO_FOLLOW;

/** Options for {@linkcode withLock}. */
export interface LockOptions {
  /** How long a writer waits for the lock before failing, in ms. Default: `LABOS_LOCK_TIMEOUT_MS` or 30000. */
  timeoutMs?: number;
  /** A lock not refreshed for this long is stale and is taken over, in ms. Default: `LABOS_LOCK_STALE_MS` or 15000. */
  staleMs?: number;
}

/** The content of a lock file. */
interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

/** The name of the lock file inside a data folder. */
export const LOCK_FILE = "labos.lock";

/**
 * Runs `fn` while holding the data folder's inter-process lock. Waiting
 * writers retry with backoff for a bounded time, then fail with a clear
 * message. A lock whose owner died (same host) or that has not been refreshed
 * within `staleMs` is taken over.
 *
 * @example
 * ```ts
 * import { withLock } from "./_lock.ts";
 * import assert from "node:assert";
 * const answer = await withLock("/tmp", async () => 42);
 * assert.strictEqual(answer, 42);
 * ```
 */
export async function withLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? envNumber("LABOS_LOCK_TIMEOUT_MS", 30_000);
  const staleMs = options.staleMs ?? envNumber("LABOS_LOCK_STALE_MS", 15_000);
  const lockPath = path.join(dir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomHex(8),
    acquiredAt: new Date().toISOString(),
  };
  await acquire(lockPath, owner, timeoutMs, staleMs);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.lutimes(lockPath, now, now).catch(() => {});
  }, Math.max(250, Math.floor(staleMs / 3)));
  (heartbeat as { unref?: () => void }).unref?.();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await release(lockPath, owner);
  }
}

async function acquire(
  lockPath: string,
  owner: LockOwner,
  timeoutMs: number,
  staleMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, "wx");
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new LabosError(
          "not_found",
          `Cannot lock data folder: ${path.dirname(lockPath)} does not exist`,
        );
      }
      if (code !== "EEXIST") throw error;
    }
    await breakIfStale(lockPath, staleMs);
    if (Date.now() >= deadline) {
      const holder = await readOwner(lockPath);
      throw new LabosError(
        "locked",
        `Cannot lock data folder: another LabOS process${
          holder ? ` (pid ${excerpt(holder.pid)} on ${excerpt(holder.host)})` : ""
        } held ${lockPath} for more than ${timeoutMs} ms`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    // Never through a link: a planted one could point anywhere.
    const text = await fs.readFile(lockPath, { encoding: "utf8", flag: READ_NO_FOLLOW });
    return JSON.parse(text) as LockOwner;
  } catch {
    return undefined;
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(lockPath);
  } catch {
    return;
  }
  const holder = await readOwner(lockPath);
  const ageMs = Date.now() - stat.mtimeMs;
  // A lock file is written right after creation; give the writer a moment before calling it torn.
  const torn = holder === undefined && ageMs > 1_000;
  const dead = holder !== undefined && holder.host === hostname() && !isAlive(holder.pid);
  if (!torn && !dead && ageMs <= staleMs) return;
  // Only one breaker at a time, so two waiters cannot both remove a fresh lock.
  const breaker = `${lockPath}.break`;
  try {
    await fs.mkdir(breaker);
  } catch {
    const breakerStat = await fs.stat(breaker).catch(() => undefined);
    if (breakerStat && Date.now() - breakerStat.mtimeMs > staleMs) {
      await fs.rm(breaker, { recursive: true, force: true });
    }
    return;
  }
  try {
    const again = await readOwner(lockPath);
    if (again?.token === holder?.token) await fs.rm(lockPath, { force: true });
  } finally {
    await fs.rm(breaker, { recursive: true, force: true });
  }
}

async function release(lockPath: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(lockPath);
  if (current?.token === owner.token) await fs.rm(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
