import type { KeyObject } from "node:crypto";
import { nodeCrypto } from "../_crypto.ts";
import { LabosError, quote } from "../errors.ts";
import {
  type EncryptedKey,
  keyedId,
  type PasswordVerifier,
  type Role,
  ROLES,
  type ScryptParams,
  type Session,
  type User,
  USERNAME_PATTERN,
} from "../records/mod.ts";
import type { LabStorage, StorageTransaction } from "../storage/mod.ts";
import { unstamped } from "./_principal.ts";
import {
  type LabContext,
  recordEvent,
  requireReady,
  type ScryptCost,
  timestamp,
} from "./_context.ts";

/** A user as shown to anyone: never a secret. */
export interface UserInfo {
  /** The unique, immutable login name. */
  username: string;
  /** The name shown to people. */
  displayName: string;
  /** The role. */
  role: Role;
  /** Whether the account is disabled. */
  disabled: boolean;
  /** When the account was made. */
  createdAt: string;
  /** The Ed25519 public key, base64 of the raw 32 bytes. */
  publicKey: string;
}

/** What `addUser` takes. */
export interface AddUserInput {
  /** The login name: `^[a-z][a-z0-9._-]{1,31}$`, unique and immutable. */
  username: string;
  /** The role. */
  role: Role;
  /** The name shown to people. Default: the username. */
  displayName?: string;
  /** The password: at least 8 characters. */
  password: string;
}

/** A user's unlocked signing key. */
export interface SigningKey {
  /** The Ed25519 private key. */
  privateKey: KeyObject;
  /** The public key, base64 of the raw 32 bytes. */
  publicKey: string;
}

/** Consecutive failed logins after which a user's logins are slowed. */
export const LOCKOUT_THRESHOLD = 5;
/** The wait after the {@linkcode LOCKOUT_THRESHOLD}th failure, in seconds; it doubles with each further one. */
export const LOCKOUT_BASE_SECONDS = 15;
/** The longest wait, in seconds. */
export const LOCKOUT_MAX_SECONDS = 3600;

/** The shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;
const KEY_LENGTH = 32;
const TOKEN_PREFIX = "labos_";
const WRONG_LOGIN = "Wrong username or password";
const BAD_TOKEN = "Invalid or revoked API token";
const BAD_SESSION = "Session expired or ended: log in again";
// The Ed25519 SubjectPublicKeyInfo prefix; the raw key is the last 32 bytes.
const ED25519_SPKI_LENGTH = 44;

function sha256(text: string): string {
  return nodeCrypto().createHash("sha256").update(text).digest("hex");
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && nodeCrypto().timingSafeEqual(left, right);
}

/** scrypt on the libuv thread pool: password checks never block the event loop. */
function derive(password: string, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    nodeCrypto().scrypt(
      password.normalize("NFC"),
      Buffer.from(params.salt, "base64"),
      KEY_LENGTH,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function newParams(cost: ScryptCost): ScryptParams {
  return { N: cost.N, r: cost.r, p: cost.p, salt: nodeCrypto().randomBytes(16).toString("base64") };
}

/**
 * A scrypt password verifier with a fresh 16-byte salt and its parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeVerifier, verifyPassword } from "./_users.ts";
 * const verifier = await makeVerifier("correct horse", { N: 1024, r: 8, p: 1 });
 * assert.equal(await verifyPassword("correct horse", verifier), true);
 * assert.equal(await verifyPassword("wrong horse", verifier), false);
 * ```
 */
export async function makeVerifier(password: string, cost: ScryptCost): Promise<PasswordVerifier> {
  const params = newParams(cost);
  const hash = await derive(password, params);
  return { algorithm: "scrypt", ...params, hash: hash.toString("base64") };
}

/**
 * Whether `password` matches a verifier, compared in constant time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeVerifier, verifyPassword } from "./_users.ts";
 * const verifier = await makeVerifier("s3cret-pass", { N: 1024, r: 8, p: 1 });
 * assert.equal(await verifyPassword("s3cret-pass", verifier), true);
 * ```
 */
export async function verifyPassword(
  password: string,
  verifier: PasswordVerifier,
): Promise<boolean> {
  const expected = Buffer.from(verifier.hash, "base64");
  const actual = await derive(password, verifier);
  return expected.length === actual.length && nodeCrypto().timingSafeEqual(expected, actual);
}

function aad(username: string, publicKey: string): Buffer {
  return Buffer.from(`labos-signing-key:${username}:${publicKey}`);
}

async function encryptKey(
  der: Buffer,
  password: string,
  options: { username: string; publicKey: string; cost: ScryptCost },
): Promise<EncryptedKey> {
  const kdf = newParams(options.cost);
  const key = await derive(password, kdf);
  const iv = nodeCrypto().randomBytes(12);
  const cipher = nodeCrypto().createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(options.username, options.publicKey));
  const data = Buffer.concat([cipher.update(der), cipher.final()]);
  return {
    cipher: "aes-256-gcm",
    kdf,
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  };
}

async function decryptKey(user: User, password: string): Promise<Buffer> {
  const { privateKey } = user;
  const key = await derive(password, privateKey.kdf);
  const decipher = nodeCrypto().createDecipheriv(
    "aes-256-gcm",
    key,
    Buffer.from(privateKey.iv, "base64"),
  );
  decipher.setAAD(aad(user.username, user.publicKey));
  decipher.setAuthTag(Buffer.from(privateKey.tag, "base64"));
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(privateKey.data, "base64")),
      decipher.final(),
    ]);
  } catch {
    throw new LabosError(
      "check_failed",
      `Cannot unlock the signing key of user ${
        quote(user.username)
      }: it does not decrypt with the password; run "labos doctor"`,
    );
  }
}

/** A new Ed25519 key pair: the private key as PKCS #8 DER, the public key as base64 of its raw 32 bytes. */
function newKeyPair(): { der: Buffer; publicKey: string } {
  const { privateKey, publicKey } = nodeCrypto().generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  return {
    der: privateKey.export({ format: "der", type: "pkcs8" }),
    publicKey: spki.subarray(ED25519_SPKI_LENGTH - 32).toString("base64"),
  };
}

/** The user as shown: never a secret. */
export function userInfo(user: User): UserInfo {
  return {
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt,
    publicKey: user.publicKey,
  };
}

function checkUsername(username: unknown, context: string): string {
  if (typeof username !== "string" || !USERNAME_PATTERN.test(username)) {
    throw new LabosError(
      "invalid",
      `${context}: the username must be 2 to 32 lowercase letters, digits, ".", "_" or "-", starting with a letter: current value is ${
        quote(username)
      }`,
    );
  }
  return username;
}

function checkPassword(password: unknown, context: string): string {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) {
    throw new LabosError(
      "invalid",
      `${context}: the password must be at least ${MIN_PASSWORD_LENGTH} characters`,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new LabosError(
      "invalid",
      `${context}: the password must be at most ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return password;
}

function checkRole(role: unknown, context: string): Role {
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw new LabosError(
      "invalid",
      `${context}: the role must be one of ${ROLES.join(", ")}: current value is ${quote(role)}`,
    );
  }
  return role as Role;
}

/** The user record of a username, or undefined (also for a malformed name). */
async function findUser(context: LabContext, username: unknown): Promise<User | undefined> {
  if (typeof username !== "string" || !USERNAME_PATTERN.test(username)) return undefined;
  try {
    return await context.storage.get("user", keyedId("user", username));
  } catch (error) {
    if (error instanceof LabosError && error.kind === "not_found") return undefined;
    throw error;
  }
}

async function requireUser(context: LabContext, username: unknown): Promise<User> {
  await requireReady(context);
  const user = await findUser(context, username);
  if (!user) throw new LabosError("not_found", `No user ${quote(username)}`);
  return user;
}

async function readUser(tx: StorageTransaction, username: string): Promise<User> {
  return await tx.get("user", keyedId("user", username));
}

/** Adds a user with a password verifier and an Ed25519 key pair, published by `user.key-created`. */
export async function addUser(context: LabContext, input: AddUserInput): Promise<UserInfo> {
  const what = "Cannot add user";
  const username = checkUsername(input?.username, what);
  const role = checkRole(input.role, `${what} ${quote(username)}`);
  const displayName = input.displayName === undefined ? username : input.displayName;
  if (
    typeof displayName !== "string" || displayName.trim() === "" || displayName.length > 200 ||
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/.test(displayName)
  ) {
    throw new LabosError(
      "invalid",
      `${what} ${
        quote(username)
      }: the display name must be 1 to 200 characters without control characters: current value is ${
        quote(displayName)
      }`,
    );
  }
  const password = checkPassword(input.password, `${what} ${quote(username)}`);
  await requireReady(context);
  const cost = context.accounts.scrypt;
  const { der, publicKey } = newKeyPair();
  // scrypt is slow: both derivations run before the writer lock is taken.
  const [verifier, privateKey] = await Promise.all([
    makeVerifier(password, cost),
    encryptKey(der, password, { username, publicKey, cost }),
  ]);
  const now = timestamp(context);
  const user: User = {
    schemaVersion: 2,
    id: keyedId("user", username),
    createdAt: now,
    updatedAt: now,
    createdBy: context.actor,
    username,
    displayName: displayName.trim(),
    role,
    disabled: false,
    password: verifier,
    credentialVersion: 1,
    tokens: [],
    publicKey,
    privateKey,
    failedLogins: 0,
    lastFailureAt: null,
  };
  await context.storage.transaction(async (tx) => {
    const existing = await readUser(tx, username).catch((error) => {
      if (error instanceof LabosError && error.kind === "not_found") return undefined;
      throw error;
    });
    if (existing) throw new LabosError("conflict", `${what}: user ${quote(username)} exists`);
    tx.create("user", user);
    tx.audit(recordEvent(context, "user.created", {
      type: "user",
      record: user,
      details: { username, role, displayName: user.displayName },
    }));
    tx.audit(keyEvent(context, user));
  });
  return userInfo(user);
}

function keyEvent(context: LabContext, user: User, reason: string | null = null) {
  return {
    actor: context.actor,
    action: "user.key-created",
    target: { type: "user", id: user.id },
    reason,
    details: { username: user.username, publicKey: user.publicKey, algorithm: "Ed25519" },
  };
}

/** Every user, sorted by username. */
export async function listUsers(context: LabContext): Promise<UserInfo[]> {
  await requireReady(context);
  const users: UserInfo[] = [];
  for (let offset = 0;; offset += 1000) {
    const page = await context.storage.list("user", { limit: 1000, offset });
    users.push(...page.items.map(userInfo));
    if (!page.hasMore) break;
  }
  return users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/** One user; `not_found` when there is none. */
export async function getUser(context: LabContext, username: string): Promise<UserInfo> {
  return userInfo(await requireUser(context, username));
}

/** Whether any user exists: with none, the server keeps its single-token mode. */
export async function hasUsers(context: LabContext): Promise<boolean> {
  await requireReady(context);
  return (await context.storage.count("user")) > 0;
}

/**
 * Sets a user's password. With the current password the signing key is
 * re-encrypted and kept; without it (an administrator's reset) the old key
 * cannot be opened, so a new key pair is made and published. Either way the
 * credential version is bumped: every session of the user ends.
 */
export async function setPassword(
  context: LabContext,
  username: string,
  password: string,
  options: { currentPassword?: string } = {},
): Promise<UserInfo> {
  const what = `Cannot set the password of user ${quote(username)}`;
  checkPassword(password, what);
  const user = await requireUser(context, username);
  const cost = context.accounts.scrypt;
  let key: { publicKey: string; privateKey: EncryptedKey; rotated: boolean };
  if (options.currentPassword !== undefined) {
    // A guess at the current password counts as a failed login, and waits out a lockout.
    refuseWhileLocked(context, user);
    if (!(await verifyPassword(String(options.currentPassword), user.password))) {
      await recordFailure(context, user.username);
      throw new LabosError("unauthorized", `${what}: the current password is wrong`);
    }
    const der = await decryptKey(user, String(options.currentPassword));
    const privateKey = await encryptKey(der, password, {
      username: user.username,
      publicKey: user.publicKey,
      cost,
    });
    key = { publicKey: user.publicKey, privateKey, rotated: false };
  } else {
    const pair = newKeyPair();
    const privateKey = await encryptKey(pair.der, password, {
      username: user.username,
      publicKey: pair.publicKey,
      cost,
    });
    key = { publicKey: pair.publicKey, privateKey, rotated: true };
  }
  const verifier = await makeVerifier(password, cost);
  return await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, user.username);
    if (current.publicKey !== user.publicKey) {
      throw new LabosError("conflict", `${what}: it changed meanwhile; try again`);
    }
    const next: User = {
      ...current,
      updatedAt: timestamp(context),
      password: verifier,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      credentialVersion: current.credentialVersion + 1,
      failedLogins: 0,
      lastFailureAt: null,
    };
    tx.put("user", next);
    tx.audit(recordEvent(context, "user.password-changed", {
      type: "user",
      record: next,
      details: { username: next.username, keyRotated: key.rotated },
    }));
    if (key.rotated) tx.audit(keyEvent(context, next, "password reset without the old password"));
    return userInfo(next);
  });
}

/** Disables a user: no login, token or session works afterwards. The reason is audited. */
export async function disableUser(
  context: LabContext,
  username: string,
  request: { reason?: unknown },
): Promise<UserInfo> {
  const what = `Cannot disable user ${quote(username)}`;
  const reason = typeof request?.reason === "string" ? request.reason.trim() : "";
  if (reason === "") {
    throw new LabosError("invalid", `${what}: "reason" must not be empty`);
  }
  await requireUser(context, username);
  return await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, username);
    if (current.disabled) throw new LabosError("conflict", `${what}: it is already disabled`);
    const now = timestamp(context);
    const next: User = {
      ...current,
      updatedAt: now,
      disabled: true,
      disabledReason: reason,
      disabledAt: now,
      credentialVersion: current.credentialVersion + 1,
    };
    tx.put("user", next);
    tx.audit(recordEvent(context, "user.disabled", {
      type: "user",
      record: next,
      reason,
      details: { username },
    }));
    return userInfo(next);
  });
}

/** Makes a personal API token: returned once, stored only as its SHA-256. */
export async function createToken(
  context: LabContext,
  username: string,
): Promise<{ username: string; token: string }> {
  const user = await requireUser(context, username);
  if (user.disabled) {
    throw new LabosError(
      "conflict",
      `Cannot make a token for user ${quote(username)}: the user is disabled`,
    );
  }
  const token = `${TOKEN_PREFIX}${nodeCrypto().randomBytes(32).toString("base64url")}`;
  const tokenId = nodeCrypto().randomBytes(8).toString("hex");
  await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, username);
    const now = timestamp(context);
    const next: User = {
      ...current,
      updatedAt: now,
      tokens: [...current.tokens, { id: tokenId, sha256: sha256(token), createdAt: now }],
    };
    tx.put("user", next);
    tx.audit(recordEvent(context, "user.token-created", {
      type: "user",
      record: next,
      details: { username, tokenId },
    }));
  });
  return { username: user.username, token };
}

/** How long a user with `failures` consecutive failures must wait after the last one, in seconds. */
export function lockoutSeconds(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  const exponent = Math.min(failures - LOCKOUT_THRESHOLD, 20);
  return Math.min(LOCKOUT_BASE_SECONDS * 2 ** exponent, LOCKOUT_MAX_SECONDS);
}

let dummyVerifier: Promise<PasswordVerifier> | undefined;

/**
 * Checks a username and password. Unknown name, wrong password and disabled
 * user fail alike (`unauthorized`). After {@linkcode LOCKOUT_THRESHOLD}
 * consecutive failures, attempts are refused (`locked`, with `retryAfter`)
 * until a wait that doubles with each further failure; the lockout is
 * audited once (`user.locked-out`). The slow check runs off the writer lock;
 * the failure counter is updated under it.
 */
export async function authenticatePassword(
  context: LabContext,
  username: string,
  password: string,
): Promise<UserInfo> {
  await requireReady(context);
  const user = await findUser(context, username);
  if (!user || typeof password !== "string") {
    // The same work as for a real user: the answer's timing does not tell names apart.
    dummyVerifier ??= makeVerifier("labos-dummy-password", context.accounts.scrypt);
    await verifyPassword(String(password), await dummyVerifier);
    throw new LabosError("unauthorized", WRONG_LOGIN);
  }
  refuseWhileLocked(context, user);
  const ok = await verifyPassword(password, user.password);
  if (ok && !user.disabled) {
    if (user.failedLogins > 0) await resetFailures(context, user.username);
    return userInfo(user);
  }
  if (!ok) await recordFailure(context, user.username);
  throw new LabosError("unauthorized", WRONG_LOGIN);
}

function refuseWhileLocked(context: LabContext, user: User): void {
  const wait = lockoutSeconds(user.failedLogins);
  if (wait === 0 || user.lastFailureAt === null) return;
  const until = Date.parse(user.lastFailureAt) + wait * 1000;
  const left = until - context.now().getTime();
  if (left <= 0) return;
  const retryAfter = Math.ceil(left / 1000);
  throw new LabosError(
    "locked",
    `Too many failed logins for this account: try again in ${retryAfter} s`,
    { retryAfter },
  );
}

async function recordFailure(context: LabContext, username: string): Promise<void> {
  await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, username);
    const now = timestamp(context);
    const next: User = {
      ...current,
      updatedAt: now,
      failedLogins: current.failedLogins + 1,
      lastFailureAt: now,
    };
    tx.put("user", next);
    tx.audit(recordEvent(context, "user.login-failed", {
      type: "user",
      record: next,
      details: { username, failedLogins: next.failedLogins },
    }));
    if (next.failedLogins === LOCKOUT_THRESHOLD) {
      tx.audit({
        actor: context.actor,
        action: "user.locked-out",
        target: { type: "user", id: next.id },
        reason: `${LOCKOUT_THRESHOLD} failed logins in a row`,
        details: {
          username,
          failedLogins: next.failedLogins,
          retryAfter: lockoutSeconds(next.failedLogins),
        },
      });
    }
  });
}

async function resetFailures(context: LabContext, username: string): Promise<void> {
  await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, username);
    if (current.failedLogins === 0) return;
    const next: User = { ...current, updatedAt: timestamp(context), failedLogins: 0 };
    tx.put("user", next);
    tx.audit(recordEvent(context, "user.login-succeeded", {
      type: "user",
      record: next,
      details: { username, failedLogins: current.failedLogins },
    }));
  });
}

// Who holds each token hash, per store, as of an audit head: every account change is
// audited, so while the head stays the same a request reads one user, not all of them.
const TOKEN_OWNERS = new WeakMap<LabStorage, { head: string; owners: Map<string, string> }>();

async function tokenOwners(context: LabContext): Promise<Map<string, string>> {
  const storage = unstamped(context.storage);
  const head = (await storage.auditHead()).hash;
  const cached = TOKEN_OWNERS.get(storage);
  if (cached?.head === head) return cached.owners;
  const owners = new Map<string, string>();
  for (let offset = 0;; offset += 1000) {
    const page = await storage.list("user", { limit: 1000, offset });
    for (const user of page.items) {
      for (const stored of user.tokens) owners.set(stored.sha256, user.username);
    }
    if (!page.hasMore) break;
  }
  TOKEN_OWNERS.set(storage, { head, owners });
  return owners;
}

/** The enabled user holding a personal API token; `unauthorized` otherwise. */
export async function authenticateToken(context: LabContext, token: string): Promise<UserInfo> {
  await requireReady(context);
  if (typeof token !== "string" || !token.startsWith(TOKEN_PREFIX) || token.length > 200) {
    throw new LabosError("unauthorized", BAD_TOKEN);
  }
  const hash = sha256(token);
  const username = (await tokenOwners(context)).get(hash);
  // The record itself decides: the cache only says which one to read.
  const user = username === undefined ? undefined : await findUser(context, username);
  if (!user || user.disabled || !user.tokens.some((stored) => sameHex(stored.sha256, hash))) {
    throw new LabosError("unauthorized", BAD_TOKEN);
  }
  return userInfo(user);
}

/** Unlocks a user's Ed25519 signing key with the password (checked like a login). */
export async function unlockSigningKey(
  context: LabContext,
  username: string,
  password: string,
): Promise<SigningKey> {
  const info = await authenticatePassword(context, username, password);
  const user = await requireUser(context, info.username);
  const der = await decryptKey(user, password);
  const privateKey = nodeCrypto().createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  return { privateKey, publicKey: user.publicKey };
}

function sessionId(token: string): { id: string; hash: string } {
  const hash = sha256(token);
  return { id: keyedId("session", hash), hash };
}

/**
 * Starts a login session for an enabled user: a random token, returned
 * once; the store keeps only its SHA-256, the expiry and the user's
 * credential version.
 */
export async function createSession(
  context: LabContext,
  username: string,
): Promise<{ token: string; expiresAt: string }> {
  const user = await requireUser(context, username);
  if (user.disabled) throw new LabosError("unauthorized", WRONG_LOGIN);
  const token = nodeCrypto().randomBytes(32).toString("base64url");
  const { id, hash } = sessionId(token);
  const now = context.now();
  const expiresAt = new Date(now.getTime() + context.accounts.sessionHours * 3_600_000)
    .toISOString();
  await context.storage.transaction(async (tx) => {
    const current = await readUser(tx, user.username);
    const session: Session = {
      schemaVersion: 2,
      id,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: context.actor,
      username: current.username,
      tokenSha256: hash,
      credentialVersion: current.credentialVersion,
      expiresAt,
      endedAt: null,
    };
    tx.create("session", session);
    tx.audit(recordEvent(context, "session.created", {
      type: "session",
      record: session,
      details: { username: current.username, expiresAt },
    }));
  });
  return { token, expiresAt };
}

async function findSession(context: LabContext, token: unknown): Promise<Session> {
  await requireReady(context);
  if (typeof token !== "string" || token.length < 16 || token.length > 200) {
    throw new LabosError("unauthorized", BAD_SESSION);
  }
  const { id, hash } = sessionId(token);
  try {
    const session = await context.storage.get("session", id);
    if (sameHex(session.tokenSha256, hash)) return session;
  } catch (error) {
    if (!(error instanceof LabosError) || error.kind !== "not_found") throw error;
  }
  throw new LabosError("unauthorized", BAD_SESSION);
}

/**
 * The user of a live session; `unauthorized` when it is unknown, expired or
 * ended, or the user was disabled or changed password since.
 */
export async function resolveSession(context: LabContext, token: string): Promise<UserInfo> {
  const session = await findSession(context, token);
  if (session.endedAt !== null || Date.parse(session.expiresAt) <= context.now().getTime()) {
    throw new LabosError("unauthorized", BAD_SESSION);
  }
  const user = await findUser(context, session.username);
  if (!user || user.disabled || user.credentialVersion !== session.credentialVersion) {
    throw new LabosError("unauthorized", BAD_SESSION);
  }
  return userInfo(user);
}

/** Ends a session (logout); ending an unknown or ended one is `unauthorized`. */
export async function endSession(context: LabContext, token: string): Promise<void> {
  const found = await findSession(context, token);
  await context.storage.transaction(async (tx) => {
    const session = await tx.get("session", found.id);
    if (session.endedAt !== null) throw new LabosError("unauthorized", BAD_SESSION);
    const now = timestamp(context);
    const next: Session = { ...session, updatedAt: now, endedAt: now };
    tx.put("session", next);
    tx.audit(recordEvent(context, "session.ended", {
      type: "session",
      record: next,
      details: { username: session.username },
    }));
  });
}
