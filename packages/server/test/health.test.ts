import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createClient } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { HealthDefinition, HealthCheckResponse_ServingStatus as S } from "nice-grpc-server-health/lib/proto/grpc/health/v1/health.js";
import { describe, expect, it } from "vitest";
import { createServer } from "../src/index.js";
import { rejection, startServer, usersImpl, waitFor } from "./helpers.js";

const run = promisify(execFile);

describe("health", () => {
  it("is SERVING overall and per service once listening", async () => {
    const t = await startServer();
    const health = createClient(HealthDefinition, t.channel);
    expect((await health.check({ service: "" })).status).toBe(S.SERVING);
    expect((await health.check({ service: "org.users.v1.UsersService" })).status).toBe(S.SERVING);
    const err = await rejection(() => health.check({ service: "no.such.Service" }));
    expect(err.code).toBe(Status.NOT_FOUND);
  });

  it("is NOT_SERVING before listen", () => {
    const server = createServer({ handleSignals: false, logLevel: "silent" });
    expect(server.health.get("")).toBe("NOT_SERVING");
  });

  it("keeps a service's own status and lets the team change it; Watch sees the changes", async () => {
    const t = await startServer({}, (server) => {
      server.add(UsersServiceDefinition, usersImpl());
      server.health.set("org.users.v1.UsersService", "NOT_SERVING");
    });
    const health = createClient(HealthDefinition, t.channel);
    expect((await health.check({ service: "org.users.v1.UsersService" })).status).toBe(S.NOT_SERVING);
    expect((await health.check({ service: "" })).status).toBe(S.SERVING);

    const seen: S[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      for await (const { status } of health.watch({ service: "org.users.v1.UsersService" }, { signal: ac.signal })) seen.push(status);
    })().catch(() => undefined);
    await waitFor(() => seen.length === 1);
    t.server.health.set("org.users.v1.UsersService", "SERVING");
    await waitFor(() => seen.length === 2);
    ac.abort();
    await watching;
    expect(seen).toEqual([S.NOT_SERVING, S.SERVING]);
  });

  it("goes NOT_SERVING when draining: an open Watch sees it, then the stream ends with UNAVAILABLE", async () => {
    const t = await startServer();
    const health = createClient(HealthDefinition, t.channel);
    const seen: S[] = [];
    const watched = (async () => {
      for await (const { status } of health.watch({ service: "" })) seen.push(status);
    })().then(
      () => undefined,
      (err: any) => err,
    );
    await waitFor(() => seen.length === 1);
    await t.server.shutdown();
    const err = await watched;
    expect(seen).toEqual([S.SERVING, S.NOT_SERVING]);
    expect(err?.code).toBe(Status.UNAVAILABLE);
    expect(t.server.health.get("")).toBe("NOT_SERVING");
  });

  it("answers Check with NOT_SERVING during drainDelayMs, while calls are still accepted", async () => {
    const t = await startServer({ drainDelayMs: 300 });
    const health = createClient(HealthDefinition, t.channel);
    const stopping = t.server.shutdown();
    expect((await health.check({ service: "" })).status).toBe(S.NOT_SERVING);
    expect((await health.check({ service: "org.users.v1.UsersService" })).status).toBe(S.NOT_SERVING);
    expect((await t.client.getUser({ id: "1" })).user?.id).toBe("1");
    t.server.health.set("", "SERVING"); // ignored while draining
    expect(t.server.health.get("")).toBe("NOT_SERVING");
    await stopping;
  });

  it("answers Check from an independent implementation (Python grpcio) with SERVING", async () => {
    const t = await startServer();
    // Hand-encoded grpc.health.v1 messages: the Debian grpcio has no grpc_health package.
    const script = `
import grpc, sys
channel = grpc.insecure_channel(sys.argv[1])
check = channel.unary_unary("/grpc.health.v1.Health/Check",
    request_serializer=lambda service: (b"\\x0a" + bytes([len(service)]) + service.encode()) if service else b"",
    response_deserializer=lambda data: data)
for service in ["", "org.users.v1.UsersService"]:
    raw = check(service, timeout=5)
    status = raw[1] if len(raw) >= 2 and raw[0] == 0x08 else 0
    print({0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}[status])
`;
    const { stdout } = await run(process.env.INTEROP_PYTHON ?? "/usr/bin/python3", ["-c", script, t.address], { timeout: 15_000 });
    expect(stdout.trim().split("\n")).toEqual(["SERVING", "SERVING"]);
  });

  it("is exempt from auth by default", async () => {
    const t = await startServer({ auth: { verify: () => undefined } });
    const health = createClient(HealthDefinition, t.channel);
    expect((await health.check({ service: "" })).status).toBe(S.SERVING);
    const err = await rejection(() => t.client.getUser({ id: "1" }));
    expect(err.code).toBe(Status.UNAUTHENTICATED);
  });
});
