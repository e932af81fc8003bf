import { LabosError, quote } from "../errors.ts";
import type { Experiment } from "../records/mod.ts";
import { parseOrThrow } from "../validation.ts";
import type { LabContext } from "./_context.ts";
import { createExperiments } from "./_experiments.ts";
import { AssignRequest } from "./_requests.ts";

/** What `Lab.assign` takes: who gets the template, and an optional audited reason. */
export interface AssignInput {
  /** The usernames, one draft experiment each. */
  to: string[];
  /** Why, recorded in the audit log. Default: "Assigned to NAME". */
  reason?: string;
}

/** A user as assigning sees one: the fields of the accounts' `UserInfo` it reads. */
export interface Assignee {
  /** The username. */
  username: string;
  /** The role. */
  role: string;
  /** Whether the account is disabled. */
  disabled: boolean;
}

/**
 * Where assigning looks users up. The `Lab` passes itself: once it has
 * users (`hasUsers`, `getUser`), every name must be one of them.
 */
export interface AssigneeDirectory {
  /** Whether the lab has any user. */
  hasUsers?: () => Promise<boolean>;
  /** One user; a `not_found` error when there is none. */
  getUser?: (username: string) => Promise<Assignee>;
}

const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/;
const ASSIGNABLE = new Set(["student", "ta"]);

/**
 * THE check of who may be given a lab (issue 14). While the lab has no
 * users (or no user lookup), any well-formed username may own an assigned
 * experiment; once it has users, each name must be an existing, enabled
 * student or TA. One-line `invalid` error naming the first name refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAssignees } from "./_assign.ts";
 * const users = new Map([["ana", { username: "ana", role: "student", disabled: false }]]);
 * const directory = {
 *   hasUsers: () => Promise.resolve(true),
 *   getUser: (name: string) => {
 *     const user = users.get(name);
 *     return user ? Promise.resolve(user) : Promise.reject(new Error("missing"));
 *   },
 * };
 * await checkAssignees(["ana"], directory);
 * await assert.rejects(() => checkAssignees(["ana", "bo"], directory), /"bo": no such user/);
 * await checkAssignees(["bo"], {});
 * ```
 */
export async function checkAssignees(
  names: string[],
  directory: AssigneeDirectory,
): Promise<void> {
  if (typeof directory.hasUsers !== "function" || typeof directory.getUser !== "function") return;
  if (!(await directory.hasUsers())) return;
  for (const name of names) {
    let user: Assignee;
    try {
      user = await directory.getUser(name);
    } catch {
      throw refuse(name, "no such user");
    }
    if (user.disabled) throw refuse(name, "the user is disabled");
    if (!ASSIGNABLE.has(user.role)) {
      throw refuse(
        name,
        `the user is ${
          /^[aeiou]/.test(user.role) ? "an" : "a"
        } ${user.role}; only students and TAs are assigned labs`,
      );
    }
  }
}

function refuse(name: string, why: string): LabosError {
  return new LabosError("invalid", `Cannot assign to ${quote(name)}: ${why}`, {
    issues: [{ path: "to", message: `${quote(name)}: ${why}` }],
  });
}

/**
 * Creates one draft experiment per name from a template, owned by that
 * name, in one transaction: all of them, or none.
 */
export async function assignTemplate(
  lab: LabContext,
  templateKey: string,
  options: { request: unknown; directory: AssigneeDirectory },
): Promise<Experiment[]> {
  const { to, reason } = parseOrThrow(AssignRequest(), options.request, "Invalid assignment");
  const names = to.flatMap((entry) => entry.split(",")).map((name) => name.trim()).filter(
    Boolean,
  );
  if (names.length === 0) {
    throw new LabosError("invalid", `"to" is required: name who gets the lab, e.g. --to ana,bo`, {
      issues: [{ path: "to", message: "is required" }],
    });
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (!USERNAME.test(name)) {
      throw refuse(
        name,
        "a username is 2 to 32 lowercase letters, digits, '.', '_' or '-', starting with a letter",
      );
    }
    if (seen.has(name)) throw refuse(name, "the name is given twice");
    seen.add(name);
  }
  await checkAssignees(names, options.directory);
  const why = reason?.trim();
  return await createExperiments(
    lab,
    names.map((name) => ({
      template: templateKey,
      owner: name,
      reason: why || `Assigned to ${name}`,
    })),
  );
}
