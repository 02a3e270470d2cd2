import { connect } from "node:http2";
import { ChannelCredentials } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../src/index.js";
import { rejection, startServer, waitFor } from "./helpers.js";
import { testCertificates } from "./tls-certificates.js";

const certs = testCertificates();
const { file, read } = certs;

describe("transport", () => {
  beforeAll(certs.make);
  afterAll(certs.remove);

  it("serves TLS from PEM files", async () => {
    const t = await startServer(
      { tls: { certFile: file("server.pem"), keyFile: file("server.key") } },
      undefined,
      ChannelCredentials.createSsl(read("ca.pem")),
    );
    expect((await t.client.getUser({ id: "1" })).user?.id).toBe("1");
    const plaintext = t.newClient(ChannelCredentials.createInsecure());
    expect((await rejection(() => plaintext.getUser({ id: "1" }))).code).toBe(Status.UNAVAILABLE);
  });

  it("serves mutual TLS from buffers and refuses clients without a valid certificate", async () => {
    const t = await startServer(
      { tls: { cert: read("server.pem"), key: read("server.key"), ca: read("ca.pem") } },
      undefined,
      ChannelCredentials.createSsl(read("ca.pem"), read("client.key"), read("client.pem")),
    );
    expect((await t.client.getUser({ id: "1" })).user?.id).toBe("1");
    const noCert = t.newClient(ChannelCredentials.createSsl(read("ca.pem")));
    expect((await rejection(() => noCert.getUser({ id: "1" }))).code).toBe(Status.UNAVAILABLE);
    const rogue = t.newClient(ChannelCredentials.createSsl(read("ca.pem"), read("rogue-client.key"), read("rogue-client.pem")));
    expect((await rejection(() => rogue.getUser({ id: "1" }))).code).toBe(Status.UNAVAILABLE);
  });

  it("fails at creation on incomplete TLS material", () => {
    expect(() => createServer({ handleSignals: false, tls: { certFile: file("server.pem") } })).toThrow(/needs a certificate .* and a key/);
  });

  it("refuses to send a response over maxSendMessageBytes with RESOURCE_EXHAUSTED and stays up", async () => {
    const t = await startServer({ maxSendMessageBytes: 200 });
    const err = await rejection(() => t.client.getUser({ id: "x".repeat(300) }));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/^Sent message larger than max \(\d+ vs 200\)$/);
    expect((await t.client.getUser({ id: "small" })).user?.id).toBe("small");
  });

  it("rejects messages over maxReceiveMessageBytes with RESOURCE_EXHAUSTED and stays up", async () => {
    const t = await startServer({ maxReceiveMessageBytes: 64 * 1024 });
    const err = await rejection(() => t.client.getUser({ id: "x".repeat(100 * 1024) }));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect((await t.client.getUser({ id: "small" })).user?.id).toBe("small");
  });

  it("defaults to a 4 MiB receive limit", async () => {
    const t = await startServer();
    expect((await t.client.getUser({ id: "x".repeat(3 * 1024 * 1024) })).user?.id).toHaveLength(3 * 1024 * 1024);
    expect((await rejection(() => t.client.getUser({ id: "x".repeat(5 * 1024 * 1024) }))).code).toBe(Status.RESOURCE_EXHAUSTED);
    expect((await t.client.getUser({ id: "ok" })).user?.id).toBe("ok");
  });

  it("advertises maxConcurrentStreams in its HTTP/2 settings", async () => {
    const t = await startServer({ maxConcurrentStreams: 7 });
    const session = connect(`http://${t.address}`);
    try {
      const settings = await new Promise<Record<string, unknown>>((resolve, reject) => {
        session.once("remoteSettings", resolve);
        session.once("error", reject);
      });
      expect(settings.maxConcurrentStreams).toBe(7);
    } finally {
      session.destroy();
    }
  });

  it("sends keepalive pings at keepaliveTimeMs", async () => {
    const t = await startServer({ keepaliveTimeMs: 100, keepaliveTimeoutMs: 1000 });
    const session = connect(`http://${t.address}`);
    try {
      let pings = 0;
      session.on("ping", () => pings++);
      // Keep one call open so the connection is active.
      const req = session.request({
        ":method": "POST",
        ":path": "/org.users.v1.UsersService/WatchUsers",
        "content-type": "application/grpc",
      });
      req.on("error", () => undefined);
      req.write(Buffer.from([0, 0, 0, 0, 0]));
      await waitFor(() => pings >= 2, 5000, "two keepalive pings");
      req.close();
    } finally {
      session.destroy();
    }
  });
});
