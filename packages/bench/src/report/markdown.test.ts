import { describe, expect, it } from "vitest";
import { renderMarkdown, suiteTable } from "./markdown.js";
import { sampleResults, sampleSuite } from "./test-results.js";

describe("Markdown report", () => {
  it("renders one row per configuration with median, range, ratio, extras and failures", () => {
    const lines = suiteTable(sampleSuite()).split("\n");
    expect(lines[0]).toBe("| configuration | calls/s (median) | min–max | ratio to bare @grpc/grpc-js | server CPU µs/call | failed |");
    expect(lines[1]).toBe("| --- | ---: | ---: | ---: | ---: | ---: |");
    expect(lines[2]).toBe("| bare @grpc/grpc-js | 20,000 | 10,000–30,000 | 1.00× | 40.0 | 0 |");
    expect(lines[3]).toBe("| @org/server <defaults> & more | 16,000 | 8,000–24,000 | 0.80× | 50.0 | 2 |");
    expect(lines).toHaveLength(4);
  });

  it("describes the machine and lists the targets", () => {
    const md = renderMarkdown(sampleResults());
    expect(md).toContain("Machine: 2 × AMD EPYC, 31.4 GiB, Linux 6.1, Node v20.20.2; 2026-01-02; load average 1.5 at start.");
    expect(md).toContain("| defaults ≥ 0.75× | 0.80× | met |");
    expect(md).toContain("| ≤ 10 KiB | 12.50 KiB | **missed** |");
    expect(md).toContain("## Server unary throughput (h2load)");
  });

  it("shows a dash for a value that could not be measured", () => {
    const suite = sampleSuite();
    for (const s of suite.measurements[1]!.samples) s.value = Number.NaN;
    expect(suiteTable(suite).split("\n")[3]).toBe("| @org/server <defaults> & more | – | – | – | 50.0 | 2 |");
  });
});
