import assert from "node:assert/strict";
import fc from "fast-check";
import { formatIssues, toFieldIssues } from "../../../validation.ts";
import { type PeakInput, peakMetrics, type PeakMetricsOutput } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): PeakMetricsOutput {
  return peakMetrics.run(peakMetrics.input.parse(raw), context) as PeakMetricsOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = peakMetrics.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

function near(actual: number | null, expected: number, tolerance = 1e-12): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `Expected ${actual} to be close to ${expected}`,
  );
}

// Harvey, Analytical Chemistry 2.1 (2016), section 12.2, worked example on resolution: lemon oil,
// limonene tR = 8.36 min, wb = 0.96 min; γ-terpinene tR = 9.54 min, wb = 0.64 min; Rs = 1.48.
Deno.test("Harvey lemon-oil example: limonene and γ-terpinene resolve at 1.48", () => {
  const output = compute({
    peaks: [
      { name: "limonene", retentionTimeMin: 8.36, baseWidthMin: 0.96 },
      { name: "γ-terpinene", retentionTimeMin: 9.54, baseWidthMin: 0.64 },
    ],
  });
  // 2 × 1.18/1.60 = 1.475 exactly, which the book rounds up to 1.48.
  near(output.pairs[0].resolution, 1.475);
  assert.ok(Math.abs(output.pairs[0].resolution - 1.48) <= 0.005 + 1e-12);
  assert.equal(output.pairs[0].widthBasis, "base");
  assert.equal(output.pairs[0].selectivity, null);
  assert.deepEqual(output.peaks.map((peak) => peak.retentionFactor), [null, null]);
});

Deno.test("hand-computed figures with a dead time", () => {
  // t0 = 1.00 min; A at 5.00 min and B at 6.00 min, both 0.50 min wide at the base:
  // k = 4 and 5, α = 5/4, Rs = 2 × 1.00/1.00 = 2, N = 16 × 10² and 16 × 12².
  const output = compute({
    deadTimeMin: 1,
    peaks: [
      { name: "B", retentionTimeMin: 6, baseWidthMin: 0.5 },
      { name: "A", retentionTimeMin: 5, baseWidthMin: 0.5 },
    ],
  });
  assert.deepEqual(output.peaks.map((peak) => peak.name), ["A", "B"]);
  near(output.peaks[0].retentionFactor, 4);
  near(output.peaks[1].retentionFactor, 5);
  near(output.peaks[0].plates, 1600);
  near(output.peaks[1].plates, 2304);
  assert.deepEqual(
    { ...output.pairs[0], resolution: 0, selectivity: 0 },
    { first: "A", second: "B", resolution: 0, selectivity: 0, widthBasis: "base" },
  );
  near(output.pairs[0].resolution, 2);
  near(output.pairs[0].selectivity, 1.25);
});

Deno.test("half-height widths use 5.54 and 1.18", () => {
  const output = compute({
    peaks: [
      { name: "A", retentionTimeMin: 10, halfHeightWidthMin: 0.5 },
      { name: "B", retentionTimeMin: 11, halfHeightWidthMin: 0.3 },
    ],
  });
  near(output.peaks[0].plates, 5.54 * 400);
  assert.equal(output.peaks[0].widthKind, "halfHeight");
  near(output.pairs[0].resolution, (1.18 * 1) / 0.8);
  assert.equal(output.pairs[0].widthBasis, "halfHeight");
});

Deno.test("a mixed pair converts the half-height width as for a Gaussian", () => {
  // σ = 0.1 and 0.2 min: wb = 4σ, wh = 2√(2 ln 2)·σ.
  const fwhm = 2 * Math.sqrt(2 * Math.LN2);
  const output = compute({
    peaks: [
      { name: "A", retentionTimeMin: 4, baseWidthMin: 0.4 },
      { name: "B", retentionTimeMin: 5, halfHeightWidthMin: 0.2 * fwhm },
    ],
  });
  assert.equal(output.pairs[0].widthBasis, "mixed");
  near(output.pairs[0].resolution, 2 / (0.4 + 0.8));
});

const peakArbitrary = fc.record({
  retentionTimeMin: fc.double({ min: 0.5, max: 60, noNaN: true }),
  baseWidthMin: fc.double({ min: 0.01, max: 5, noNaN: true }),
});

Deno.test("plates scale as 1/w² (property)", () => {
  fc.assert(
    fc.property(peakArbitrary, fc.double({ min: 0.1, max: 10, noNaN: true }), (peak, factor) => {
      const plates = (width: number) =>
        compute({
          peaks: [{ name: "x", retentionTimeMin: peak.retentionTimeMin, baseWidthMin: width }],
        })
          .peaks[0].plates;
      const ratio = plates(peak.baseWidthMin) / plates(peak.baseWidthMin * factor);
      return Math.abs(ratio - factor * factor) <= 1e-12 * factor * factor;
    }),
  );
});

Deno.test("resolution is symmetric in the two peaks (property)", () => {
  fc.assert(
    fc.property(peakArbitrary, peakArbitrary, (p, q) => {
      fc.pre(p.retentionTimeMin !== q.retentionTimeMin);
      const a: PeakInput = { name: "a", ...p };
      const b: PeakInput = { name: "b", ...q };
      const forward = compute({ peaks: [a, b] }).pairs[0].resolution;
      const backward = compute({ peaks: [b, a] }).pairs[0].resolution;
      const swappedWidths = compute({
        peaks: [{ ...a, baseWidthMin: q.baseWidthMin }, { ...b, baseWidthMin: p.baseWidthMin }],
      }).pairs[0].resolution;
      return forward === backward && Math.abs(forward - swappedWidths) <= 1e-12 * forward &&
        forward > 0;
    }),
  );
});

Deno.test("selectivity of neighbours is k2/k1 and at least 1 (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.1, max: 5, noNaN: true }),
      fc.array(peakArbitrary, { minLength: 2, maxLength: 6 }),
      (t0, raw) => {
        const peaks = raw.map((peak, i) => ({
          name: `p${i}`,
          retentionTimeMin: t0 + peak.retentionTimeMin,
          baseWidthMin: peak.baseWidthMin,
        }));
        const output = compute({ deadTimeMin: t0, peaks });
        return output.pairs.every((pair, i) =>
          pair.selectivity! >= 1 &&
          Math.abs(
              pair.selectivity! -
                output.peaks[i + 1].retentionFactor! / output.peaks[i].retentionFactor!,
            ) <= 1e-12 * pair.selectivity!
        );
      },
    ),
  );
});

Deno.test("the plot simulates the chromatogram with sticks at the retention times", () => {
  const input = peakMetrics.input.parse({
    deadTimeMin: 1,
    peaks: [
      { name: "A", retentionTimeMin: 5, baseWidthMin: 0.5 },
      { name: "B", retentionTimeMin: 6, halfHeightWidthMin: 0.3 },
    ],
  });
  const output = peakMetrics.run(input, context) as PeakMetricsOutput;
  const spec = peakMetrics.plot!(input, output);
  // The dead time lies far before the peaks: the title names it and the axis spans the peaks.
  assert.deepEqual(spec.series.map((series) => series.kind), ["line", "sticks"]);
  assert.match(spec.title, /dead time t₀ = 1 min, off the axis/);
  assert.deepEqual(spec.series[1].points, [[5, 1], [6, 1]]);
  const trace = spec.series[0].points;
  const peakHeight = Math.max(...trace.map(([, y]) => y));
  assert.ok(peakHeight > 0.99 && peakHeight < 1.01);
  assert.ok(trace[0][0] > 4.3 && trace[0][0] < 4.5, `starts at ${trace[0][0]}`);
  assert.ok(trace[trace.length - 1][0] < 6.7);
  assert.deepEqual(spec.annotations?.map((a) => a.text), [
    "A",
    "B",
    `Rs = ${Number(output.pairs[0].resolution.toPrecision(4))}`,
  ]);

  const near = peakMetrics.input.parse({ ...input, deadTimeMin: 4.2 });
  const nearSpec = peakMetrics.plot!(near, peakMetrics.run(near, context) as PeakMetricsOutput);
  assert.deepEqual(nearSpec.series[2].points, [[4.2, 0.25]]);
  assert.equal(nearSpec.title, "Chromatographic peaks");
});

Deno.test("the schema rejects invalid inputs and names the field", () => {
  assert.deepEqual(issuePaths({ peaks: [] }), ["peaks"]);
  assert.deepEqual(issuePaths({ peaks: [{ name: "a", retentionTimeMin: 1 }] }), [
    "peaks.0.baseWidthMin",
  ]);
  assert.deepEqual(
    issuePaths({
      peaks: [{ name: "a", retentionTimeMin: 1, baseWidthMin: 0.1, halfHeightWidthMin: 0.1 }],
    }),
    ["peaks.0.halfHeightWidthMin"],
  );
  assert.deepEqual(
    issuePaths({
      peaks: [
        { name: "a", retentionTimeMin: 1, baseWidthMin: 0.1 },
        { name: "a", retentionTimeMin: 2, baseWidthMin: 0.1 },
      ],
    }),
    ["peaks.1.name"],
  );
  assert.deepEqual(
    issuePaths({
      deadTimeMin: 2,
      peaks: [{ name: "a", retentionTimeMin: 1.5, baseWidthMin: 0.1 }],
    }),
    ["peaks.0.retentionTimeMin"],
  );
  assert.deepEqual(issuePaths({ peaks: [{ name: "a", retentionTimeMin: 1, baseWidthMin: -1 }] }), [
    "peaks.0.baseWidthMin",
  ]);
  assert.deepEqual(
    issuePaths({ peaks: [{ name: "", retentionTimeMin: Number.NaN, baseWidthMin: 1 }] }),
    ["peaks.0.name", "peaks.0.retentionTimeMin"],
  );
  assert.deepEqual(issuePaths({ deadTimeMin: 0, peaks: [] }), ["deadTimeMin", "peaks"]);
  const raw = { deadTimeMin: 2, peaks: [{ name: "a", retentionTimeMin: 1.5, baseWidthMin: 0.1 }] };
  const result = peakMetrics.input.safeParse(raw);
  assert.equal(
    formatIssues(toFieldIssues(result.error!, raw)),
    '"peaks.0.retentionTimeMin" must be > deadTimeMin (2): current value is 1.5',
  );
});

Deno.test("many peaks with a plate count below 1 give ten listed warnings and one count", () => {
  // N = 16 (tR / wb)² = 16 / 25 = 0.64 for each peak.
  const peaks = Array.from({ length: 25 }, (_, i) => ({
    name: `p${i + 1}`,
    retentionTimeMin: 1 + i,
    baseWidthMin: 5 * (1 + i),
  }));
  const warnings = compute({ peaks }).warnings.filter((w) => w.includes("plate count below 1"));
  assert.equal(warnings.length, 11);
  assert.ok(warnings[0].startsWith('Peak "p1" has a plate count below 1 (N = 0.64)'));
  assert.equal(
    warnings[10],
    "15 more peaks have a plate count below 1 (25 in all); check the widths and their unit",
  );
});
