import { describe, expect, it } from "vitest";
import { escapeXml, renderSvg } from "./svg.js";
import { sampleResults } from "./test-results.js";

describe("SVG chart", () => {
  const svg = renderSvg(sampleResults());

  it("is one SVG document with a bar per configuration", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<rect [^>]*class="bar/g)).toHaveLength(2);
  });

  it("draws bars in proportion to the ratio, with the 1× line and the target line", () => {
    const widths = [...svg.matchAll(/<rect x="(\d+)" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[2]));
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.8, 2);
    expect(svg).toContain('class="one"');
    expect(svg).toContain("target 0.75×");
    expect(svg).toContain("ratio to bare @grpc/grpc-js (higher is better)");
  });

  it("escapes labels", () => {
    expect(svg).toContain("@org/server &lt;defaults&gt; &amp; more");
    expect(svg).not.toContain("<defaults>");
    expect(escapeXml(`a"b`)).toBe("a&quot;b");
  });

  it("states the machine", () => {
    expect(svg).toContain("2 × AMD EPYC");
  });
});
