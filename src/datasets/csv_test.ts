import fc from "fast-check";
import { LabosError } from "../errors.ts";
import { assert, assertEquals, assertMatch } from "../../test/_assert.ts";
import { CSV_DELIMITERS, CsvCellLimitError, parseCsv, type ParsedTable } from "./csv.ts";
import { csvLineOf, decimalCommaHint } from "../records/mod.ts";

/** The rows of a parsed table as objects keyed by column name, for readable assertions. */
function rowsOf(table: ParsedTable): Array<Record<string, unknown>> {
  return Array.from(
    { length: table.rowCount },
    (_, row) =>
      Object.fromEntries(table.columns.map((column, i) => [column.name, table.values[i][row]])),
  );
}

function throwsInvalid(fn: () => unknown, expected: string | RegExp): LabosError {
  try {
    fn();
  } catch (error) {
    assert(error instanceof LabosError, `Expected a LabosError, got ${error}`);
    assertEquals(error.kind, "invalid");
    if (typeof expected === "string") assertEquals(error.message, expected);
    else assertMatch(error.message, expected);
    return error;
  }
  throw new Error("Expected parseCsv to throw");
}

/** Writes a table as RFC 4180 CSV, quoting only where needed. */
function toCsv(header: string[], rows: string[][], delimiter: string): string {
  const cell = (value: string) => {
    const needsQuotes = value.includes(delimiter) || /["\r\n]/.test(value) ||
      // A lone empty cell would make a blank line, which the parser skips.
      (header.length === 1 && value.trim() === "");
    return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
  };
  return [header, ...rows].map((row) => row.map(cell).join(delimiter)).join("\n") + "\n";
}

Deno.test("parseCsv reads a simple table with inferred types", () => {
  const table = parseCsv("time_s,absorbance,ok,label\n0,1.25,true,a\n60,1.102,FALSE,b\n");
  assertEquals(table.delimiter, ",");
  assertEquals(table.rowCount, 2);
  assertEquals(table.columns, [
    { name: "time_s", type: "integer" },
    { name: "absorbance", type: "number" },
    { name: "ok", type: "boolean" },
    { name: "label", type: "string" },
  ]);
  assertEquals(rowsOf(table), [
    { time_s: 0, absorbance: 1.25, ok: true, label: "a" },
    { time_s: 60, absorbance: 1.102, ok: false, label: "b" },
  ]);
});

Deno.test("parseCsv trims header names and keeps string cells as written", () => {
  const table = parseCsv(" a , b\n x ,1\n");
  assertEquals(table.columns.map((c) => c.name), ["a", "b"]);
  assertEquals(rowsOf(table), [{ a: " x ", b: 1 }]);
});

Deno.test("parseCsv strips a UTF-8 byte order mark", () => {
  const table = parseCsv("\uFEFFa,b\n1,2\n");
  assertEquals(table.columns[0].name, "a");
});

Deno.test("parseCsv handles quoted fields with delimiters, quotes and line breaks", () => {
  const table = parseCsv('id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,""\n');
  assertEquals(rowsOf(table).map((r) => r.note), ["a, b", 'say "hi"', "two\nlines", null]);
});

Deno.test("parseCsv accepts CRLF, LF and CR line breaks and blank lines", () => {
  const expected = [{ a: 1, b: 2 }, { a: 3, b: 4 }];
  assertEquals(rowsOf(parseCsv("a,b\r\n1,2\r\n3,4\r\n\r\n\r\n")), expected);
  assertEquals(rowsOf(parseCsv("a,b\n1,2\n3,4")), expected);
  assertEquals(rowsOf(parseCsv("a,b\r1,2\r3,4\r")), expected);
  assertEquals(rowsOf(parseCsv("\n\na,b\n\n1,2\n   \n3,4\n\n")), expected);
  assertEquals(rowsOf(parseCsv('a,b\r\n1,"x\r\ny"\r\n')), [{ a: 1, b: "x\ny" }]);
});

Deno.test("parseCsv detects , ; tab and | delimiters", () => {
  for (const delimiter of CSV_DELIMITERS) {
    const text = ["x", "y", "z"].join(delimiter) + "\n" + ["1", "2.5", "a"].join(delimiter) + "\n";
    const table = parseCsv(text);
    assertEquals(table.delimiter, delimiter);
    assertEquals(rowsOf(table), [{ x: 1, y: 2.5, z: "a" }]);
  }
});

Deno.test("parseCsv picks the delimiter that splits rows consistently", () => {
  // Commas appear in every row but in varying numbers; semicolons split evenly.
  const table = parseCsv("name;note\na;x, y\nb;z\n");
  assertEquals(table.delimiter, ";");
  assertEquals(rowsOf(table), [{ name: "a", note: "x, y" }, { name: "b", note: "z" }]);
});

Deno.test("parseCsv reads semicolon files with decimal commas", () => {
  const text = "time_s;absorbance\n0;1,250\n60;1,102\n120;0,973\n";
  const table = parseCsv(text, { decimalComma: true });
  assertEquals(table.delimiter, ";");
  assertEquals(table.columns.map((c) => c.type), ["integer", "number"]);
  assertEquals(rowsOf(table).map((r) => r.absorbance), [1.25, 1.102, 0.973]);
  // A one-column decimal-comma file is not split on its commas.
  assertEquals(rowsOf(parseCsv("A\n1,5\n2,5\n", { decimalComma: true })), [{ A: 1.5 }, { A: 2.5 }]);
  // Without decimalComma the same cells are text.
  assertEquals(parseCsv(text).columns[1].type, "string");
});

Deno.test("parseCsv with decimal commas allows a comma delimiter when fields are quoted", () => {
  const table = parseCsv('"t","A"\n"0","1,5"\n"1","2,25"\n', { decimalComma: true });
  assertEquals(table.delimiter, ",");
  assertEquals(rowsOf(table), [{ t: 0, A: 1.5 }, { t: 1, A: 2.25 }]);
});

Deno.test("parseCsv with decimal commas does not take dots as decimal points", () => {
  assertEquals(parseCsv("a;b\n1.5;1\n", { decimalComma: true }).columns[0].type, "string");
  assertEquals(rowsOf(parseCsv("a;b\n1,5e-3;1\n", { decimalComma: true }))[0].a, 0.0015);
});

Deno.test("parseCsv uses a given delimiter and an Excel sep= line", () => {
  assertEquals(rowsOf(parseCsv("a:b\n1:2\n", { delimiter: ":" })), [{ a: 1, b: 2 }]);
  const hinted = parseCsv("sep=;\na;b\n1,5;2\n", { decimalComma: true });
  assertEquals(hinted.delimiter, ";");
  assertEquals(rowsOf(hinted), [{ a: 1.5, b: 2 }]);
});

Deno.test("parseCsv rejects a bad delimiter option", () => {
  for (const delimiter of ["", ";;", '"', "\n"]) {
    throwsInvalid(
      () => parseCsv("a\n1\n", { delimiter }),
      /^CSV delimiter must be one character other than a quote or line break, got /,
    );
  }
});

Deno.test("parseCsv infers number, integer, boolean, date and string columns", () => {
  const text = [
    "n,i,b,d,s,e",
    "1.5,1,true,2024-03-01,x,",
    "-2e-3,-7,False,2024-03-01T12:30:00Z,1,",
    ",+3,,2024-03-01T12:30:00.123+02:00,,",
    ".5,0,TRUE,2024-02-29 08:00,true,",
  ].join("\n");
  const table = parseCsv(text);
  assertEquals(table.columns.map((c) => c.type), [
    "number",
    "integer",
    "boolean",
    "date",
    "string",
    "string",
  ]);
  assertEquals(rowsOf(table)[1], {
    n: -0.002,
    i: -7,
    b: false,
    d: "2024-03-01T12:30:00Z",
    s: "1",
    e: null,
  });
  assertEquals(rowsOf(table)[2].n, null);
  assertEquals(rowsOf(table)[2].i, 3);
  assertEquals(rowsOf(table)[3].n, 0.5);
});

Deno.test("parseCsv keeps values that only look numeric as strings", () => {
  const typeOf = (cells: string[]) =>
    parseCsv(["c", ...cells].join("\n") + "\n", { delimiter: "," }).columns[0].type;
  assertEquals(typeOf(["007", "010"]), "string");
  assertEquals(typeOf(["1", "NaN"]), "string");
  assertEquals(typeOf(["1", "Infinity"]), "string");
  assertEquals(typeOf(["1e400"]), "string");
  assertEquals(typeOf(["0x10"]), "string");
  assertEquals(typeOf(["1 000"]), "string");
  assertEquals(typeOf(["2023-02-29"]), "string");
  assertEquals(typeOf(["2024-13-01"]), "string");
  assertEquals(typeOf(["2024-01-01T25:00"]), "string");
  assertEquals(typeOf(["0", "0.0", "-0"]), "number");
  assertEquals(typeOf(["9007199254740993"]), "number");
});

Deno.test("parseCsv normalises negative zero", () => {
  assert(Object.is(rowsOf(parseCsv("a\n-0\n"))[0].a, 0));
});

Deno.test("parseCsv attaches units and rejects units for unknown columns", () => {
  const table = parseCsv("time_s,A\n0,1\n", { units: { time_s: "s" } });
  assertEquals(table.columns, [{ name: "time_s", type: "integer", unit: "s" }, {
    name: "A",
    type: "integer",
  }]);
  throwsInvalid(
    () => parseCsv("time_s,A\n0,1\n", { units: { time: "s" } }),
    'Unit given for unknown column "time": the columns are "time_s", "A"',
  );
  throwsInvalid(
    () => parseCsv("time_s,A\n0,1\n", { units: { A: " " } }),
    'Unit for column "A" must be a non-empty string, got " "',
  );
});

Deno.test("parseCsv takes a unit written at the end of a header", () => {
  const table = parseCsv(
    "time (min),conc [mM], T (°C) ,Absorbance (590 nm),rate (mol/(L.s))\n0,1,2,3,4\n",
  );
  assertEquals(table.columns, [
    { name: "time", type: "integer", unit: "min", header: "time (min)" },
    { name: "conc", type: "integer", unit: "mM", header: "conc [mM]" },
    { name: "T", type: "integer", unit: "°C", header: "T (°C)" },
    { name: "Absorbance (590 nm)", type: "integer" },
    { name: "rate", type: "integer", unit: "mol/(L.s)", header: "rate (mol/(L.s))" },
  ]);
  assertEquals(rowsOf(table), [{ time: 0, conc: 1, T: 2, "Absorbance (590 nm)": 3, rate: 4 }]);
});

Deno.test("parseCsv keeps headers without a trailing unit as written", () => {
  const headers = ["(min)", "x ()", "A (0.5 M)", "B [-1]", "c [.5]", "d (a) e", "f (g]", "h)"];
  const table = parseCsv(`${headers.join(",")}\n${headers.map(() => "1").join(",")}\n`);
  assertEquals(table.columns.map((column) => column.name), headers);
  assert(table.columns.every((column) => column.unit === undefined && !("header" in column)));
});

Deno.test("parseCsv matches units by name or by header, and they replace the header's", () => {
  const byName = parseCsv("time (min),conc [mM]\n0,1\n", { units: { time: "s" } });
  assertEquals(byName.columns[0], {
    name: "time",
    type: "integer",
    unit: "s",
    header: "time (min)",
  });
  assertEquals(byName.columns[1].unit, "mM");
  const byHeader = parseCsv("time (min),conc [mM]\n0,1\n", { units: { "conc [mM]": "M" } });
  assertEquals(byHeader.columns[1], {
    name: "conc",
    type: "integer",
    unit: "M",
    header: "conc [mM]",
  });
});

Deno.test("parseCsv refuses two columns with one name once units are split off", () => {
  throwsInvalid(
    () => parseCsv("time (s),time [min]\n0,1\n"),
    'Cannot parse CSV: line 1: column 2 "time [min]" repeats the name "time" of column 1 "time (s)"',
  );
  throwsInvalid(
    () => parseCsv("time,time (s)\n0,1\n"),
    'Cannot parse CSV: line 1: column 2 "time (s)" repeats the name "time" of column 1',
  );
});

Deno.test("parseCsv reports an unterminated quote at its line and column", () => {
  throwsInvalid(
    () => parseCsv('a,b,c\n1,2,3\n4,5,6\nabc,def,"ghi\n7,8,9\n'),
    "Cannot parse CSV: line 4, column 9: unterminated quoted field",
  );
  throwsInvalid(
    () => parseCsv('"'),
    "Cannot parse CSV: line 1, column 1: unterminated quoted field",
  );
});

Deno.test("parseCsv counts lines inside multi-line quoted fields", () => {
  throwsInvalid(
    () => parseCsv('a,b\n1,"x\ny\nz"\n2,3\n4,5,6\n'),
    "Cannot parse CSV: line 6: expected 2 fields, found 3",
  );
  throwsInvalid(
    () => parseCsv('a,b\r\n1,"x\r\ny"\r\n2,"µ😀\r\n3,4\r\n'),
    "Cannot parse CSV: line 4, column 3: unterminated quoted field",
  );
  // Columns count characters, so an emoji is one.
  throwsInvalid(
    () => parseCsv('a,b\n😀x,"y"z\n'),
    'Cannot parse CSV: line 2, column 7: a quoted field must end at a delimiter or line break, found "z" after its closing quote',
  );
});

Deno.test("parseCsv reports rows with the wrong number of fields", () => {
  throwsInvalid(
    () => parseCsv("a,b,c\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3,4\n"),
    "Cannot parse CSV: line 7: expected 3 fields, found 4",
  );
  throwsInvalid(
    () => parseCsv("a,b,c\n1,2\n"),
    "Cannot parse CSV: line 2: expected 3 fields, found 2",
  );
});

Deno.test("parseCsv reports text after a closing quote", () => {
  throwsInvalid(
    () => parseCsv('a,b\n1,"ab" c\n'),
    'Cannot parse CSV: line 2, column 8: a quoted field must end at a delimiter or line break, found "c" after its closing quote',
  );
  throwsInvalid(
    () => parseCsv('a,b\n1,"a""b"c\n'),
    /^Cannot parse CSV: line 2, column 9: a quoted field must end/,
  );
});

Deno.test("parseCsv rejects empty files and files without data rows", () => {
  for (const text of ["", "\uFEFF", "\n\n  \n", "\r\n"]) {
    throwsInvalid(() => parseCsv(text), "Cannot parse CSV: line 1: the file is empty");
  }
  throwsInvalid(
    () => parseCsv("a,b\n"),
    "Cannot parse CSV: line 1: the header has no data rows after it",
  );
  throwsInvalid(
    () => parseCsv("\n\na,b\n\n"),
    "Cannot parse CSV: line 3: the header has no data rows after it",
  );
});

Deno.test("parseCsv rejects empty and duplicate header names", () => {
  throwsInvalid(
    () => parseCsv("a, ,c\n1,2,3\n"),
    "Cannot parse CSV: line 1: column 2 has an empty name",
  );
  throwsInvalid(
    () => parseCsv("\ntime,A,time \n1,2,3\n"),
    'Cannot parse CSV: line 2: column 3 repeats the name "time" of column 1',
  );
});

Deno.test("parseCsv enforces the row and column limits", () => {
  throwsInvalid(
    () => parseCsv("a\n1\n2\n3\n", { maxRows: 2 }),
    "Cannot parse CSV: line 4: too many data rows; the limit is 2",
  );
  assertEquals(parseCsv("a\n1\n2\n", { maxRows: 2 }).rowCount, 2);
  throwsInvalid(
    () => parseCsv("a,b,c\n1,2,3\n", { maxColumns: 2 }),
    "Cannot parse CSV: line 1: the header has 3 columns; the limit is 2",
  );
  const wide = Array.from({ length: 1001 }, (_, i) => `c${i}`).join(",");
  throwsInvalid(
    () => parseCsv(`${wide}\n${wide}\n`),
    /the header has 1001 columns; the limit is 1000$/,
  );
  throwsInvalid(
    () => parseCsv("a\n1\n", { maxRows: 0 }),
    "CSV option maxRows must be a positive integer, got 0",
  );
});

Deno.test("parseCsv stops at the cell limit with the line and the table's width", () => {
  assertEquals(parseCsv("a,b\n1,2\n3,4\n", { maxCells: 4 }).rowCount, 2);
  const error = throwsInvalid(
    () => parseCsv("a,b\n1,2\n3,4\n5,6\n", { maxCells: 4 }),
    "Cannot parse CSV: line 4: the table has more than 4 cells; the limit is 4",
  );
  assert(error instanceof CsvCellLimitError);
  const { limit, columns, where } = error as CsvCellLimitError;
  assertEquals([limit, columns, where], [4, 2, "line 4"]);
});

Deno.test("parseCsv returns one array per column, blanks as null, sized to the rows", () => {
  const table = parseCsv('a,b\n1,\n\n,"x\ny"\n');
  assertEquals(table.rowCount, 2);
  assertEquals(table.values, [[1, null], [null, "x\ny"]]);
  assert(table.values.every((column) => column.length === 2));
});

Deno.test("parseCsv keeps __proto__ and other awkward column names as names, never as keys", () => {
  const table = parseCsv("__proto__,constructor\n1,2\n");
  assertEquals(table.columns.map((column) => column.name), ["__proto__", "constructor"]);
  assertEquals(table.values, [[1], [2]]);
});

function leastSquaresSlope(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
  });
  return sxy / sxx;
}

Deno.test("parseCsv reads the demo fixtures", async () => {
  const kinetics = parseCsv(
    await Deno.readTextFile(
      new URL("../../assets/demo/kinetics_crystal_violet.csv", import.meta.url),
    ),
  );
  assertEquals(kinetics.columns.map((c) => [c.name, c.type]), [
    ["time_s", "integer"],
    ["absorbance_590nm", "number"],
    ["concentration_M", "number"],
  ]);
  assertEquals(kinetics.rowCount, 41);
  // First-order decay: ln[CV+] falls linearly with slope -k, k = 0.0021 s⁻¹ (see the README).
  const t = rowsOf(kinetics).map((r) => r.time_s as number);
  const lnC = rowsOf(kinetics).map((r) => Math.log(r.concentration_M as number));
  const slope = leastSquaresSlope(t, lnC);
  assert(Math.abs(slope + 0.0021) < 0.00005, `slope ${slope}`);
  const calibration = parseCsv(
    await Deno.readTextFile(
      new URL("../../assets/demo/calibration_standards.csv", import.meta.url),
    ),
  );
  assertEquals(calibration.columns.map((c) => c.type), ["number", "number"]);
  assertEquals(calibration.rowCount, 8);
  const epsilon = leastSquaresSlope(
    rowsOf(calibration).map((r) => r.concentration_M as number),
    rowsOf(calibration).map((r) => r.absorbance_590nm as number),
  );
  assert(Math.abs(epsilon - 87_000) < 1_000, `slope ${epsilon}`);
});

const headerName = fc.string({ unit: "binary", minLength: 1, maxLength: 8 })
  .map((s) => s.replace(/\r\n/g, "\n"))
  .filter((s) => s.trim() !== "" && !/^sep=.$/.test(s));
const cellText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", " ", ",", ";", "\t", "|", '"', '""', "\n", "\r\n", "a,b", 'x"y', "µ😀"),
);

Deno.test("property: any table of text cells survives a CSV round trip", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(headerName, { minLength: 1, maxLength: 6, selector: (s) => s.trim() }),
      fc.array(fc.array(cellText, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(...CSV_DELIMITERS),
      (header, grid, delimiter) => {
        // A final row of plain words keeps every column a string column.
        const rows = [...grid, Array(6).fill("text")].map((row) => row.slice(0, header.length));
        const table = parseCsv(toCsv(header, rows, delimiter), { delimiter });
        assertEquals(table.columns.map((c) => c.name), header.map((h) => h.trim()));
        assert(table.columns.every((c) => c.type === "string"));
        assertEquals(table.rowCount, rows.length);
        const cells = rowsOf(table).map((row) => table.columns.map((c) => row[c.name]));
        const expected = rows.map((row) =>
          row.map((cell) => cell.trim() === "" ? null : cell.replace(/\r\n/g, "\n"))
        );
        assertEquals(cells, expected);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: numbers survive a round trip, with or without decimal commas", () => {
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -1e6, max: 1e6 }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 10 }),
      fc.boolean(),
      (grid, decimalComma) => {
        const delimiter = decimalComma ? ";" : ",";
        const write = (n: number) => decimalComma ? String(n).replace(".", ",") : String(n);
        const text = toCsv(["x", "y", "z"], grid.map((row) => row.map(write)), delimiter);
        const table = parseCsv(text, { decimalComma });
        assertEquals(table.delimiter, delimiter);
        assertEquals(
          rowsOf(table).map((r) => [r.x, r.y, r.z]),
          grid.map((row) => row.map((n) => n + 0)),
        );
        table.columns.forEach((column, i) => {
          const integers = grid.every((row) => Number.isSafeInteger(row[i]));
          assertEquals(column.type, integers ? "integer" : "number");
        });
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: the delimiter is detected in tables of plain cells", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.array(fc.array(fc.stringMatching(/^[a-z0-9 .]{0,6}$/), { minLength: 6, maxLength: 6 }), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.constantFrom(...CSV_DELIMITERS),
      (columns, grid, delimiter) => {
        const header = Array.from({ length: columns }, (_, i) => `c${i}`);
        const rows = grid.map((row) => row.slice(0, columns));
        const table = parseCsv(toCsv(header, rows, delimiter));
        assertEquals(table.delimiter, delimiter);
        assertEquals(table.columns.length, columns);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: a row with an extra field is reported at its own line", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(cellText, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }),
      fc.nat(),
      (grid, at) => {
        const text = toCsv(["a", "b"], grid, ",");
        // The bad row goes before record `bad`; quoted line breaks in earlier cells push it down.
        const bad = at % (grid.length + 1);
        const before = toCsv(["a", "b"], grid.slice(0, bad), ",");
        const line = before.split("\n").length;
        const broken = before + "1,2,3\n" + text.slice(before.length);
        throwsInvalid(
          () => parseCsv(broken, { delimiter: "," }),
          `Cannot parse CSV: line ${line}: expected 2 fields, found 3`,
        );
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: arbitrary text never throws anything but LabosError", () => {
  const csvish = fc.string({
    unit: fc.constantFrom(
      "a",
      "1",
      "0",
      ".",
      ",",
      ";",
      "\t",
      "|",
      '"',
      "\n",
      "\r",
      " ",
      "e",
      "-",
      "😀",
      "\uFEFF",
      "sep=",
      "true",
      "2024-01-01",
      "T12:00",
    ),
    maxLength: 300,
    size: "large",
  });
  const start = performance.now();
  fc.assert(
    fc.property(
      fc.oneof(csvish, fc.string({ unit: "binary", maxLength: 80 })),
      fc.record({
        decimalComma: fc.boolean(),
        delimiter: fc.constantFrom(",", ";", "\t", "|", "x"),
        maxRows: fc.integer({ min: 1, max: 5 }),
      }, { requiredKeys: [] }),
      (text, options) => {
        try {
          const table = parseCsv(text, options);
          assertEquals(table.rowCount, rowsOf(table).length);
          assert(table.rowCount > 0);
          for (const row of rowsOf(table)) {
            assertEquals(Object.keys(row).sort(), table.columns.map((c) => c.name).sort());
          }
        } catch (error) {
          if (!(error instanceof LabosError)) throw error;
          assertEquals(error.kind, "invalid");
          assertMatch(error.message, /^(Cannot parse CSV: line \d+(, column \d+)?: \S|CSV )/);
        }
      },
    ),
    { numRuns: 1500 },
  );
  assert(performance.now() - start < 20_000, "Parsing random text took too long");
});

Deno.test("parseCsv parses 100,000 rows in reasonable time", () => {
  const lines = ["t,a,label"];
  for (let i = 0; i < 100_000; i++) lines.push(`${i},${(i / 1000).toFixed(3)},s${i % 7}`);
  const start = performance.now();
  const table = parseCsv(lines.join("\n"));
  assertEquals(table.rowCount, 100_000);
  assert(performance.now() - start < 5_000);
});

Deno.test("parseCsv: lineJumps place every row on its file line past blank lines, sep= and quoted breaks", () => {
  const cases: Array<[string, number[]]> = [
    ["t,c\n0,1\n1,2\n", [2, 3]],
    ["t,c\n0,1\n\n\n1,2\n", [2, 5]],
    ["sep=;\nt;c\n0;1\n1;2\n", [3, 4]],
    ["\n\nt,c\n0,1\n1,2\n", [4, 5]],
    ['t,c\n0,"a\nb"\n1,2\n', [2, 4]],
    ["t,c\r\n0,1\r\n\r\n1,2\r\n", [2, 4]],
  ];
  for (const [text, lines] of cases) {
    const table = parseCsv(text);
    assertEquals(lines.map((_, row) => csvLineOf(table, row)), lines, JSON.stringify(text));
  }
  assertEquals(parseCsv("t,c\n0,1\n").lineJumps, undefined);
});

Deno.test("decimalCommaHint: a ;-separated file of 1,23 cells read without --decimal-comma is hinted", () => {
  assertEquals(
    decimalCommaHint(parseCsv("t;A\n0;1,23\n1;\n2;0,98\n")),
    'the cells look like decimal commas ("1,23"); use --decimal-comma',
  );
  assertEquals(decimalCommaHint(parseCsv("t;A\n0;1,23\n", { decimalComma: true })), undefined);
  assertEquals(decimalCommaHint(parseCsv('t,A\n0,"1,23"\n')), undefined);
  assertEquals(decimalCommaHint(parseCsv("t;name\n0;1,23\n1;water\n")), undefined);
});
