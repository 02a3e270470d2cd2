import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    "org/users/v1/index": "src/org/users/v1/index.ts",
    "google/protobuf/index": "src/google/protobuf/index.ts",
    "descriptor-set": "src/descriptor-set.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true,
  treeshake: true,
});
