import { describe, expect, it } from "vitest";
import { sampleSuite } from "../report/test-results.js";
import { evaluateTargets, summarizeMeasurement } from "./results.js";

describe("result summaries", () => {
  it("pairs each sample with the baseline of the same round", () => {
    const suite = sampleSuite();
    // Throughput swings 3× between rounds, the ratio stays 0.8: pairing cancels the drift.
    const s = summarizeMeasurement(suite, suite.measurements[1]!);
    expect(s.ratio).toBeCloseTo(0.8);
    expect(s.value).toEqual({ median: 16_000, min: 8_000, max: 24_000, n: 3 });
    expect(s.extras.serverCpuUsPerCall).toBe(50);
    expect(s.failures).toBe(2);
    expect(summarizeMeasurement(suite, suite.measurements[0]!).ratio).toBe(1);
  });

  it("skips rounds whose baseline sample failed", () => {
    const suite = sampleSuite();
    suite.measurements[0]!.samples[0]!.value = Number.NaN;
    suite.measurements[1]!.samples[1]!.value = 9_000; // round 2: 0.9
    expect(summarizeMeasurement(suite, suite.measurements[1]!).ratio).toBeCloseTo(0.85); // median of 0.9, 0.8
  });

  it("meets a target only with the threshold reached and no failures", () => {
    const suite = sampleSuite();
    const [ratioTarget, failing, missing] = evaluateTargets(
      [suite],
      [
        { suite: "unary-server", config: "grpc-js", kind: "ratio-at-least", threshold: 1, text: "a" },
        { suite: "unary-server", config: "org-server", kind: "ratio-at-least", threshold: 0.75, text: "b" },
        { suite: "memory", config: "org-server", kind: "value-at-most", threshold: 10, text: "c" },
      ],
    );
    expect(ratioTarget).toMatchObject({ actual: 1, met: true });
    expect(failing).toMatchObject({ met: false }); // 0.8 ≥ 0.75, but 2 calls failed
    expect(failing!.actual).toBeCloseTo(0.8);
    expect(missing).toMatchObject({ actual: undefined, met: false });
  });

  it("compares value targets against the median", () => {
    const suite = { ...sampleSuite(), id: "idle-stream-memory", higherIsBetter: false };
    suite.measurements[1]!.samples[1]!.failures = 0;
    const [lo, hi] = evaluateTargets(
      [suite],
      [
        { suite: "idle-stream-memory", config: "org-server", kind: "value-at-most", threshold: 16_000, text: "x" },
        { suite: "idle-stream-memory", config: "org-server", kind: "value-at-most", threshold: 15_999, text: "y" },
      ],
    );
    expect(lo!.met).toBe(true);
    expect(hi!.met).toBe(false);
  });

  it("prefers the ratio a paired sample measured over pairing by round", () => {
    const suite = sampleSuite();
    // Round 2 of the baseline was slow, but the candidate's own pair says 1.1.
    for (const [i, s] of suite.measurements[1]!.samples.entries()) s.extra.pairedRatio = [1.0, 1.1, 1.3][i]!;
    const summary = summarizeMeasurement(suite, suite.measurements[1]!);
    expect(summary.ratio).toBeCloseTo(1.1);
    expect(summary.ratioSpread).toMatchObject({ n: 3, min: 1.0, max: 1.3 });
  });

  it("gives the CPU-efficiency ratio as the baseline's CPU per call over the configuration's", () => {
    const suite = { ...sampleSuite(), cpuKey: "serverCpuUsPerCall" };
    // 40/50 = 0.8, 42/52 ≈ 0.808, 38/48 ≈ 0.792 by round
    const summary = summarizeMeasurement(suite, suite.measurements[1]!);
    expect(summary.cpuRatio).toBeCloseTo(0.8, 10);
    expect(summary.cpuRatioSpread.min).toBeCloseTo(38 / 48, 10);
    expect(summary.cpuRatioSpread.max).toBeCloseTo(42 / 52, 10);
    expect(summarizeMeasurement(sampleSuite(), sampleSuite().measurements[1]!).cpuRatio).toBeUndefined();
  });

  it("judges ratio targets on the CPU ratio where the suite has one, with the throughput ratio beside", () => {
    const suite = { ...sampleSuite(), cpuKey: "serverCpuUsPerCall" };
    suite.measurements[1]!.samples[1]!.failures = 0;
    const [cpu, throughput] = evaluateTargets(
      [suite],
      [
        { suite: "unary-server", config: "org-server", kind: "ratio-at-least", threshold: 0.81, text: "cpu" },
        { suite: "unary-server", config: "org-server", kind: "ratio-at-least", measure: "throughput", threshold: 0.8, text: "tp" },
      ],
    );
    expect(cpu).toMatchObject({ measure: "cpu", met: false });
    expect(cpu!.actual).toBeCloseTo(0.8, 10);
    expect(cpu!.throughput?.median).toBeCloseTo(0.8);
    expect(throughput).toMatchObject({ measure: "throughput", met: true });
    expect(throughput!.spread?.n).toBe(3);
  });
});
