/**
 * The dashboard: counts, recent activity, the audit chain and where to start.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuditEvent } from "../audit/mod.ts";
import type { LabStatus } from "../service/mod.ts";
import type { HeadCache } from "./_cache.ts";
import type { Ui } from "./_context.ts";
import { cachedPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import {
  auditStatus,
  dataTable,
  emptyTable,
  glossify,
  type Html,
  html,
  jsonBlock,
  targetLink,
  time,
} from "./_views.ts";

/**
 * The dashboard sub-app, mounted at `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { home } from "./_home.ts";
 * assert.ok(home.routes.some((route) => route.path === "/"));
 * ```
 */
export const home: Hono<ServerEnv> = new Hono<ServerEnv>();

home.get("/", (c) =>
  cachedPage(c, async (ui, view) => {
    const [status, recent] = await Promise.all([view.status(), view.audit({ limit: 8 })]);
    return {
      title: "Dashboard",
      crumbs: [],
      section: "dashboard",
      body: dashboard(ui, { status, recent: recent.items, cache: c.var.cache }),
    };
  }));

function stat(label: string, value: number, link: string): Html {
  return html`
    <a class="stat"
      href="${link}"><span class="label">${label}</span><span class="value">${value
        .toLocaleString("en-US")}</span></a>
  `;
}

const HOW_IT_WORKS = html`
  <details class="card learn" open>
    <summary>How LabOS works</summary>
    <ol class="steps">
      <li>Create an <a href="/experiments/new">experiment</a>: a record of what you set out to show.</li>
      <li>Bring data in: <a href="/datasets/import">import a CSV file</a> from an instrument, or type values into a module's form.</li>
      <li>Run an <a href="/modules">analysis module</a>. Each run becomes a job with its input, output, plot and provenance.</li>
      <li>Move the experiment through its lifecycle (draft → running → completed), giving a reason each time.</li>
      <li>${glossify("Every step is written to the audit log, which anyone can verify.", true)}</li>
    </ol>
  </details>
`;

function dashboard(
  ui: Ui,
  options: { status: LabStatus; recent: AuditEvent[]; cache: HeadCache },
): Html {
  const { status, recent, cache } = options;
  const { counts } = status;
  return html`
    <section class="stats" aria-label="Counts">
    ${stat("Experiments", counts.experiments, "/experiments")}
    ${stat("Jobs", counts.jobs, "/jobs")}
    ${stat("Datasets", counts.datasets, "/datasets")}
    ${stat("Audit events", status.auditHead.seq, "/audit")}
    </section>
    ${ui.mode === "learner" ? HOW_IT_WORKS : ""}
    <div class="grid-2">
      <section class="card" aria-labelledby="recent-title">
    <h2 id="recent-title">Recent activity</h2>
    ${activityTable(recent)}
    <p class="small"><a href="/audit">Open the audit log →</a></p>
      </section>
      <div class="stack">
    ${auditStatus(ui, {
      head: status.auditHead,
      verify: cache.lastVerify(),
      verifying: cache.verifying,
    })}
    <section class="card" aria-labelledby="start-title">
    <h2 id="start-title">Start something</h2>
    <div class="actions"><a class="button" href="/experiments/new">New experiment</a><a class="button secondary" href="/modules">Run a module</a><a class="button secondary" href="/datasets/import">Import CSV</a></div>
    </section>
      </div>
    </div>
    ${ui.mode === "builder" ? jsonBlock(status, { summary: "Status (JSON)" }) : ""}
  `;
}

function activityTable(events: AuditEvent[]): Html {
  if (events.length === 0) return emptyTable("No events");
  return dataTable(
    ["Time", "Event", { label: "By", class: "hide-narrow" }, {
      label: "Reason",
      class: "hide-narrow",
    }],
    events.map((event) =>
      html`
        <tr>
          <td>${time(event.ts, { seconds: true })}</td>
          <td><code>${event.action}</code><br>${targetLink(event.target)}</td>
          <td class="hide-narrow">${event.actor}</td>
          <td class="hide-narrow wrap">${event.reason ??
            html`<span class="muted">–</span>`}</td>
        </tr>
      `
    ),
  );
}
