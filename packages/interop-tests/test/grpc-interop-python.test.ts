// The standard gRPC interop cases across implementations, in plaintext and over TLS:
//   @org/client (packages/grpc-interop/dist/client.js) → a Python grpcio interop server,
//   a Python grpcio interop client → @org/server (packages/grpc-interop/dist/server.js),
//   Buf's Go client (`buf curl`) → @org/server, unary and streaming.
// Each client runs every case in one process. The compression cases fail where no server can
// see a request's compressed flag (packages/grpc-interop/README.md): asserted as such, so these
// assertions fail when it starts working.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePythonProtos, PYTHON, type PythonCodegen, pythonEnv, startPythonScript } from "./helpers/python.js";
import { repoRoot } from "./helpers/service-process.js";

const run = promisify(execFile);
const interopDir = join(repoRoot, "packages/grpc-interop");
const certDir = join(interopDir, "certs");
const BUF = join(repoRoot, "node_modules/.bin/buf");

const CASES = [
  "empty_unary",
  "large_unary",
  "client_compressed_unary",
  "server_compressed_unary",
  "client_streaming",
  "client_compressed_streaming",
  "server_streaming",
  "server_compressed_streaming",
  "ping_pong",
  "empty_stream",
  "timeout_on_sleeping_server",
  "cancel_after_begin",
  "cancel_after_first_response",
  "custom_metadata",
  "status_code_and_message",
  "special_status_message",
  "unimplemented_method",
  "unimplemented_service",
];
const PROBE_NOT_REFUSED = "probe (uncompressed request with expect_compressed=true): expected status INVALID_ARGUMENT, the call succeeded";
/** Neither @org/server nor a grpcio Python server can see a request message's compressed flag. */
const KNOWN_FAILURES: Record<string, string> = {
  client_compressed_unary: PROBE_NOT_REFUSED,
  client_compressed_streaming: PROBE_NOT_REFUSED,
};
const expectedLines = CASES.map((name) => (KNOWN_FAILURES[name] ? `FAIL ${name}: ${KNOWN_FAILURES[name]}` : `PASS ${name}`));

let codegen: PythonCodegen;
beforeAll(async () => {
  codegen = await generatePythonProtos([join(interopDir, "proto")]);
});
afterAll(() => codegen?.[Symbol.dispose]());

/** Runs a client command to its end; its stdout lines and exit code. */
async function runClient(command: string, args: string[], env?: Record<string, string>) {
  const result = await run(command, args, { env, timeout: 90_000, maxBuffer: 4 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  return { ...result, lines: result.stdout.trim().split("\n") };
}

interface NodeServer extends AsyncDisposable {
  port: number;
}

async function startOurServer(tls: boolean): Promise<NodeServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(interopDir, "dist/server.js"), "--port=0", ...(tls ? ["--use_tls=true"] : [])],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`interop server exited with ${code}: ${stderr}`)));
  });
  return {
    port,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

for (const tls of [false, true]) {
  const mode = tls ? "TLS" : "plaintext";

  describe(`@org/client → Python grpcio interop server, ${mode}`, () => {
    it("runs every case: all pass but the known compression failures", async () => {
      await using server = await startPythonScript(codegen, "grpc_interop_server.py", [
        "--port=0",
        ...(tls ? ["--use_tls=true", `--cert_dir=${certDir}`] : []),
      ]);
      const args = [join(interopDir, "dist/client.js"), "--server_host=127.0.0.1", `--server_port=${server.port}`, "--test_case=all"];
      if (tls) args.push("--use_tls=true", "--use_test_ca=true", "--server_host_override=foo.test.google.fr");
      const result = await runClient(process.execPath, args);
      expect(result.lines).toEqual(expectedLines);
      expect(result.code).toBe(1);
    });
  });

  describe(`Python grpcio interop client → @org/server, ${mode}`, () => {
    it("runs every case: all pass but the known compression failures", async () => {
      await using server = await startOurServer(tls);
      const args = [
        join(repoRoot, "packages/interop-tests/python/grpc_interop_client.py"),
        `--server_port=${server.port}`,
        "--test_case=all",
      ];
      if (tls) args.push("--use_tls=true", `--ca_file=${join(certDir, "ca.pem")}`, "--server_host_override=foo.test.google.fr");
      const result = await runClient(PYTHON, args, pythonEnv(codegen));
      expect(result.stderr).toBe("");
      expect(result.lines).toEqual(expectedLines);
      expect(result.code).toBe(1);
    });
  });

  describe(`buf curl → @org/server, ${mode}`, () => {
    let server: NodeServer;
    beforeAll(async () => {
      server = await startOurServer(tls);
    });
    afterAll(() => server[Symbol.asyncDispose]());

    async function curl(method: string, data: string, extra: string[] = [], input?: string) {
      const base = tls ? `https://localhost:${server.port}` : `http://127.0.0.1:${server.port}`;
      const args = ["curl", "--schema", join(interopDir, "proto"), "--protocol", "grpc", "-d", data, ...extra];
      args.push(
        ...(tls ? ["--cacert", join(certDir, "ca.pem")] : ["--http2-prior-knowledge"]),
        `${base}/grpc.testing.TestService/${method}`,
      );
      const child = spawn(BUF, args, { stdio: ["pipe", "pipe", "pipe"] });
      child.stdin.end(input ?? "");
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      const [code] = (await once(child, "exit")) as [number];
      return { code, stdout, stderr };
    }

    it("UnaryCall: the payload size asked for, and the echoed initial metadata", async () => {
      const r = await curl("UnaryCall", JSON.stringify({ responseSize: 6, payload: { body: "AAAA" } }), [
        "-v",
        "-H",
        "x-grpc-test-echo-initial: from-buf",
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ payload: { body: Buffer.alloc(6).toString("base64") } });
      expect(r.stderr).toMatch(/< \(#1\) X-Grpc-Test-Echo-Initial: from-buf/);
    });

    it("UnaryCall with response_status: the status and message asked for", async () => {
      const r = await curl("UnaryCall", JSON.stringify({ responseStatus: { code: 2, message: "test status message" } }));
      expect(r.code).not.toBe(0);
      expect(JSON.parse(r.stderr)).toEqual({ code: "unknown", message: "test status message" });
    });

    it("StreamingOutputCall: one response per parameter, in order", async () => {
      const r = await curl("StreamingOutputCall", JSON.stringify({ responseParameters: [{ size: 1 }, { size: 2 }, { size: 3 }] }));
      expect(r.code).toBe(0);
      const sizes = r.stdout.split(/\n(?=\{)/).map((m) => Buffer.from(JSON.parse(m).payload.body, "base64").length);
      expect(sizes).toEqual([1, 2, 3]);
    });

    it("StreamingInputCall: the sum of the payloads streamed from stdin", async () => {
      const messages = [3, 4, 8].map((n) => JSON.stringify({ payload: { body: Buffer.alloc(n).toString("base64") } })).join("\n");
      const r = await curl("StreamingInputCall", "@-", [], messages);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ aggregatedPayloadSize: 15 });
    });

    it("FullDuplexCall: responses for each request", async () => {
      const messages = [JSON.stringify({ responseParameters: [{ size: 2 }] }), JSON.stringify({ responseParameters: [{ size: 5 }] })].join(
        "\n",
      );
      const r = await curl("FullDuplexCall", "@-", [], messages);
      expect(r.code).toBe(0);
      const sizes = r.stdout.split(/\n(?=\{)/).map((m) => Buffer.from(JSON.parse(m).payload.body, "base64").length);
      expect(sizes).toEqual([2, 5]);
    });
  });
}
