// Collects the samples of a run into suites. Every sample records what else the machine was doing
// while it was taken (steal time and load, from /proc); a configuration that does not serve the
// protocol measured is recorded once as "not served" and skipped in later rounds.
import { NotServedError } from "./preflight.js";
import { machineDuring, readCpuTimes } from "./proc.js";
import type { Sample, SuiteResult, SuiteSpec } from "./results.js";

export class Recorder {
  readonly list: SuiteResult[] = [];

  get(spec: SuiteSpec): SuiteResult {
    let s = this.list.find((x) => x.id === spec.id);
    if (s === undefined) {
      s = { ...spec, measurements: [], errors: [] };
      this.list.push(s);
    }
    return s;
  }

  private measurement(spec: SuiteSpec, config: string, label: string) {
    const suite = this.get(spec);
    let m = suite.measurements.find((x) => x.config === config);
    if (m === undefined) {
      m = { config, label, samples: [] };
      suite.measurements.push(m);
    }
    return m;
  }

  /** Whether `config` was found not to serve the protocol of `spec`'s suite. */
  notServed(spec: SuiteSpec, config: string): boolean {
    return this.list.find((s) => s.id === spec.id)?.measurements.find((m) => m.config === config)?.notServed !== undefined;
  }

  /** Adds a sample taken elsewhere (the reference side of a paired sample). */
  add(spec: SuiteSpec, config: string, label: string, sample: Sample): void {
    this.measurement(spec, config, label).samples.push(sample);
  }

  /** Names what `config`'s ratios are relative to, when that is not the suite's baseline. */
  setReference(spec: SuiteSpec, config: string, reference: string): void {
    const m = this.get(spec).measurements.find((x) => x.config === config);
    if (m !== undefined) m.reference = reference;
  }

  /** Takes one sample of `config`, with the machine's steal and load over it. */
  async sample<T extends Sample | { candidate: Sample }>(
    spec: SuiteSpec,
    config: string,
    label: string,
    round: number,
    take: () => Promise<T>,
  ): Promise<T | undefined> {
    const suite = this.get(spec);
    const m = this.measurement(spec, config, label);
    const t0 = Date.now();
    const cpu0 = readCpuTimes();
    let taken: T | undefined;
    let sample: Sample;
    try {
      taken = await take();
      sample = "candidate" in taken ? taken.candidate : taken;
    } catch (err) {
      const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
      if (err instanceof NotServedError) {
        m.notServed = message;
        suite.errors.push(`${config}: not served (${message}); skipped in later rounds`);
        console.log(`  ${spec.id.padEnd(20)} ${config.padEnd(18)} not served: ${message}`);
        return undefined;
      }
      suite.errors.push(`round ${round}, ${config}: ${message}`);
      sample = { round, value: Number.NaN, failures: 0, extra: {} };
    }
    Object.assign(sample.extra, machineDuring(cpu0, readCpuTimes()));
    m.samples.push(sample);
    const extras = spec.extras.map((e) => `${e.label} ${sample.extra[e.key]?.toFixed(e.digits) ?? "–"}`).join(", ");
    const paired =
      sample.extra.pairedRatio !== undefined
        ? `, ratio ${sample.extra.pairedRatio.toFixed(2)} / CPU ${sample.extra.cpuRatio?.toFixed(2)}`
        : "";
    console.log(
      `  ${spec.id.padEnd(20)} ${config.padEnd(18)} ${sample.value.toFixed(spec.digits).padStart(10)} ${spec.unit}` +
        `  (${extras}${paired}; steal ${sample.extra.stealPct?.toFixed(1) ?? "–"} %, load ${sample.extra.load1?.toFixed(2) ?? "–"}; ` +
        `${sample.failures} failed; ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    return taken;
  }
}
