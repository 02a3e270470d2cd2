// Paired measurement of a candidate against its reference: both servers run side by side and the
// load alternates between them in short windows (ABBA order), so that a change of machine speed
// during the sample hits both sides alike. Pure; unit-tested.

/** One measured window of load against one side of a pair. */
export interface Window {
  side: "reference" | "candidate";
  /** Calls the server confirmed as OK during the window. */
  calls: number;
  /** Wall time of the window, seconds. */
  seconds: number;
  /** Server CPU time (user + system) spent in the window, µs. */
  cpuUs: number;
}

/** The side that runs in window `i` (0-based): A B B A A B B A …, so a linear drift cancels. */
export function abbaSide(i: number): Window["side"] {
  return (i + 1) % 4 < 2 ? "reference" : "candidate";
}

/**
 * Runs `count` windows alternating between the two sides in ABBA order; `measure` runs one
 * window of load against one side and reports it.
 */
export async function runAbba(count: number, measure: (side: Window["side"], index: number) => Promise<Window>): Promise<Window[]> {
  const windows: Window[] = [];
  for (let i = 0; i < count; i++) windows.push(await measure(abbaSide(i), i));
  return windows;
}

export interface SideTotals {
  calls: number;
  seconds: number;
  cpuUs: number;
  /** Calls per second over the side's windows. */
  throughput: number;
  /** Server CPU µs per call over the side's windows. */
  cpuUsPerCall: number;
}

export function sideTotals(windows: readonly Window[], side: Window["side"]): SideTotals {
  let calls = 0;
  let seconds = 0;
  let cpuUs = 0;
  for (const w of windows) {
    if (w.side !== side) continue;
    calls += w.calls;
    seconds += w.seconds;
    cpuUs += w.cpuUs;
  }
  return {
    calls,
    seconds,
    cpuUs,
    throughput: seconds > 0 ? calls / seconds : Number.NaN,
    cpuUsPerCall: calls > 0 ? cpuUs / calls : Number.NaN,
  };
}

export interface PairedRatio {
  /** Candidate calls/s ÷ reference calls/s over the interleaved windows. */
  throughput: number;
  /**
   * Reference CPU µs per call ÷ candidate CPU µs per call: how many more calls the candidate
   * serves per CPU second. Higher is better, like the throughput ratio.
   */
  cpuEfficiency: number;
}

/** The paired ratios of one sample; NaN where a side has no calls or no time. */
export function pairedRatio(windows: readonly Window[]): PairedRatio {
  const ref = sideTotals(windows, "reference");
  const cand = sideTotals(windows, "candidate");
  const divide = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);
  return { throughput: divide(cand.throughput, ref.throughput), cpuEfficiency: divide(ref.cpuUsPerCall, cand.cpuUsPerCall) };
}

/** Server CPU µs per call between two `process.cpuUsage()`-style snapshots; NaN without calls. */
export function cpuUsPerCall(before: { user: number; system: number }, after: { user: number; system: number }, calls: number): number {
  if (!(calls > 0)) return Number.NaN;
  return (after.user - before.user + after.system - before.system) / calls;
}

/** Spread of per-round ratios: min, median, max, and the width (max − min) relative to the median. */
export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
  relativeWidth: number;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return { n, min: Number.NaN, median: Number.NaN, max: Number.NaN, relativeWidth: Number.NaN };
  const mid = n >> 1;
  const median = n % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  const min = finite[0]!;
  const max = finite[n - 1]!;
  return { n, min, median, max, relativeWidth: median !== 0 ? (max - min) / Math.abs(median) : Number.NaN };
}

/**
 * Whether a spread is too wide to quote: more than `limit` relative width, or fewer than
 * `minRounds` usable rounds (one round has no spread to judge).
 */
export function isWide(s: Spread, limit: number, minRounds = 2): boolean {
  return s.n < minRounds || !(s.relativeWidth <= limit);
}
