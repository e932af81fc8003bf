/**
 * The audit log viewer: filterable, paged events and the chain check.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuditEvent } from "../audit/mod.ts";
import { parseAuditTarget } from "../service/mod.ts";
import type { Ui } from "./_context.ts";
import { formValues, safeBack, wholeNumberParam } from "./_input.ts";
import { cachedPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  auditStatus,
  emptyTable,
  glossify,
  type Html,
  html,
  jsonBlock,
  pager,
  raw,
  targetLink,
  time,
} from "./_views.ts";

const DEFAULT_LIMIT = 50;
const LIMITS = [25, 50, 100, 200];

/**
 * The audit log sub-app, mounted at `/audit`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { audit } from "./_audit.ts";
 * assert.ok(audit.routes.some((route) => route.path === "/verify"));
 * ```
 */
export const audit: Hono<ServerEnv> = new Hono<ServerEnv>();

audit.get("/", (c) =>
  cachedPage(c, async (ui, view) => {
    const q = c.req.query();
    const limit = wholeNumberParam("limit", q.limit) ?? DEFAULT_LIMIT;
    const offset = wholeNumberParam("offset", q.offset) ?? 0;
    const target = parseAuditTarget(q.target);
    const page = await view.audit({
      actor: q.actor || undefined,
      action: q.action || undefined,
      targetType: target?.type,
      targetId: target?.id,
      since: q.since || undefined,
      limit,
      offset,
    });
    const params = {
      actor: q.actor,
      action: q.action,
      target: q.target,
      since: q.since,
      limit: limit === DEFAULT_LIMIT ? undefined : limit,
    };
    const { cache } = c.var;
    const body = html`
      <div class="grid-2">
      <div class="stack">
      ${filterForm(q, limit)}
      ${eventTable(ui, page.items)}
      ${pager("/audit", params, { offset, limit, shown: page.items.length, hasMore: page.hasMore })}
      </div>
      ${auditStatus(ui, {
        head: view.head,
        verify: cache.lastVerify(),
        verifying: cache.verifying,
      })}
      </div>
    `;
    return {
      title: "Audit log",
      crumbs: [["Audit log"]],
      section: "audit",
      lede: ui.mode === "learner"
        ? glossify(
          "Every change to experiments, jobs and datasets, newest first. Events are never edited or deleted; each is chained to the one before by its hash.",
          true,
        )
        : undefined,
      body,
    };
  }));

audit.post("/verify", async (c) => {
  const values = await formValues(c);
  await c.var.cache.verify();
  return c.redirect(safeBack(values.back), 303);
});

function textFilter(
  name: string,
  options: { label: string; value: string | undefined; placeholder: string },
): Html {
  return html`
    <div
      class="field"><label for="f-${name}">${options
        .label}</label><input type="text" id="f-${name}" name="${name}" value="${options
        .value ??
        ""}" placeholder="${options.placeholder}"></div>
  `;
}

function filterForm(q: Record<string, string>, limit: number): Html {
  return html`
    <form class="card filters" method="get" action="/audit" role="search" aria-label="Filter events">
    ${textFilter("actor", { label: "Actor", value: q.actor, placeholder: "e.g. alice" })}
    ${textFilter("action", {
      label: "Action",
      value: q.action,
      placeholder: "e.g. experiment.transitioned",
    })}
    ${textFilter("target", { label: "Target", value: q.target, placeholder: "id or type:id" })}
    ${textFilter("since", {
      label: "Since",
      value: q.since,
      placeholder: "2025-01-31 or ISO time",
    })}
    <div class="field"><label for="f-limit">Per page</label><select id="f-limit" name="limit">${LIMITS
      .map((n) =>
        html`
          <option value="${n}" ${n === limit ? raw(" selected") : ""}>${n}</option>
        `
      )}</select></div>
    <div class="actions"><button type="submit">Filter</button><a href="/audit" class="button secondary">Reset</a></div>
    </form>
  `;
}

function eventTable(ui: Ui, events: AuditEvent[]): Html {
  if (events.length === 0) return emptyTable("No events");
  const builder = ui.mode === "builder";
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr><th scope="col" class="num">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Reason</th>${builder
            ? html`<th scope="col">Event</th>`
            : ""}</tr>
        </thead>
        <tbody>${events.map((event) =>
          html`<tr><td class="num">${event.seq}</td><td>${
            time(event.ts, { seconds: true })
          }</td><td>${event.actor}</td><td><code>${event.action}</code></td><td>${
            targetLink(event.target)
          }</td><td class="wrap">${event.reason ?? html`<span class="muted">–</span>`}</td>${
            builder ? html`<td>${jsonBlock(event, { summary: "JSON" })}</td>` : ""
          }</tr>`
        )}</tbody>
      </table>
    </div>
  `;
}
