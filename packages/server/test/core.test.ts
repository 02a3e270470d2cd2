import { execFileSync } from "node:child_process";
import { connect } from "node:http2";
import { fileURLToPath } from "node:url";
import { BulkCreateUsersRequest, GetUserRequest, UsersServiceDefinition } from "@org/api/org/users/v1";
import { isAbortError } from "abort-controller-x";
import { ClientError, Metadata, Status } from "nice-grpc-common";
import { BadRequest, ErrorInfo, RichClientError } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import { createServer } from "../src/index.js";
import { INTERNAL_MESSAGE as INTERNAL_MESSAGE_FOR_TESTS } from "../src/middleware/core.js";
import { callLines, rawGetUser, rejection, startServer, usersImpl, waitFor } from "./helpers.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

describe("core", () => {
  it("listen resolves the bound port and serves the added service", async () => {
    const t = await startServer();
    expect(t.port).toBeGreaterThan(0);
    const { user } = await t.client.getUser({ id: "42" });
    expect(user?.id).toBe("42");
    expect(t.server.state).toBe("serving");
  });

  it("refuses use()/add() after listen()", async () => {
    const t = await startServer();
    expect(() => t.server.add(UsersServiceDefinition, usersImpl())).toThrow(/before listen/);
    expect(() =>
      t.server.use(async function* (call, ctx) {
        return yield* call.next(call.request, ctx);
      }),
    ).toThrow(/before listen/);
  });

  it("listen fails when the port is taken", async () => {
    const t = await startServer();
    const other = createServer({ handleSignals: false, logLevel: "silent" });
    other.add(UsersServiceDefinition, usersImpl());
    await expect(other.listen(t.address)).rejects.toThrow();
    await other.shutdown();
  });
});

describe("request ids", () => {
  it("echoes an incoming x-request-id in the response header, the handler context and the log line", async () => {
    const t = await startServer();
    let header: Metadata | undefined;
    const { user } = await t.client.getUser(
      { id: "context" },
      { metadata: Metadata({ "x-request-id": "req-123" }), onHeader: (h) => (header = h) },
    );
    expect(header?.get("x-request-id")).toBe("req-123");
    expect(JSON.parse(user!.name).requestId).toBe("req-123");
    await waitFor(() => callLines(t.logs).length === 1);
    const lines = t.logs.filter((l) => l.requestId !== undefined);
    expect(lines.map((l) => l.msg).sort()).toEqual(["grpc call", "inside handler"]);
    expect(lines.every((l) => l.requestId === "req-123")).toBe(true);
  });

  it("generates one when missing or unsafe", async () => {
    const t = await startServer();
    for (const metadata of [Metadata(), Metadata({ "x-request-id": "bad id with spaces" })]) {
      let header: Metadata | undefined;
      const { user } = await t.client.getUser({ id: "context" }, { metadata, onHeader: (h) => (header = h) });
      const id = header?.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(user!.name).requestId).toBe(id);
    }
  });

  it("is sent on errors too", async () => {
    const t = await startServer();
    let header: Metadata | undefined;
    await rejection(() => t.client.getUser({ id: "missing" }, { onHeader: (h) => (header = h) }));
    expect(header?.get("x-request-id")).toBeTruthy();
  });
});

describe("errors", () => {
  it("turns an unexpected error into INTERNAL without leaking, and logs it with stack and request id", async () => {
    const t = await startServer();
    const err = await rejection(() => t.client.getUser({ id: "boom" }, { metadata: Metadata({ "x-request-id": "r-boom" }) }));
    expect(err).toBeInstanceOf(ClientError);
    expect(err.code).toBe(Status.INTERNAL);
    expect(err.details).toBe(INTERNAL_MESSAGE_FOR_TESTS);
    expect(String(err.message)).not.toContain("hunter2");
    await waitFor(() => callLines(t.logs).length === 1);
    const [line] = callLines(t.logs);
    expect(line).toMatchObject({ requestId: "r-boom", code: "INTERNAL", method: "/org.users.v1.UsersService/GetUser", level: 50 });
    expect(line!.err.message).toBe("db password is hunter2");
    expect(line!.err.stack).toContain("helpers.ts");
  });

  it("sends rich details readable through grpc-status-details-bin", async () => {
    const t = await startServer();
    const err = await rejection(() => t.client.createUser({ user: { name: "" } }));
    expect(err).toBeInstanceOf(RichClientError);
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    const bad = err.extra.find((d: any) => d.$type === BadRequest.$type);
    expect(bad.fieldViolations).toEqual([expect.objectContaining({ field: "user.name", description: "must not be empty" })]);
    const info = err.extra.find((d: any) => d.$type === ErrorInfo.$type);
    expect(info).toMatchObject({ reason: "VALIDATION", domain: "users.test" });

    const nf = await rejection(() => t.client.getUser({ id: "missing" }));
    expect(nf.code).toBe(Status.NOT_FOUND);
    expect(nf.extra[0]).toMatchObject({ reason: "USER_NOT_FOUND", metadata: { id: "missing" } });
  });
});

describe("deadlines", () => {
  it("handlers see the client deadline in the context and in the incoming-call scope", async () => {
    const t = await startServer();
    const deadline = Date.now() + 5000;
    const { user } = await rawGetUser(t.address, "context", { deadlineMs: 5000 });
    const seen = JSON.parse(user!.name);
    expect(Math.abs(seen.deadline - deadline)).toBeLessThan(1000);
    expect(seen.scopeDeadline).toBe(seen.deadline);
    expect(seen.scopeSignalIsCallSignal).toBe(true);
  });

  it("without a reader (no @org/client, no useIncomingCallScope) serves calls without creating the scope", async () => {
    // A fresh process with the built package. The shared scope is created only by its readers; a
    // server that entered one would have had to create it. (Entering an AsyncLocalStorage turns on
    // Node's async hooks for every promise: a leaf service should not pay for it.)
    const script = `
      import { UsersServiceDefinition } from "@org/api/org/users/v1";
      import { createServer } from "@org/server";
      import { createChannel, createClient } from "nice-grpc";
      const key = Symbol.for("@org/grpc.incoming-call-scope");
      const server = createServer({ handleSignals: false, logLevel: "silent", metrics: false });
      server.add(UsersServiceDefinition, { async getUser({ id }) { return { user: { id, name: key in globalThis ? "scope" : "no scope" } }; } });
      const port = await server.listen("127.0.0.1:0");
      const channel = createChannel("127.0.0.1:" + port);
      const { user } = await createClient(UsersServiceDefinition, channel).getUser({ id: "1" });
      channel.close();
      await server.shutdown();
      console.log(user.name);
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: packageDir, encoding: "utf8" });
    expect(out.trim()).toBe("no scope");
  });

  it("caps the deadline at maxDeadlineMs: the signal aborts and the client gets DEADLINE_EXCEEDED", async () => {
    const t = await startServer({ maxDeadlineMs: 300 });
    const started = Date.now();
    const { user } = await t.client.getUser({ id: "context" });
    const seen = JSON.parse(user!.name);
    expect(seen.deadline - started).toBeGreaterThan(200);
    expect(seen.deadline - started).toBeLessThan(1300);

    const err = await rejection(() => t.client.getUser({ id: "hang" }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await waitFor(() => callLines(t.logs).some((l) => l.code === "DEADLINE_EXCEEDED"));
  });

  it("streams have no maximum by default; maxStreamDeadlineMs ends them with DEADLINE_EXCEEDED", async () => {
    const t = await startServer({ maxDeadlineMs: 200, maxStreamDeadlineMs: 400 });
    const started = Date.now();
    const err = await rejection(async () => {
      for await (const _ of t.client.watchUsers({}));
    });
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it("a client deadline shorter than the maximum wins", async () => {
    const t = await startServer();
    const err = await rejection(() => rawGetUser(t.address, "hang", { deadlineMs: 200 }));
    expect(err.code).toBe(Status.DEADLINE_EXCEEDED);
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]!.code).toBe("DEADLINE_EXCEEDED");
  });

  it("logs a call the client resets just before its deadline as DEADLINE_EXCEEDED, earlier as CANCELLED", async () => {
    // The client's deadline runs from when it sent the call, the server's from its arrival: a client
    // giving up at its deadline resets the stream a transit time before the server's deadline passes.
    const t = await startServer();
    const message = Buffer.from(GetUserRequest.encode({ id: "hang" }).finish());
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    for (const resetAfterMs of [196, 50]) {
      const session = connect(`http://${t.address}`);
      await new Promise((resolve) => session.once("connect", resolve)); // the call leaves at once
      const stream = session.request({
        ":method": "POST",
        ":path": "/org.users.v1.UsersService/GetUser",
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": "200m",
      });
      stream.on("error", () => {});
      stream.end(body);
      await new Promise((resolve) => setTimeout(resolve, resetAfterMs));
      stream.close(8); // RST_STREAM CANCEL
      session.close();
    }
    await waitFor(() => callLines(t.logs).length === 2);
    expect(callLines(t.logs).map((line) => line.code)).toEqual(["DEADLINE_EXCEEDED", "CANCELLED"]);
  });

  it("answers a call whose deadline has passed on arrival with DEADLINE_EXCEEDED and runs no handler", async () => {
    // A sub-millisecond grpc-timeout (as grpcio sends for a nearly spent deadline) is 0 ms in grpc-js;
    // its timer raced the handler, so a fast handler's OK could win.
    let runs = 0;
    const t = await startServer({}, (s) =>
      s.add(UsersServiceDefinition, {
        ...usersImpl(),
        async getUser({ id }) {
          runs++;
          return { user: { id } };
        },
      }),
    );
    const message = Buffer.from(GetUserRequest.encode({ id: "1" }).finish());
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    for (const timeout of ["1u", "0m", "500n"]) {
      const session = connect(`http://${t.address}`);
      const status = await new Promise<string | undefined>((resolve) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/org.users.v1.UsersService/GetUser",
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": timeout,
        });
        let code: string | undefined;
        stream.on("response", (h) => (code ??= h["grpc-status"] as string | undefined));
        stream.on("trailers", (h) => (code ??= h["grpc-status"] as string | undefined));
        stream.on("close", () => resolve(code));
        stream.resume();
        stream.end(body);
      });
      session.close();
      expect(status, timeout).toBe(String(Status.DEADLINE_EXCEEDED));
    }
    expect(runs).toBe(0);
  });

  it("requireDeadline rejects calls without one with INVALID_ARGUMENT, and logs them", async () => {
    const t = await startServer({ requireDeadline: true });
    const err = await rejection(() => t.client.getUser({ id: "1" }));
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^a deadline is required/);
    const ok = await rawGetUser(t.address, "1", { deadlineMs: 2000 });
    expect(ok.user?.id).toBe("1");
    await waitFor(() => callLines(t.logs).length === 2);
    expect(
      callLines(t.logs)
        .map((l) => l.code)
        .sort(),
    ).toEqual(["INVALID_ARGUMENT", "OK"]);
  });
});

describe("logging", () => {
  it("writes one JSON line per call with method, code, durationMs, peer, requestId and no bodies", async () => {
    const t = await startServer();
    await t.client.getUser({ id: "secret-request-body" });
    await waitFor(() => callLines(t.logs).length === 1);
    const [line] = callLines(t.logs);
    expect(line).toMatchObject({ method: "/org.users.v1.UsersService/GetUser", code: "OK", level: 30 });
    expect(typeof line!.durationMs).toBe("number");
    expect(line!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(line!.requestId).toBeTruthy();
    expect(JSON.stringify(t.logs)).not.toContain("secret-request-body");
  });

  it("honours the level: nothing per call at warn, errors still logged", async () => {
    const t = await startServer({ logLevel: "warn" });
    await t.client.getUser({ id: "1" });
    await rejection(() => t.client.getUser({ id: "boom" }));
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs).map((l) => l.code)).toEqual(["INTERNAL"]);
  });

  it("logs streaming calls with their final code", async () => {
    const t = await startServer();
    const ac = new AbortController();
    const ids: string[] = [];
    await rejection(async () => {
      for await (const { user } of t.client.streamUsers({}, { signal: ac.signal })) {
        ids.push(user!.id);
        if (ids.length === 2) ac.abort();
      }
    });
    expect(ids).toEqual(["s1", "s2"]);
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]!.code).toBe("CANCELLED");
  });

  it("client-streaming and bidi calls work through the chain", async () => {
    const t = await startServer();
    async function* reqs() {
      yield { user: { name: "a" } };
      yield { user: { name: "b" } };
    }
    expect((await t.client.bulkCreateUsers(reqs())).createdCount).toBe(2);
    async function* sync() {
      yield { operation: { $case: "delete" as const, value: { id: "x" } } };
    }
    const out: string[] = [];
    for await (const r of t.client.syncUsers(sync())) out.push(r.id);
    expect(out).toEqual(["x"]);
  });

  it("a client stream whose connection drops mid-upload throws AbortError in the handler, not a normal end", async () => {
    const seen: string[] = [];
    const t = await startServer({}, (server) =>
      server.add(UsersServiceDefinition, {
        ...usersImpl(),
        async bulkCreateUsers(requests) {
          let n = 0;
          try {
            for await (const _ of requests) seen.push(`message ${++n}`);
            seen.push("completed");
          } catch (error) {
            seen.push(isAbortError(error) ? "aborted" : `threw ${String(error)}`);
          }
          return { createdCount: n };
        },
      }),
    );
    // Raw HTTP/2: one request message, then the connection is lost. (Node clients half-close
    // before they reset a stream, which a server rightly reads as a finished upload.)
    const session = connect(`http://${t.address}`);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/org.users.v1.UsersService/BulkCreateUsers",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => undefined); // the reset we send surfaces here
      const message = BulkCreateUsersRequest.encode(BulkCreateUsersRequest.fromPartial({ user: { name: "a" } })).finish();
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      stream.write(frame);
      await waitFor(() => seen.length > 0);
      session.destroy();
      await waitFor(() => seen.length > 1);
      expect(seen).toEqual(["message 1", "aborted"]);
    } finally {
      session.destroy();
    }
  });
});
