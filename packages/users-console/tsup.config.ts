import { defineConfig } from "tsup";

// The Node side only (the handler that serves the page); scripts/bundle-app.mjs bundles the page
// itself for browsers into dist/app.
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  dts: true,
});
