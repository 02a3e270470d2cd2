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

  it("grows the rounds while a spread is wide: twice the rounds by default, none in quick mode unless asked", () => {
    expect(parseArgs([])).toMatchObject({ rounds: 5, maxRounds: 10, spreadLimit: 0.1 });
    expect(parseArgs(["--quick"])).toMatchObject({ rounds: 1, maxRounds: 1 });
    expect(parseArgs(["--quick", "--rounds", "2", "--max-rounds", "4", "--spread", "0.05"])).toMatchObject({
      rounds: 2,
      maxRounds: 4,
      spreadLimit: 0.05,
    });
    expect(parseArgs(["--rounds", "6", "--max-rounds", "3"]).maxRounds).toBe(6); // never fewer than --rounds
    expect(parseArgs([]).unary.windows % 2).toBe(0); // ABBA needs whole pairs
    expect(() => parseArgs(["--spread", "0"])).toThrow(/--spread/);
    expect(() => parseArgs(["--max-rounds", "x"])).toThrow(/--max-rounds/);
  });

  it("rejects what it does not know", () => {
    expect(() => parseArgs(["--only", "nope"])).toThrow(/unknown suite group "nope"/);
    expect(() => parseArgs(["--rounds", "0"])).toThrow(/--rounds/);
    expect(() => parseArgs(["--out", "../x"])).toThrow(/--out/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--rounds"])).toThrow(/needs a value/);
  });
});
