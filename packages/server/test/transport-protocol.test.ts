// The gRPC-over-HTTP/2 protocol as the transport speaks it, seen from a raw node:http2 client:
// timeouts, encodings, HTTP-level refusals, trailers-only responses, percent-encoded messages,
// response compression, and connection management (ping flood, stalled preface, idle GOAWAY).
import http2 from "node:http2";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { GetUserRequest, GetUserResponse, UsersServiceDefinition } from "@org/api/org/users/v1";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { startServer, usersImpl } from "./helpers.js";

const getUser = "/org.users.v1.UsersService/GetUser";

interface Reply {
  httpStatus: number | undefined;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders | undefined;
  grpcStatus: number | undefined;
  grpcMessage: string;
  body: Buffer;
}

function frame(message: Uint8Array, compressed = false): Buffer {
  const header = Buffer.alloc(5);
  header[0] = compressed ? 1 : 0;
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

const request = (id: string) => Buffer.from(GetUserRequest.encode({ id }).finish());

function call(address: string, path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<Reply> {
  const session = http2.connect(`http://${address}`);
  session.on("error", () => {});
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`${path}: no answer within 5 s`));
    }, 5000);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    const reply: Reply = {
      httpStatus: undefined,
      headers: {},
      trailers: undefined,
      grpcStatus: undefined,
      grpcMessage: "",
      body: Buffer.alloc(0),
    };
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) reply.grpcStatus = Number(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) reply.grpcMessage = decodeURIComponent(String(h["grpc-message"]));
    };
    stream.on("response", (h) => {
      reply.httpStatus = Number(h[":status"]);
      reply.headers = h;
      take(h);
    });
    stream.on("trailers", (h) => {
      reply.trailers = h;
      take(h);
    });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("close", () => {
      clearTimeout(timer);
      session.destroy();
      reply.body = Buffer.concat(chunks);
      resolve(reply);
    });
    stream.end(body);
  });
}

describe("grpc-timeout", () => {
  it.each(["abc", "12x", "123456789S"])("answers an invalid value (%j) with INVALID_ARGUMENT, logged and counted", async (value) => {
    const t = await startServer({ metricsListen: "127.0.0.1:0" });
    const reply = await call(t.address, getUser, frame(request("u1")), { "grpc-timeout": value });
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    expect(reply.grpcMessage).toContain("invalid grpc-timeout");
    const refused = t.logs.filter((l) => l.msg === "grpc call refused");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ method: getUser, code: "INVALID_ARGUMENT" });
    const metrics = await (await fetch(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser",grpc_code="INVALID_ARGUMENT"\} 1/);
  });

  it("accepts every unit", async () => {
    const t = await startServer();
    for (const value of ["1H", "1M", "10S", "5000m", "5000000u", "99999999n"]) {
      const reply = await call(t.address, getUser, frame(request("u1")), { "grpc-timeout": value });
      expect(reply.grpcStatus, value).toBe(Status.OK);
    }
  });
});

describe("HTTP level and routing", () => {
  it("answers a wrong content-type with HTTP 415 and a wrong method with 405", async () => {
    const t = await startServer();
    expect((await call(t.address, getUser, frame(request("u1")), { "content-type": "application/json" })).httpStatus).toBe(415);
    expect((await call(t.address, getUser, frame(request("u1")), { ":method": "PUT" })).httpStatus).toBe(405);
  });

  it("answers an unknown method or service with a trailers-only UNIMPLEMENTED", async () => {
    const t = await startServer();
    for (const path of ["/org.users.v1.UsersService/Nope", "/no.Such/Service"]) {
      const reply = await call(t.address, path, frame(request("u1")));
      expect(reply.httpStatus).toBe(200);
      expect(reply.grpcStatus).toBe(Status.UNIMPLEMENTED);
      expect(reply.headers["grpc-status"]).toBe(String(Status.UNIMPLEMENTED)); // in the headers: trailers-only
      expect(reply.trailers).toBeUndefined();
      expect(reply.grpcMessage).toContain(path);
    }
  });

  it("sends a refusal before any message as trailers-only, percent-encoding the message", async () => {
    const t = await startServer();
    const reply = await call(t.address, getUser, frame(request("u1")), { "grpc-timeout": "ünïcode" });
    expect(reply.grpcStatus).toBe(Status.INVALID_ARGUMENT);
    expect(reply.headers["grpc-status"]).toBe(String(Status.INVALID_ARGUMENT));
    expect(reply.trailers).toBeUndefined();
    expect(reply.body.length).toBe(0);
    expect(String(reply.headers["grpc-message"])).toContain("%C3%BCn%C3%AFcode");
    expect(reply.grpcMessage).toContain('"ünïcode"');
  });

  it("sends rich error details in grpc-status-details-bin after the response header", async () => {
    const t = await startServer();
    const reply = await call(t.address, getUser, frame(request("missing")));
    expect(reply.grpcStatus).toBe(Status.NOT_FOUND);
    expect(reply.headers["x-request-id"]).toBeDefined();
    expect(reply.trailers?.["grpc-status-details-bin"]).toBeDefined();
    expect(reply.grpcMessage).toBe("user missing not found");
  });

  it("sends OK in trailers after the message, and advertises grpc-accept-encoding", async () => {
    const t = await startServer();
    const reply = await call(t.address, getUser, frame(request("u1")));
    expect(reply.headers["grpc-accept-encoding"]).toBe("identity,deflate,gzip");
    expect(reply.headers["grpc-status"]).toBeUndefined();
    expect(reply.trailers?.["grpc-status"]).toBe("0");
    expect(GetUserResponse.decode(reply.body.subarray(5)).user?.id).toBe("u1");
  });
});

describe("compression", () => {
  it("accepts gzip and deflate requests", async () => {
    const t = await startServer();
    const gz = await call(t.address, getUser, frame(gzipSync(request("u1")), true), { "grpc-encoding": "gzip" });
    expect(gz.grpcStatus).toBe(Status.OK);
    const { deflateSync } = await import("node:zlib");
    const df = await call(t.address, getUser, frame(deflateSync(request("u1")), true), { "grpc-encoding": "deflate" });
    expect(df.grpcStatus).toBe(Status.OK);
  });

  it("answers an unsupported encoding with UNIMPLEMENTED listing the supported ones", async () => {
    const t = await startServer();
    const reply = await call(t.address, getUser, frame(request("u1"), true), { "grpc-encoding": "snappy" });
    expect(reply.grpcStatus).toBe(Status.UNIMPLEMENTED);
    expect(reply.grpcMessage).toContain("identity,deflate,gzip");
    expect(reply.headers["grpc-accept-encoding"]).toBe("identity,deflate,gzip");
  });

  it("answers a zip bomb over the receive limit with RESOURCE_EXHAUSTED", async () => {
    const t = await startServer({ maxReceiveMessageBytes: 64 * 1024 });
    // A 16 MiB string field compressed to a few KiB: within the limit on the wire, far over it inflated.
    const huge = Buffer.from(GetUserRequest.encode({ id: "x".repeat(16 * 1024 * 1024) }).finish());
    const bomb = gzipSync(huge);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const reply = await call(t.address, getUser, frame(bomb, true), { "grpc-encoding": "gzip" });
    expect(reply.grpcStatus).toBe(Status.RESOURCE_EXHAUSTED);
    expect(reply.grpcMessage).toContain("decompressed message larger");
  });

  it("compresses responses with responseCompression when the client accepts it, not otherwise", async () => {
    const t = await startServer({ responseCompression: "gzip" });
    const accepted = await call(t.address, getUser, frame(request("u1")), { "grpc-accept-encoding": "gzip" });
    expect(accepted.headers["grpc-encoding"]).toBe("gzip");
    expect(accepted.body[0]).toBe(1);
    expect(GetUserResponse.decode(gunzipSync(accepted.body.subarray(5))).user?.id).toBe("u1");
    const plain = await call(t.address, getUser, frame(request("u1")));
    expect(plain.headers["grpc-encoding"]).toBeUndefined();
    expect(plain.body[0]).toBe(0);
  });

  it("lets a call choose its response compression with grpc-js's grpc-internal-encoding-request header", async () => {
    const t = await startServer({ responseCompression: "gzip" }, (server) =>
      server.add(UsersServiceDefinition, {
        ...usersImpl(),
        async getUser({ id }, ctx) {
          // "gzip" on a server that does not compress by default; "identity" turns the default off.
          ctx.header.set("grpc-internal-encoding-request", id);
          return { user: { id } };
        },
      }),
    );
    const chosen = await call(t.address, getUser, frame(request("deflate")), { "grpc-accept-encoding": "gzip,deflate" });
    expect([chosen.headers["grpc-encoding"], chosen.body[0]]).toEqual(["deflate", 1]);
    expect(chosen.headers["grpc-internal-encoding-request"]).toBeUndefined();
    expect(GetUserResponse.decode(inflateSync(chosen.body.subarray(5))).user?.id).toBe("deflate");
    const off = await call(t.address, getUser, frame(request("identity")), { "grpc-accept-encoding": "gzip" });
    expect([off.headers["grpc-encoding"], off.body[0]]).toEqual([undefined, 0]);
    // Not accepted by the client, or not an encoding we speak: identity.
    const refused = await call(t.address, getUser, frame(request("deflate")), { "grpc-accept-encoding": "gzip" });
    expect([refused.headers["grpc-encoding"], refused.body[0]]).toEqual([undefined, 0]);
    const unknown = await call(t.address, getUser, frame(request("snappy")), { "grpc-accept-encoding": "snappy" });
    expect([unknown.headers["grpc-encoding"], unknown.body[0], unknown.grpcStatus]).toEqual([undefined, 0, Status.OK]);
    // A grpc-js client (nice-grpc) decodes what it accepted.
    expect((await t.client.getUser({ id: "gzip" })).user?.id).toBe("gzip");
  });
});

describe("connection management", () => {
  it("sends GOAWAY too_many_pings to a client that floods pings", async () => {
    const t = await startServer();
    const session = http2.connect(`http://${t.address}`);
    session.on("error", () => {});
    await new Promise<void>((resolve) => session.once("connect", () => resolve()));
    const goaway = new Promise<{ code: number; data: string }>((resolve) =>
      session.once("goaway", (code, _last, data) => resolve({ code, data: data?.toString() ?? "" })),
    );
    for (let i = 0; i < 10 && !session.destroyed; i++) {
      session.ping(() => {});
      await sleep(5);
    }
    const received = await Promise.race([goaway, sleep(5000).then(() => undefined)]);
    session.destroy();
    expect(received).toEqual({ code: http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, data: "too_many_pings" });
  });

  it("closes a connection that never finishes the HTTP/2 preface", async () => {
    const t = await startServer({ handshakeTimeoutMs: 200 });
    const socket = net.connect(t.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume(); // read, so that the server's close is seen
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("PRI * HTTP/2.0\r\n"); // half a preface, then nothing
    const closed = await Promise.race([
      new Promise<boolean>((resolve) => socket.once("close", () => resolve(true))),
      sleep(5000).then(() => false),
    ]);
    socket.destroy();
    expect(closed).toBe(true);
  });

  it("closes a connection whose client does not answer keepalive pings within keepaliveTimeoutMs", async () => {
    const t = await startServer({ keepaliveTimeMs: 100, keepaliveTimeoutMs: 200 });
    // A bare HTTP/2 client: the preface and an empty SETTINGS frame, then never a PING ack.
    const socket = net.connect(t.port, "127.0.0.1");
    socket.on("error", () => {});
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    const closed = await Promise.race([
      new Promise<boolean>((resolve) => socket.once("close", () => resolve(true))),
      sleep(5000).then(() => false),
    ]);
    socket.destroy();
    expect(closed).toBe(true);
    // The server did ping: a PING frame (type 6) without the ACK flag is in what it sent.
    const bytes = Buffer.concat(received);
    let pinged = false;
    for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
      if (bytes[at + 3] === 6 && (bytes[at + 4]! & 1) === 0) pinged = true;
    }
    expect(pinged).toBe(true);
  });

  it("sends GOAWAY to a connection idle for maxConnectionIdleMs", async () => {
    const t = await startServer({ maxConnectionIdleMs: 200 });
    const session = http2.connect(`http://${t.address}`);
    session.on("error", () => {});
    const goaway = new Promise<number>((resolve) => session.once("goaway", (code) => resolve(code)));
    const received = await Promise.race([goaway, sleep(5000).then(() => -1)]);
    session.destroy();
    expect(received).toBe(http2.constants.NGHTTP2_NO_ERROR);
  });

  it("sends GOAWAY after maxConnectionAgeMs and still finishes the call in flight", async () => {
    const t = await startServer({ maxConnectionAgeMs: 300 });
    const session = http2.connect(`http://${t.address}`);
    session.on("error", () => {});
    let goaway = false;
    session.once("goaway", () => {
      goaway = true;
    });
    const stream = session.request({ ":method": "POST", ":path": getUser, "content-type": "application/grpc", te: "trailers" });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("trailers", resolve));
    stream.on("data", () => {});
    stream.end(frame(request("slow:800")));
    const got = await Promise.race([trailers, sleep(5000).then(() => undefined)]);
    session.destroy();
    expect(goaway).toBe(true);
    expect(got?.["grpc-status"]).toBe("0");
  });
});
