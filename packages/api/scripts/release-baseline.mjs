// Records the API as released: the `buf breaking` baseline that CI compares proto/ against.
// Runs as part of cutting a release (`pnpm release:version`, right after `changeset version` has
// bumped the package versions; see the root README, "Releasing"), so the baseline and the version
// it belongs to always move together. The resulting diff of released/ is the visible, reviewed
// record of what the release changed in the API; test/release-baseline.test.ts fails when the
// version and the baseline disagree.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(pkg, "../..");
const out = join(pkg, "released/image.json");
const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));

execFileSync(join(pkg, "node_modules/.bin/buf"), ["build", "--exclude-source-info", "-o", out], {
  cwd: root,
  stdio: "inherit",
});
// Pretty-printed so that a review shows field by field what changed.
writeFileSync(out, `${JSON.stringify(JSON.parse(readFileSync(out, "utf8")), null, 2)}\n`);
writeFileSync(join(pkg, "released/release.json"), `${JSON.stringify({ package: "@org/api", version }, null, 2)}\n`);
console.log(`API baseline of @org/api ${version} written to ${out}`);
