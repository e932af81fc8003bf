/**
 * The glossary page: every term learner mode explains, in alphabetical order.
 *
 * @module
 */
import { Hono } from "hono";
import { uiOf } from "./_context.ts";
import { renderPage } from "./_layout.ts";
import type { ServerEnv } from "./_state.ts";
import { GLOSSARY } from "./_terms.ts";
import { html } from "./_views.ts";

/**
 * The glossary sub-app, mounted at `/glossary`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { glossary } from "./_glossary.ts";
 * assert.ok(glossary.routes.some((route) => route.path === "/"));
 * ```
 */
export const glossary: Hono<ServerEnv> = new Hono<ServerEnv>();

glossary.get("/", (c) => {
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
  return renderPage(c, uiOf(c), {
    title: "Glossary",
    crumbs: [["Glossary"]],
    section: "glossary",
    lede:
      "Terms used by the modules and the audit log. In learner mode they carry these explanations as tooltips.",
    body,
  });
});
