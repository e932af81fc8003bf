import { z } from "zod";
import { LabosError, quote } from "../errors.ts";

/** The shape of a create-experiment request, checked before anything is written. */
export const CreateExperimentRequest = z.strictObject({
  title: z.string(),
  purpose: z.string().optional(),
  owner: z.string().optional(),
  tags: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

/** The shape of a transition request. */
export const TransitionRequest = z.strictObject({
  to: z.string(),
  reason: z.string().optional(),
});

/** The shape of a run request. */
export const RunRequestSchema = z.strictObject({
  module: z.string(),
  input: z.record(z.string(), z.unknown()).optional(),
  params: z.array(z.string()).optional(),
  fromDataset: z.string().optional(),
  map: z.array(z.string()).optional(),
  experimentId: z.string().optional(),
});

/**
 * Parses an audit target filter, `ID` or `TYPE:ID`, as given to
 * `labos audit list --target` and `GET /api/v1/audit?target=`.
 *
 * @example
 * ```ts
 * import { parseAuditTarget } from "./_requests.ts";
 * console.assert(parseAuditTarget("experiment:exp_1")?.type === "experiment");
 * ```
 */
export function parseAuditTarget(
  value: string | undefined,
): { type?: string; id: string } | undefined {
  if (value === undefined || value === "") return undefined;
  const match = /^(?:([a-z]+):)?([^:\s]+)$/.exec(value);
  if (!match) {
    throw new LabosError("invalid", `Invalid "target" ${quote(value)}: expected ID or TYPE:ID`, {
      issues: [{
        path: "target",
        message: `must be ID or TYPE:ID: current value is ${quote(value)}`,
      }],
    });
  }
  return { type: match[1], id: match[2] };
}
