import { assert, assertEquals } from "../../test/_assert.ts";
import { toCsv } from "./_csv.ts";
import { escapeHtml, glossify, html } from "./_views.ts";
import { allowedHosts, csrfToken, isLoopbackHost, safeEqual, sessionValue } from "./_security.ts";

Deno.test("safeEqual compares secrets of any length", () => {
  assert(safeEqual("token-1", "token-1"));
  assert(!safeEqual("token-1", "token-2"));
  assert(!safeEqual("short", "a-much-longer-value"));
  assert(!safeEqual("", "x"));
});

Deno.test("session and CSRF values are derived from the token, never equal to it", () => {
  assert(sessionValue("t1") !== "t1" && sessionValue("t1") !== sessionValue("t2"));
  assert(csrfToken("t1") !== sessionValue("t1"));
  assertEquals(csrfToken("t1"), csrfToken("t1"));
});

Deno.test("loopback hosts and the Host allow-list", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert(isLoopbackHost(host), host);
  }
  for (const host of ["0.0.0.0", "192.168.1.5", "example.org", "::"]) {
    assert(!isLoopbackHost(host), host);
  }
  const hosts = allowedHosts({
    token: "t",
    host: "192.168.1.5",
    port: 8321,
    extraHosts: ["Lab-PC.local"],
  });
  for (
    const host of [
      "localhost:8321",
      "127.0.0.1:8321",
      "[::1]:8321",
      "192.168.1.5:8321",
      "lab-pc.local:8321",
    ]
  ) {
    assert(hosts.has(host), host);
  }
  assert(!hosts.has("192.168.1.5:80") && !hosts.has("evil.example:8321"));
  assert(!allowedHosts({ token: "t", host: "0.0.0.0", port: 1, extraHosts: [] }).has("0.0.0.0:1"));
  assert(allowedHosts({ token: "t", host: "::1", port: 2, extraHosts: [] }).has("[::1]:2"));
});

Deno.test("html escapes interpolated text but not nested html", () => {
  const title = "<script>alert(1)</script>";
  assertEquals(
    String(html`<h1>${title}</h1>${html`<b>ok</b>`}`),
    "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1><b>ok</b>",
  );
  assertEquals(escapeHtml(`"'&`), "&quot;&#39;&amp;");
});

Deno.test("glossify escapes text and explains each term once", () => {
  const out = String(glossify("m/z <b> and m/z again, R² and retention factor", true));
  assert(out.includes("&lt;b&gt;"));
  assertEquals(out.match(/<abbr/g)?.length, 3);
  assertEquals(String(glossify("m/z <b>", false)), "m/z &lt;b&gt;");
  assert(!String(glossify("amz/zz", true)).includes("<abbr"), "only whole words");
});

Deno.test("toCsv quotes what needs quoting", () => {
  assertEquals(
    toCsv({
      columns: [{ name: "a", type: "string" }, { name: "b", type: "number" }],
      rowCount: 3,
      values: [['say "hi", twice', " pad", "x\ny"], [1.5, null, 2]],
      delimiter: ";",
    }),
    'a,b\r\n"say ""hi"", twice",1.5\r\n" pad",\r\n"x\ny",2\r\n',
  );
});
