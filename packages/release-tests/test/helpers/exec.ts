// Runs a command without blocking the event loop (the registry and the gRPC server under test
// live in this process's children/this process) and fails with its output when it exits non-zero.
import { spawn } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working directory. */
  cwd: string;
  /** Extra environment variables, merged over `process.env`. */
  env?: Record<string, string>;
  /** Kill the command after this long. Default 120_000 ms. */
  timeoutMs?: number;
  /**
   * Drop the `npm_config_*` variables this process inherited (pnpm and npm scripts export their
   * whole configuration, registry included), so the command sees only its own .npmrc files, as
   * in a user's shell. Default false.
   */
  cleanNpmConfig?: boolean;
}

function environment(options: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.cleanNpmConfig) {
    for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
  }
  return { ...env, ...options.env };
}

export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: environment(options),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} (in ${options.cwd}) exited with ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          ),
        );
    });
  });
}
