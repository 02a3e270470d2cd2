// The real users service for the browser tests: packages/users-service's built `dist/main.js` as a
// child process, on 127.0.0.1, with its SQLite file in a temporary folder and metrics on (the tests
// read them to know when the page's WatchUsers stream is open). `restart()` stops it with SIGTERM
// and starts it again on the same port and file, as an operator would.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const mainJs = fileURLToPath(new URL("../../../users-service/dist/main.js", import.meta.url));

export interface UsersServiceProcess extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the console's page and the gRPC(-Web) port. */
  readonly origin: string;
  readonly port: number;
  /** What the service printed on stderr for a person (the console's URL). */
  readonly banner: string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** Starts again on the same port and SQLite file. */
  start(): Promise<void>;
  /** The value of a metric line of the last scrape, e.g. `grpc_server_streams_in_flight{…grpc_method="WatchUsers"…}`. */
  metric(name: string, method: string): Promise<number>;
}

interface Running {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  banner: () => string;
  exited: Promise<void>;
}

export async function startUsersService(env: Record<string, string> = {}): Promise<UsersServiceProcess> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build @org/users-service first (turbo run build)`);
  const dir = mkdtempSync(join(tmpdir(), "users-console-"));
  const baseEnv = {
    PATH: process.env.PATH ?? "",
    USERS_DB: join(dir, "users.db"),
    METRICS_LISTEN: "127.0.0.1:0",
    LOG_LEVEL: "info",
    ...env,
  };
  let running: Running | undefined = await spawnService({ ...baseEnv, GRPC_LISTEN: "127.0.0.1:0" });
  const port = running.port;
  const stop = async () => {
    const current = running;
    running = undefined;
    if (current === undefined) return;
    current.child.kill("SIGTERM");
    await current.exited;
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get banner() {
      return running?.banner() ?? "";
    },
    stop,
    async start() {
      if (running !== undefined) throw new Error("the service is running");
      running = await spawnService({ ...baseEnv, GRPC_LISTEN: `127.0.0.1:${port}` });
    },
    async metric(name, method) {
      if (running === undefined) throw new Error("the service is stopped");
      const text = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`grpc_method="${method}"`));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
    },
    async [Symbol.asyncDispose]() {
      try {
        await stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function spawnService(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [mainJs], { env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<Running>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`users service did not start in 20 s:\n${stdout}\n${stderr}`));
    }, 20_000);
    let port: number | undefined;
    let metricsPort: number | undefined;
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split("\n").slice(0, -1)) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
        if (entry.msg === "grpc server listening") metricsPort = entry.metricsPort;
        if (entry.msg === "users service ready") port = entry.port;
      }
      if (port !== undefined && metricsPort !== undefined) {
        clearTimeout(timer);
        resolve({ child, port, metricsPort, banner: () => stderr, exited });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`users service exited before it was ready:\n${stdout}\n${stderr}`));
    });
  });
}
