/**
 * Running a class with LabOS: user accounts, roles and who is acting
 * ({@linkcode Principal}, for `Lab.as`), electronic signatures, templates
 * assigned to students, shared experiments, plans and the gradebook. The
 * account and signature records themselves are in `@labos/labos/records`.
 *
 * @example Add a student and act as them
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "@labos/labos";
 * import type { AddUserInput, Principal, UserInfo } from "@labos/labos/class";
 *
 * const lab = openLab({
 *   dataDir: await Deno.makeTempDir(),
 *   actor: "teacher",
 *   scryptCost: { N: 2 ** 10, r: 8, p: 1 },
 * });
 * await lab.init();
 * const input: AddUserInput = { username: "ada", role: "student", password: "correct horse" };
 * const ada: UserInfo = await lab.addUser(input);
 * const principal: Principal = { actor: ada.username, role: ada.role, auth: "session" };
 * const experiment = await lab.as(principal).createExperiment({ title: "Titration" });
 * assert.equal(experiment.owner, "ada");
 * ```
 *
 * @module
 */
export type {
  AddUserInput,
  AuthMethod,
  Principal,
  ScryptCost,
  SigningKey,
  UserInfo,
} from "./src/service/mod.ts";
export type { SignatureListing, SignRequest } from "./src/service/mod.ts";
export type { AssignInput, PlanRunResult, ShareExperimentInput } from "./src/service/mod.ts";
export type {
  DistributionRequest,
  Gradebook,
  GradebookDistribution,
  GradebookRequest,
  GradebookRow,
  GradebookSignOff,
  GradebookStep,
  GradebookTemplate,
} from "./src/service/mod.ts";
