/**
 * The dashboard, the audit log viewer and the glossary.
 *
 * @module
 */
import type { Hono } from "hono";
import type { AuditEvent, AuditHead } from "../audit/mod.ts";
import { GLOSSARY, glossify } from "./_glossary.ts";
import {
  csrfInput,
  href,
  type Html,
  html,
  idLink,
  jsonBlock,
  pager,
  raw,
  short,
  time,
} from "./_html.ts";
import { renderPage, type Ui } from "./_layout.ts";
import type { VerifyRecord } from "./_cache.ts";
import { parseAuditTarget } from "../service/mod.ts";
import { wholeNumberParam } from "./_errors.ts";
import type { ServerEnv } from "./_state.ts";
import { cachedPage, formValues, type PageDeps, safeBack, uiOf } from "./_ui.ts";

const TARGET_PAGES: Record<string, string> = {
  experiment: "/experiments/",
  job: "/jobs/",
  dataset: "/datasets/",
};

/**
 * A link to an audit event's target record.
 *
 * @example
 * ```ts
 * import { targetLink } from "./_page_home.ts";
 * console.assert(String(targetLink({ type: "data", id: "labos" })).includes("data:labos"));
 * ```
 */
export function targetLink(target: { type: string; id: string }): Html {
  const base = TARGET_PAGES[target.type];
  return base
    ? idLink(base, target.id)
    : html`<span class="mono id">${target.type}:${target.id}</span>`;
}

/**
 * The audit chain status: the head and the last verification, with a verify button.
 *
 * @example
 * ```ts
 * import { auditStatus } from "./_page_home.ts";
 * const ui = { mode: "lab" as const, csrf: "c", path: "/", actor: "a", dataDir: "/d", started: 0 };
 * const head = { seq: 3, hash: "0".repeat(64) };
 * console.assert(String(auditStatus(ui, { head, verify: undefined, verifying: false })).includes("not verified"));
 * ```
 */
export function auditStatus(
  ui: Ui,
  options: { head: AuditHead; verify: VerifyRecord | undefined; verifying: boolean },
): Html {
  const { head, verify, verifying } = options;
  let result: Html;
  if (verify === undefined) {
    result = html`<p><span class="badge">not verified</span> ${
      verifying ? "A verification is running now." : "Not verified since the server started."
    }</p>`;
  } else if (verify.result.ok) {
    const behind = head.seq - verify.head.seq;
    result = html`
      <p
        id="verify-result"><span class="badge ok">verified</span> <strong>ok: ${verify.result
          .events} events</strong>, chain intact up to seq ${verify.head.seq}.</p>
      <p class="muted small">Checked ${time(verify.at, { seconds: true })} in ${verify
        .durationMs} ms${behind > 0
        ? html`; ${behind} event${behind === 1 ? "" : "s"} recorded since`
        : ""}.</p>${verify.result.warnings.length > 0
        ? html`<ul class="small">${verify.result.warnings.map((w) => html`<li>${w}</li>`)}</ul>`
        : ""}
    `;
  } else {
    result = html`
      <div class="notice bad" role="alert"
        id="verify-result"><strong>FAILED</strong> (${verify.result.kind} at seq ${verify.result
          .seq}): ${verify.result.message}. ${verify.result
          .events} events before it are intact.</div>
    `;
  }
  return html`<section class="card" aria-labelledby="chain-title">
<h2 id="chain-title">Audit chain</h2>
<table class="kv"><tbody>
<tr><th scope="row">Events</th><td>${head.seq}</td></tr>
<tr><th scope="row">Head hash</th><td class="hash">${head.hash}</td></tr>
</tbody></table>
${result}
${
    ui.mode === "learner"
      ? html`<p class="small muted">${
        glossify(
          "Every change is an event in the audit log. Each event stores the hash of the one before it, so changing any past event breaks the chain. Verifying re-reads the whole log and checks every link; the dashboard shows the last result instead of re-checking on every visit.",
          true,
        )
      }</p>`
      : ""
  }
<form method="post" action="/audit/verify">${
    csrfInput(ui.csrf)
  }<input type="hidden" name="back" value="${ui.path}">
<button type="submit" class="secondary">Verify the audit chain</button></form>
</section>`;
}

/**
 * A compact table of recent events for the dashboard.
 *
 * @example
 * ```ts
 * import { activityTable } from "./_page_home.ts";
 * console.assert(String(activityTable([])).includes("No events"));
 * ```
 */
export function activityTable(events: AuditEvent[]): Html {
  if (events.length === 0) {
    return html`
      <div class="table-wrap">
        <p class="empty">No events</p>
      </div>
    `;
  }
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col" class="hide-narrow">By</th>
            <th scope="col" class="hide-narrow">Reason</th>
          </tr>
        </thead>
        <tbody>${events.map((event) =>
          html`
            <tr>
              <td>${time(event.ts, { seconds: true })}</td>
              <td><code>${event.action}</code><br>${targetLink(event.target)}</td>
              <td class="hide-narrow">${event.actor}</td>
              <td class="hide-narrow wrap">${event.reason ??
                html`<span class="muted">–</span>`}</td>
            </tr>
          `
        )}</tbody>
      </table>
    </div>
  `;
}

/**
 * A table of audit events, newest first.
 *
 * @example
 * ```ts
 * import { eventTable } from "./_page_home.ts";
 * const ui = { mode: "lab" as const, csrf: "c", path: "/", actor: "a", dataDir: "/d", started: 0 };
 * console.assert(String(eventTable(ui, [])).includes("No events"));
 * ```
 */
export function eventTable(ui: Ui, events: AuditEvent[], options: { caption?: string } = {}): Html {
  if (events.length === 0) {
    return html`
      <div class="table-wrap">
        <p class="empty">No events</p>
      </div>
    `;
  }
  const builder = ui.mode === "builder";
  return html`
    <div class="table-wrap">
      <table>
    ${options.caption ? html`<caption>${options.caption}</caption>` : ""}
    <thead><tr><th scope="col" class="num">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Reason</th>${builder
      ? html`<th scope="col">Event</th>`
      : ""}</tr></thead>
    <tbody>${events.map((event) =>
      html`<tr><td class="num">${event.seq}</td><td>${
        time(event.ts, { seconds: true })
      }</td><td>${event.actor}</td><td><code>${event.action}</code></td><td>${
        targetLink(event.target)
      }</td><td class="wrap">${event.reason ?? html`<span class="muted">–</span>`}</td>${
        builder ? html`<td>${jsonBlock(event, { summary: "JSON" })}</td>` : ""
      }</tr>`
    )}</tbody></table>
    </div>
  `;
}

/** Registers `/`, `/audit`, `/audit/verify` and `/glossary`. */
export function registerHomePages(app: Hono<ServerEnv>, deps: PageDeps): void {
  const { cache } = deps;

  app.get("/", (c) =>
    cachedPage(c, deps, async (ui, view) => {
      const [status, recent] = await Promise.all([view.status(), view.audit({ limit: 8 })]);
      const { counts } = status;
      const stat = (label: string, value: number, link: string) =>
        html`
          <a class="stat"
            href="${link}"><span class="label">${label}</span><span class="value">${value
              .toLocaleString("en-US")}</span></a>
        `;
      const learner = ui.mode === "learner";
      const body = html`
        <section class="stats" aria-label="Counts">
        ${stat("Experiments", counts.experiments, "/experiments")}
        ${stat("Jobs", counts.jobs, "/jobs")}
        ${stat("Datasets", counts.datasets, "/datasets")}
        ${stat("Audit events", status.auditHead.seq, "/audit")}
        </section>
        ${learner
          ? html`
            <details class="card learn" open>
              <summary>How LabOS works</summary>
              <ol class="steps">
                <li>Create an <a href="/experiments/new">experiment</a>: a record of what you set out to show.</li>
                <li>Bring data in: <a href="/datasets/import">import a CSV file</a> from an instrument, or type values into a module's form.</li>
                <li>Run an <a href="/modules">analysis module</a>. Each run becomes a job with its input, output, plot and provenance.</li>
                <li>Move the experiment through its lifecycle (draft → running → completed), giving a reason each time.</li>
                <li>${glossify(
                  "Every step is written to the audit log, which anyone can verify.",
                  true,
                )}</li>
              </ol>
            </details>
          `
          : ""}
        <div class="grid-2">
          <section class="card" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent activity</h2>
        ${activityTable(recent.items)}
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
      return { title: "Dashboard", crumbs: [], section: "dashboard", body };
    }));

  app.get("/audit", (c) =>
    cachedPage(c, deps, async (ui, view) => {
      const q = c.req.query();
      const limit = wholeNumberParam("limit", q.limit) ?? 50;
      const offset = wholeNumberParam("offset", q.offset) ?? 0;
      const target = parseAuditTarget(q.target);
      const filter = {
        actor: q.actor || undefined,
        action: q.action || undefined,
        targetType: target?.type,
        targetId: target?.id,
        since: q.since || undefined,
        limit,
        offset,
      };
      const page = await view.audit(filter);
      const head = view.head;
      const params = {
        actor: q.actor,
        action: q.action,
        target: q.target,
        since: q.since,
        limit: limit === 50 ? undefined : limit,
      };
      const input = (name: string, label: string, value: string | undefined, placeholder: string) =>
        html`
          <div
            class="field"><label for="f-${name}">${label}</label><input type="text" id="f-${name}" name="${name}" value="${value ??
              ""}" placeholder="${placeholder}"></div>
        `;
      const body = html`
        <div class="grid-2">
        <div class="stack">
        <form class="card filters" method="get" action="/audit" role="search" aria-label="Filter events">
        ${input("actor", "Actor", q.actor, "e.g. alice")}
        ${input("action", "Action", q.action, "e.g. experiment.transitioned")}
        ${input("target", "Target", q.target, "id or type:id")}
        ${input("since", "Since", q.since, "2025-01-31 or ISO time")}
        <div class="field"><label for="f-limit">Per page</label><select id="f-limit" name="limit">${[
          25,
          50,
          100,
          200,
        ].map((n) =>
          html`
            <option value="${n}" ${n === limit ? raw(" selected") : ""}>${n}</option>
          `
        )}</select></div>
        <div class="actions"><button type="submit">Filter</button><a href="/audit" class="button secondary">Reset</a></div>
        </form>
        ${eventTable(ui, page.items)}
        ${pager("/audit", params, {
          offset,
          limit,
          shown: page.items.length,
          hasMore: page.hasMore,
        })}
        </div>
        ${auditStatus(ui, { head, verify: cache.lastVerify(), verifying: cache.verifying })}
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

  app.post("/audit/verify", async (c) => {
    const values = await formValues(c);
    await cache.verify();
    return c.redirect(safeBack(values.back), 303);
  });

  app.get("/glossary", (c) => {
    const ui = uiOf(c, deps);
    const terms = [...GLOSSARY].sort((a, b) =>
      a.term.localeCompare(b.term, "en", { sensitivity: "base" })
    );
    const body = html`
      <section class="card">
        <dl class="glossary">${terms.map((entry) =>
          html`
            <dt><dfn id="term-${entry.term.replace(/[^\p{L}\p{N}]+/gu, "-")}">${entry
              .term}</dfn></dt>
            <dd>${entry.definition}</dd>
          `
        )}</dl>
      </section>
    `;
    return renderPage(c, ui, {
      title: "Glossary",
      crumbs: [["Glossary"]],
      section: "glossary",
      lede:
        "Terms used by the modules and the audit log. In learner mode they carry these explanations as tooltips.",
      body,
    });
  });
}

/**
 * Shortened hash for tables.
 *
 * @example
 * ```ts
 * import { hashCell } from "./_page_home.ts";
 * console.assert(String(hashCell("a".repeat(64))).includes("…"));
 * ```
 */
export function hashCell(hash: string | null | undefined): Html {
  return hash
    ? html`<span class="hash">${short(hash, 16)}</span>`
    : html`<span class="muted">–</span>`;
}

/**
 * A link back to an audit search for a target.
 *
 * @example
 * ```ts
 * import { auditLinkFor } from "./_page_home.ts";
 * console.assert(auditLinkFor("exp_1") === "/audit?target=exp_1");
 * ```
 */
export function auditLinkFor(id: string): string {
  return href("/audit", { target: id });
}
