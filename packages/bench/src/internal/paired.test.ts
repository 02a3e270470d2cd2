import { describe, expect, it } from "vitest";
import { abbaSide, cpuUsPerCall, isWide, pairedRatio, runAbba, sideTotals, spread, type Window } from "./paired.js";

describe("paired windows", () => {
  it("alternates A B B A so that a linear drift hits both sides alike", () => {
    expect(Array.from({ length: 8 }, (_, i) => abbaSide(i))).toEqual([
      "reference",
      "candidate",
      "candidate",
      "reference",
      "reference",
      "candidate",
      "candidate",
      "reference",
    ]);
  });

  it("runs the windows one after another in ABBA order", async () => {
    const order: string[] = [];
    const windows = await runAbba(4, async (side, i) => {
      order.push(`${i}:${side}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { side, calls: 1, seconds: 1, cpuUs: 1 };
    });
    expect(order).toEqual(["0:reference", "1:candidate", "2:candidate", "3:reference"]);
    expect(windows.map((w) => w.side)).toEqual(["reference", "candidate", "candidate", "reference"]);
  });

  it("cancels a machine that slows down steadily during the sample", () => {
    // The machine loses 10 % of its speed per window; the candidate is truly 0.8× the reference.
    const windows: Window[] = Array.from({ length: 8 }, (_, i) => {
      const side = abbaSide(i);
      const speed = 1 - 0.1 * i;
      const rate = (side === "reference" ? 10_000 : 8_000) * speed;
      return { side, calls: rate, seconds: 1, cpuUs: rate * (side === "reference" ? 40 : 50) };
    });
    const r = pairedRatio(windows);
    expect(r.throughput).toBeCloseTo(0.8, 10);
    expect(r.cpuEfficiency).toBeCloseTo(0.8, 10); // 40 µs ÷ 50 µs per call
  });

  it("totals each side and divides CPU time by calls", () => {
    const windows: Window[] = [
      { side: "reference", calls: 1_000, seconds: 0.5, cpuUs: 40_000 },
      { side: "candidate", calls: 3_000, seconds: 1, cpuUs: 60_000 },
      { side: "candidate", calls: 1_000, seconds: 1, cpuUs: 20_000 },
      { side: "reference", calls: 1_000, seconds: 0.5, cpuUs: 40_000 },
    ];
    expect(sideTotals(windows, "candidate")).toEqual({ calls: 4_000, seconds: 2, cpuUs: 80_000, throughput: 2_000, cpuUsPerCall: 20 });
    expect(pairedRatio(windows)).toEqual({ throughput: 1, cpuEfficiency: 2 });
  });

  it("gives NaN, not a ratio, when a side served nothing", () => {
    const r = pairedRatio([
      { side: "reference", calls: 0, seconds: 1, cpuUs: 10 },
      { side: "candidate", calls: 100, seconds: 1, cpuUs: 10 },
    ]);
    expect(r.throughput).toBeNaN();
    expect(r.cpuEfficiency).toBeNaN();
    expect(pairedRatio([]).throughput).toBeNaN();
  });
});

describe("CPU per call", () => {
  it("divides the user + system delta of two process.cpuUsage() snapshots by the calls", () => {
    expect(cpuUsPerCall({ user: 1_000, system: 500 }, { user: 41_000, system: 10_500 }, 1_000)).toBe(50);
    expect(cpuUsPerCall({ user: 0, system: 0 }, { user: 10, system: 0 }, 0)).toBeNaN();
  });
});

describe("spread over rounds", () => {
  it("reports min, median, max and the width relative to the median, ignoring failed rounds", () => {
    expect(spread([1.1, Number.NaN, 0.9, 1.0])).toEqual({ n: 3, min: 0.9, median: 1.0, max: 1.1, relativeWidth: expect.closeTo(0.2, 10) });
    expect(spread([0.8, 1.0])).toMatchObject({ median: 0.9 });
    expect(spread([]).n).toBe(0);
  });

  it("calls a spread wide above the limit or with too few rounds to judge", () => {
    expect(isWide(spread([0.95, 1.0, 1.04]), 0.1)).toBe(false);
    expect(isWide(spread([0.71, 1.18]), 0.1)).toBe(true); // the two runs of issue 12
    expect(isWide(spread([1.0]), 0.1)).toBe(true);
    expect(isWide(spread([1.0]), 0.1, 1)).toBe(false);
    expect(isWide(spread([]), 0.1, 0)).toBe(true); // NaN width is never narrow
  });
});
