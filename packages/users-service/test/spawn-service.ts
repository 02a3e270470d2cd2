// Runs the built service (`node dist/main.js`) as a child process and finds its port in the logs.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const mainJs = fileURLToPath(new URL("../dist/main.js", import.meta.url));
export const cliJs = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(mainJs) || !existsSync(cliJs)) {
    throw new Error(`${mainJs} is missing: run \`pnpm --filter @org/users-service build\` before the tests`);
  }
}

export interface SpawnedService {
  child: ChildProcess;
  port: number;
  /** Every stdout line so far. */
  logs: string[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

export async function spawnService(env: Record<string, string>, cwd?: string): Promise<SpawnedService> {
  assertBuilt();
  const child = spawn(process.execPath, [mainJs], {
    cwd,
    env: { PATH: process.env.PATH ?? "", GRPC_LISTEN: "127.0.0.1:0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  let stderr = "";
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`service did not start in time:\n${logs.join("\n")}\n${stderr}`)), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === "users service ready" && typeof entry.port === "number") {
            clearTimeout(timer);
            resolve(entry.port);
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before it was ready:\n${logs.join("\n")}\n${stderr}`));
    });
  });
  return { child, port, logs, exited };
}
