// The standard interop cases, @org/client against @org/server, in this process (every case, in
// plaintext and over TLS), then the two commands as other implementations start them.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createServer, type OrgServer } from "@org/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASES, type CaseName, type InteropTarget, runCase, WEB_CASES } from "../src/cases.js";
import { TestServiceDefinition } from "../src/gen/grpc/testing/test.js";
import { testCerts } from "../src/internal/certs.js";
import { testService } from "../src/test-service.js";

const run = promisify(execFile);
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

/**
 * Cases that cannot pass against @org/server today, with the error they end with. Each is asserted
 * to fail exactly so: if handlers ever get the per-message compressed flag, these assertions fail
 * and the entries must go.
 */
const KNOWN_FAILURES: Partial<Record<CaseName, { why: string; error: string }>> = {
  client_compressed_unary: {
    why: "@org/server hands handlers the decoded message only (nice-grpc's CallContext has no compressed flag), so it cannot refuse the uncompressed probe with expect_compressed=true",
    error: "probe (uncompressed request with expect_compressed=true): expected status INVALID_ARGUMENT, the call succeeded",
  },
  client_compressed_streaming: {
    why: "same as client_compressed_unary, for the first message of a client stream",
    error: "probe (uncompressed request with expect_compressed=true): expected status INVALID_ARGUMENT, the call succeeded",
  },
};

async function startServer(tls: boolean): Promise<OrgServer & { port: number }> {
  const server = createServer({
    logLevel: "silent",
    handleSignals: false,
    reflection: false,
    ...(tls ? { tls: { cert: testCerts.cert(), key: testCerts.key() } } : {}),
  });
  server.add(TestServiceDefinition, testService());
  const port = await server.listen("127.0.0.1:0");
  return Object.assign(server, { port });
}

for (const tls of [false, true]) {
  describe(`@org/client → @org/server, ${tls ? "TLS" : "plaintext"}`, () => {
    let server: OrgServer & { port: number };
    let target: InteropTarget;
    beforeAll(async () => {
      server = await startServer(tls);
      target = {
        host: "127.0.0.1",
        port: server.port,
        tls: tls ? { ca: testCerts.ca(), serverNameOverride: "foo.test.google.fr" } : undefined,
      };
    });
    afterAll(() => server.shutdown());

    for (const name of CASES) {
      const known = KNOWN_FAILURES[name];
      if (known) {
        it(`${name} fails as known: ${known.why}`, async () => {
          await expect(runCase(name, target)).rejects.toThrow(known.error);
        });
      } else {
        it(name, async () => {
          await runCase(name, target);
        });
      }
    }
  });
}

describe("the commands: dist/server.js and dist/client.js", () => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
  });

  async function startCommandServer(args: string[]): Promise<number> {
    const child = spawn(process.execPath, [dist("server.js"), "--port=0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    return new Promise<number>((resolve, reject) => {
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const match = /PORT (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`interop server exited with ${code}`)));
    });
  }

  for (const tls of [false, true]) {
    it(`run every case in one client process, ${tls ? "TLS" : "plaintext"}: one line per case, exit 1 for the known failures`, async () => {
      const port = await startCommandServer(tls ? ["--use_tls=true"] : []);
      const args = [dist("client.js"), "--server_host=127.0.0.1", `--server_port=${port}`, "--test_case=all"];
      if (tls) args.push("--use_tls=true", "--use_test_ca=true", "--server_host_override=foo.test.google.fr");
      const result = await run(process.execPath, args, { timeout: 60_000 }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      const lines = result.stdout.trim().split("\n");
      expect(lines).toEqual(CASES.map((name) => (KNOWN_FAILURES[name] ? `FAIL ${name}: ${KNOWN_FAILURES[name].error}` : `PASS ${name}`)));
      expect(result.code).toBe(1);
    });
  }

  for (const tls of [false, true]) {
    it(`runs the unary and server-streaming cases over gRPC-Web with @org/client-web, ${tls ? "TLS" : "plaintext"}, on the same port`, async () => {
      const port = await startCommandServer(tls ? ["--use_tls=true"] : []);
      const args = [dist("client.js"), "--server_host=localhost", `--server_port=${port}`, "--test_case=all", "--transport=grpc-web"];
      if (tls) args.push("--use_tls=true");
      const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
      expect(stdout.trim().split("\n")).toEqual(WEB_CASES.map((name) => `PASS ${name}`));
    });
  }

  it("refuses, over gRPC-Web, a case that needs request streaming", async () => {
    const port = await startCommandServer([]);
    const error = await run(process.execPath, [
      dist("client.js"),
      `--server_port=${port}`,
      "--test_case=ping_pong",
      "--transport=grpc-web",
    ]).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(error?.code).toBe(1);
    expect(error?.stdout).toContain("FAIL ping_pong: ping_pong needs request streaming, which gRPC-Web cannot carry");
  });

  it("exits 0 when the cases asked for pass", async () => {
    const port = await startCommandServer([]);
    const { stdout } = await run(process.execPath, [dist("client.js"), `--server_port=${port}`, "--test_case=empty_unary,large_unary"]);
    expect(stdout).toBe("PASS empty_unary\nPASS large_unary\n");
  });

  it("refuses bad usage with exit 2 and a message", async () => {
    const error = await run(process.execPath, [dist("client.js"), "--server_port=1", "--test_case=no_such_case"]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain("unknown test case no_such_case");
    const server = await run(process.execPath, [dist("server.js"), "--port=abc"]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(server?.code).toBe(2);
    expect(server?.stderr).toContain('--port must be a port number (0-65535), got "abc"');
  });
});
