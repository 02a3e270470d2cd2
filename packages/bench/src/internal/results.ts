// The shape of a benchmark run (what results/latest.json holds) and the pure summaries the
// Markdown table and the SVG chart are drawn from.
import { type Spread, spread } from "./paired.js";
import { median, ratio, type Summary, summarize } from "./stats.js";

export interface Extra {
  key: string;
  /** Column heading in the table. */
  label: string;
  digits: number;
}

export interface SuiteSpec {
  id: string;
  title: string;
  /** One sentence: what is measured and how. */
  description: string;
  unit: string;
  higherIsBetter: boolean;
  /** Config id every ratio in this suite is relative to. */
  baseline: string;
  /** Per-sample extras shown as extra columns (median over rounds). */
  extras: Extra[];
  digits: number;
  /**
   * Extra holding the server's CPU µs per call or message: its ratio (baseline ÷ this, so higher
   * is better) is reported beside the throughput ratio. CPU per call moves far less than calls/s
   * when the machine's speed changes, so targets use it as the primary figure.
   */
  cpuKey?: string;
}

export interface Sample {
  round: number;
  /** The measured value; NaN when the sample failed outright. */
  value: number;
  /** Calls, messages or streams that did not succeed (checked on the server side). */
  failures: number;
  extra: Record<string, number>;
}

export interface Measurement {
  config: string;
  label: string;
  /**
   * Label of what this configuration's ratios are relative to when it is not the suite's
   * baseline (gRPC-Web unary is paired with the same server over gRPC).
   */
  reference?: string;
  /** Why the configuration has no figures: it does not serve the protocol measured. */
  notServed?: string;
  samples: Sample[];
}

export interface SuiteResult extends SuiteSpec {
  measurements: Measurement[];
  /** Errors of samples that could not be taken. */
  errors: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: a hint of how noisy the machine was. */
  loadAverageAtStart: number;
}

/** Rounds added because a ratio's spread was wide, and the spreads still wide at the end. */
export interface SpreadCheck {
  /** Relative width (max − min) / median above which a ratio's spread counts as wide. */
  limit: number;
  roundsRun: number;
  extraRounds: number;
  /** "suite / config: width" of every ratio still wide after the extra rounds. */
  stillWide: string[];
}

export interface BenchResults {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  mode: "full" | "quick";
  rounds: number;
  machine: Machine;
  /** Settings of the run (durations, concurrency, cores). */
  settings: Record<string, number | string>;
  suites: SuiteResult[];
  targets: TargetOutcome[];
  /** Absent in results written before paired ratios existed. */
  spreadCheck?: SpreadCheck;
}

export interface Target {
  suite: string;
  config: string;
  /** "ratio": median ratio to the suite's baseline at least `threshold`; "value": median at most `threshold`. */
  kind: "ratio-at-least" | "value-at-most";
  /** For ratio targets: the CPU-efficiency ratio (default when the suite has one) or the throughput ratio. */
  measure?: "cpu" | "throughput";
  threshold: number;
  text: string;
}

export interface TargetOutcome extends Target {
  actual: number | undefined;
  /** Spread over rounds of the ratio judged (ratio targets). */
  spread?: Spread;
  /** The throughput ratio beside a CPU-judged target. */
  throughput?: Spread;
  met: boolean;
}

export interface MeasurementSummary {
  config: string;
  label: string;
  value: Summary;
  /**
   * Median over rounds of (this config's sample / the baseline's sample of the same round):
   * pairing by round cancels load that drifts over the run. Undefined for the baseline's own
   * row only if it has no finite samples.
   */
  ratio: number | undefined;
  /** Per-round throughput ratios: min, median, max. */
  ratioSpread: Spread;
  /**
   * Median over rounds of (baseline CPU per call ÷ this CPU per call): calls per CPU second
   * relative to the baseline. Undefined when the suite has no CPU figure.
   */
  cpuRatio: number | undefined;
  cpuRatioSpread: Spread;
  extras: Record<string, number>;
  failures: number;
  notServed: string | undefined;
}

/**
 * Per-round ratios of one configuration. A paired sample carries its own ratios (measured in
 * interleaved windows against its reference); otherwise each sample is divided by the
 * baseline's sample of the same round.
 */
function perRoundRatios(
  suite: SuiteResult,
  m: Measurement,
  pairedKey: string,
  pick: (s: Sample) => number | undefined,
  invert: boolean,
): number[] {
  const out: number[] = [];
  const baseline = suite.measurements.find((b) => b.config === suite.baseline);
  for (const s of m.samples) {
    const paired = s.extra[pairedKey];
    if (paired !== undefined) {
      if (Number.isFinite(paired)) out.push(paired);
      continue;
    }
    const b = baseline?.samples.find((x) => x.round === s.round);
    const r = invert ? ratio(b === undefined ? undefined : pick(b), pick(s)) : ratio(pick(s), b === undefined ? undefined : pick(b));
    if (r !== undefined) out.push(r);
  }
  return out;
}

export function summarizeMeasurement(suite: SuiteResult, m: Measurement): MeasurementSummary {
  const perRound = perRoundRatios(suite, m, "pairedRatio", (s) => s.value, false);
  const cpuKey = suite.cpuKey;
  const perRoundCpu = cpuKey === undefined ? [] : perRoundRatios(suite, m, "cpuRatio", (s) => s.extra[cpuKey], true);
  const extras: Record<string, number> = {};
  for (const e of suite.extras) {
    extras[e.key] = median(m.samples.map((s) => s.extra[e.key]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  }
  const ratioSpread = spread(perRound);
  const cpuRatioSpread = spread(perRoundCpu);
  return {
    config: m.config,
    label: m.label,
    value: summarize(m.samples.map((s) => s.value)),
    ratio: ratioSpread.n > 0 ? ratioSpread.median : undefined,
    ratioSpread,
    cpuRatio: cpuRatioSpread.n > 0 ? cpuRatioSpread.median : undefined,
    cpuRatioSpread,
    extras,
    failures: m.samples.reduce((n, s) => n + s.failures, 0),
    notServed: m.notServed,
  };
}

export function evaluateTargets(suites: readonly SuiteResult[], targets: readonly Target[]): TargetOutcome[] {
  return targets.map((t) => {
    const suite = suites.find((s) => s.id === t.suite);
    const m = suite?.measurements.find((x) => x.config === t.config);
    if (suite === undefined || m === undefined) return { ...t, actual: undefined, met: false };
    const summary = summarizeMeasurement(suite, m);
    const byCpu = t.kind === "ratio-at-least" && (t.measure ?? (suite.cpuKey !== undefined ? "cpu" : "throughput")) === "cpu";
    const actual = t.kind === "ratio-at-least" ? (byCpu ? summary.cpuRatio : summary.ratio) : summary.value.median;
    const met =
      actual !== undefined &&
      Number.isFinite(actual) &&
      summary.failures === 0 &&
      (t.kind === "ratio-at-least" ? actual >= t.threshold : actual <= t.threshold);
    if (t.kind !== "ratio-at-least") return { ...t, actual, met };
    return {
      ...t,
      measure: byCpu ? "cpu" : "throughput",
      actual,
      met,
      spread: byCpu ? summary.cpuRatioSpread : summary.ratioSpread,
      ...(byCpu ? { throughput: summary.ratioSpread } : {}),
    };
  });
}
