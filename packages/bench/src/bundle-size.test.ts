// The measured page is a real browser bundle: esbuild resolves it for the browser platform, and no
// Node-only code (grpc-js, Node built-ins) reaches it.
import { describe, expect, it } from "vitest";
import { measureUsersPage } from "./bundle-size.js";

describe("bundle size of a page using @org/client-web", () => {
  it("bundles for the browser without grpc-js or Node built-ins, and reports what it is made of", async () => {
    const size = await measureUsersPage();
    expect(size.inputs.some((path) => path.includes("@grpc/grpc-js"))).toBe(false);
    expect(size.inputs.some((path) => path.startsWith("node:") || path.includes("<define:process>"))).toBe(false);
    expect(size.byPackage.map((p) => p.name)).toEqual(expect.arrayContaining(["@org/client-web", "@org/client-core", "@org/api"]));
    // client-web's own fetch transport: no third-party gRPC-Web stack.
    for (const name of ["nice-grpc-web", "abort-controller-x", "js-base64", "isomorphic-ws"]) {
      expect(size.byPackage.map((p) => p.name)).not.toContain(name);
    }
    expect(size.gzipped).toBeGreaterThan(0);
    expect(size.gzipped).toBeLessThan(size.minified);
  }, 60_000);
});
