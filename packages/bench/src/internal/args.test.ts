import { describe, expect, it } from "vitest";
import { parseArgs, SUITE_GROUPS } from "./args.js";

describe("bench arguments", () => {
  it("runs everything five rounds into results/latest by default", () => {
    const s = parseArgs([]);
    expect(s).toMatchObject({ mode: "full", rounds: 5, outName: "latest", serverCpu: 0, loadCpu: 1 });
    expect(s.groups).toEqual([...SUITE_GROUPS]);
    expect(s.memory.streams).toBe(10_000);
  });

  it("has a quick mode with shorter runs into results/quick", () => {
    const s = parseArgs(["--", "--quick"]);
    expect(s).toMatchObject({ mode: "quick", rounds: 1, outName: "quick" });
    expect(s.unary.measureSec).toBeLessThan(parseArgs([]).unary.measureSec);
  });

  it("selects suites, rounds and the output name", () => {
    const s = parseArgs(["--only", "unary-server,memory", "--rounds", "2", "--out", "x", "--configs", "org-server, nice-grpc"]);
    expect(s).toMatchObject({ groups: ["unary-server", "memory"], rounds: 2, outName: "x", configs: ["org-server", "nice-grpc"] });
    expect(parseArgs([]).configs).toBeUndefined();
  });

  it("rejects what it does not know", () => {
    expect(() => parseArgs(["--only", "nope"])).toThrow(/unknown suite group "nope"/);
    expect(() => parseArgs(["--rounds", "0"])).toThrow(/--rounds/);
    expect(() => parseArgs(["--out", "../x"])).toThrow(/--out/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--rounds"])).toThrow(/needs a value/);
  });
});
