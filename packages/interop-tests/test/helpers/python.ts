// The Python grpcio peer: message classes generated with protoc at test time into a temp dir,
// hand-written stubs in ../../python, run with Debian's /usr/bin/python3.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./service-process.js";

const run = promisify(execFile);
export const PYTHON = process.env.INTEROP_PYTHON ?? "/usr/bin/python3";
const PROTOC = process.env.INTEROP_PROTOC ?? "protoc";
const packageDir = join(repoRoot, "packages/interop-tests");
const scriptsDir = join(packageDir, "python");

export interface PythonCodegen extends Disposable {
  /** Directory holding the generated *_pb2 modules (goes on PYTHONPATH). */
  readonly dir: string;
}

/** Runs protoc --python_out for users.proto, google.rpc status/error_details and the health proto. */
export async function generatePythonProtos(): Promise<PythonCodegen> {
  const dir = mkdtempSync(join(tmpdir(), "interop-py-"));
  const wkt = process.env.INTEROP_PROTOC_INCLUDE ?? "/usr/include";
  await run(PROTOC, [
    `-I${join(packageDir, "proto")}`,
    `-I${join(repoRoot, "proto")}`,
    `-I${wkt}`,
    `--python_out=${dir}`,
    "org/users/v1/users.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
  ]);
  // grpc_health is not packaged by Debian; health.proto is generated as a top-level module so
  // that a generated grpc/ directory cannot shadow the real grpc package.
  await run(PROTOC, [`-I${join(packageDir, "proto/grpc/health/v1")}`, `--python_out=${dir}`, "health.proto"]);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

export function pythonEnv(codegen: PythonCodegen, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PYTHONPATH: [codegen.dir, scriptsDir].join(":"),
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    // grpcio would otherwise honour a proxy from the environment even for 127.0.0.1.
    no_grpc_proxy: "*",
    ...extra,
  };
}

/** Runs a script in ../../python to completion and parses the JSON it prints last. */
export async function runPythonScript<T>(
  codegen: PythonCodegen,
  script: string,
  args: string[],
  { env = {}, timeoutMs = 60_000 } = {},
): Promise<T> {
  try {
    const { stdout } = await run(PYTHON, [join(scriptsDir, script), ...args], {
      env: pythonEnv(codegen, env),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(last) as T;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stderr ?? ""}\n${e.stdout ?? ""}`);
  }
}

export interface PythonServer extends AsyncDisposable {
  readonly port: number;
  readonly child: ChildProcess;
}

/** Starts python/users_server.py and waits for its "PORT <n>" line. */
export async function startPythonServer(codegen: PythonCodegen): Promise<PythonServer> {
  const child = spawn(PYTHON, [join(scriptsDir, "users_server.py")], { env: pythonEnv(codegen), stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python server did not start:\n${stderr}`)), 20_000);
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`python server exited with ${code}:\n${stderr}`));
    });
  });
  return {
    port,
    child,
    async [Symbol.asyncDispose]() {
      child.stdin?.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
