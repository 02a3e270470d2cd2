import { describe, expect, it } from "vitest";
import { median, percentile, ratio, summarize } from "./stats.js";

describe("stats", () => {
  it("takes the median of odd and even counts without reordering the input", () => {
    const samples = [5, 1, 3];
    expect(median(samples)).toBe(3);
    expect(samples).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([1, 2, 3], 0.5, true)).toBe(2);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it("summarises finite samples only", () => {
    expect(summarize([3, Number.NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(summarize([]).n).toBe(0);
  });

  it("gives no ratio without a usable baseline", () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(3, 0)).toBeUndefined();
    expect(ratio(undefined, 4)).toBeUndefined();
    expect(ratio(Number.NaN, 4)).toBeUndefined();
  });
});
