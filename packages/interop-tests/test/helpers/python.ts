// The Python grpcio peer: hand-written stubs in ../../python, run with Debian's /usr/bin/python3
// (or INTEROP_PYTHON). Its message classes come from a FileDescriptorSet that Buf (from
// node_modules) builds at test time; python/protos.py turns it into *_pb2 modules, so no protoc.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./service-process.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
export const PYTHON = process.env.INTEROP_PYTHON ?? "/usr/bin/python3";
const BUF = join(repoRoot, "node_modules/.bin/buf");
const packageDir = join(repoRoot, "packages/interop-tests");
const scriptsDir = join(packageDir, "python");

export interface PythonCodegen extends Disposable {
  /** Directory holding protos.binpb, the FileDescriptorSet python/protos.py loads. */
  readonly dir: string;
}

/** The .proto files of npm packages that ship them, as [path in the set, file on disk]. */
function packagedProtos(): [string, string][] {
  const googleProtos = dirname(require.resolve("google-proto-files/package.json"));
  const healthCheck = dirname(require.resolve("grpc-health-check/package.json"));
  return [
    ["google/rpc/status.proto", join(googleProtos, "google/rpc/status.proto")],
    ["google/rpc/error_details.proto", join(googleProtos, "google/rpc/error_details.proto")],
    ["grpc/health/v1/health.proto", join(healthCheck, "proto/health/v1/health.proto")],
  ];
}

/**
 * Builds one FileDescriptorSet of users.proto, google.rpc status/error_details (google-proto-files)
 * and grpc.health.v1 (grpc-health-check) with Buf, plus whatever extra proto roots are given.
 */
export async function generatePythonProtos(extraRoots: string[] = []): Promise<PythonCodegen> {
  const dir = mkdtempSync(join(tmpdir(), "interop-py-"));
  const src = join(dir, "src");
  cpSync(join(repoRoot, "proto"), src, { recursive: true, filter: (path) => !path.endsWith(".yaml") });
  for (const root of extraRoots) cpSync(root, src, { recursive: true });
  for (const [path, file] of packagedProtos()) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    cpSync(file, join(src, path));
  }
  writeFileSync(join(src, "buf.yaml"), "version: v2\n");
  await run(BUF, ["build", src, "--exclude-source-info", "-o", join(dir, "protos.binpb")]);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

export function pythonEnv(codegen: PythonCodegen, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PYTHONPATH: scriptsDir,
    INTEROP_DESCRIPTOR_SET: join(codegen.dir, "protos.binpb"),
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
export function startPythonServer(codegen: PythonCodegen): Promise<PythonServer> {
  return startPythonScript(codegen, "users_server.py");
}

/** Starts a server script of ../../python (it prints "PORT <n>" once listening) and waits for it. */
export async function startPythonScript(codegen: PythonCodegen, script: string, args: string[] = []): Promise<PythonServer> {
  const child = spawn(PYTHON, [join(scriptsDir, script), ...args], { env: pythonEnv(codegen), stdio: ["pipe", "pipe", "pipe"] });
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
