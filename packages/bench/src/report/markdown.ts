// results/latest.md: one table per suite (median, min–max, ratio to the baseline, extras,
// failures) and the targets. Pure; unit-tested.
import { machineLine } from "../internal/machine.js";
import { type BenchResults, type Sample, type SuiteResult, summarizeMeasurement } from "../internal/results.js";
import { median } from "../internal/stats.js";
import { fmt, fmtRatio, fmtRatioSpread } from "./format.js";

function baselineLabel(suite: SuiteResult): string {
  return suite.measurements.find((m) => m.config === suite.baseline)?.label ?? suite.baseline;
}

/** Whether any sample recorded what else the machine was doing (steal time, load). */
function hasMachineExtras(suite: SuiteResult): boolean {
  return suite.measurements.some((m) => m.samples.some((s) => s.extra.stealPct !== undefined || s.extra.load1 !== undefined));
}

export function suiteTable(suite: SuiteResult): string {
  const machine = hasMachineExtras(suite);
  const head = [
    "configuration",
    `${suite.unit} (median)`,
    "min–max",
    `ratio to ${baselineLabel(suite)}`,
    ...(suite.cpuKey !== undefined ? ["CPU-efficiency ratio"] : []),
    ...suite.extras.map((e) => e.label),
    ...(machine ? ["steal %", "load"] : []),
    "failed",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const m of suite.measurements) {
    const s = summarizeMeasurement(suite, m);
    const vs = m.reference !== undefined ? ` vs ${m.reference}` : "";
    const served = s.notServed === undefined;
    const cells = [
      s.label,
      served ? fmt(s.value.median, suite.digits) : "not served",
      s.value.n === 0 ? "–" : `${fmt(s.value.min, suite.digits)}–${fmt(s.value.max, suite.digits)}`,
      served ? `${fmtRatioSpread(s.ratioSpread)}${s.ratioSpread.n > 0 ? vs : ""}` : "not served",
      ...(suite.cpuKey !== undefined ? [`${fmtRatioSpread(s.cpuRatioSpread)}${s.cpuRatioSpread.n > 0 ? vs : ""}`] : []),
      ...suite.extras.map((e) => fmt(s.extras[e.key], e.digits)),
      ...(machine ? [fmt(medianExtra(m.samples, "stealPct"), 1), fmt(medianExtra(m.samples, "load1"), 2)] : []),
      String(s.failures),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function medianExtra(samples: readonly Sample[], key: string): number {
  return median(samples.map((s) => s.extra[key]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
}

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  out.push(`# Benchmark results (${results.mode})`, "");
  out.push(`Machine: ${machineLine(results.machine, results.startedAt.slice(0, 10))}.`, "");
  out.push(
    `Servers on core ${results.settings.serverCpu}, load generators on core ${results.settings.loadCpu} (\`taskset\`); ` +
      `${results.rounds} round${results.rounds > 1 ? "s" : ""}, each running every configuration once, back to back; ` +
      "medians over rounds, with the spread over rounds (min–max) beside each ratio. Server unary, client unary and streaming " +
      "configurations are measured as pairs with their reference, the load alternating between the two in short ABBA windows, so each round's " +
      "ratio is paired in time; the other suites divide by the baseline of the same round. The CPU-efficiency ratio is the baseline's " +
      "server CPU per call ÷ the configuration's (higher is better): it moves far less than calls/s when the machine's speed " +
      'changes, so the targets are judged on it, with the throughput ratio beside. "steal %" and "load" are the machine\'s ' +
      'CPU steal time and 1-minute load average during the samples (medians). "failed" counts calls, messages or streams ' +
      "the server did not confirm as successful (all rounds).",
    "",
  );
  const check = results.spreadCheck;
  if (check !== undefined) {
    out.push(
      `Spread check: a ratio whose min–max is wider than ${(check.limit * 100).toFixed(0)} % of its median gets more rounds ` +
        `(${check.extraRounds} added, ${check.roundsRun} run). ` +
        (check.stillWide.length === 0 ? "No ratio is wide." : `**Still wide, do not quote:** ${check.stillWide.join("; ")}.`),
      "",
    );
  }
  if (results.targets.length > 0) {
    out.push("## Targets", "", "| target | measured (min–max) | throughput ratio | |", "| --- | ---: | ---: | --- |");
    for (const t of results.targets) {
      const actual =
        t.kind === "ratio-at-least"
          ? `${t.spread !== undefined ? fmtRatioSpread(t.spread) : fmtRatio(t.actual)}${t.measure === "cpu" ? " CPU" : ""}`
          : `${fmt(t.actual, 2)} KiB`;
      const throughput = t.throughput !== undefined ? fmtRatioSpread(t.throughput) : "";
      out.push(`| ${t.text} | ${actual} | ${throughput} | ${t.met ? "met" : "**missed**"} |`);
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
