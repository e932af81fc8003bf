import { assert, assertEquals } from "../../test/_assert.ts";
import { escapeXml, fitText, num, svgDocument, textElement, textWidth } from "./_svg.ts";

Deno.test("escapeXml escapes markup characters and quotes", () => {
  assertEquals(
    escapeXml(`<script>alert("x" & 'y')</script>`),
    "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;",
  );
});

Deno.test("escapeXml replaces characters XML forbids and flattens line breaks", () => {
  assertEquals(escapeXml("a\u0000b\u001Fc"), "a\uFFFDb\uFFFDc");
  assertEquals(escapeXml("a\nb\r\nc\td"), "a b  c d");
  assertEquals(escapeXml("x\uD800y"), "x\uFFFDy");
  assertEquals(escapeXml("😀 µ Å"), "😀 µ Å");
});

Deno.test("num rounds to two decimals and never prints -0", () => {
  assertEquals(num(1.23456), "1.23");
  assertEquals(num(-0.001), "0");
  assertEquals(num(100), "100");
  assertEquals(num(-2.5), "-2.5");
});

Deno.test("fitText keeps short text and shortens long text within the width", () => {
  assertEquals(fitText("  short\ttext ", { fontSize: 12, width: 200 }), "short text");
  const long = "a".repeat(200);
  const fitted = fitText(long, { fontSize: 12, width: 100 });
  assert(fitted.endsWith("…"));
  assert(textWidth(fitted, 12) <= 100);
  assertEquals(fitText("", { fontSize: 12, width: 100 }), "");
});

Deno.test("textElement escapes its content", () => {
  const text = textElement("<b>", { x: 1, y: 2, size: 12, anchor: "middle", rotate: -90 });
  assertEquals(
    text,
    `<text x="1" y="2" font-size="12" text-anchor="middle" transform="rotate(-90 1 2)">&lt;b&gt;</text>`,
  );
});

Deno.test("svgDocument escapes the title and description", () => {
  const svg = svgDocument([], { width: 10, height: 10, title: "<t>", description: "&" });
  assert(svg.includes("<title>&lt;t&gt;</title>"));
  assert(svg.includes("<desc>&amp;</desc>"));
  assert(svg.includes('role="img"'));
});
