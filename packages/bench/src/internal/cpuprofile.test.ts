import { describe, expect, it } from "vitest";
import { analyse, type CpuProfile, packageOf } from "./cpuprofile.js";

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

// root → handler (@org/server) → encode (@bufbuild/protobuf); root → (idle); root → (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", ""), children: [2, 4, 5] },
    { id: 2, callFrame: frame("handler", "file:///work/packages/server/dist/index.js"), children: [3] },
    { id: 3, callFrame: frame("encode", "file:///x/node_modules/.pnpm/a/node_modules/@bufbuild/protobuf/dist/w.js") },
    { id: 4, callFrame: frame("(idle)", "") },
    { id: 5, callFrame: frame("(garbage collector)", "") },
  ],
  samples: [2, 3, 3, 3, 4, 4, 4, 4, 5, 5],
  timeDeltas: new Array(10).fill(1000),
};

describe("CPU profile analysis", () => {
  it("names packages from script URLs", () => {
    expect(packageOf("file:///a/node_modules/@grpc/grpc-js/build/src/server.js")).toBe("@grpc/grpc-js");
    expect(packageOf("file:///a/node_modules/.pnpm/pino@10/node_modules/pino/lib/tools.js")).toBe("pino");
    expect(packageOf("file:///work/wt/packages/client/dist/index.js")).toBe("@org/client");
    expect(packageOf("node:internal/http2/core")).toBe("node");
    expect(packageOf("")).toBe("(native)");
  });

  it("counts self and total time of busy samples only", () => {
    const { functions, packages, samples } = analyse(profile);
    expect(samples).toBe(6); // idle excluded, GC counted
    const byName = Object.fromEntries(functions.map((f) => [f.name.split(" ")[0], f]));
    expect(byName.encode).toMatchObject({ self: 3 / 6, total: 3 / 6 });
    expect(byName.handler).toMatchObject({ self: 1 / 6, total: 4 / 6 });
    expect(byName["(garbage"]).toMatchObject({ self: 2 / 6 });
    expect(packages.find((p) => p.name === "@org/server")).toMatchObject({ self: 1 / 6, total: 4 / 6 });
  });
});
