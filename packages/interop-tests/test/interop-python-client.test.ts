// Python grpcio (an independent gRPC implementation) calls the users service: health Check and
// Watch, every RPC kind, status codes, BadRequest details from grpc-status-details-bin,
// deadlines, metadata both ways, and the x-request-id response header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nowSeconds, signJwt } from "./helpers/jwt.js";
import { generatePythonProtos, type PythonCodegen, runPythonScript } from "./helpers/python.js";
import { type ServiceProcess, startService } from "./helpers/service-process.js";

interface ErrorReport {
  code: string;
  message: string;
  details: null | {
    code: number;
    message: string;
    types: string[];
    field_violations: { field: string; description: string }[];
  };
  trailer_keys: string[];
}

type Report = Record<string, any> & { crashed: Record<string, string> };

let codegen: PythonCodegen;
let service: ServiceProcess;
let report: Report;

beforeAll(async () => {
  codegen = await generatePythonProtos();
  service = await startService();
  report = await runPythonScript<Report>(codegen, "users_client.py", [`127.0.0.1:${service.port}`], { timeoutMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await service?.[Symbol.asyncDispose]();
  codegen?.[Symbol.dispose]();
});

describe("Python grpcio client → users service", () => {
  it("ran every scenario without an unexpected exception", () => {
    expect(report.crashed).toEqual({});
  });

  it("health Check answers SERVING for the server and the users service, NOT_FOUND for an unknown one", () => {
    expect(report.health_check.overall).toBe(1);
    expect(report.health_check.service).toBe(1);
    expect((report.health_check.unknown as ErrorReport).code).toBe("NOT_FOUND");
  });

  it("health Watch streams SERVING first and ends CANCELLED when the client cancels", () => {
    expect(report.health_watch).toEqual({ first: 1, after_cancel: "CANCELLED" });
  });

  it("runs without auth, so no scenario needed a token", () => {
    expect(report.auth_required).toBeNull();
  });

  it("unary CreateUser: values, idempotency key, and the request id sent as metadata echoed in response headers", () => {
    const r = report.create_with_metadata;
    expect(r.id).toMatch(/\S/);
    expect(r.name).toBe("Py alice");
    expect(r.role).toBe(2);
    expect(r.labels).toEqual({ origin: "python" });
    expect(r.has_create_time).toBe(true);
    expect(r.etag).toMatch(/\S/);
    expect(r.echoed_request_id).toBe(r.sent_request_id);
    expect(r.header_keys).toContain("x-request-id");
    expect(r.retry_same_key_id).toBe(r.id);
  });

  it("the server generates an x-request-id response header when the client sends none", () => {
    expect(report.generated_request_id.request_id).toMatch(/^[\w-]{8,}$/);
  });

  it("GetUser finds the user and answers NOT_FOUND for an unknown id", () => {
    expect(report.get_found_and_missing.found_email).toMatch(/^py-alice-/);
    expect(report.get_found_and_missing.missing.code).toBe("NOT_FOUND");
  });

  it("INVALID_ARGUMENT carries google.rpc.BadRequest in grpc-status-details-bin, readable by grpcio", () => {
    const r = report.invalid_create as ErrorReport;
    expect(r.code).toBe("INVALID_ARGUMENT");
    expect(r.trailer_keys).toContain("grpc-status-details-bin");
    expect(r.details?.code).toBe(3);
    expect(r.details?.types).toContain("type.googleapis.com/google.rpc.BadRequest");
    const fields = r.details?.field_violations.map((v) => v.field).sort();
    expect(fields).toEqual(["user.email", "user.name"]);
    for (const v of r.details?.field_violations ?? []) expect(v.description.length).toBeGreaterThan(0);
  });

  it("ALREADY_EXISTS on a duplicate email", () => {
    expect(report.duplicate_email.code).toBe("ALREADY_EXISTS");
  });

  it("UpdateUser with a FieldMask changes only the masked field; a stale etag is ABORTED and loses nothing", () => {
    const r = report.update_and_stale_etag;
    expect(r.name).toBe("Py Alice Renamed");
    expect(r.email_kept).toBe(true);
    expect(r.etag_changed).toBe(true);
    expect(r.stale.code).toBe("ABORTED");
    expect(r.name_after).toBe("Py Alice Renamed");
  });

  it("client streaming BulkCreateUsers reports 4 created and the invalid item 2 as INVALID_ARGUMENT", () => {
    const r = report.bulk_create_client_stream;
    expect(r.created_count).toBe(4);
    expect(r.created_ids).toBe(4);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ index: 2, code: 3 });
  });

  it("ListUsers pages through every match exactly once, total_size agreeing", () => {
    // alice + 4 bulk users match the run's tag at that point.
    expect(report.list_pages).toEqual({ pages: 3, ids: 5, unique: 5, total_size: 5 });
  });

  it("BatchGetUsers splits found and not found", () => {
    expect(report.batch_get.found).toBe(true);
    expect(report.batch_get.not_found).toHaveLength(1);
  });

  it("server streaming StreamUsers delivers every match", () => {
    expect(report.stream_users_server_stream).toEqual({ count: 5, all_match: true });
  });

  it("bidi SyncUsers answers each request in order: created, updated, deleted, failed NOT_FOUND", () => {
    const outcomes = report.sync_users_bidi.outcomes as { outcome: number; code: number }[];
    expect(outcomes.map((o) => o.outcome)).toEqual([1, 2, 3, 4]);
    expect(outcomes[3]?.code).toBe(5);
  });

  it("WatchUsers delivers a CREATED event for a change made after it started", () => {
    expect(report.watch_sees_create.events).toBeGreaterThanOrEqual(1);
    expect(report.watch_sees_create.first_type).toBe(1);
    expect(report.watch_sees_create.first_email_matches).toBe(true);
  });

  it("DeleteUser removes the user; a second delete is NOT_FOUND", () => {
    expect(report.delete_then_missing).toEqual({ get_after: "NOT_FOUND", delete_again: "NOT_FOUND" });
  });

  it("deadlines: a watch with a 500 ms deadline ends DEADLINE_EXCEEDED near it; an expired unary deadline too", () => {
    const r = report.deadline_exceeded;
    expect(r.stream).toBe("DEADLINE_EXCEEDED");
    expect(r.stream_elapsed_ms).toBeGreaterThanOrEqual(450);
    expect(r.stream_elapsed_ms).toBeLessThan(3000);
    expect(r.unary).toBe("DEADLINE_EXCEEDED");
  });

  it("unknown method and unknown service are UNIMPLEMENTED", () => {
    expect(report.unknown_method).toEqual({ method: "UNIMPLEMENTED", service: "UNIMPLEMENTED" });
  });

  it("the service is still healthy after the run", async () => {
    const { healthCheck } = await import("./helpers/health.js");
    expect((await healthCheck(service.port)).status).toBe(1);
  });
});

describe("Python grpcio client → users service with auth on", () => {
  const secret = "python-interop-auth-secret-0123456789abcdef";
  let authService: ServiceProcess;
  let authReport: Report;

  beforeAll(async () => {
    authService = await startService({ env: { AUTH_JWT_SECRET: secret } });
    const token = signJwt({ secret, claims: { sub: "python", exp: nowSeconds() + 600 } });
    authReport = await runPythonScript<Report>(codegen, "users_client.py", [`127.0.0.1:${authService.port}`], {
      env: { AUTH_TOKEN: token },
      timeoutMs: 90_000,
    });
  }, 120_000);

  afterAll(async () => {
    await authService?.[Symbol.asyncDispose]();
  });

  it("runs every scenario with the bearer token sent as metadata on each call", () => {
    expect(authReport.crashed).toEqual({});
    expect(authReport.create_with_metadata.echoed_request_id).toBe(authReport.create_with_metadata.sent_request_id);
    expect(authReport.bulk_create_client_stream.created_count).toBe(4);
    expect(authReport.sync_users_bidi.outcomes.map((o: { outcome: number }) => o.outcome)).toEqual([1, 2, 3, 4]);
    expect(authReport.health_check.overall).toBe(1); // health needs no token
  });

  it("a call without the token, or with a garbled one, is UNAUTHENTICATED saying why", () => {
    const r = authReport.auth_required;
    expect(r.missing.code).toBe("UNAUTHENTICATED");
    expect(r.missing.message).toMatch(/^missing bearer token/);
    expect(r.malformed.code).toBe("UNAUTHENTICATED");
    expect(r.malformed.message).toBe("malformed token");
    expect(r.allowed_id).toBe(true);
  });
});
