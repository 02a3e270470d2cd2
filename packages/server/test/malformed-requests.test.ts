// Requests a gRPC library would not send — undecodable bytes, invalid UTF-8, truncated frames,
// oversized metadata — written with node:http2, and the status each one gets before any handler runs.
import http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateUserRequest,
  GetUserRequest,
  SyncUsersRequest,
  UsersServiceDefinition,
  type UsersServiceImplementation,
} from "@org/api/org/users/v1";
import { Metadata } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import type { OrgCallContext } from "../src/index.js";
import { rejection, startServer, usersImpl } from "./helpers.js";

interface RawReply {
  grpcStatus: number | undefined;
  grpcMessage: string;
  messages: number;
}

function frame(message: Uint8Array, declaredLength = message.length): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([header, message]);
}

/**
 * One call over its own HTTP/2 session; `body` is written as is (parts `gapMs` apart), then the
 * stream ends.
 */
function rawCall(
  address: string,
  path: string,
  body: Buffer | Buffer[],
  headers: http2.OutgoingHttpHeaders = {},
  { gapMs = 0, readAfterMs = 0 }: { gapMs?: number; readAfterMs?: number } = {},
): Promise<RawReply> {
  const session = http2.connect(`http://${address}`, { maxSendHeaderBlockLength: 1 << 24 } as http2.ClientSessionOptions);
  session.on("error", () => {});
  return new Promise<RawReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`${path}: no answer within 5 s`));
    }, 5000);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let status: string | undefined;
    let message = "";
    let bytes = 0;
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
    if (readAfterMs > 0) {
      // Not reading holds back WINDOW_UPDATEs, so the server's writes stay pending meanwhile.
      stream.pause();
      setTimeout(() => stream.resume(), readAfterMs);
    }
    stream.on("error", () => {});
    stream.on("close", () => {
      clearTimeout(timer);
      session.destroy();
      resolve({ grpcStatus: status === undefined ? undefined : Number(status), grpcMessage: message, messages: bytes > 0 ? 1 : 0 });
    });
    const parts = Array.isArray(body) ? body : [body];
    void (async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await sleep(gapMs);
        stream.write(part);
      }
      stream.end();
    })();
  });
}

/** The fixture, counting the handler runs that would write. */
function countingImpl(): {
  impl: UsersServiceImplementation<OrgCallContext>;
  runs: { createUser: number; bulkItems: number; bulkAborted: number };
} {
  const runs = { createUser: 0, bulkItems: 0, bulkAborted: 0 };
  const base = usersImpl();
  return {
    runs,
    impl: {
      ...base,
      async createUser(request, ctx) {
        runs.createUser++;
        return base.createUser(request, ctx);
      },
      async bulkCreateUsers(requests, ctx) {
        try {
          for await (const _ of requests) runs.bulkItems++;
        } finally {
          if (ctx.signal.aborted) runs.bulkAborted++;
        }
        return { createdCount: runs.bulkItems };
      },
    },
  };
}

const createUser = "/org.users.v1.UsersService/CreateUser";
const valid = Buffer.from(
  CreateUserRequest.encode(CreateUserRequest.fromPartial({ user: { name: "Zoë", email: "zoe@example.org" } })).finish(),
);

describe("malformed requests", () => {
  it("answers undecodable bytes with INVALID_ARGUMENT naming the problem, not INTERNAL, and runs no handler", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    for (const garbage of [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), Buffer.from([0x0f, 0x01]), Buffer.from([0x12, 0x05, 0x41])]) {
      const reply = await rawCall(t.address, createUser, frame(garbage));
      expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
      expect(reply.grpcMessage).toMatch(/^malformed request message: \S/);
    }
    expect(runs.createUser).toBe(0);
    expect((await rawCall(t.address, createUser, frame(valid))).grpcStatus).toBe(Status.OK);
    expect(runs.createUser).toBe(1);
  });

  it("logs and counts a refused request like any call: method, code, peer and reason; handled_total by code", async () => {
    const t = await startServer({ metricsListen: "127.0.0.1:0" });
    const reply = await rawCall(t.address, createUser, frame(Buffer.from([0x0f, 0x01])));
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    const refused = t.logs.filter((l) => l.msg === "grpc call refused");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      method: createUser,
      code: "INVALID_ARGUMENT",
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      reason: expect.stringMatching(/^malformed request message: /),
    });
    const metrics = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="CreateUser",grpc_code="INVALID_ARGUMENT"\} 1/);
    expect(metrics).toMatch(/grpc_server_started_total\{[^}]*grpc_method="CreateUser"\} 1/);
  });

  it("rejects invalid UTF-8 in a string field instead of storing U+FFFD; valid non-ASCII passes", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    const bad = Buffer.from(valid);
    const at = bad.indexOf(Buffer.from("Zoë"));
    bad[at + 2] = 0xc3;
    bad[at + 3] = 0x28; // 0xC3 followed by a non-continuation byte
    const reply = await rawCall(t.address, createUser, frame(bad));
    expect(reply).toMatchObject({
      grpcStatus: Status.INVALID_ARGUMENT,
      grpcMessage: "malformed request message: a string field is not valid UTF-8",
    });
    expect(runs.createUser).toBe(0);
    const { user } = await t.client.createUser({ user: { name: "Zoë", email: "zoe@example.org" } });
    expect(user?.name).toBe("Zoë");
  });

  it("answers a unary request that ends inside its frame, or has no message or two, with INVALID_ARGUMENT", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    const truncated = await rawCall(t.address, createUser, frame(valid.subarray(0, 4), valid.length));
    expect(truncated).toMatchObject({ grpcStatus: Status.INVALID_ARGUMENT, grpcMessage: expect.stringContaining("truncated frame") });
    const empty = await rawCall(t.address, createUser, Buffer.alloc(0));
    expect(empty).toMatchObject({ grpcStatus: Status.INVALID_ARGUMENT, grpcMessage: expect.stringContaining("got none") });
    const two = await rawCall(t.address, createUser, Buffer.concat([frame(valid), frame(valid)]));
    expect(two).toMatchObject({ grpcStatus: Status.INVALID_ARGUMENT, grpcMessage: expect.stringContaining("got more") });
    expect(runs.createUser).toBe(0);
  });

  it("fails a client stream whose last frame is truncated instead of answering OK without it", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    const reply = await rawCall(
      t.address,
      "/org.users.v1.UsersService/BulkCreateUsers",
      Buffer.concat([frame(valid), frame(valid.subarray(0, 3), valid.length)]),
    );
    expect(reply).toMatchObject({ grpcStatus: Status.INVALID_ARGUMENT, grpcMessage: expect.stringContaining("truncated frame") });
    expect(runs.bulkItems).toBe(1);
    expect(runs.bulkAborted).toBe(1); // the handler's signal aborted: it cannot answer OK
  });

  it("ends a client stream at an undecodable message with INVALID_ARGUMENT", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    const reply = await rawCall(
      t.address,
      "/org.users.v1.UsersService/BulkCreateUsers",
      Buffer.concat([frame(valid), frame(Buffer.from([0xff])), frame(valid)]),
    );
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    expect(reply.grpcMessage).toMatch(/^malformed request message/);
    expect(runs.bulkItems).toBeLessThanOrEqual(1); // never the item after the bad one
  });

  it("sends the status of a stream it ends while a write is pending, and drops the handler's later writes", async () => {
    // The client reads nothing at first, so the 100 KB answer to "a" stays pending (64 KiB window).
    // The malformed frame is read ahead and ends the call; then the handler writes b's answer.
    // grpc-js wrote it after END_STREAM: the stream errored, its trailers were never sent, and the
    // client waited forever (the HTTP/2 stream stayed open on the server too).
    let responses = 0;
    const t = await startServer({}, (s) =>
      s.add(UsersServiceDefinition, {
        ...usersImpl(),
        async *syncUsers(requests) {
          for await (const _ of requests) {
            responses++;
            yield { id: "x".repeat(100_000) };
          }
        },
      }),
    );
    const message = (id: string) =>
      frame(SyncUsersRequest.encode(SyncUsersRequest.fromPartial({ operation: { $case: "delete", value: { id } } })).finish());
    const parts = [message("a"), Buffer.concat([message("b"), frame(Buffer.from([0xff]))])];
    const reply = await rawCall(t.address, "/org.users.v1.UsersService/SyncUsers", parts, {}, { gapMs: 100, readAfterMs: 400 });
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    expect(reply.grpcMessage).toMatch(/^malformed request message/);
    expect(responses).toBe(2);
  });

  it("decodes health and other added services strictly too", async () => {
    const t = await startServer();
    const reply = await rawCall(t.address, "/grpc.health.v1.Health/Check", frame(Buffer.from([0x0a, 0x09, 0x61])));
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    const ok = await rawCall(
      t.address,
      "/org.users.v1.UsersService/GetUser",
      frame(Buffer.from(GetUserRequest.encode({ id: "1" }).finish())),
    );
    expect(ok.grpcStatus).toBe(Status.OK);
  });

  it("answers metadata over maxMetadataBytes (default 16 KiB) with RESOURCE_EXHAUSTED before any handler", async () => {
    const { impl, runs } = countingImpl();
    const t = await startServer({}, (s) => s.add(UsersServiceDefinition, impl));
    const err = await rejection(() =>
      t.client.createUser({ user: { name: "A" } }, { metadata: Metadata({ "x-big": "a".repeat(20_000) }) }),
    );
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/^request metadata is \d+ bytes, over the server's limit of 16384 bytes$/);
    expect(runs.createUser).toBe(0);
    expect((await t.client.createUser({ user: { name: "A" } }, { metadata: Metadata({ "x-big": "a".repeat(12_000) }) })).user?.name).toBe(
      "A",
    );
    expect(runs.createUser).toBe(1);
  });

  it("takes its metadata limit from maxMetadataBytes; 0 turns the check off", async () => {
    const small = await startServer({ maxMetadataBytes: 1024 });
    expect((await rejection(() => small.client.getUser({ id: "1" }, { metadata: Metadata({ "x-pad": "p".repeat(1100) }) }))).code).toBe(
      Status.RESOURCE_EXHAUSTED,
    );
    const off = await startServer({ maxMetadataBytes: 0 });
    expect((await off.client.getUser({ id: "1" }, { metadata: Metadata({ "x-pad": "p".repeat(40_000) }) })).user?.id).toBe("1");
  });
});
