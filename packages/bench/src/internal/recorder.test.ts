import { afterEach, describe, expect, it, vi } from "vitest";
import { recordPaired } from "../suites/group.js";
import { NotServedError } from "./preflight.js";
import { Recorder } from "./recorder.js";
import type { Sample, SuiteSpec } from "./results.js";

const spec: SuiteSpec = {
  id: "unary-server",
  title: "t",
  description: "d",
  unit: "calls/s",
  higherIsBetter: true,
  baseline: "grpc-js",
  digits: 0,
  cpuKey: "serverCpuUsPerCall",
  extras: [],
};
const labels = { "grpc-js": "bare grpc-js", "org-server": "@org/server", "org-server-web": "@org/server, gRPC-Web" };
const sample = (value: number, extra: Record<string, number> = {}): Sample => ({ round: 1, value, failures: 0, extra });

describe("recording samples", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("records both sides of a pair, the reference as a sample of the baseline with the machine's figures", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const recorder = new Recorder();
    await recordPaired(recorder, spec, labels, "org-server", "grpc-js", 1, async () => ({
      candidate: sample(900, { pairedRatio: 0.9, cpuRatio: 0.95 }),
      reference: sample(1_000, { pairedRatio: 1, cpuRatio: 1 }),
      referenceConfig: "grpc-js",
    }));
    const suite = recorder.get(spec);
    const [org, base] = suite.measurements;
    expect(org).toMatchObject({ config: "org-server", label: "@org/server" });
    expect(org!.samples[0]!.extra.pairedRatio).toBe(0.9);
    expect(base).toMatchObject({ config: "grpc-js", label: "bare grpc-js" });
    expect(base!.samples[0]!.value).toBe(1_000);
    if (process.platform === "linux") {
      expect(org!.samples[0]!.extra.load1).toBeGreaterThanOrEqual(0);
      expect(base!.samples[0]!.extra.load1).toBe(org!.samples[0]!.extra.load1);
    }
  });

  it("never pairs the baseline with itself", async () => {
    const recorder = new Recorder();
    const take = vi.fn();
    await recordPaired(recorder, spec, labels, "grpc-js", "grpc-js", 1, take);
    expect(take).not.toHaveBeenCalled();
  });

  it("marks a configuration not served once, skips it afterwards, and names another reference", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const recorder = new Recorder();
    const take = vi.fn(async () => {
      throw new NotServedError("grpc-web: HTTP 415");
    });
    await recordPaired(recorder, spec, labels, "org-server-web", "org-server", 1, take);
    await recordPaired(recorder, spec, labels, "org-server-web", "org-server", 2, take);
    expect(take).toHaveBeenCalledTimes(1);
    const suite = recorder.get(spec);
    expect(suite.measurements).toHaveLength(1);
    expect(suite.measurements[0]).toMatchObject({ config: "org-server-web", notServed: "grpc-web: HTTP 415", samples: [] });
    expect(suite.errors).toEqual(["org-server-web: not served (grpc-web: HTTP 415); skipped in later rounds"]);
  });

  it("records any other failure as a NaN sample with the error, and keeps going", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const recorder = new Recorder();
    await recordPaired(recorder, spec, labels, "org-server-web", "org-server", 3, async () => {
      throw new Error("h2load failed: boom\nmore");
    });
    const suite = recorder.get(spec);
    expect(suite.measurements[0]!.samples[0]!.value).toBeNaN();
    expect(suite.errors).toEqual(["round 3, org-server-web: h2load failed: boom"]);
  });
});
