/*
 * gRPC-Web served by createServer() on the gRPC port: real clients (nice-grpc-web's fetch
 * transport, curl with a hand-framed grpc-web-text body, `buf curl --protocol grpcweb` over HTTP/1.1
 * and HTTP/2, raw fetch for what clients hide), the built-in steps applied as to gRPC calls
 * (deadline, auth, rate limit, logs, metrics), CORS, the `httpHandler`, native gRPC on the same
 * port, and TLS with ALPN picking HTTP/2 or HTTP/1.1.
 */
import { execFile } from "node:child_process";
import http2 from "node:http2";
import https from "node:https";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { forever } from "abort-controller-x";
import { ChannelCredentials } from "nice-grpc";
import { Metadata, Status } from "nice-grpc-common";
import { BadRequest, errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { createChannel, createClientFactory, FetchTransport } from "nice-grpc-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Base64StreamDecoder } from "../src/transport/web/text-codec.js";
import { splitWebResponse } from "../src/transport/web/trailer-frame.js";
import { WEB_STREAMING_REFUSAL } from "../src/transport/web/web-call.js";
import { callLines, hangAborts, rejection, startServer, type TestServer, usersImpl, waitFor } from "./helpers.js";
import { testCertificates } from "./tls-certificates.js";

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BUF = `${REPO_ROOT}node_modules/.bin/buf`;
const SERVICE = UsersServiceDefinition.fullName;
const { getUser, bulkCreateUsers } = UsersServiceDefinition.methods;

const webClients = createClientFactory().use(errorDetailsClientMiddleware);
const webClient = (base: string) => webClients.create(UsersServiceDefinition, createChannel(base, FetchTransport()));
const base = (t: TestServer) => `http://127.0.0.1:${t.port}`;

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

const getUserBody = (id: string) => frame(getUser.requestType.encode(getUser.requestType.fromPartial({ id })).finish());

const splitFrames = splitWebResponse;

/** A binary gRPC-Web call with fetch: the HTTP answer, its frames and trailers. */
async function webFetch(t: TestServer, method: string, body: Uint8Array, headers: Record<string, string> = {}) {
  const response = await fetch(`${base(t)}/${SERVICE}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers },
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { response, ...splitFrames(bytes) };
}

describe("gRPC-Web on createServer()", () => {
  it("serves unary and server-streaming calls to nice-grpc-web, and gRPC on the same port", async () => {
    const t = await startServer();
    const web = webClient(base(t));
    expect((await web.getUser({ id: "w1" })).user).toMatchObject({ id: "w1", name: "Ada" });
    const ids: string[] = [];
    const abort = new AbortController();
    await expect(async () => {
      for await (const { user } of web.streamUsers({}, { signal: abort.signal })) {
        ids.push(user!.id);
        if (ids.length === 2) abort.abort(); // the handler then waits forever: cancel it
      }
    }).rejects.toThrow(/abort/i);
    expect(ids).toEqual(["s1", "s2"]);
    // Native gRPC (grpc-js over HTTP/2) on the same port.
    expect((await t.client.getUser({ id: "g1" })).user?.id).toBe("g1");
    await waitFor(() => callLines(t.logs).length === 3, 5000, "three call lines");
    const lines = callLines(t.logs);
    expect(lines.map((l) => [l.method.split("/")[2], l.code, l.protocol])).toEqual(
      expect.arrayContaining([
        ["GetUser", "OK", "grpc-web"],
        ["StreamUsers", "CANCELLED", "grpc-web"],
        ["GetUser", "OK", undefined],
      ]),
    );
    const metrics = await t.server.metricsRegistry.metrics();
    expect(metrics).toContain(
      'grpc_server_web_handled_total{grpc_type="unary",grpc_service="org.users.v1.UsersService",grpc_method="GetUser",grpc_protocol="grpc-web",grpc_code="OK"} 1',
    );
    expect(metrics).toContain(
      'grpc_server_handled_total{grpc_type="unary",grpc_service="org.users.v1.UsersService",grpc_method="GetUser",grpc_code="OK"} 2',
    );
  });

  it("sends errors with their details in the trailer frame, decoded by the client", async () => {
    const t = await startServer();
    const error = await rejection(() => webClient(base(t)).createUser({ user: { name: "" } }));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.details).toBe("invalid user");
    const badRequest = error.extra.find((d: { $type: string }) => d.$type === BadRequest.$type);
    expect(badRequest.fieldViolations).toMatchObject([{ field: "user.name", description: "must not be empty" }]);
    const { response, trailers } = await webFetch(t, "GetUser", getUserBody("missing"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/./);
    expect(trailers?.code).toBe(Status.NOT_FOUND);
    expect(trailers?.metadata.get("grpc-status-details-bin")).toBeInstanceOf(Uint8Array);
  });

  it("applies grpc-timeout: a slow handler ends with DEADLINE_EXCEEDED and its signal aborts", async () => {
    const t = await startServer();
    hangAborts.length = 0;
    const { trailers } = await webFetch(t, "GetUser", getUserBody("hang"), { "grpc-timeout": "200m" });
    expect(trailers?.code).toBe(Status.DEADLINE_EXCEEDED);
    await waitFor(() => hangAborts.length === 1, 5000, "the handler's signal to abort");
    expect(hangAborts[0]?.aborted).toBe(true);
    const bad = await webFetch(t, "GetUser", getUserBody("u1"), { "grpc-timeout": "12x" });
    expect(bad.trailers?.code).toBe(Status.INVALID_ARGUMENT);
    await waitFor(() => callLines(t.logs).length + t.logs.filter((l) => l.msg !== "grpc call" && l.code !== undefined).length >= 2);
    expect(t.logs.filter((l) => l.code === "INVALID_ARGUMENT").map((l) => l.protocol)).toEqual(["grpc-web"]);
  });

  it("applies auth and the rate limit exactly as to gRPC calls", async () => {
    const auth = { verify: (token: string) => ({ subject: token, claims: {} }) };
    const t = await startServer({ auth, rateLimit: { rps: 0.5, burst: 1 } });
    const web = webClient(base(t));
    expect((await rejection(() => web.getUser({ id: "1" }))).code).toBe(Status.UNAUTHENTICATED);
    const asAlice = { metadata: Metadata({ authorization: "Bearer alice" }) };
    expect((await web.getUser({ id: "1" }, asAlice)).user?.id).toBe("1");
    expect((await rejection(() => web.getUser({ id: "1" }, asAlice))).code).toBe(Status.RESOURCE_EXHAUSTED);
    // alice's bucket is shared by her gRPC calls: the limit does not care about the protocol.
    expect((await rejection(() => t.client.getUser({ id: "1" }, asAlice))).code).toBe(Status.RESOURCE_EXHAUSTED);
    await waitFor(() => callLines(t.logs).length === 4);
    expect(callLines(t.logs).map((l) => [l.code, l.principal ?? null, l.protocol ?? "grpc"])).toEqual([
      ["UNAUTHENTICATED", null, "grpc-web"],
      ["OK", "alice", "grpc-web"],
      ["RESOURCE_EXHAUSTED", "alice", "grpc-web"],
      ["RESOURCE_EXHAUSTED", "alice", "grpc"],
    ]);
  });

  it("refuses client streaming with UNIMPLEMENTED, logged and counted, and unknown methods", async () => {
    const t = await startServer();
    const body = frame(bulkCreateUsers.requestType.encode(bulkCreateUsers.requestType.fromPartial({})).finish());
    const { trailers } = await webFetch(t, "BulkCreateUsers", body);
    expect(trailers).toMatchObject({ code: Status.UNIMPLEMENTED, message: WEB_STREAMING_REFUSAL });
    await waitFor(() => t.logs.some((l) => l.code === "UNIMPLEMENTED"));
    expect(t.logs.find((l) => l.code === "UNIMPLEMENTED")).toMatchObject({ protocol: "grpc-web", method: `/${SERVICE}/BulkCreateUsers` });
    expect(await t.server.metricsRegistry.metrics()).toContain(
      'grpc_method="BulkCreateUsers",grpc_protocol="grpc-web",grpc_code="UNIMPLEMENTED"} 1',
    );
    const unknown = await webFetch(t, "NoSuchMethod", getUserBody("x"));
    expect(unknown.trailers?.code).toBe(Status.UNIMPLEMENTED);
  });

  it("sends a stream's headers when the handler sends them, before any message, over HTTP/1.1", async () => {
    const t = await startServer({}, (server) =>
      server.add(UsersServiceDefinition, {
        ...usersImpl(),
        // biome-ignore lint/correctness/useYield: a stream that sends its headers and then waits
        async *watchUsers(_request, context) {
          context.header.set("x-live", "yes");
          context.sendHeader();
          await forever(context.signal);
        },
      }),
    );
    const abort = new AbortController();
    try {
      const response = await fetch(`${base(t)}/${SERVICE}/WatchUsers`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto" },
        body: frame(new Uint8Array(0)),
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(5000)]),
      });
      expect([response.status, response.headers.get("x-live")]).toEqual([200, "yes"]);
    } finally {
      abort.abort();
    }
  });

  it("answers curl over HTTP/1.1 with application/grpc-web-text", async () => {
    const t = await startServer();
    const { stdout } = await run(
      "curl",
      [
        "-sS",
        "--http1.1",
        "-H",
        "content-type: application/grpc-web-text",
        "-H",
        "x-grpc-web: 1",
        "--data-binary",
        getUserBody("c1").toString("base64"),
        `${base(t)}/${SERVICE}/GetUser`,
      ],
      { encoding: "latin1", timeout: 15_000 },
    );
    const decoder = new Base64StreamDecoder();
    const { messages, trailers } = splitFrames(Buffer.concat([decoder.push(Buffer.from(stdout, "latin1")), decoder.end()]));
    expect(getUser.responseType.decode(messages[0]!).user?.id).toBe("c1");
    expect(trailers?.code).toBe(Status.OK);
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]?.protocol).toBe("grpc-web-text");
  });

  it.each([
    ["HTTP/1.1", []],
    ["HTTP/2", ["--http2-prior-knowledge"]],
  ])("answers buf curl --protocol grpcweb over %s, errors included", async (_name, extra) => {
    const t = await startServer();
    const bufCurl = (method: string, data: string) =>
      run(BUF, ["curl", "--schema", REPO_ROOT, "--protocol", "grpcweb", ...extra, "--data", data, `${base(t)}/${SERVICE}/${method}`], {
        cwd: REPO_ROOT,
        timeout: 60_000,
      });
    expect(JSON.parse((await bufCurl("GetUser", '{"id":"b1"}')).stdout)).toMatchObject({ user: { id: "b1", name: "Ada" } });
    const failed = (await bufCurl("GetUser", '{"id":"missing"}').catch((caught: unknown) => caught)) as { stderr: string };
    expect(JSON.parse(failed.stderr)).toMatchObject({ code: "not_found", message: "user missing not found" });
    await waitFor(() => callLines(t.logs).length === 2);
    expect(callLines(t.logs).map((l) => l.protocol)).toEqual(["grpc-web", "grpc-web"]);
  });
});

describe("CORS", () => {
  const ALLOWED = "http://console.example";

  it("answers preflights for configured origins and refuses the rest before any handler runs", async () => {
    const t = await startServer({ cors: { origins: [ALLOWED] } });
    const preflight = (origin: string) =>
      fetch(`${base(t)}/${SERVICE}/GetUser`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-grpc-web,authorization",
        },
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect((await preflight("http://evil.example")).status).toBe(403);

    const call = await webFetch(t, "GetUser", getUserBody("o1"), { origin: ALLOWED });
    expect(call.trailers?.code).toBe(Status.OK);
    expect(call.response.headers.get("access-control-expose-headers")).toContain("grpc-status");
    const refused = await fetch(`${base(t)}/${SERVICE}/GetUser`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", origin: "http://evil.example" },
      body: getUserBody("o2"),
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("origin http://evil.example is not allowed");
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)).toHaveLength(1); // the refused call never ran
  });

  it("allows nothing cross-origin by default, and reads GRPC_WEB_CORS_ORIGINS", async () => {
    const t = await startServer();
    const preflight = await fetch(`${base(t)}/${SERVICE}/GetUser`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    const { serverOptionsFromEnv } = await import("../src/index.js");
    expect(serverOptionsFromEnv({ GRPC_WEB_CORS_ORIGINS: `${ALLOWED}, https://b.example` }).cors).toEqual({
      origins: [ALLOWED, "https://b.example"],
    });
    expect(() => serverOptionsFromEnv({ GRPC_WEB_CORS_ORIGINS: "https://a.example/" })).toThrow(/GRPC_WEB_CORS_ORIGINS/);
  });
});

describe("httpHandler", () => {
  it("serves the requests that are not calls; without it they get 404, and gRPC over HTTP/1.1 gets 505", async () => {
    const t = await startServer({
      httpHandler: (req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`page ${req.method} ${req.url}`);
      },
    });
    const page = await fetch(`${base(t)}/console/?q=1`);
    expect(await page.text()).toBe("page GET /console/?q=1");
    // A method's path is never the page's: a wrong request to it is refused the gRPC way.
    const wrongType = await fetch(`${base(t)}/${SERVICE}/GetUser`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect(wrongType.status).toBe(415);
    const wrongMethod = await fetch(`${base(t)}/${SERVICE}/GetUser`);
    expect(wrongMethod.status).toBe(405);
    // Calls still reach the service on the same port.
    expect((await webClient(base(t)).getUser({ id: "h1" })).user?.id).toBe("h1");

    const plain = await startServer();
    const missing = await fetch(`${base(plain)}/`);
    expect(missing.status).toBe(404);
    const grpcOverHttp1 = await fetch(`${base(plain)}/${SERVICE}/GetUser`, {
      method: "POST",
      headers: { "content-type": "application/grpc" },
      body: getUserBody("x"),
    });
    expect(grpcOverHttp1.status).toBe(505);
  });
});

describe("gRPC-Web over TLS", () => {
  const certs = testCertificates();
  beforeAll(certs.make);
  afterAll(certs.remove);

  it("lets ALPN pick HTTP/2 (gRPC and gRPC-Web) or HTTP/1.1 (gRPC-Web, pages) on one port", async () => {
    const t = await startServer(
      {
        tls: { certFile: certs.file("server.pem"), keyFile: certs.file("server.key") },
        httpHandler: (_req, res) => res.end("tls page"),
      },
      undefined,
      ChannelCredentials.createSsl(certs.read("ca.pem")),
    );
    expect((await t.client.getUser({ id: "t1" })).user?.id).toBe("t1");
    const ca = certs.read("ca.pem");

    // HTTP/1.1: gRPC-Web and the page.
    const h1 = (path: string, body?: Buffer) =>
      new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port: t.port,
            path,
            method: body ? "POST" : "GET",
            ca,
            headers: body ? { "content-type": "application/grpc-web+proto" } : {},
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks),
              }),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const webH1 = await h1(`/${SERVICE}/GetUser`, getUserBody("t2"));
    const { messages, trailers } = splitFrames(webH1.body);
    expect([webH1.status, trailers?.code, getUser.responseType.decode(messages[0]!).user?.id]).toEqual([200, Status.OK, "t2"]);
    expect((await h1("/")).body.toString()).toBe("tls page");

    // HTTP/2: gRPC-Web and the page on streams of one TLS session.
    const session = http2.connect(`https://127.0.0.1:${t.port}`, { ca });
    try {
      const h2 = (headers: http2.OutgoingHttpHeaders, body?: Buffer) =>
        new Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          const stream = session.request(headers);
          const chunks: Buffer[] = [];
          let responseHeaders: http2.IncomingHttpHeaders = {};
          stream.on("response", (h) => (responseHeaders = h));
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => resolve({ headers: responseHeaders, body: Buffer.concat(chunks) }));
          stream.on("error", reject);
          stream.end(body);
        });
      const webH2 = await h2(
        { ":method": "POST", ":path": `/${SERVICE}/GetUser`, "content-type": "application/grpc-web+proto" },
        getUserBody("t3"),
      );
      expect(webH2.headers["content-type"]).toBe("application/grpc-web+proto");
      expect(getUser.responseType.decode(splitFrames(webH2.body).messages[0]!).user?.id).toBe("t3");
      expect((await h2({ ":method": "GET", ":path": "/" })).body.toString()).toBe("tls page");
    } finally {
      session.close();
    }
    await waitFor(() => callLines(t.logs).length === 3);
    expect(callLines(t.logs).map((l) => l.protocol ?? "grpc")).toEqual(["grpc", "grpc-web", "grpc-web"]);
  });
});
