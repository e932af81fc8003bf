import type { AuditEventInput } from "../audit/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { type Role, ROLES } from "../records/mod.ts";
import type { LabStorage, StorageTransaction } from "../storage/mod.ts";

/** How the acting identity was established. */
export type AuthMethod = "session" | "token" | "local";

/**
 * Who acts through a `Lab`: the audit `actor`, the role that scopes what it
 * may see and change (`local` for someone with the data folder itself: the
 * CLI), and how the identity was established (`details.auth` of every event).
 */
export interface Principal {
  /** The audit actor: a username, or the CLI's `--actor`. */
  actor: string;
  /** The role; `local` is administrative access to the folder. */
  role: Role | "local";
  /** How the actor was established. */
  auth: AuthMethod;
}

/**
 * The principal of a local caller (the CLI, a library user): role and auth
 * `local`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localPrincipal } from "./_principal.ts";
 * assert.deepEqual(localPrincipal("ada"), { actor: "ada", role: "local", auth: "local" });
 * ```
 */
export function localPrincipal(actor: string): Principal {
  return { actor, role: "local", auth: "local" };
}

const AUTH_METHODS: readonly AuthMethod[] = ["session", "token", "local"];

/**
 * A copy of a principal after checking it: an actor of 1 to 200 characters,
 * not blank at either end; a known role; a known auth method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPrincipal } from "./_principal.ts";
 * assert.equal(checkPrincipal({ actor: "ana", role: "student", auth: "session" }).actor, "ana");
 * assert.throws(() => checkPrincipal({ actor: "ana", role: "guest" as never, auth: "session" }));
 * ```
 */
export function checkPrincipal(principal: Principal): Principal {
  const { actor, role, auth } = principal ?? {};
  if (typeof actor !== "string" || !/^\S(.{0,198}\S)?$/.test(actor)) {
    throw new LabosError(
      "invalid",
      `Invalid principal: "actor" must be 1 to 200 characters, not blank at either end: current value is ${
        quote(actor)
      }`,
    );
  }
  if (role !== "local" && !(ROLES as readonly string[]).includes(role)) {
    throw new LabosError(
      "invalid",
      `Invalid principal: "role" must be one of ${
        [...ROLES, "local"].join(", ")
      }: current value is ${quote(role)}`,
    );
  }
  if (!AUTH_METHODS.includes(auth)) {
    throw new LabosError(
      "invalid",
      `Invalid principal: "auth" must be one of ${AUTH_METHODS.join(", ")}: current value is ${
        quote(auth)
      }`,
    );
  }
  return { actor, role, auth };
}

/**
 * An audit event as written by `principal`: its actor, and `details.auth`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stampEvent } from "./_principal.ts";
 * const event = stampEvent(
 *   { actor: "x", action: "a.b", target: { type: "t", id: "1" }, reason: null, details: {} },
 *   { actor: "ana", role: "student", auth: "session" },
 * );
 * assert.equal(event.actor, "ana");
 * assert.equal(event.details.auth, "session");
 * ```
 */
export function stampEvent(event: AuditEventInput, principal: Principal): AuditEventInput {
  return { ...event, actor: principal.actor, details: { ...event.details, auth: principal.auth } };
}

const UNSTAMPED = new WeakMap<LabStorage, LabStorage>();

/**
 * The storage as seen by `principal`: every audit event it writes (through a
 * transaction, at initialisation, or by a repair) is stamped with
 * {@linkcode stampEvent}.
 * The one place where `actor` and `details.auth` are set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "../storage/folder/mod.ts";
 * import { stampedStorage, unstamped } from "./_principal.ts";
 * const storage = new FolderStorage(await Deno.makeTempDir());
 * const stamped = stampedStorage(storage, { actor: "ana", role: "local", auth: "local" });
 * assert.equal(unstamped(stamped), storage);
 * ```
 */
export function stampedStorage(storage: LabStorage, principal: Principal): LabStorage {
  const base = unstamped(storage);
  const stamped = new Proxy(base, {
    get(target, property) {
      if (property === "transaction") {
        return <T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> =>
          target.transaction((tx) => fn(stampedTransaction(tx, principal)));
      }
      if (property === "initialize") {
        const initialize: LabStorage["initialize"] = (manifest, event, options) =>
          target.initialize(manifest, stampEvent(event, principal), options);
        return initialize;
      }
      if (property === "check") {
        const check: LabStorage["check"] = (options) =>
          target.check({ ...options, actor: principal.actor, auth: principal.auth });
        return check;
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  UNSTAMPED.set(stamped, base);
  return stamped;
}

/**
 * The storage under a stamped one (itself when not stamped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "../storage/folder/mod.ts";
 * import { unstamped } from "./_principal.ts";
 * const storage = new FolderStorage(await Deno.makeTempDir());
 * assert.equal(unstamped(storage), storage);
 * ```
 */
export function unstamped(storage: LabStorage): LabStorage {
  return UNSTAMPED.get(storage) ?? storage;
}

function stampedTransaction(tx: StorageTransaction, principal: Principal): StorageTransaction {
  return {
    get: (type, id) => tx.get(type, id),
    create: (type, record) => tx.create(type, record),
    put: (type, record) => tx.put(type, record),
    audit: (event) => tx.audit(stampEvent(event, principal)),
    setManifest: (manifest) => tx.setManifest(manifest),
  };
}
