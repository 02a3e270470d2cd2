// A small, fixed BenchResults for the report tests.
import type { BenchResults, SuiteResult } from "../internal/results.js";

export function sampleSuite(): SuiteResult {
  return {
    id: "unary-server",
    title: "Server unary throughput (h2load)",
    description: "GetUser from h2load.",
    unit: "calls/s",
    higherIsBetter: true,
    baseline: "grpc-js",
    digits: 0,
    extras: [{ key: "serverCpuUsPerCall", label: "server CPU µs/call", digits: 1 }],
    errors: [],
    measurements: [
      {
        config: "grpc-js",
        label: "bare @grpc/grpc-js",
        samples: [
          { round: 1, value: 20_000, failures: 0, extra: { serverCpuUsPerCall: 40 } },
          { round: 2, value: 10_000, failures: 0, extra: { serverCpuUsPerCall: 42 } },
          { round: 3, value: 30_000, failures: 0, extra: { serverCpuUsPerCall: 38 } },
        ],
      },
      {
        config: "org-server",
        label: "@org/server <defaults> & more",
        samples: [
          { round: 1, value: 16_000, failures: 0, extra: { serverCpuUsPerCall: 50 } },
          { round: 2, value: 8_000, failures: 2, extra: { serverCpuUsPerCall: 52 } },
          { round: 3, value: 24_000, failures: 0, extra: { serverCpuUsPerCall: 48 } },
        ],
      },
    ],
  };
}

export function sampleResults(): BenchResults {
  return {
    schemaVersion: 1,
    startedAt: "2026-01-02T03:04:05.000Z",
    finishedAt: "2026-01-02T03:24:05.000Z",
    mode: "full",
    rounds: 3,
    machine: { cpus: 2, cpuModel: "AMD EPYC", node: "v20.20.2", os: "Linux 6.1", memoryGiB: 31.4, loadAverageAtStart: 1.5 },
    settings: { serverCpu: 0, loadCpu: 1 },
    suites: [sampleSuite()],
    targets: [
      {
        suite: "unary-server",
        config: "org-server",
        kind: "ratio-at-least",
        threshold: 0.75,
        text: "defaults ≥ 0.75×",
        actual: 0.8,
        met: true,
      },
      {
        suite: "idle-stream-memory",
        config: "org-server",
        kind: "value-at-most",
        threshold: 10,
        text: "≤ 10 KiB",
        actual: 12.5,
        met: false,
      },
    ],
  };
}
