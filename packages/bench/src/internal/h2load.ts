// h2load (nghttp2) as the unary load generator: argument building and output parsing (pure,
// unit-tested), and one bounded run pinned to a core.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { percentile } from "./stats.js";

export interface H2loadLoad {
  url: string;
  /** File holding the request body (one gRPC-framed message). */
  bodyFile: string;
  headers: Record<string, string>;
  /** HTTP/2 connections (-c). */
  connections: number;
  /** Concurrent streams per connection (-m). */
  streamsPerConnection: number;
  /** Exactly this many requests (-n), or */
  requests?: number;
  /** for this many seconds (-D) when `requests` is not given. */
  durationSec?: number;
  /** Per-request log (start, status, µs) for latency percentiles. */
  logFile?: string;
}

export function h2loadArgs(load: H2loadLoad): string[] {
  const args = ["-c", String(load.connections), "-m", String(load.streamsPerConnection), "-t", "1", "-d", load.bodyFile];
  if (load.requests !== undefined) args.push("-n", String(load.requests));
  else if (load.durationSec !== undefined) args.push("-D", String(load.durationSec));
  else throw new Error("h2load needs requests or durationSec");
  for (const [name, value] of Object.entries(load.headers)) args.push("-H", `${name}: ${value}`);
  if (load.logFile !== undefined) args.push(`--log-file=${load.logFile}`);
  args.push(load.url);
  return args;
}

export interface H2loadSummary {
  elapsedSec: number;
  reqPerSec: number;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
  status2xx: number;
}

function durationSec(value: string, unit: string): number {
  const n = Number(value);
  switch (unit) {
    case "s":
      return n;
    case "ms":
      return n / 1e3;
    case "us":
      return n / 1e6;
    default:
      return Number.NaN;
  }
}

/** Parses h2load's summary ("finished in …", "requests: …", "status codes: …"). */
export function parseH2loadOutput(output: string): H2loadSummary {
  const finished = /finished in ([\d.]+)(s|ms|us), ([\d.]+) req\/s/.exec(output);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
    output,
  );
  const status = /status codes: (\d+) 2xx/.exec(output);
  if (finished === null || requests === null || status === null) {
    throw new Error(`unexpected h2load output:\n${output.slice(-2000)}`);
  }
  const n = (i: number) => Number(requests[i]);
  return {
    elapsedSec: durationSec(finished[1]!, finished[2]!),
    reqPerSec: Number(finished[3]),
    total: n(1),
    done: n(3),
    succeeded: n(4),
    failed: n(5),
    errored: n(6),
    timeout: n(7),
    status2xx: Number(status[1]),
  };
}

/** Request durations in µs from an h2load `--log-file` (lines: start µs, status, duration µs). */
export function parseH2loadLog(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const parts = line.split("\t");
    const us = Number(parts[2]);
    if (parts.length >= 3 && Number.isFinite(us)) out.push(us);
  }
  return out;
}

export interface H2loadResult extends H2loadSummary {
  /** Latency percentiles, ms (NaN without a log file). */
  p50Ms: number;
  p99Ms: number;
}

/** Runs h2load pinned to `cpu`, killed after `timeoutMs`. */
export async function runH2load(load: H2loadLoad, cpu: number, timeoutMs: number): Promise<H2loadResult> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      "taskset",
      ["-c", String(cpu), "h2load", ...h2loadArgs(load)],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`h2load failed: ${err.message}\n${stderr}\n${stdout.slice(-1000)}`));
        else resolve(stdout);
      },
    );
  });
  const summary = parseH2loadOutput(output);
  let p50Ms = Number.NaN;
  let p99Ms = Number.NaN;
  if (load.logFile !== undefined) {
    const durations = parseH2loadLog(await readFile(load.logFile, "utf8")).sort((a, b) => a - b);
    p50Ms = percentile(durations, 0.5, true) / 1000;
    p99Ms = percentile(durations, 0.99, true) / 1000;
    await rm(load.logFile, { force: true });
  }
  return { ...summary, p50Ms, p99Ms };
}
