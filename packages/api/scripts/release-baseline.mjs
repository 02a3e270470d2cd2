// Records the API as released: the `buf breaking` baseline that CI compares proto/ against.
// Run only as part of cutting a release (see the root README, "Releasing"); the resulting
// diff of released/image.json is the visible, reviewed record of what the release changed.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(pkg, "../..");
const out = join(pkg, "released/image.json");

execFileSync(join(pkg, "node_modules/.bin/buf"), ["build", "--exclude-source-info", "-o", out], {
  cwd: root,
  stdio: "inherit",
});
// Pretty-printed so that a review shows field by field what changed.
writeFileSync(out, `${JSON.stringify(JSON.parse(readFileSync(out, "utf8")), null, 2)}\n`);
console.log(`API baseline written to ${out}`);
