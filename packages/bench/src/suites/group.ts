// What a suite group is to the harness: one file per kind of row (suites/*.ts) exports a
// GroupRunner, and suites/registry.ts lists them. A group runs every configuration once per round.
import type { BenchSettings, SuiteGroup } from "../internal/args.js";
import { baseConfig, PREV_CAPABLE } from "../internal/configs.js";
import { PREV_SUFFIX } from "../internal/prev.js";
import type { Recorder } from "../internal/recorder.js";

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
