// The shape of a benchmark run (what results/latest.json holds) and the pure summaries the
// Markdown table and the SVG chart are drawn from.
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
}

export interface Target {
  suite: string;
  config: string;
  /** "ratio": median ratio to the suite's baseline at least `threshold`; "value": median at most `threshold`. */
  kind: "ratio-at-least" | "value-at-most";
  threshold: number;
  text: string;
}

export interface TargetOutcome extends Target {
  actual: number | undefined;
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
  extras: Record<string, number>;
  failures: number;
}

export function summarizeMeasurement(suite: SuiteResult, m: Measurement): MeasurementSummary {
  const baseline = suite.measurements.find((b) => b.config === suite.baseline);
  const perRound: number[] = [];
  if (baseline !== undefined) {
    for (const s of m.samples) {
      const b = baseline.samples.find((x) => x.round === s.round);
      const r = ratio(s.value, b?.value);
      if (r !== undefined) perRound.push(r);
    }
  }
  const extras: Record<string, number> = {};
  for (const e of suite.extras) {
    extras[e.key] = median(m.samples.map((s) => s.extra[e.key]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  }
  return {
    config: m.config,
    label: m.label,
    value: summarize(m.samples.map((s) => s.value)),
    ratio: perRound.length > 0 ? median(perRound) : undefined,
    extras,
    failures: m.samples.reduce((n, s) => n + s.failures, 0),
  };
}

export function evaluateTargets(suites: readonly SuiteResult[], targets: readonly Target[]): TargetOutcome[] {
  return targets.map((t) => {
    const suite = suites.find((s) => s.id === t.suite);
    const m = suite?.measurements.find((x) => x.config === t.config);
    if (suite === undefined || m === undefined) return { ...t, actual: undefined, met: false };
    const summary = summarizeMeasurement(suite, m);
    const actual = t.kind === "ratio-at-least" ? summary.ratio : summary.value.median;
    const met =
      actual !== undefined &&
      Number.isFinite(actual) &&
      summary.failures === 0 &&
      (t.kind === "ratio-at-least" ? actual >= t.threshold : actual <= t.threshold);
    return { ...t, actual, met };
  });
}
