// The benchmark harness: `pnpm --filter @org/bench bench [-- --quick]`. Runs every suite in
// rounds (each round runs every configuration of a suite once, in a rotated order), then writes
// results/<name>.json, .md and .svg. See README.md for what is measured and how to read it.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./internal/args.js";
import { describeMachine } from "./internal/machine.js";
import { isWide } from "./internal/paired.js";
import { Recorder } from "./internal/recorder.js";
import { type BenchResults, evaluateTargets, type SuiteResult, summarizeMeasurement } from "./internal/results.js";
import { TARGETS } from "./internal/targets.js";
import { renderMarkdown, suiteTable } from "./report/markdown.js";
import { renderSvg } from "./report/svg.js";
import type { GroupRunner } from "./suites/group.js";
import { GROUPS } from "./suites/registry.js";
import { writeUnaryBody } from "./suites/unary-server.js";

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

function requireTool(name: string, args: string[]): void {
  try {
    execFileSync(name, args, { stdio: "ignore" });
  } catch {
    throw new Error(`${name} is needed (Debian: apt-get install ${name === "h2load" ? "nghttp2-client" : "util-linux"})`);
  }
}

function groupOf(suiteId: string): GroupRunner | undefined {
  return GROUPS.find((g) => g.suites.some((s) => (typeof s.id === "string" ? s.id === suiteId : s.id.test(suiteId))));
}

/** Suites in the registry's reading order, configurations in their declared order. */
function ordered(suites: readonly SuiteResult[]): SuiteResult[] {
  const position = (id: string) => {
    let i = 0;
    for (const g of GROUPS) {
      for (const s of g.suites) {
        if (typeof s.id === "string" ? s.id === id : s.id.test(id)) return { i, configs: s.configs };
        i++;
      }
    }
    return { i, configs: [] as readonly string[] };
  };
  return [...suites]
    .sort((a, b) => position(a.id).i - position(b.id).i)
    .map((s) => {
      const { configs } = position(s.id);
      const at = (c: string) => (configs.includes(c) ? configs.indexOf(c) : configs.length);
      return { ...s, measurements: [...s.measurements].sort((a, b) => at(a.config) - at(b.config)) };
    });
}

/** "suite / config: width" of every ratio whose spread over rounds is wide (the CPU ratio where there is one). */
function wideRatios(suites: readonly SuiteResult[], limit: number): { suite: string; text: string }[] {
  const out: { suite: string; text: string }[] = [];
  for (const suite of suites) {
    for (const m of suite.measurements) {
      if (m.config === suite.baseline || m.notServed !== undefined) continue;
      const summary = summarizeMeasurement(suite, m);
      const s = suite.cpuKey !== undefined && summary.cpuRatioSpread.n > 0 ? summary.cpuRatioSpread : summary.ratioSpread;
      if (!isWide(s, limit)) continue;
      const width = s.n < 2 ? `${s.n} round${s.n === 1 ? "" : "s"}, no spread to judge` : `${(s.relativeWidth * 100).toFixed(0)} %`;
      out.push({ suite: suite.id, text: `${suite.id} / ${m.config}: ${width}` });
    }
  }
  return out;
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
  const recorder = new Recorder();
  let roundsRun = 0;
  const results = (): BenchResults => {
    const list = ordered(recorder.list);
    return {
      schemaVersion: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      mode: settings.mode,
      rounds: roundsRun,
      machine,
      settings: {
        serverCpu: settings.serverCpu,
        loadCpu: settings.loadCpu,
        unaryWarmupSec: settings.unary.warmupSec,
        unaryMeasureSec: settings.unary.measureSec,
        unaryWindows: settings.unary.windows,
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
      spreadCheck: {
        limit: settings.spreadLimit,
        roundsRun,
        extraRounds: Math.max(0, roundsRun - settings.rounds),
        stillWide: wideRatios(list, settings.spreadLimit).map((w) => w.text),
      },
    };
  };
  try {
    const bodyFile = await writeUnaryBody(tmp);
    console.log(
      `bench (${settings.mode}): ${settings.rounds} round(s) of ${settings.groups.join(", ")}; machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
    );
    const groups = GROUPS.filter((g) => settings.groups.includes(g.id));
    const runRound = async (round: number, only: readonly GroupRunner[]) => {
      console.log(`round ${round} of ${only.map((g) => g.id).join(", ")} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      for (const group of only) await group.run({ settings, recorder, round, bodyFile, tmp });
      roundsRun = Math.max(roundsRun, round);
      await write(results(), settings.outName); // a partial result survives an interrupted run
    };
    for (let round = 1; round <= settings.rounds; round++) await runRound(round, groups);
    // More rounds, for the groups whose ratios still spread wide, up to --max-rounds.
    for (let round = settings.rounds + 1; round <= settings.maxRounds; round++) {
      const wide = wideRatios(recorder.list, settings.spreadLimit);
      if (wide.length === 0) break;
      console.log(`spread wider than ${settings.spreadLimit * 100} %: ${wide.map((w) => w.text).join("; ")}`);
      const again = groups.filter((g) => wide.some((w) => groupOf(w.suite) === g));
      await runRound(round, again);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const final = results();
  await write(final, settings.outName);
  console.log("");
  for (const suite of final.suites) console.log(`${suite.title}\n${suiteTable(suite)}\n`);
  for (const t of final.targets)
    console.log(`${t.met ? "met   " : "MISSED"} ${t.text}: ${t.actual?.toFixed(2) ?? "–"}${t.measure === "cpu" ? " (CPU)" : ""}`);
  for (const w of final.spreadCheck?.stillWide ?? []) console.log(`wide spread, do not quote: ${w}`);
  console.log(`\nwrote results/${settings.outName}.{json,md,svg} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
