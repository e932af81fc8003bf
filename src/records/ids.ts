import { createSha256, randomBytes } from "../_crypto.ts";

/** A kind of id: a record type, or an audit event. */
export type IdKind =
  | "experiment"
  | "dataset"
  | "job"
  | "user"
  | "session"
  | "signature"
  | "attachment"
  | "event";

/** The id prefix of each kind. */
export const ID_PREFIXES: Readonly<Record<IdKind, string>> = {
  experiment: "exp",
  dataset: "ds",
  job: "job",
  user: "usr",
  session: "ses",
  signature: "sig",
  attachment: "att",
  event: "evt",
};

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The strict pattern of every id: a type prefix, `_`, then a 26-character
 * Crockford base32 ULID (48-bit millisecond time, 80 random bits). Nothing
 * outside this alphabet can reach the file system.
 */
export const ID_PATTERN: RegExp = /^(exp|ds|job|usr|ses|sig|att|evt)_[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * Creates a new time-sortable id. Ids made in the same millisecond by one
 * process stay in creation order.
 *
 * @example
 * ```ts
 * import { newId } from "./ids.ts";
 * import assert from "node:assert";
 * const id = newId("experiment");
 * assert.ok(id.startsWith("exp_") && id.length === 30);
 * ```
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime) {
    now = lastTime;
    random = increment(lastRandom);
  } else {
    const bytes = randomBytes(16);
    random = Array.from({ length: 16 }, (_, i) => bytes[i] % 32);
  }
  lastTime = now;
  lastRandom = random;
  let time = "";
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return `${ID_PREFIXES[kind]}_${time}${random.map((d) => CROCKFORD[d]).join("")}`;
}

/**
 * The id of a record found by a key rather than by time: a user by its
 * username, a session by its token's hash. The same key always gives the
 * same id (130 bits of SHA-256), so the record is read directly.
 *
 * @example
 * ```ts
 * import { keyedId, isId } from "./ids.ts";
 * import assert from "node:assert";
 * assert.strictEqual(keyedId("user", "ana"), keyedId("user", "ana"));
 * assert.ok(isId(keyedId("user", "ana"), "user"));
 * ```
 */
export function keyedId(kind: "user" | "session", key: string): string {
  const digest = createSha256().update(`labos:${kind}:${key}`).digest();
  let text = "";
  for (let i = 0; i < 26; i++) text += CROCKFORD[digest[i] % 32];
  return `${ID_PREFIXES[kind]}_${text}`;
}

function increment(digits: number[]): number[] {
  const next = digits.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] < 31) {
      next[i]++;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/**
 * Tells whether a string is a well-formed id of the given kind.
 *
 * @example
 * ```ts
 * import { isId, newId } from "./ids.ts";
 * import assert from "node:assert";
 * assert.ok(isId(newId("job"), "job"));
 * assert.ok(!isId("../etc/passwd", "job"));
 * ```
 */
export function isId(value: string, kind?: IdKind): boolean {
  return ID_PATTERN.test(value) &&
    (kind === undefined || value.startsWith(`${ID_PREFIXES[kind]}_`));
}
