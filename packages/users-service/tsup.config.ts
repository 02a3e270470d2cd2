import { defineConfig } from "tsup";

// A private application: ESM only, one file per command; dependencies stay external
// (resolved from node_modules at run time, including the native better-sqlite3).
export default defineConfig({
  entry: { main: "src/main.ts", cli: "src/cli.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: true,
  dts: false,
});
