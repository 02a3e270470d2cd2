// What a suite group is to the harness: one file per kind of row (suites/*.ts) exports a
// GroupRunner, and suites/registry.ts lists them. A group runs every configuration once per round.
import type { BenchSettings, SuiteGroup } from "../internal/args.js";
import { baseConfig, configLabel, PREV_CAPABLE } from "../internal/configs.js";
import { PREV_SUFFIX } from "../internal/prev.js";
import type { Recorder } from "../internal/recorder.js";
import type { Sample, SuiteSpec } from "../internal/results.js";

export interface RoundContext {
  settings: BenchSettings;
  recorder: Recorder;
  round: number;
  /** The unary request body h2load sends. */
  bodyFile: string;
  /** A scratch directory removed after the run. */
  tmp: string;
}

export interface GroupRunner {
  id: SuiteGroup;
  /** Suite ids this group writes, in reading order, each with its configurations in table order. */
  suites: { id: string | RegExp; configs: readonly string[] }[];
  run(ctx: RoundContext): Promise<void>;
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** The configurations of a suite to run this round: selected by --configs, baseline kept, rotated. */
export function pick<T extends string>(settings: BenchSettings, list: readonly T[], baseline: string, round: number): T[] {
  const all =
    settings.prev === undefined ? list : [...list, ...list.filter((c) => PREV_CAPABLE.has(c)).map((c) => `${c}${PREV_SUFFIX}` as T)];
  const selected =
    settings.configs === undefined
      ? all
      : all.filter((c) => c === baseline || settings.configs!.includes(baseConfig(c)) || settings.configs!.includes(c));
  return rotate(selected, round);
}

/** A sample measured as a pair: the candidate and its reference in alternating windows. */
export interface PairedSample {
  candidate: Sample;
  /** The reference's windows of the pair, as a sample of the reference configuration. */
  reference: Sample;
  referenceConfig: string;
}

const MACHINE_KEYS = ["stealPct", "busyPct", "load1"];

/**
 * Takes one paired sample of `config` and records both sides: the reference's windows become a
 * sample of the suite's baseline when the reference is the baseline, else the row names what its
 * ratios are relative to. A configuration found not to serve the protocol is skipped.
 */
export async function recordPaired(
  recorder: Recorder,
  spec: SuiteSpec,
  labels: Record<string, string>,
  config: string,
  reference: string,
  round: number,
  take: () => Promise<PairedSample>,
): Promise<void> {
  if (config === spec.baseline || recorder.notServed(spec, config)) return;
  const label = (id: string) => configLabel(labels, id);
  const taken = await recorder.sample(spec, config, label(config), round, take);
  if (taken === undefined) return;
  if (reference === spec.baseline) {
    const machine: Record<string, number> = {};
    for (const k of MACHINE_KEYS) if (taken.candidate.extra[k] !== undefined) machine[k] = taken.candidate.extra[k];
    recorder.add(spec, reference, label(reference), { ...taken.reference, extra: { ...taken.reference.extra, ...machine } });
  } else {
    recorder.setReference(spec, config, label(reference));
  }
}
