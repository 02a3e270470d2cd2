// Child processes of the harness: each server and each load generator runs in its own Node
// process pinned to one core with `taskset`, and talks to the harness over the IPC channel,
// one request at a time. Every wait is bounded.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ChildOptions {
  /** Script under dist/, relative to this file's directory's parent (e.g. "server-main.js"). */
  script: string;
  args: string[];
  /** Core the process is pinned to. */
  cpu: number;
  /** Extra node flags (e.g. --expose-gc). */
  nodeFlags?: string[];
  /** Bound on the child's first message, ms. */
  readyTimeoutMs?: number;
}

export interface Child<Ready> {
  readonly ready: Ready;
  readonly pid: number;
  /** Sends `message` and resolves the child's next message; rejects after `timeoutMs`. */
  request<Reply>(message: object, timeoutMs: number): Promise<Reply>;
  /** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const distDir = fileURLToPath(new URL("..", import.meta.url));

export async function startChild<Ready>(options: ChildOptions): Promise<Child<Ready>> {
  const proc = spawn(
    "taskset",
    ["-c", String(options.cpu), process.execPath, ...(options.nodeFlags ?? []), `${distDir}${options.script}`, ...options.args],
    // stdout goes to /dev/null: servers that log per call write there, as to a real log pipe
    // that is drained; stderr stays visible for crashes.
    { stdio: ["ignore", "ignore", "inherit", "ipc"], env: { ...process.env, NODE_ENV: "benchmark" } },
  );
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    proc.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const ready = await nextMessage<Ready | { type: "error"; message: string }>(proc, options.readyTimeoutMs ?? 20_000, exitPromise);
  if (typeof ready === "object" && ready !== null && (ready as { type?: string }).type === "error") {
    proc.kill("SIGKILL");
    throw new Error(`${options.script} ${options.args.join(" ")}: ${(ready as { message: string }).message}`);
  }
  return {
    ready: ready as Ready,
    pid: proc.pid!,
    async request<Reply>(message: object, timeoutMs: number) {
      if (exited) throw new Error(`${options.script} exited`);
      const reply = nextMessage<Reply | { type: "error"; message: string }>(proc, timeoutMs, exitPromise);
      proc.send(message);
      const r = await reply;
      if (typeof r === "object" && r !== null && (r as { type?: string }).type === "error") {
        throw new Error(`${options.script} ${options.args.join(" ")}: ${(r as { message: string }).message}`);
      }
      return r as Reply;
    },
    async stop(graceMs = 5_000) {
      if (exited) return;
      if (proc.connected) proc.send({ type: "stop" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

function nextMessage<T>(proc: ChildProcess, timeoutMs: number, exited: Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      proc.kill("SIGKILL");
      reject(new Error(`child ${proc.pid} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: unknown) => {
      cleanup();
      resolve(m as T);
    };
    let gone = false;
    void exited.then(() => {
      if (gone) return;
      cleanup();
      reject(new Error(`child ${proc.pid} exited (code ${proc.exitCode}, signal ${proc.signalCode})`));
    });
    function cleanup() {
      gone = true;
      clearTimeout(timer);
      proc.off("message", onMessage);
    }
    proc.on("message", onMessage);
  });
}
