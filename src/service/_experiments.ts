import { LabosError, quote } from "../errors.ts";
import {
  checkId,
  type Experiment,
  EXPERIMENT_TRANSITIONS,
  newId,
  RECORD_SCHEMA_VERSION,
  validateRecord,
} from "../records/mod.ts";
import { prepareRun } from "../runs/mod.ts";
import type { Page } from "../storage/mod.ts";
import type { ExperimentPlan, renderTitle, TemplateEntry, TemplateStep } from "../templates/mod.ts";
import { parseOrThrow } from "../validation.ts";
import { type LabContext, recordEvent, requireReady, timestamp } from "./_context.ts";
import {
  CreateExperimentInputSchema,
  CreateExperimentRequest,
  EditExperimentRequest,
  parseExperimentFilter,
  parseStatus,
  requireReason,
  RunPlanRequest,
  ShareExperimentRequest,
  TransitionRequest,
} from "./_requests.ts";
import { type ScopeOwner, seesEverything } from "./_scopes.ts";
import { commitRun, planRun, type RunResult } from "./_runs.ts";

/** Input for `Lab.createExperiment`. */
export interface CreateExperimentInput {
  /** A short title. Required unless a template gives one. */
  title?: string;
  /** The key of the template to create it from; it gives the title, purpose, tags and planned runs. */
  template?: string;
  /** What the experiment sets out to show. Default: empty. */
  purpose?: string;
  /** Who is responsible. Default: the actor. */
  owner?: string;
  /** Free-form tags. */
  tags?: string[];
  /** Why it is created, recorded in the audit log. */
  reason?: string;
}

/** Filters for `Lab.listExperiments`. */
export interface ExperimentFilter {
  /** Only experiments in this state. */
  status?: string;
  /** Only experiments with this tag. */
  tag?: string;
  /** Page size. Default: 50. */
  limit?: number;
  /** Matching experiments to skip. Default: 0. */
  offset?: number;
}

/** What `Lab.runPlan` did: one run per step, and the plan afterwards. */
export interface PlanRunResult {
  /** The runs, in the order they ran. */
  runs: Array<{ step: string; result: RunResult }>;
  /** The plan after the runs. */
  plan: ExperimentPlan;
}

/** Creates draft experiments in one transaction: all of them, or none. */
export async function createExperiments(
  lab: LabContext,
  raw: unknown[],
): Promise<Experiment[]> {
  await requireReady(lab);
  const inputs = raw.map((input) =>
    parseOrThrow(CreateExperimentInputSchema(), input, "Invalid experiment")
  );
  const templates: Array<TemplateEntry | undefined> = [];
  for (const input of inputs) templates.push(await usableTemplate(lab, input.template));
  const render = templates.some(Boolean)
    ? (await import("../templates/mod.ts")).renderTitle
    : undefined;
  const requests = inputs.map(({ template: _, ...input }, index) =>
    parseOrThrow(
      CreateExperimentRequest(),
      fillFromTemplate(lab, input, { entry: templates[index], render }),
      "Cannot create experiment",
    )
  );
  if (!seesEverything(lab.principal.role)) {
    for (const input of requests) {
      if (input.owner !== undefined && input.owner !== lab.actor) {
        throw new LabosError(
          "invalid",
          `Cannot create experiment: "owner" must be you (${
            quote(lab.actor)
          }) for a student: current value is ${quote(input.owner)}`,
          { issues: [{ path: "owner", message: `must be ${quote(lab.actor)} for a student` }] },
        );
      }
    }
  }
  const now = timestamp(lab);
  const experiments = requests.map((input, index): Experiment => ({
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: newId("experiment"),
    createdAt: now,
    updatedAt: now,
    createdBy: lab.actor,
    title: input.title,
    purpose: input.purpose ?? "",
    owner: input.owner ?? lab.actor,
    status: "draft",
    tags: [...new Set(input.tags ?? [])],
    ...(templates[index] ? { template: templates[index].template.key } : {}),
    jobIds: [],
    datasetIds: [],
  }));
  for (const experiment of experiments) validateRecord("experiment", experiment);
  await lab.storage.transaction((tx) => {
    for (const [index, experiment] of experiments.entries()) {
      tx.create("experiment", experiment);
      const entry = templates[index];
      tx.audit(recordEvent(lab, "experiment.created", {
        type: "experiment",
        record: experiment,
        reason: requests[index].reason,
        details: {
          record: experiment,
          ...(entry
            ? {
              template: {
                key: entry.template.key,
                version: entry.template.version,
                source: entry.source,
              },
            }
            : {}),
        },
      }));
    }
    return Promise.resolve();
  });
  return experiments;
}

/** Lists experiments, newest first. */
export async function listExperiments(
  lab: LabContext,
  filter: ExperimentFilter,
): Promise<Page<Experiment>> {
  await requireReady(lab);
  const { status, tag, limit, offset } = parseExperimentFilter(filter);
  return await lab.storage.list("experiment", {
    limit: limit as number | undefined,
    offset: offset as number | undefined,
    where: status === undefined && tag === undefined
      ? undefined
      : (experiment) =>
        (status === undefined || experiment.status === status) &&
        (tag === undefined || experiment.tags.includes(tag as string)),
  });
}

/** Moves an experiment to another lifecycle state, with an audited reason. */
export async function transitionExperiment(
  lab: LabContext,
  id: string,
  request: { to?: unknown; reason?: unknown },
): Promise<Experiment> {
  await requireReady(lab);
  const { to, reason } = parseOrThrow(TransitionRequest(), request, "Invalid transition");
  const target = parseStatus(to, "to");
  const why = requireReason(reason);
  checkId("experiment", id);
  return await lab.storage.transaction(async (tx) => {
    const before = await tx.get("experiment", id);
    const allowed = EXPERIMENT_TRANSITIONS[before.status];
    if (!allowed.includes(target)) {
      throw new LabosError(
        "conflict",
        `Cannot move experiment ${quote(id)} from ${quote(before.status)} to ${quote(target)}: ${
          allowed.length === 0
            ? `${quote(before.status)} is final`
            : `allowed targets are ${allowed.map((s) => quote(s)).join(", ")}`
        }`,
      );
    }
    const after: Experiment = { ...before, status: target, updatedAt: timestamp(lab) };
    tx.put("experiment", after);
    tx.audit(recordEvent(lab, "experiment.transitioned", {
      type: "experiment",
      record: after,
      reason: why,
      details: {
        from: before.status,
        to: target,
        before: { status: before.status, updatedAt: before.updatedAt },
        after: { status: after.status, updatedAt: after.updatedAt },
      },
    }));
    return after;
  });
}

/** What `Lab.editExperiment` takes: the fields to change, and the audited reason. */
export interface EditExperimentInput {
  /** A new title. */
  title?: string;
  /** A new purpose; empty clears it. */
  purpose?: string;
  /** The new tags, replacing the old ones; empty clears them. */
  tags?: string[];
  /** Why, recorded in the audit log. Required. */
  reason?: string;
}

const EDITABLE = ["title", "purpose", "tags"] as const;

/**
 * Changes an experiment's title, purpose or tags. The reason is required;
 * one `experiment.edited` event records the changed fields before and after.
 */
export async function editExperiment(
  lab: LabContext,
  id: string,
  request: unknown,
): Promise<Experiment> {
  await requireReady(lab);
  const { reason, ...changes } = parseOrThrow(EditExperimentRequest(), request, "Invalid edit");
  if (EDITABLE.every((field) => changes[field] === undefined)) {
    throw new LabosError(
      "invalid",
      `Nothing to edit: give a new "title", "purpose" or "tags"`,
    );
  }
  const why = requireReason(reason);
  checkId("experiment", id);
  return await lab.storage.transaction(async (tx) => {
    const before = await tx.get("experiment", id);
    if (before.status === "archived") {
      throw new LabosError(
        "conflict",
        `Cannot edit experiment ${quote(id)}: it is "archived", which is final`,
      );
    }
    const next = {
      title: changes.title?.trim() ?? before.title,
      purpose: changes.purpose ?? before.purpose,
      tags: changes.tags === undefined ? before.tags : [...new Set(changes.tags)],
    };
    const changed = EDITABLE.filter((field) =>
      JSON.stringify(next[field]) !== JSON.stringify(before[field])
    );
    if (changed.length === 0) {
      throw new LabosError(
        "invalid",
        `Nothing changed: experiment ${quote(id)} already has this ${
          EDITABLE.filter((field) => changes[field] !== undefined).join(", ")
        }`,
      );
    }
    const pick = (record: typeof next) =>
      Object.fromEntries(changed.map((field) => [field, record[field]]));
    const after: Experiment = { ...before, ...next, updatedAt: timestamp(lab) };
    validateRecord("experiment", after);
    tx.put("experiment", after);
    tx.audit(recordEvent(lab, "experiment.edited", {
      type: "experiment",
      record: after,
      reason: why,
      details: {
        changed,
        before: { ...pick(before), updatedAt: before.updatedAt },
        after: { ...pick(after), updatedAt: after.updatedAt },
      },
    }));
    return after;
  });
}

/** What `Lab.shareExperiment` takes: usernames to add and to remove, and why. */
export interface ShareExperimentInput {
  /** Usernames to share the experiment with. */
  with?: string[];
  /** Usernames to stop sharing it with. */
  remove?: string[];
  /** Why, recorded in the audit log. */
  reason?: string;
}

/**
 * Shares an experiment with other users, or stops sharing it: they then see
 * and change it, its jobs and its datasets like the owner. Only the owner
 * and staff may; one `experiment.shared` event records the list before and
 * after. `isUser` says whether a name is a user of the lab.
 */
export async function shareExperiment(
  lab: LabContext,
  id: string,
  options: {
    request: unknown;
    who: ScopeOwner;
    isUser: (name: string) => Promise<boolean>;
  },
): Promise<Experiment> {
  await requireReady(lab);
  const { request, who, isUser } = options;
  const parsed = parseOrThrow(ShareExperimentRequest(), request, "Invalid share");
  const add = [...new Set(parsed.with ?? [])];
  const remove = [...new Set(parsed.remove ?? [])];
  if (add.length === 0 && remove.length === 0) {
    throw new LabosError(
      "invalid",
      `Nothing to share: name users with "with", e.g. --with amy,ben, or "remove"`,
    );
  }
  for (const name of add) {
    if (!(await isUser(name))) {
      throw new LabosError(
        "invalid",
        `Cannot share experiment ${quote(id)} with ${quote(name)}: there is no such user`,
        { issues: [{ path: "with", message: `has an unknown user ${quote(name)}` }] },
      );
    }
  }
  checkId("experiment", id);
  return await lab.storage.transaction(async (tx) => {
    const before = await tx.get("experiment", id);
    if (!seesEverything(who.role) && before.owner !== who.actor) {
      throw new LabosError(
        "forbidden",
        `Cannot share experiment ${quote(id)}: only its owner ${
          quote(before.owner)
        } or an instructor or a TA may share it`,
      );
    }
    if (add.includes(before.owner)) {
      throw new LabosError(
        "invalid",
        `Cannot share experiment ${quote(id)} with ${quote(before.owner)}: they own it`,
        { issues: [{ path: "with", message: `has the owner ${quote(before.owner)}` }] },
      );
    }
    const old = before.sharedWith ?? [];
    const sharedWith = [...old.filter((name) => !remove.includes(name)), ...add]
      .filter((name, index, all) => all.indexOf(name) === index);
    if (JSON.stringify(sharedWith) === JSON.stringify(old)) {
      throw new LabosError(
        "invalid",
        `Nothing changed: experiment ${quote(id)} is already shared with ${
          old.length === 0 ? "nobody" : old.map((name) => quote(name)).join(", ")
        }`,
      );
    }
    const { sharedWith: _, ...rest } = before;
    const after: Experiment = {
      ...rest,
      ...(sharedWith.length > 0 ? { sharedWith } : {}),
      updatedAt: timestamp(lab),
    };
    validateRecord("experiment", after);
    tx.put("experiment", after);
    tx.audit(recordEvent(lab, "experiment.shared", {
      type: "experiment",
      record: after,
      reason: parsed.reason?.trim() || null,
      details: {
        added: sharedWith.filter((name) => !old.includes(name)),
        removed: old.filter((name) => !sharedWith.includes(name)),
        before: { sharedWith: old, updatedAt: before.updatedAt },
        after: { sharedWith, updatedAt: after.updatedAt },
      },
    }));
    return after;
  });
}

/** The planned runs of an experiment created from a template, and which are done. */
export async function experimentPlan(lab: LabContext, id: string): Promise<ExperimentPlan> {
  await requireReady(lab);
  const experiment = await lab.storage.get("experiment", id);
  if (!experiment.template) {
    throw new LabosError(
      "invalid",
      `Experiment ${
        quote(id)
      } has no plan: it was not created from a template (use experiments create --template)`,
    );
  }
  const { template } = (await lab.templates()).get(experiment.template);
  const jobs = await Promise.all(experiment.jobIds.map(async (jobId) => {
    const job = await lab.storage.get("job", jobId);
    const output = job.status === "succeeded" && job.outputDatasetId
      ? (await lab.storage.get("dataset", job.outputDatasetId)).output
      : undefined;
    return { ...job, output };
  }));
  const defaultInputHashes: Array<string | null> = [];
  for (const step of template.steps) defaultInputHashes.push(await defaultInputHash(lab, step));
  const { derivePlan } = await import("../templates/mod.ts");
  return derivePlan(id, template, { jobs, defaultInputHashes });
}

/** Runs planned steps of a template experiment with their default inputs. */
export async function runPlan(
  lab: LabContext,
  id: string,
  request: { steps?: string[]; params?: string[] },
): Promise<PlanRunResult> {
  const options = parseOrThrow(RunPlanRequest(), request ?? {}, "Invalid run-plan request");
  const before = await experimentPlan(lab, id);
  const { template } = (await lab.templates()).get(before.template.key);
  const wanted = options.steps?.length
    ? options.steps
    : before.steps.filter((step) => step.status === "pending").map((step) => step.id);
  if (options.params?.length && wanted.length !== 1) {
    throw new LabosError(
      "invalid",
      `"params" apply to one step: name exactly one step (--step), not ${wanted.length}`,
    );
  }
  const planned = [];
  for (const stepId of wanted) {
    const step = template.steps.find((candidate) => candidate.id === stepId);
    if (!step) {
      throw new LabosError(
        "invalid",
        `Unknown step ${quote(stepId)} in template ${quote(template.key)}: expected one of ${
          template.steps.map((candidate) => candidate.id).join(", ")
        }`,
      );
    }
    planned.push({
      step: step.id,
      plan: await planRun(lab, {
        module: step.module,
        input: step.input,
        params: options.params,
        experimentId: id,
        step: step.id,
      }),
    });
  }
  const runs = [];
  for (const { step, plan } of planned) runs.push({ step, result: await commitRun(lab, plan) });
  return { runs, plan: await experimentPlan(lab, id) };
}

async function usableTemplate(
  lab: LabContext,
  key: string | undefined,
): Promise<TemplateEntry | undefined> {
  if (key === undefined) return undefined;
  const entry = (await lab.templates()).get(key);
  const modules = await lab.modules();
  for (const step of entry.template.steps) {
    const problem = `Cannot use template ${quote(key)}: step ${quote(step.id)}`;
    let registered;
    try {
      registered = modules.get(step.module);
    } catch {
      throw new LabosError(
        "invalid",
        `${problem} needs module ${
          quote(step.module)
        }, which is not available (disabled or not installed)`,
      );
    }
    try {
      prepareRun(registered, step.input);
    } catch (error) {
      throw new LabosError(
        "invalid",
        `${problem} has an invalid input: ${(error as Error).message}`,
      );
    }
  }
  return entry;
}

function fillFromTemplate(
  lab: LabContext,
  input: Omit<CreateExperimentInput, "template">,
  options: { entry?: TemplateEntry; render?: typeof renderTitle },
): Omit<CreateExperimentInput, "template"> {
  const { entry, render } = options;
  if (!entry || !render) return input;
  const { template } = entry;
  return {
    ...input,
    title: input.title ??
      render(template.titlePattern, { date: lab.now(), actor: input.owner ?? lab.actor }),
    purpose: input.purpose ?? template.purpose,
    tags: [...template.tags, ...input.tags ?? []],
  };
}

async function defaultInputHash(lab: LabContext, step: TemplateStep): Promise<string | null> {
  try {
    return prepareRun((await lab.modules()).get(step.module), step.input).inputHash;
  } catch {
    return null;
  }
}
