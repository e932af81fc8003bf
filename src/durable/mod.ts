/**
 * Crash-safe file primitives: atomic replacement, durable append and an
 * inter-process lock over a data folder. Node built-ins only, so the same code
 * runs on Deno, Node and inside a compiled binary.
 *
 * @module
 */
export {
  atomicWriteFile,
  type AtomicWriteOptions,
  durableAppend,
  type DurableAppendOptions,
  ensureDirectory,
  fsyncDirectory,
  writeTempFile,
  writeTempWith,
} from "./_atomic.ts";
export { linkRefusal, NO_FOLLOW, openNoFollow, readNoFollow, refuseLinks } from "./_links.ts";
export { LOCK_FILE, type LockOptions, withLock } from "./_lock.ts";
