// Sums every vitest JSON report (packages/*/.test-results/vitest.json) and the check steps
// recorded by .ci/run into the one line CI reads: "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [stepsFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const rows = [];

for (const pkg of readdirSync("packages").sort()) {
  const report = join("packages", pkg, ".test-results/vitest.json");
  if (!existsSync(report)) continue;
  const r = JSON.parse(readFileSync(report, "utf8"));
  // A test file that failed to load counts as a failure even though it has no test results.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  const p = r.numPassedTests;
  const f = r.numFailedTests + brokenFiles;
  const other = r.numTotalTests - r.numPassedTests - r.numFailedTests;
  passed += p;
  failed += f + other; // skipped, todo or pending tests count against the run: none are allowed
  rows.push(`${pkg.padEnd(20)} ${String(p).padStart(4)} passed ${String(f).padStart(3)} failed${other ? ` ${other} not run` : ""}`);
  // Name what did not pass, with the first line of why (a failed hook shows as a file message).
  for (const file of r.testResults) {
    const name = file.name.slice(file.name.indexOf(`packages/${pkg}/`) + `packages/${pkg}/`.length);
    if (file.status === "failed" && file.message) rows.push(`  ${name}: ${file.message.split("\n")[0].slice(0, 200)}`);
    for (const test of file.assertionResults) {
      if (test.status === "passed") continue;
      const why = (test.failureMessages ?? [])[0]?.split("\n")[0].slice(0, 200) ?? "";
      rows.push(`  ${test.status}: ${name} > ${test.fullName}${why ? ` — ${why}` : ""}`);
    }
  }
}

if (stepsFile && existsSync(stepsFile)) {
  for (const line of readFileSync(stepsFile, "utf8").split("\n").filter(Boolean)) {
    const [status, ...name] = line.split(" ");
    if (status === "ok") passed++;
    else failed++;
    rows.push(`${name.join(" ").padEnd(20)} ${status === "ok" ? "passed" : "FAILED"}`);
  }
}

console.log(rows.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
