// The measured page is a real browser bundle: esbuild resolves it for the browser platform, and no
// Node-only code (grpc-js, Node built-ins) reaches it. Its size is a deterministic figure (pinned
// esbuild, lockfile), so it is asserted: issue 13's budget, 12 kB gzip (README, "Browser bundle size").
import { describe, expect, it } from "vitest";
import { measureUsersPage } from "./bundle-size.js";

/** gzip -9 bytes the users page may have at most. */
const BUDGET_GZIP_BYTES = 12_000;

describe("bundle size of a page using @org/client-web", () => {
  it("bundles for the browser without grpc-js or Node built-ins, and reports what it is made of", async () => {
    const size = await measureUsersPage();
    expect(size.inputs.some((path) => path.includes("@grpc/grpc-js"))).toBe(false);
    expect(size.inputs.some((path) => path.startsWith("node:") || path.includes("<define:process>"))).toBe(false);
    expect(size.byPackage.map((p) => p.name)).toEqual(expect.arrayContaining(["@org/client-web", "@org/client-core", "@org/api"]));
    // client-web's own fetch transport: no third-party gRPC-Web stack, and no OpenTelemetry API.
    for (const name of ["nice-grpc-web", "abort-controller-x", "js-base64", "isomorphic-ws", "@opentelemetry/api"]) {
      expect(size.byPackage.map((p) => p.name)).not.toContain(name);
    }
    // The web flavour of @org/api (no JSON methods) and its own wire reader/writer.
    expect(size.inputs.some((path) => path.includes("packages/api/dist/web/"))).toBe(true);
    expect(size.byPackage.map((p) => p.name)).not.toContain("@bufbuild/protobuf");
    // nice-grpc-common through its documented entry point, not by the paths of its lib/ files.
    expect(size.inputs.some((path) => path.endsWith("nice-grpc-common/lib/index.js"))).toBe(true);
    expect(size.gzipped).toBeGreaterThan(0);
    expect(size.gzipped).toBeLessThan(size.minified);
    for (const { gzipBytes } of size.byPackage) expect(gzipBytes).toBeGreaterThan(0);
  }, 60_000);

  it(`is at most ${BUDGET_GZIP_BYTES / 1000} kB gzip`, async () => {
    const size = await measureUsersPage();
    expect(size.gzipped).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  }, 60_000);
});
