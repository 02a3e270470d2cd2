/*
 * The gRPC-Web modules end to end, before the transport wires them into @org/server: Node's
 * HTTP/2 and HTTP/1.1 servers on one cleartext port of 127.0.0.1 (`allowHTTP1` needs TLS, so
 * `createCleartextListener` routes by the first bytes) with a tiny UsersService built only on
 * `acceptWebCall`, called by real clients: nice-grpc-web (fetch, HTTP/1.1), curl with hand-framed
 * bodies and preflights, `buf curl --protocol grpcweb` over HTTP/1.1 and HTTP/2, and Node's http2
 * client for backpressure.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type GetUserRequest, type StreamUsersRequest, UsersServiceDefinition, type WatchUsersRequest } from "@org/api/org/users/v1";
import { ClientError, createChannel, createClient, FetchTransport, Metadata, Status } from "nice-grpc-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallIO } from "./call-io.js";
import { createCleartextListener } from "./cleartext-listener.js";
import { createCorsPolicy } from "./cors.js";
import { Base64StreamDecoder } from "./text-codec.js";
import { splitWebResponse } from "./trailer-frame.js";
import { acceptWebCall, WEB_STREAMING_REFUSAL, webMethodError } from "./web-call.js";

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const BUF = `${REPO_ROOT}node_modules/.bin/buf`;
const SERVICE = UsersServiceDefinition.fullName;
const ALLOWED_ORIGIN = "http://allowed.example";

const methods = new Map(Object.values(UsersServiceDefinition.methods).map((method) => [`/${SERVICE}/${method.name}`, method]));

function frame(payload: Uint8Array, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

const splitFrames = splitWebResponse;

/** What the demo handlers saw, for assertions from the client side. */
const seen = {
  watchAborted: undefined as Promise<void> | undefined,
  writesRefused: 0,
  calls: 0,
  /** Body bytes received while the demo held the body paused (x-pause-ms), and in total. */
  whilePaused: -1,
  bodyBytes: 0,
  bodyErrors: [] as Array<{ code: number; details: string }>,
};

/**
 * A stand-in for the call runtime: one request message in, the handler's messages out with
 * backpressure, a status at the end. Only the gRPC-Web modules and @org/api are used.
 */
function serveDemo(io: CallIO): void {
  seen.calls++;
  const method = methods.get(io.path);
  if (method === undefined) {
    io.end(Status.UNIMPLEMENTED, `unknown method ${io.path}`);
    return;
  }
  const refusal = webMethodError(method);
  if (refusal !== undefined) {
    io.end(refusal.code, refusal.details);
    return;
  }
  const chunks: Uint8Array[] = [];
  const pauseMs = Number(io.metadata.get("x-pause-ms") ?? 0);
  let received = 0;
  io.readBody({
    data: (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (pauseMs > 0 && chunks.length === 1) {
        io.pause();
        const atPause = received;
        setTimeout(() => {
          seen.whilePaused = received - atPause;
          io.resume();
        }, pauseMs);
      }
    },
    error: (error) => {
      seen.bodyErrors.push({ code: error.code, details: error.details });
      io.end(error.code, error.details);
    },
    end: () => {
      seen.bodyBytes = received;
      const body = Buffer.concat(chunks);
      if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
        return io.end(Status.INVALID_ARGUMENT, "expected exactly one complete request message");
      }
      handle(io, method.name, body.subarray(5)).catch((error: unknown) => io.end(Status.INTERNAL, String(error)));
    },
  });
}

async function writeAll(io: CallIO, frames: Iterable<Uint8Array>): Promise<void> {
  for (const message of frames) {
    if (!io.writeMessage(message)) {
      seen.writesRefused++;
      await new Promise<void>((resolve) => io.onDrain(resolve));
    }
  }
}

async function handle(io: CallIO, name: string, payload: Buffer): Promise<void> {
  const { methods: m } = UsersServiceDefinition;
  const headers = new Metadata({ "x-request-id": "req-1" });
  if (name === "GetUser") {
    const { id } = m.getUser.requestType.decode(payload) as GetUserRequest;
    if (id === "missing") {
      io.sendHeaders(headers);
      return io.end(Status.NOT_FOUND, `user “${id}” not found (100%)`, new Metadata({ "x-request-id": "req-1" }));
    }
    const user = { id, name: (io.metadata.get("x-name") as string | undefined) ?? "Ada", email: "ada@example.org" };
    io.sendHeaders(headers);
    io.writeMessage(frame(m.getUser.responseType.encode(m.getUser.responseType.fromPartial({ user })).finish()));
    return io.end(Status.OK, "", new Metadata({ "x-served-by": "web-demo" }));
  }
  if (name === "StreamUsers") {
    const { filter } = m.streamUsers.requestType.decode(payload) as StreamUsersRequest;
    const [count, size] = (filter?.query ?? "3").split("x").map(Number) as [number, number | undefined];
    const name = "n".repeat(size ?? 2);
    function* users(): Iterable<Uint8Array> {
      for (let i = 0; i < count; i++) {
        const response = m.streamUsers.responseType.fromPartial({ user: { id: `s${i}`, name } });
        yield frame(m.streamUsers.responseType.encode(response).finish());
      }
    }
    io.sendHeaders(headers);
    await writeAll(io, users());
    return io.end(Status.OK, "");
  }
  if (name === "WatchUsers") {
    m.watchUsers.requestType.decode(payload) as WatchUsersRequest;
    seen.watchAborted = once(io.signal, "abort").then(() => undefined);
    const response = m.watchUsers.responseType.fromPartial({ user: { id: "w1" } });
    io.writeMessage(frame(m.watchUsers.responseType.encode(response).finish()));
    return;
  }
  io.end(Status.UNIMPLEMENTED, `${name} is not part of the demo`);
}

let server: net.Server;
let base: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  const cors = createCorsPolicy({ origins: [ALLOWED_ORIGIN] });
  const onRequest = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    const io = acceptWebCall(req, res, { cors });
    if (io !== undefined) serveDemo(io);
  };
  server = createCleartextListener({ http2: http2.createServer(onRequest), http1: http.createServer(onRequest) });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const closed = new Promise((resolve) => server.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
});

describe("nice-grpc-web (fetch transport, HTTP/1.1)", () => {
  const client = () => createClient(UsersServiceDefinition, createChannel(base, FetchTransport()));

  it("calls a unary method with metadata both ways", async () => {
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    const response = await client().getUser(
      { id: "u1" },
      { metadata: new Metadata({ "x-name": "Grace" }), onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    expect(response.user).toMatchObject({ id: "u1", name: "Grace", email: "ada@example.org" });
    expect(header?.get("x-request-id")).toBe("req-1");
    expect(header?.get("content-type")).toBe("application/grpc-web+proto");
    expect(trailer?.get("x-served-by")).toBe("web-demo");
  });

  it("gets a failing call's status, UTF-8 message and trailers from the trailer frame", async () => {
    let trailer: Metadata | undefined;
    const error = await client()
      .getUser({ id: "missing" }, { onTrailer: (t) => (trailer = t) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe(Status.NOT_FOUND);
    expect((error as ClientError).details).toBe("user “missing” not found (100%)");
    expect(trailer?.get("x-request-id")).toBe("req-1");
  });

  it("receives every message of a server stream", async () => {
    const ids: string[] = [];
    for await (const { user } of client().streamUsers({ filter: { query: "25" } })) ids.push(user?.id ?? "");
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
  });

  it("refuses client streaming with UNIMPLEMENTED and says why", async () => {
    async function* requests() {
      yield { user: { name: "x" } };
    }
    const error = await client()
      .bulkCreateUsers(requests())
      .catch((caught: unknown) => caught);
    expect((error as ClientError).code).toBe(Status.UNIMPLEMENTED);
    expect((error as ClientError).details).toBe(WEB_STREAMING_REFUSAL);
  });

  it("aborts the handler's signal when the client cancels", async () => {
    seen.watchAborted = undefined;
    const controller = new AbortController();
    const stream = client().watchUsers({}, { signal: controller.signal });
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.value?.user?.id).toBe("w1");
    expect(seen.watchAborted).toBeDefined();
    controller.abort();
    await expect(seen.watchAborted).resolves.toBeUndefined();
  });

  it("answers a codec other than protobuf with 415 and the reason", async () => {
    const response = await fetch(`${base}/${SERVICE}/GetUser`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+json" },
      body: "{}",
    });
    expect(response.status).toBe(415);
    expect(await response.text()).toContain("asks for the json codec");
    const get = await fetch(`${base}/${SERVICE}/GetUser`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

async function curl(
  args: string[],
  http = "--http1.1",
): Promise<{ version: string; status: number; headers: Map<string, string>; body: string }> {
  const { stdout } = await run("curl", ["-sS", http, "-i", ...args], { encoding: "latin1", timeout: 15_000 });
  const split = stdout.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = stdout.slice(0, split).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const [version, status] = (statusLine ?? "").split(" ");
  return { version: version ?? "", status: Number(status), headers, body: stdout.slice(split + 4) };
}

function decodeText(body: string): ReturnType<typeof splitFrames> {
  const decoder = new Base64StreamDecoder();
  return splitFrames(Buffer.concat([decoder.push(Buffer.from(body, "latin1")), decoder.end()]));
}

describe("curl over HTTP/1.1", () => {
  const { getUser: method } = UsersServiceDefinition.methods;
  const getUser = (id: string) => frame(method.requestType.encode(method.requestType.fromPartial({ id })).finish());

  it("calls with a hand-framed application/grpc-web-text body sent in two padded pieces", async () => {
    const request = getUser("u7");
    const body = request.subarray(0, 4).toString("base64") + request.subarray(4).toString("base64");
    expect(body.slice(0, 8)).toMatch(/=/); // padding inside the body
    const response = await curl([
      "-H",
      "content-type: application/grpc-web-text",
      "-H",
      "accept: application/grpc-web-text",
      "-H",
      "x-grpc-web: 1",
      "--data-binary",
      body,
      `${base}/${SERVICE}/GetUser`,
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/grpc-web-text");
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.body).toMatch(/^[A-Za-z0-9+/=]+$/);
    const { messages, trailers } = decodeText(response.body);
    expect(messages).toHaveLength(1);
    const decoded = UsersServiceDefinition.methods.getUser.responseType.decode(messages[0] as Buffer);
    expect(decoded.user).toMatchObject({ id: "u7", name: "Ada" });
    expect(trailers).toMatchObject({ code: Status.OK, message: "" });
    expect(trailers?.metadata.get("x-served-by")).toBe("web-demo");
  });

  it("streams a server-streaming call in text mode, each frame encoded on its own", async () => {
    const { streamUsers } = UsersServiceDefinition.methods;
    const request = streamUsers.requestType.encode(streamUsers.requestType.fromPartial({ filter: { query: "4" } }));
    const response = await curl([
      "-H",
      "content-type: application/grpc-web-text+proto",
      "--data-binary",
      frame(request.finish()).toString("base64"),
      `${base}/${SERVICE}/StreamUsers`,
    ]);
    expect(response.headers.get("content-type")).toBe("application/grpc-web-text+proto");
    const { messages, trailers } = decodeText(response.body);
    expect(messages.map((message) => streamUsers.responseType.decode(message).user?.id)).toEqual(["s0", "s1", "s2", "s3"]);
    expect(trailers?.code).toBe(Status.OK);
  });

  it("answers a text body that is not base64 with INVALID_ARGUMENT in the trailer frame", async () => {
    const response = await curl([
      "-H",
      "content-type: application/grpc-web-text",
      "--data-binary",
      "AAAA*AAA",
      `${base}/${SERVICE}/GetUser`,
    ]);
    expect(response.status).toBe(200);
    const { messages, trailers } = decodeText(response.body);
    expect(messages).toHaveLength(0);
    expect(trailers?.code).toBe(Status.INVALID_ARGUMENT);
    expect(trailers?.message).toContain("not valid base64 at character 4");
  });

  it("answers a binary call with a text response when Accept asks for it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "grpc-web-"));
    try {
      const file = join(dir, "request.bin");
      await writeFile(file, getUser("u2"));
      const response = await curl([
        "-H",
        "content-type: application/grpc-web+proto",
        "-H",
        "accept: application/grpc-web-text",
        "--data-binary",
        `@${file}`,
        `${base}/${SERVICE}/GetUser`,
      ]);
      expect(response.headers.get("content-type")).toBe("application/grpc-web-text+proto");
      const { messages, trailers } = decodeText(response.body);
      expect(method.responseType.decode(messages[0] as Buffer).user?.id).toBe("u2");
      expect(trailers?.code).toBe(Status.OK);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gets a preflight answered for a configured origin and refused for another", async () => {
    const preflight = (origin: string) =>
      curl([
        "-X",
        "OPTIONS",
        "-H",
        `origin: ${origin}`,
        "-H",
        "access-control-request-method: POST",
        "-H",
        "access-control-request-headers: content-type,x-grpc-web,x-user-agent,authorization",
        `${base}/${SERVICE}/GetUser`,
      ]);
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-methods")).toBe("POST");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("content-type, x-grpc-web, x-user-agent, authorization");
    const refused = await preflight("http://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.has("access-control-allow-origin")).toBe(false);
    expect(refused.body).toBe("origin http://evil.example is not allowed to call this server");
  });

  it("marks an allowed cross-origin call's response and refuses an unconfigured origin's call", async () => {
    const call = (origin: string) =>
      curl([
        "-H",
        `origin: ${origin}`,
        "-H",
        "content-type: application/grpc-web-text",
        "--data-binary",
        getUser("u1").toString("base64"),
        `${base}/${SERVICE}/GetUser`,
      ]);
    const allowed = await call(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("vary")).toBe("Origin");
    expect(allowed.headers.get("access-control-expose-headers")).toBe("grpc-status, grpc-message, grpc-status-details-bin, x-request-id");
    expect(decodeText(allowed.body).trailers?.code).toBe(Status.OK);
    const refused = await call("http://evil.example");
    expect(refused.status).toBe(403);
    // A refusal after the origin check is readable by the allowed page.
    const wrongType = await curl([
      "-H",
      `origin: ${ALLOWED_ORIGIN}`,
      "-H",
      "content-type: text/plain",
      "--data-binary",
      "x",
      `${base}/${SERVICE}/GetUser`,
    ]);
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    // The page's own origin (same scheme, host and port) needs no configuration.
    const same = await call(base);
    expect(same.status).toBe(200);
    expect(same.headers.has("access-control-allow-origin")).toBe(false);
  });
});

describe("buf curl --protocol grpcweb", () => {
  const bufCurl = (extra: string[], method: string, data: string) =>
    run(BUF, ["curl", "--schema", REPO_ROOT, "--protocol", "grpcweb", ...extra, "--data", data, `${base}/${SERVICE}/${method}`], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });

  it.each([
    ["HTTP/1.1", []],
    ["HTTP/2", ["--http2-prior-knowledge"]],
  ])("calls unary and server-streaming methods over %s", async (_name, extra) => {
    const unary = await bufCurl(extra, "GetUser", '{"id":"b1"}');
    expect(JSON.parse(unary.stdout)).toMatchObject({ user: { id: "b1", name: "Ada" } });
    const stream = await bufCurl(extra, "StreamUsers", '{"filter":{"query":"3"}}');
    const ids = [...stream.stdout.matchAll(/"id":\s*"(s\d)"/g)].map((match) => match[1]);
    expect(ids).toEqual(["s0", "s1", "s2"]);
  });

  it("reports the status and message of a failing call", async () => {
    const error = await bufCurl([], "GetUser", '{"id":"missing"}').catch((caught: unknown) => caught);
    const { stderr } = error as { stderr: string };
    expect(JSON.parse(stderr)).toMatchObject({ code: "not_found", message: "user “missing” not found (100%)" });
  });
});

describe("a client that goes away", () => {
  it("mid-body: the body listener gets CANCELLED and the server stays up", async () => {
    seen.bodyErrors = [];
    const callsBefore = seen.calls;
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(socket, "connect");
    socket.write(
      `POST /${SERVICE}/GetUser HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 100\r\n\r\n\0\0\0\0`,
    );
    await expect.poll(() => seen.calls, { timeout: 10_000 }).toBe(callsBefore + 1);
    socket.destroy();
    await expect
      .poll(() => seen.bodyErrors, { timeout: 10_000 })
      .toEqual([{ code: Status.CANCELLED, details: "the client went away before sending the whole request" }]);
    const after = await createClient(UsersServiceDefinition, createChannel(base, FetchTransport())).getUser({ id: "u9" });
    expect(after.user?.id).toBe("u9");
  });
});

describe("over TLS (allowHTTP1: ALPN picks the protocol)", () => {
  let dir: string;
  let tls: http2.Http2SecureServer;
  let origin: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "grpc-web-tls-"));
    await run(
      "openssl",
      // biome-ignore format: one flag and its value per line would hide the command
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      { cwd: dir },
    );
    tls = http2.createSecureServer(
      { allowHTTP1: true, key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) },
      (req, res) => {
        const io = acceptWebCall(req, res);
        if (io !== undefined) serveDemo(io);
      },
    );
    tls.listen(0, "127.0.0.1");
    await once(tls, "listening");
    origin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => tls?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it.each(["--http1.1", "--http2"])("serves a same-origin page's text call with %s and refuses another scheme", async (http) => {
    const body = UsersServiceDefinition.methods.getUser.requestType.encode({ id: "t1" }).finish();
    const call = (pageOrigin: string) =>
      curl(
        [
          "-k",
          "-H",
          `origin: ${pageOrigin}`,
          "-H",
          "content-type: application/grpc-web-text",
          "--data-binary",
          frame(body).toString("base64"),
          `${origin}/${SERVICE}/GetUser`,
        ],
        http,
      );
    const same = await call(origin);
    expect(same.version).toBe(http === "--http2" ? "HTTP/2" : "HTTP/1.1");
    expect(same.status).toBe(200);
    expect(same.headers.has("access-control-allow-origin")).toBe(false);
    const { messages, trailers } = decodeText(same.body);
    expect(UsersServiceDefinition.methods.getUser.responseType.decode(messages[0] as Buffer).user?.id).toBe("t1");
    expect(trailers?.code).toBe(Status.OK);
    // Same host and port over plain http is another origin, and no CORS is configured here.
    expect((await call(origin.replace("https:", "http:"))).status).toBe(403);
  });
});

describe("request backpressure", () => {
  it("takes no body bytes while paused and all of them after resume", async () => {
    seen.whilePaused = -1;
    const id = "i".repeat(4 * 1024 * 1024);
    const response = await createClient(UsersServiceDefinition, createChannel(base, FetchTransport())).getUser(
      { id },
      { metadata: new Metadata({ "x-pause-ms": "300" }) },
    );
    expect(response.user?.id).toBe(id);
    expect(seen.whilePaused).toBe(0);
    expect(seen.bodyBytes).toBeGreaterThan(id.length);
  });
});

describe("HTTP/2 backpressure", () => {
  it("stops writing when the client does not read and resumes when it does", async () => {
    seen.writesRefused = 0;
    const session = http2.connect(base);
    try {
      const { requestType } = UsersServiceDefinition.methods.streamUsers;
      const request = frame(requestType.encode(requestType.fromPartial({ filter: { query: "200x16384" } })).finish());
      const stream = session.request({
        ":method": "POST",
        ":path": `/${SERVICE}/StreamUsers`,
        "content-type": "application/grpc-web+proto",
      });
      stream.end(request);
      stream.pause();
      // Without reading, the server fills the stream's window and its own buffer, then waits.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen.writesRefused).toBeGreaterThan(0);
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.resume();
      await once(stream, "end");
      const { messages, trailers } = splitFrames(Buffer.concat(chunks));
      expect(messages).toHaveLength(200);
      expect(trailers?.code).toBe(Status.OK);
    } finally {
      session.close();
    }
  });
});
