// Runs packages/users-service/dist/main.js as a child process with its own port and database,
// and can kill, stop gracefully and restart it on the same port.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { healthCheck, SERVING } from "./health.js";
import { getFreePort } from "./ports.js";
import { waitFor } from "./wait.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const serviceMain = join(repoRoot, "packages/users-service/dist/main.js");

export interface ServiceOptions {
  /** gRPC port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** SQLite file (default: users.db in a fresh temp dir, removed on dispose). */
  dbPath?: string;
  /** Also expose /metrics on a free port (METRICS_LISTEN). */
  metrics?: boolean;
  /** Extra environment (auth secrets, limits, …). */
  env?: Record<string, string>;
  /** How long to wait for SERVING (default 20000 ms). */
  readyTimeoutMs?: number;
  /** Node options before the script, e.g. `--expose-gc` (default none). */
  nodeArgs?: string[];
}

export interface ServiceProcess extends AsyncDisposable {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly dbPath: string;
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON when LOG_LEVEL allows). */
  readonly lines: string[];
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts a fresh process with the same port, database and metrics port. */
  restart(): Promise<ServiceProcess>;
}

const ownedTempDirs = new Set<string>();

export async function startService(options: ServiceOptions = {}): Promise<ServiceProcess> {
  const port = options.port ?? (await getFreePort());
  let tempDir: string | undefined;
  let dbPath = options.dbPath;
  if (dbPath === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), "interop-users-"));
    ownedTempDirs.add(tempDir);
    dbPath = join(tempDir, "users.db");
  }
  const metricsPort = options.metrics ? await getFreePort() : undefined;
  return launch({ ...options, port, dbPath, metricsPort, tempDir });
}

async function launch(
  opts: ServiceOptions & { port: number; dbPath: string; metricsPort: number | undefined; tempDir: string | undefined },
): Promise<ServiceProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    GRPC_LISTEN: `127.0.0.1:${opts.port}`,
    USERS_DB: opts.dbPath,
    LOG_LEVEL: "warn",
    ...(opts.metricsPort !== undefined ? { METRICS_LISTEN: `127.0.0.1:${opts.metricsPort}` } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), serviceMain], { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let pending = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) if (lines.length < 50_000) lines.push(line);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
  });

  try {
    await waitFor(
      `users-service on port ${opts.port} to report SERVING`,
      async () => {
        if (exitedEarly) throw new Error(`exited early:\n${lines.slice(-20).join("\n")}`);
        const { status } = await healthCheck(opts.port, "", 1000);
        return status === SERVING ? true : undefined;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 20_000, intervalMs: 100 },
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${lines.slice(-20).join("\n")}`);
  }

  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const service: ServiceProcess = {
    port: opts.port,
    metricsPort: opts.metricsPort,
    dbPath: opts.dbPath,
    child,
    lines,
    exited,
    stop,
    restart: () => launch({ ...opts, tempDir: undefined }),
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL", 5000);
      if (opts.tempDir !== undefined) {
        rmSync(opts.tempDir, { recursive: true, force: true });
        ownedTempDirs.delete(opts.tempDir);
      }
    },
  };
  return service;
}

/** A temp dir for a database shared by several service processes; removed by the returned disposer. */
export function sharedDbDir(): { dbPath: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "interop-shared-"));
  return { dbPath: join(dir, "users.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
