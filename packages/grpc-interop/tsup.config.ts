import { defineConfig } from "tsup";

// A private test tool: ESM only, one file per command, dependencies external.
export default defineConfig({
  entry: { server: "src/server.ts", client: "src/client.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: true,
  dts: false,
});
