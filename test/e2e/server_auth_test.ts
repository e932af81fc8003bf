/**
 * HTTP tests of sign-in mode, in process through `app.request()`: login
 * sessions and personal tokens, the actor of every write, scopes (a
 * student's 404 is a missing id's 404), revocation, the login slow-down,
 * CSRF on login and logout, and single-token mode while no user exists.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { openLab } from "../../src/service/mod.ts";
import type { Lab } from "../../src/service/mod.ts";
import { createApp, csrfToken } from "../../src/server/mod.ts";
import type { AuditEvent } from "../../src/audit/mod.ts";

const TOKEN = "auth-test-token-0123456789abcdef";
const PORT = 8321;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const PASSWORD = "correct horse battery";
const COOKIE = `labos_login_${PORT}`;
// A cheap scrypt: these tests sign in many times.
const SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

interface Harness {
  lab: Lab;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Signs in through the login form; returns the cookie header and the page's CSRF token. */
  signIn(username: string, password?: string): Promise<{ cookie: string; csrf: string }>;
  /** A personal API token. */
  token(username: string): Promise<string>;
}

async function withUsers(fn: (h: Harness) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-auth-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "prof", scryptCost: SCRYPT });
    await lab.init();
    for (
      const [username, role] of [["amy", "student"], ["ben", "student"], ["ivy", "instructor"]]
    ) {
      await lab.addUser({ username, role: role as "student", password: PASSWORD });
    }
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const request = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("host")) headers.set("host", `127.0.0.1:${PORT}`);
      return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
    };
    const signIn = async (username: string, password = PASSWORD) => {
      const response = await request("/login", login({ username, password }));
      assertEquals(response.status, 303, await response.clone().text());
      const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
      assertMatch(cookie, new RegExp(`^${COOKIE}=.+`));
      const page = await (await request("/", { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
      assert(csrf !== "", "a signed-in page carries a CSRF token");
      return { cookie, csrf };
    };
    const token = async (username: string) => (await lab.createToken(username)).token;
    await fn({ lab, request, signIn, token });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function login(fields: Record<string, string>, csrf: string = csrfToken(TOKEN)): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  };
}

function json(body: unknown, headers: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

async function lastEvent(lab: Lab, action: string): Promise<AuditEvent> {
  const [event] = (await lab.listAudit({ action, limit: 1 })).items;
  assert(event, `an event ${action}`);
  return event;
}

Deno.test("sign-in mode: pages go to the login page, the API answers 401, the start-up token opens nothing", async () => {
  await withUsers(async ({ lab, request }) => {
    const page = await request("/experiments?status=draft");
    assertEquals(page.status, 303);
    assertEquals(page.headers.get("location"), "/login?next=%2Fexperiments%3Fstatus%3Ddraft");
    const form = await request("/login");
    assertEquals(form.status, 200);
    const html = await form.text();
    assertStringIncludes(html, 'type="password"');
    assert(!html.includes('aria-label="Main"'), "no navigation before signing in");
    assert(!html.includes(lab.dataDir), "the data folder is not shown before signing in");
    const style = await request("/assets/style.css");
    assertEquals(style.status, 200, "the login page has its style");
    await style.body?.cancel();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${TOKEN}` },
      { cookie: `${COOKIE}=forged` },
    ];
    for (const headers of attempts) {
      const api = await request("/api/v1/experiments", { headers });
      assertEquals(api.status, 401, JSON.stringify(headers));
      assertEquals((await api.json()).error.kind, "unauthorized");
    }
    const tokenUrl = await request(`/?token=${TOKEN}`);
    assertEquals(tokenUrl.status, 303);
    assertEquals(tokenUrl.headers.get("location"), "/login");
  });
});

Deno.test("a body actor is ignored: the audit actor is the signed-in user, details.auth says how", async () => {
  await withUsers(async ({ lab, request, signIn, token }) => {
    const { cookie, csrf } = await signIn("amy");
    const bySession = await request(
      "/api/v1/experiments",
      json({ title: "Mine", actor: "ivy" }, { cookie, "x-csrf-token": csrf }),
    );
    assertEquals(bySession.status, 201, await bySession.clone().text());
    const created = await bySession.json();
    assertEquals([created.createdBy, created.owner], ["amy", "amy"]);
    const event = await lastEvent(lab, "experiment.created");
    assertEquals([event.actor, event.details.auth], ["amy", "session"]);

    const bearer = await token("amy");
    const byToken = await request(
      `/api/v1/experiments/${created.id}/transition`,
      json({ to: "running", reason: "Go", actor: "ivy" }, { authorization: `Bearer ${bearer}` }),
    );
    assertEquals(byToken.status, 200, await byToken.clone().text());
    const moved = await lastEvent(lab, "experiment.transitioned");
    assertEquals([moved.actor, moved.details.auth], ["amy", "token"]);

    const form = await request("/experiments", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrf, title: "From the form", actor: "ivy" }).toString(),
    });
    assertEquals(form.status, 303);
    const fromForm = await lastEvent(lab, "experiment.created");
    assertEquals([fromForm.actor, fromForm.details.auth], ["amy", "session"]);
  });
});

Deno.test("the header shows who is signed in, and logout (POST, with CSRF) ends the session", async () => {
  await withUsers(async ({ request, signIn }) => {
    const { cookie, csrf } = await signIn("amy");
    const page = await (await request("/", { headers: { cookie } })).text();
    assertMatch(page, /Signed in as <strong>amy<\/strong> \(student\)/);
    assertStringIncludes(page, 'action="/logout"');

    const noCsrf = await request("/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: "",
    });
    assertEquals(noCsrf.status, 403);
    await noCsrf.body?.cancel();
    const still = await request("/api/v1/status", { headers: { cookie } });
    assertEquals(still.status, 200, "a refused logout leaves the session");
    await still.body?.cancel();

    const out = await request("/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    assertEquals(out.status, 303);
    assertEquals(out.headers.get("location"), "/login");
    assertMatch(out.headers.get("set-cookie") ?? "", new RegExp(`^${COOKIE}=;`));
    const after = await request("/api/v1/status", { headers: { cookie } });
    assertEquals(after.status, 401, "the ended session no longer works, even replayed");
    await after.body?.cancel();
  });
});

Deno.test("login needs the CSRF token; the session cookie is HttpOnly, SameSite=Strict, Path=/", async () => {
  await withUsers(async ({ request }) => {
    for (const csrf of ["", "forged"]) {
      const refused = await request("/login", login({ username: "amy", password: PASSWORD }, csrf));
      assertEquals(refused.status, 403);
      assertStringIncludes(await refused.text(), "CSRF");
      assertEquals(refused.headers.get("set-cookie"), null);
    }
    const ok = await request(
      "/login",
      login({ username: "amy", password: PASSWORD, next: "/jobs" }),
    );
    assertEquals(ok.status, 303);
    assertEquals(ok.headers.get("location"), "/jobs");
    const cookie = ok.headers.get("set-cookie") ?? "";
    assertMatch(cookie, /HttpOnly/);
    assertMatch(cookie, /SameSite=Strict/);
    assertMatch(cookie, /Path=\//);
    assert(!/Secure/.test(cookie), "plain http: no Secure flag");
    const https = await request(
      "/login",
      login({ username: "amy", password: PASSWORD, next: "//evil.example" }, csrfToken(TOKEN)),
    );
    assertEquals(https.headers.get("location"), "/", "next stays on this server");
    await https.body?.cancel();
    const proxied = await request("/login", {
      ...login({ username: "amy", password: PASSWORD }),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-proto": "https",
      },
    });
    assertMatch(proxied.headers.get("set-cookie") ?? "", /Secure/);
  });
});

Deno.test("a wrong name and a wrong password get the same 401; after 5 failures logins answer 429, audited once", async () => {
  await withUsers(async ({ lab, request }) => {
    const messageOf = async (response: Response) =>
      /<div class="notice bad"[^>]*>([^<]*)</.exec(await response.text())?.[1];
    const noUser = await request("/login", login({ username: "nobody", password: PASSWORD }));
    assertEquals(noUser.status, 401);
    const unknownMessage = await messageOf(noUser);
    assert(unknownMessage, "the page says why");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await request("/login", login({ username: "ben", password: "wrong-guess" }));
      assertEquals(wrong.status, 401, `attempt ${attempt}`);
      assertEquals(await messageOf(wrong), unknownMessage);
    }
    const slowed = await request("/login", login({ username: "ben", password: PASSWORD }));
    assertEquals(slowed.status, 429, "even the right password waits");
    assert(Number(slowed.headers.get("retry-after")) > 0, "Retry-After says how long");
    await slowed.body?.cancel();
    const again = await request("/login", login({ username: "ben", password: "wrong-guess" }));
    assertEquals(again.status, 429);
    await again.body?.cancel();
    const lockouts = (await lab.listAudit({ action: "user.locked-out" })).items;
    assertEquals(lockouts.length, 1);
    assertEquals(lockouts[0].target.type, "user");
    const amy = await request("/login", login({ username: "amy", password: PASSWORD }));
    assertEquals(amy.status, 303, "other users are not slowed");
  });
});

Deno.test("a disabled user's token and session answer 401; a new password ends the sessions", async () => {
  await withUsers(async ({ lab, request, signIn, token }) => {
    const amyToken = await token("amy");
    const ok = await request("/api/v1/status", {
      headers: { authorization: `Bearer ${amyToken}` },
    });
    assertEquals(ok.status, 200);
    await ok.body?.cancel();

    const first = await signIn("amy");
    await lab.setPassword("amy", "a brand new password");
    const afterPasswd = await request("/api/v1/status", { headers: { cookie: first.cookie } });
    assertEquals(afterPasswd.status, 401);
    await afterPasswd.body?.cancel();
    const page = await request("/experiments", { headers: { cookie: first.cookie } });
    assertEquals(page.status, 303, "a page goes back to the login");
    assertMatch(page.headers.get("location") ?? "", /^\/login/);

    const second = await signIn("amy", "a brand new password");
    await lab.disableUser("amy", { reason: "Left the course" });
    const attempts: Array<Record<string, string>> = [
      { authorization: `Bearer ${amyToken}` },
      { cookie: second.cookie },
    ];
    for (const headers of attempts) {
      const refused = await request("/api/v1/status", { headers });
      assertEquals(refused.status, 401, JSON.stringify(Object.keys(headers)));
      assertEquals((await refused.json()).error.kind, "unauthorized");
    }
    const again = await request(
      "/login",
      login({ username: "amy", password: "a brand new password" }),
    );
    assertEquals(again.status, 401);
    await again.body?.cancel();
  });
});

Deno.test("another student's records answer 404, byte for byte a missing id's answer", async () => {
  await withUsers(async ({ lab, request, signIn, token }) => {
    const amy = lab.as({ actor: "amy", role: "student", auth: "token" });
    const experiment = await amy.createExperiment({ title: "Amy's secret" });
    const run = await amy.run({
      module: "kinetics.arrhenius",
      input: { temperaturesK: [650, 700], rateConstants: [1.66, 7.39] },
      experimentId: experiment.id,
    });
    const ben = { authorization: `Bearer ${await token("ben")}` };
    const missing = {
      experiment: "exp_01JZZZZZZZZZZZZZZZZZZZZZZZ",
      job: "job_01JZZZZZZZZZZZZZZZZZZZZZZZ",
      dataset: "ds_01JZZZZZZZZZZZZZZZZZZZZZZZ",
    };
    const cases: Array<[string, string, string]> = [
      ["/api/v1/experiments/", experiment.id, missing.experiment],
      ["/api/v1/jobs/", run.job.id, missing.job],
      ["/api/v1/datasets/", run.dataset!.id, missing.dataset],
    ];
    for (const [base, hidden, absent] of cases) {
      const other = await request(`${base}${hidden}`, { headers: ben });
      const none = await request(`${base}${absent}`, { headers: ben });
      assertEquals([other.status, none.status], [404, 404], base);
      assertEquals(
        (await other.text()).replaceAll(hidden, "ID"),
        (await none.text()).replaceAll(absent, "ID"),
      );
    }
    const move = await request(
      `/api/v1/experiments/${experiment.id}/transition`,
      json({ to: "running", reason: "Mine now" }, ben),
    );
    assertEquals(move.status, 404);
    await move.body?.cancel();
    const runInIt = await request(
      "/api/v1/runs",
      json({
        module: "kinetics.arrhenius",
        input: { temperaturesK: [650, 700], rateConstants: [1.66, 7.39] },
        experimentId: experiment.id,
      }, ben),
    );
    assertEquals(runInIt.status, 404);
    await runInIt.body?.cancel();

    const { cookie } = await signIn("ben");
    const pageOther = await request(`/experiments/${experiment.id}`, { headers: { cookie } });
    const pageNone = await request(`/experiments/${missing.experiment}`, { headers: { cookie } });
    assertEquals([pageOther.status, pageNone.status], [404, 404]);
    assertEquals(
      (await pageOther.text()).replaceAll(experiment.id, "ID").replace(/dur=[\d.]+/, ""),
      (await pageNone.text()).replaceAll(missing.experiment, "ID").replace(/dur=[\d.]+/, ""),
    );

    for (const path of ["/api/v1/experiments", "/api/v1/jobs", "/api/v1/datasets"]) {
      const list = await (await request(path, { headers: ben })).json();
      assertEquals(list.items, [], `${path} lists nothing of Amy's`);
    }
    const status = await (await request("/api/v1/status", { headers: ben })).json();
    const { experiments, datasets, jobs } = status.counts;
    assertEquals({ experiments, datasets, jobs }, { experiments: 0, datasets: 0, jobs: 0 });
    const audit = await (await request("/api/v1/audit?limit=1000", { headers: ben })).json();
    const seen = JSON.stringify(audit);
    for (const id of [experiment.id, run.job.id, run.dataset!.id]) {
      assert(!seen.includes(id), `Ben's audit view does not show ${id}`);
    }
    assert(audit.items.every((event: AuditEvent) => event.actor !== "amy"));
    // Amy's pages are cached first: Ben must still get his own.
    const amyCookie = (await signIn("amy")).cookie;
    for (const path of ["/experiments", "/"]) {
      const amyPage = await (await request(path, { headers: { cookie: amyCookie } })).text();
      assertStringIncludes(amyPage, path === "/" ? "Signed in as <strong>amy" : "Amy&#39;s secret");
      const benPage = await (await request(path, { headers: { cookie } })).text();
      assert(!benPage.includes("Amy&#39;s secret"), `${path}: Ben does not see Amy's title`);
      assertStringIncludes(benPage, "Signed in as <strong>ben");
    }

    const ivy = { authorization: `Bearer ${await token("ivy")}` };
    const staff = await request(`/api/v1/experiments/${experiment.id}`, { headers: ivy });
    assertEquals(staff.status, 200, "an instructor sees every experiment");
    await staff.body?.cancel();
  });
});

Deno.test("the owner shares an experiment: the other student then sees it; a non-owner student may not share", async () => {
  await withUsers(async ({ lab, request, token }) => {
    const amy = { authorization: `Bearer ${await token("amy")}` };
    const ben = { authorization: `Bearer ${await token("ben")}` };
    const experiment = await (await request("/api/v1/experiments", json({ title: "Pair" }, amy)))
      .json();
    const before = await request(`/api/v1/experiments/${experiment.id}`, { headers: ben });
    assertEquals(before.status, 404);
    await before.body?.cancel();
    const shared = await request(
      `/api/v1/experiments/${experiment.id}/share`,
      json({ with: ["ben"], reason: "Lab partner" }, amy),
    );
    assertEquals(shared.status, 200, await shared.clone().text());
    assertEquals((await shared.json()).sharedWith, ["ben"]);
    const event = await lastEvent(lab, "experiment.shared");
    assertEquals([event.actor, event.details.auth, event.reason], ["amy", "token", "Lab partner"]);
    const after = await request(`/api/v1/experiments/${experiment.id}`, { headers: ben });
    assertEquals(after.status, 200);
    await after.body?.cancel();
    const reshare = await request(
      `/api/v1/experiments/${experiment.id}/share`,
      json({ with: ["ivy"] }, ben),
    );
    assertEquals(reshare.status, 403);
    assertEquals((await reshare.json()).error.kind, "forbidden");
    const unknown = await request(
      `/api/v1/experiments/${experiment.id}/share`,
      json({ with: ["zed"] }, amy),
    );
    assertEquals(unknown.status, 400);
    assertStringIncludes((await unknown.json()).error.message, '"zed": there is no such user');
  });
});

Deno.test("with no users, single-token mode is unchanged and acts as the start-up actor", async () => {
  const dir = await Deno.makeTempDir({ prefix: "labos-auth-" });
  try {
    const lab = openLab({ dataDir: dir, actor: "tester" });
    await lab.init();
    const app = createApp({ lab, token: TOKEN, port: PORT });
    const headers = {
      host: `127.0.0.1:${PORT}`,
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    };
    const created = await app.request(`${ORIGIN}/api/v1/experiments`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "Solo", actor: "mallory" }),
    });
    assertEquals(created.status, 201);
    await created.body?.cancel();
    const event = await lastEvent(lab, "experiment.created");
    assertEquals([event.actor, event.details.auth], ["tester", "token"]);
    const page = await (await app.request(`${ORIGIN}/`, { headers })).text();
    assert(!page.includes("Signed in as"), "no user, no sign-in header");
    const loginPage = await app.request(`${ORIGIN}/login`, { headers });
    assertEquals(loginPage.status, 303, "the login page leads back to the dashboard");
    await loginPage.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("only an instructor or an admin assigns labs; a student's page offers no assigning", async () => {
  await withUsers(async ({ lab, request, signIn, token }) => {
    const [template] = await lab.listTemplates();
    const amy = { authorization: `Bearer ${await token("amy")}` };
    const refused = await request(
      `/api/v1/templates/${template.template.key}/assign`,
      json({ to: ["ben"] }, amy),
    );
    assertEquals(refused.status, 403);
    const body = await refused.json();
    assertEquals(body.error.kind, "forbidden");
    assertStringIncludes(body.error.message, "Only an instructor or an admin may assign labs");
    const { cookie } = await signIn("amy");
    const page = await (await request("/templates", { headers: { cookie } })).text();
    assert(!page.includes("Assign to students"), "a student is not offered assigning");
    const form = await request("/templates/assign", { headers: { cookie } });
    assertEquals(form.status, 403, "a student does not get the assigning form");
    assertStringIncludes(await form.text(), "Only an instructor or an admin may assign labs");

    const ivy = { authorization: `Bearer ${await token("ivy")}` };
    const made = await request(
      `/api/v1/templates/${template.template.key}/assign`,
      json({ to: ["amy", "ben"] }, ivy),
    );
    assertEquals(made.status, 201, await made.clone().text());
    const owners = (await made.json()).map((experiment: { owner: string }) => experiment.owner);
    assertEquals(owners, ["amy", "ben"]);
    const mine = await (await request("/api/v1/experiments", { headers: amy })).json();
    assertEquals(mine.items.map((e: { owner: string }) => e.owner), ["amy"]);
  });
});
