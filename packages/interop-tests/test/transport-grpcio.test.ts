// Python grpcio (an independent gRPC implementation) against the node:http2 transport of
// @org/server, through the users service: error details kept within grpcio's 8 KiB metadata
// limit, gzip/deflate requests and gzip responses, and a prompt graceful shutdown with an idle
// grpcio channel open.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePythonProtos, PYTHON, type PythonCodegen, pythonEnv, runPythonScript } from "./helpers/python.js";
import { repoRoot, startService } from "./helpers/service-process.js";

let codegen: PythonCodegen;

beforeAll(async () => {
  codegen = await generatePythonProtos();
}, 120_000);

afterAll(() => {
  codegen?.[Symbol.dispose]();
});

type Report = Record<string, any> & { crashed: Record<string, string> };

describe("grpcio client → users service on the node:http2 transport", () => {
  let report: Report;

  beforeAll(async () => {
    await using service = await startService({ env: { GRPC_RESPONSE_COMPRESSION: "gzip" } });
    report = await runPythonScript<Report>(codegen, "transport_client.py", [`127.0.0.1:${service.port}`, "calls"], { timeoutMs: 90_000 });
  }, 120_000);

  it("ran every scenario without an unexpected exception", () => {
    expect(report.crashed).toEqual({});
  });

  it("an UpdateUser with 1000 unknown FieldMask paths → INVALID_ARGUMENT with a bounded BadRequest that says how many were left out", () => {
    const r = report.bounded_details;
    // Before the bound, grpcio saw RESOURCE_EXHAUSTED "received initial metadata size exceeds limit".
    expect(r.code).toBe("INVALID_ARGUMENT");
    expect(r.violations).toBeGreaterThan(10);
    expect(r.violations).toBeLessThan(1000);
    expect(r.first.field).toMatch(/update_mask/);
    expect(r.last.description).toBe(`… and ${1000 - (r.violations - 1)} more`);
  });

  it("sends gzip- and deflate-compressed requests that the server inflates", () => {
    expect(report.gzip_request.created).toMatch(/^Py gzip$/);
    expect(report.gzip_request.got).toBe("Py gzip");
    expect(report.deflate_request.created).toBe("Py deflate");
  });

  it("accepts gzip-compressed responses (unary and server-streaming)", () => {
    expect(report.compressed_responses.got).toBe("Py gzresp");
    expect(report.compressed_responses.streamed).toBeGreaterThan(0);
  });
});

describe("graceful shutdown with an idle grpcio channel", () => {
  it("exits promptly instead of waiting out the grace period", async () => {
    const service = await startService({ env: { GRPC_SHUTDOWN_GRACE_MS: "5000", LOG_LEVEL: "info" } });
    const client = spawn(
      PYTHON,
      [join(repoRoot, "packages/interop-tests/python/transport_client.py"), `127.0.0.1:${service.port}`, "idle"],
      {
        env: pythonEnv(codegen),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the grpcio client never became ready")), 30_000);
        client.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes('"ready": true')) {
            clearTimeout(timer);
            resolve();
          }
        });
        client.once("exit", (code) => reject(new Error(`the grpcio client exited early (${code})`)));
      });
      const started = Date.now();
      const exit = await service.stop("SIGTERM", 10_000);
      const tookMs = Date.now() - started;
      expect(exit.code).toBe(0);
      // The whole grace is 5 s; with no call in flight the idle connection is closed at once.
      expect(tookMs).toBeLessThan(3000);
      expect(service.lines.some((line) => line.includes("grace period over"))).toBe(false);
    } finally {
      client.kill("SIGKILL");
      await service[Symbol.asyncDispose]();
    }
  }, 60_000);
});
