// results/latest.md: one table per suite (median, min–max, ratio to the baseline, extras,
// failures) and the targets. Pure; unit-tested.
import { machineLine } from "../internal/machine.js";
import { type BenchResults, type SuiteResult, summarizeMeasurement } from "../internal/results.js";
import { fmt, fmtRatio } from "./format.js";

function baselineLabel(suite: SuiteResult): string {
  return suite.measurements.find((m) => m.config === suite.baseline)?.label ?? suite.baseline;
}

export function suiteTable(suite: SuiteResult): string {
  const head = [
    "configuration",
    `${suite.unit} (median)`,
    "min–max",
    `ratio to ${baselineLabel(suite)}`,
    ...suite.extras.map((e) => e.label),
    "failed",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const m of suite.measurements) {
    const s = summarizeMeasurement(suite, m);
    const cells = [
      s.label,
      fmt(s.value.median, suite.digits),
      s.value.n === 0 ? "–" : `${fmt(s.value.min, suite.digits)}–${fmt(s.value.max, suite.digits)}`,
      fmtRatio(s.ratio),
      ...suite.extras.map((e) => fmt(s.extras[e.key], e.digits)),
      String(s.failures),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  out.push(`# Benchmark results (${results.mode})`, "");
  out.push(`Machine: ${machineLine(results.machine, results.startedAt.slice(0, 10))}.`, "");
  out.push(
    `Servers on core ${results.settings.serverCpu}, load generators on core ${results.settings.loadCpu} (\`taskset\`); ` +
      `${results.rounds} round${results.rounds > 1 ? "s" : ""}, each running every configuration once, back to back; ` +
      "medians over rounds. A ratio is the median over rounds of (configuration ÷ baseline of the same round). " +
      '"failed" counts calls, messages or streams the server did not confirm as successful (all rounds).',
    "",
  );
  if (results.targets.length > 0) {
    out.push("## Targets", "", "| target | measured | |", "| --- | ---: | --- |");
    for (const t of results.targets) {
      const actual = t.kind === "ratio-at-least" ? fmtRatio(t.actual) : `${fmt(t.actual, 2)} KiB`;
      out.push(`| ${t.text} | ${actual} | ${t.met ? "met" : "**missed**"} |`);
    }
    out.push("");
  }
  for (const suite of results.suites) {
    out.push(`## ${suite.title}`, "", suite.description, "", suiteTable(suite), "");
    for (const e of suite.errors) out.push(`- error: ${e}`);
    if (suite.errors.length > 0) out.push("");
  }
  return out.join("\n");
}
