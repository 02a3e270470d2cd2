import { readdirSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "tsup";

// One entry per proto package (src/<package path>/index.ts, written by scripts/generate.mjs), the
// same list that package.json `exports` publishes, plus the reflection descriptor set and the
// hand-written service-definition reader.
function protoPackageEntries(dir = "src", prefix = ""): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || (prefix === "" && (entry.name === "gen" || entry.name === "gen-web"))) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (readdirSync(join(dir, entry.name)).includes("index.ts")) entries[`${rel}/index`] = `src/${rel}/index.ts`;
    Object.assign(entries, protoPackageEntries(join(dir, entry.name), rel));
  }
  return entries;
}

export default defineConfig({
  entry: {
    ...protoPackageEntries(),
    "descriptor-set": "src/descriptor-set.ts",
    "service-definition": "src/service-definition.ts",
    wire: "src/wire.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true,
  treeshake: true,
});
