// The benchmark harness: `pnpm --filter @org/bench bench [-- --quick]`. Runs every suite in
// rounds (each round runs every configuration of a suite once, in a rotated order), then writes
// results/<name>.json, .md and .svg. See README.md for what is measured and how to read it.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchSettings, parseArgs } from "./internal/args.js";
import { startChild } from "./internal/child.js";
import { CODECS, type CodecOp } from "./internal/codecs.js";
import { baseConfig, CLIENT_CONFIGS, configLabel, PREV_CAPABLE, SERVER_CONFIGS } from "./internal/configs.js";
import { describeMachine } from "./internal/machine.js";
import { PREV_SUFFIX } from "./internal/prev.js";
import { type BenchResults, evaluateTargets, type Sample, type SuiteResult, type SuiteSpec } from "./internal/results.js";
import { TARGETS } from "./internal/targets.js";
import { renderMarkdown, suiteTable } from "./report/markdown.js";
import { renderSvg } from "./report/svg.js";
import { MEMORY_CONFIGS, memorySample, memorySpec } from "./suites/memory.js";
import { CODEC_IDS, serialisationSample, serialisationSpec } from "./suites/serialisation.js";
import { STREAMING_CONFIGS, STREAMING_KINDS, streamingSample, streamingSpec } from "./suites/streaming.js";
import { UNARY_CLIENT_CONFIGS, unaryClientSample, unaryClientSpec } from "./suites/unary-client.js";
import { UNARY_SERVER_CONFIGS, unaryServerSample, unaryServerSpec, writeUnaryBody } from "./suites/unary-server.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** The configurations of a suite to run this round: selected by --configs, baseline kept, rotated. */
function pick<T extends string>(settings: BenchSettings, list: readonly T[], baseline: string, round: number): T[] {
  const all =
    settings.prev === undefined ? list : [...list, ...list.filter((c) => PREV_CAPABLE.has(c)).map((c) => `${c}${PREV_SUFFIX}` as T)];
  const selected =
    settings.configs === undefined
      ? all
      : all.filter((c) => c === baseline || settings.configs!.includes(baseConfig(c)) || settings.configs!.includes(c));
  return rotate(selected, round);
}

function requireTool(name: string, args: string[]): void {
  try {
    execFileSync(name, args, { stdio: "ignore" });
  } catch {
    throw new Error(`${name} is needed (Debian: apt-get install ${name === "h2load" ? "nghttp2-client" : "util-linux"})`);
  }
}

class Suites {
  readonly list: SuiteResult[] = [];
  get(spec: SuiteSpec): SuiteResult {
    let s = this.list.find((x) => x.id === spec.id);
    if (s === undefined) {
      s = { ...spec, measurements: [], errors: [] };
      this.list.push(s);
    }
    return s;
  }
  async sample(spec: SuiteSpec, config: string, label: string, round: number, take: () => Promise<Sample>): Promise<void> {
    const suite = this.get(spec);
    let m = suite.measurements.find((x) => x.config === config);
    if (m === undefined) {
      m = { config, label, samples: [] };
      suite.measurements.push(m);
    }
    const t0 = Date.now();
    let sample: Sample;
    try {
      sample = await take();
    } catch (err) {
      const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
      suite.errors.push(`round ${round}, ${config}: ${message}`);
      sample = { round, value: Number.NaN, failures: 0, extra: {} };
    }
    m.samples.push(sample);
    const extras = spec.extras.map((e) => `${e.label} ${sample.extra[e.key]?.toFixed(e.digits) ?? "–"}`).join(", ");
    console.log(
      `  ${spec.id.padEnd(20)} ${config.padEnd(18)} ${sample.value.toFixed(spec.digits).padStart(10)} ${spec.unit}` +
        `  (${extras}; ${sample.failures} failed; ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
}

async function runRound(settings: BenchSettings, suites: Suites, round: number, bodyFile: string, tmp: string): Promise<void> {
  for (const group of settings.groups) {
    switch (group) {
      case "unary-server": {
        const spec = unaryServerSpec(settings);
        for (const c of pick(settings, UNARY_SERVER_CONFIGS, spec.baseline, round)) {
          await suites.sample(spec, c, configLabel(SERVER_CONFIGS, c), round, () => unaryServerSample(c, settings, round, bodyFile, tmp));
        }
        break;
      }
      case "unary-client": {
        const spec = unaryClientSpec(settings);
        for (const c of pick(settings, UNARY_CLIENT_CONFIGS, spec.baseline, round)) {
          await suites.sample(spec, c, configLabel(CLIENT_CONFIGS, c), round, () => unaryClientSample(c, settings, round));
        }
        break;
      }
      case "streaming":
        for (const kind of STREAMING_KINDS) {
          const spec = streamingSpec(kind);
          for (const c of pick(settings, STREAMING_CONFIGS, spec.baseline, round)) {
            await suites.sample(spec, c, configLabel(SERVER_CONFIGS, c), round, () => streamingSample(kind, c, settings, round));
          }
        }
        break;
      case "serialisation": {
        const child = await startChild<unknown>({ script: "codec-main.js", args: [], cpu: settings.serverCpu });
        try {
          for (const op of ["encode", "decode"] as CodecOp[]) {
            const spec = serialisationSpec(op);
            for (const c of pick(settings, CODEC_IDS, spec.baseline, round)) {
              await suites.sample(spec, c, CODECS[c], round, () => serialisationSample(child, c, op, settings, round));
            }
          }
        } finally {
          await child.stop();
        }
        break;
      }
      case "memory": {
        const spec = memorySpec(settings);
        for (const c of pick(settings, MEMORY_CONFIGS, spec.baseline, round)) {
          await suites.sample(spec, c, configLabel(SERVER_CONFIGS, c), round, () => memorySample(c, settings, round));
        }
        break;
      }
    }
  }
}

/** Suites in a fixed reading order, configurations in their declared order. */
function ordered(suites: SuiteResult[]): SuiteResult[] {
  const order = [
    "unary-server",
    "unary-client",
    "server-stream-1",
    "server-stream-10",
    "client-stream",
    "idle-stream-memory",
    "serialisation-encode",
    "serialisation-decode",
  ];
  const declared: Record<string, readonly string[]> = {
    "unary-server": UNARY_SERVER_CONFIGS,
    "unary-client": UNARY_CLIENT_CONFIGS,
    "idle-stream-memory": MEMORY_CONFIGS,
  };
  return [...suites]
    .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
    .map((s) => {
      const configs = declared[s.id] ?? (s.id.startsWith("serialisation") ? CODEC_IDS : STREAMING_CONFIGS);
      return { ...s, measurements: [...s.measurements].sort((a, b) => configs.indexOf(a.config) - configs.indexOf(b.config)) };
    });
}

async function write(results: BenchResults, name: string): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(resultsDir, `${name}.md`), renderMarkdown(results));
  await writeFile(join(resultsDir, `${name}.svg`), renderSvg(results));
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  if (settings.prev !== undefined) process.env.BENCH_PREV = settings.prev; // children inherit it
  requireTool("h2load", ["--version"]);
  requireTool("taskset", ["-c", "0", "true"]);
  const machine = describeMachine();
  if (machine.cpus < 2) console.warn("warning: fewer than 2 cores; server and load share a core");
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const tmp = await mkdtemp(join(tmpdir(), "org-bench-"));
  const suites = new Suites();
  const results = (): BenchResults => {
    const list = ordered(suites.list);
    return {
      schemaVersion: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      mode: settings.mode,
      rounds: settings.rounds,
      machine,
      settings: {
        serverCpu: settings.serverCpu,
        loadCpu: settings.loadCpu,
        unaryWarmupSec: settings.unary.warmupSec,
        unaryMeasureSec: settings.unary.measureSec,
        h2loadConnections: settings.unary.connections,
        h2loadStreamsPerConnection: settings.unary.streamsPerConnection,
        clientConcurrency: settings.client.concurrency,
        clientMeasureMs: settings.client.measureMs,
        streamMeasureSec: settings.stream.measureSec,
        idleStreams: settings.memory.streams,
        codecDurationMs: settings.codec.durationMs,
      },
      suites: list,
      targets: evaluateTargets(
        list,
        TARGETS.filter((t) => list.some((s) => s.id === t.suite)),
      ),
    };
  };
  try {
    const bodyFile = await writeUnaryBody(tmp);
    console.log(
      `bench (${settings.mode}): ${settings.rounds} round(s) of ${settings.groups.join(", ")}; machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
    );
    for (let round = 1; round <= settings.rounds; round++) {
      console.log(`round ${round}/${settings.rounds} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      await runRound(settings, suites, round, bodyFile, tmp);
      await write(results(), settings.outName); // a partial result survives an interrupted run
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const final = results();
  await write(final, settings.outName);
  console.log("");
  for (const suite of final.suites) console.log(`${suite.title}\n${suiteTable(suite)}\n`);
  for (const t of final.targets) console.log(`${t.met ? "met   " : "MISSED"} ${t.text}: ${t.actual?.toFixed(2) ?? "–"}`);
  console.log(`\nwrote results/${settings.outName}.{json,md,svg} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
