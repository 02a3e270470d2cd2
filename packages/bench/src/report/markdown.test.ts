import { describe, expect, it } from "vitest";
import { renderMarkdown, suiteTable } from "./markdown.js";
import { sampleResults, sampleSuite } from "./test-results.js";

describe("Markdown report", () => {
  it("renders one row per configuration with median, range, ratio, extras and failures", () => {
    const lines = suiteTable(sampleSuite()).split("\n");
    expect(lines[0]).toBe("| configuration | calls/s (median) | min–max | ratio to bare @grpc/grpc-js | server CPU µs/call | failed |");
    expect(lines[1]).toBe("| --- | ---: | ---: | ---: | ---: | ---: |");
    expect(lines[2]).toBe("| bare @grpc/grpc-js | 20,000 | 10,000–30,000 | 1.00× (1.00–1.00) | 40.0 | 0 |");
    expect(lines[3]).toBe("| @org/server <defaults> & more | 16,000 | 8,000–24,000 | 0.80× (0.80–0.80) | 50.0 | 2 |");
    expect(lines).toHaveLength(4);
  });

  it("describes the machine and lists the targets", () => {
    const md = renderMarkdown(sampleResults());
    expect(md).toContain("Machine: 2 × AMD EPYC, 31.4 GiB, Linux 6.1, Node v20.20.2; 2026-01-02; load average 1.5 at start.");
    expect(md).toContain("| defaults ≥ 0.75× | 0.80× |  | met |");
    expect(md).toContain("| ≤ 10 KiB | 12.50 KiB |  | **missed** |");
    expect(md).toContain("## Server unary throughput (h2load)");
  });

  it("shows a dash for a value that could not be measured", () => {
    const suite = sampleSuite();
    for (const s of suite.measurements[1]!.samples) s.value = Number.NaN;
    expect(suiteTable(suite).split("\n")[3]).toBe("| @org/server <defaults> & more | – | – | – | 50.0 | 2 |");
  });

  it("shows paired ratios with their spread, the CPU-efficiency ratio, steal and load, and a row not served", () => {
    const suite = { ...sampleSuite(), cpuKey: "serverCpuUsPerCall" };
    const [base, org] = suite.measurements as [(typeof suite.measurements)[0], (typeof suite.measurements)[0]];
    base.samples = [1, 2, 3].map((round) => ({
      round,
      value: 10_000,
      failures: 0,
      extra: { serverCpuUsPerCall: 40, pairedRatio: 1, cpuRatio: 1, stealPct: round, load1: 2 },
    }));
    org.samples = [0.9, 1.3, 1.2].map((r, i) => ({
      round: i + 1,
      value: 10_000 * r,
      failures: 0,
      extra: { serverCpuUsPerCall: 30, pairedRatio: r, cpuRatio: r + 0.1, stealPct: 0.5, load1: 1 },
    }));
    suite.measurements.push({ config: "org-server-web", label: "gRPC-Web", reference: "@org/server", notServed: "HTTP 415", samples: [] });
    const lines = suiteTable(suite).split("\n");
    expect(lines[0]).toBe(
      "| configuration | calls/s (median) | min–max | ratio to bare @grpc/grpc-js | CPU-efficiency ratio | server CPU µs/call | steal % | load | failed |",
    );
    expect(lines[2]).toBe(
      "| bare @grpc/grpc-js | 10,000 | 10,000–10,000 | 1.00× (1.00–1.00) | 1.00× (1.00–1.00) | 40.0 | 2.0 | 2.00 | 0 |",
    );
    expect(lines[3]).toBe(
      "| @org/server <defaults> & more | 12,000 | 9,000–13,000 | 1.20× (0.90–1.30) | 1.30× (1.00–1.40) | 30.0 | 0.5 | 1.00 | 0 |",
    );
    expect(lines[4]).toBe("| gRPC-Web | not served | – | not served | – | – | – | – | 0 |");
  });

  it("says which ratios are still too wide to quote", () => {
    const results = sampleResults();
    results.spreadCheck = { limit: 0.1, roundsRun: 10, extraRounds: 5, stillWide: ["unary-server / org-server: 31 %"] };
    const md = renderMarkdown(results);
    expect(md).toContain("(5 added, 10 run)");
    expect(md).toContain("**Still wide, do not quote:** unary-server / org-server: 31 %.");
    results.spreadCheck.stillWide = [];
    expect(renderMarkdown(results)).toContain("No ratio is wide.");
  });
});
