import fc from "fast-check";
import { assert, assertEquals } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { checkMapSpecs, mapColumns, mapTarget, parseMapSpec } from "./_mapping.ts";

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
// Any column name: it is everything after the first "=", so it may hold "=", "[]" and spaces.
const column = fc.string({ minLength: 1, maxLength: 20 });

Deno.test("parseMapSpec: field=column and field[].name=column round-trip for any column name", () => {
  fc.assert(
    fc.property(
      identifier,
      fc.option(identifier, { nil: undefined }),
      column,
      (field, sub, col) => {
        const entry = `${sub === undefined ? field : `${field}[].${sub}`}=${col}`;
        const spec = parseMapSpec(entry);
        assertEquals(spec.field, field);
        assertEquals(spec.sub, sub);
        assertEquals(spec.column, col);
        assertEquals(`${mapTarget(spec)}=${spec.column}`, entry);
      },
    ),
  );
});

Deno.test("parseMapSpec: anything that is not field=column or field[].name=column is a one-line invalid error", () => {
  const invalid = fc.oneof(
    fc.string().filter((text) => !text.includes("=")),
    fc.tuple(fc.string(), column).map(([left, right]) => `${left}=${right}`).filter((entry) =>
      !/^[A-Za-z_][A-Za-z0-9_]*(\[\]\.[A-Za-z_][A-Za-z0-9_]*)?=/.test(entry)
    ),
    identifier.map((field) => `${field}=`),
    identifier.map((field) => `${field}[]=x`),
  );
  fc.assert(
    fc.property(invalid, (entry) => {
      try {
        parseMapSpec(entry);
      } catch (error) {
        assert(error instanceof LabosError && error.kind === "invalid");
        assert(error.message.startsWith(`Invalid "--map" `), error.message);
        return;
      }
      throw new Error(`accepted ${JSON.stringify(entry)}`);
    }),
  );
});

Deno.test("mapColumns: every kept row is whole, every skipped line is named once, in order", () => {
  const cell = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(cell, cell), { maxLength: 30 }),
      fc.array(fc.tuple(fc.nat(40), fc.nat(3)), { maxLength: 4 }),
      (rows, jumps) => {
        // Jumps as a parser writes them: rows increasing, lines moving forward.
        const lineJumps: Array<[number, number]> = [];
        let line = 2;
        let lastRow = -1;
        for (const [row, gap] of [...jumps].sort((a, b) => a[0] - b[0])) {
          if (row <= lastRow || row >= rows.length) continue;
          line += row - Math.max(lastRow, 0) + gap + 1;
          lineJumps.push([row, line]);
          lastRow = row;
        }
        const table = {
          columns: [{ name: "c", type: "number" as const }, { name: "A", type: "number" as const }],
          rowCount: rows.length,
          values: [rows.map((r) => r[0]), rows.map((r) => r[1])],
          delimiter: ",",
          ...(lineJumps.length > 0 ? { lineJumps } : {}),
        };
        const specs = checkMapSpecs(["s[].c=c", "s[].a=A"].map(parseMapSpec), null);
        const mapped = mapColumns(table, specs, { skipBlankRows: true });
        assertEquals(mapped.rows.length + mapped.skippedLines.length, rows.length);
        for (const value of mapped.cells.values()) assert(value.every((v) => v !== null));
        assertEquals([...mapped.skippedLines].sort((a, b) => a - b), mapped.skippedLines);
        assertEquals(new Set(mapped.skippedLines).size, mapped.skippedLines.length);
      },
    ),
  );
});

Deno.test("checkMapSpecs: inherited names such as __proto__ are unknown fields, not the prototype", () => {
  const schema = {
    type: "object",
    properties: {
      standards: {
        type: "array",
        items: { type: "object", properties: { absorbance: { type: "number" } } },
      },
    },
  };
  for (const entry of ["__proto__=A", "constructor=A", "standards[].__proto__=A"]) {
    try {
      checkMapSpecs([parseMapSpec(entry)], schema);
    } catch (error) {
      assert(error instanceof LabosError && /unknown field/.test(error.message), String(error));
      continue;
    }
    throw new Error(`accepted ${entry}`);
  }
});
