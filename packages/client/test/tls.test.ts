import { ServerCredentials } from "@grpc/grpc-js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createUsersClient, isUnavailable } from "../src/index.js";
import { createCredentials, refusesIpServerName } from "../src/internal/credentials.js";
import { resolveTarget } from "../src/internal/target.js";
import { generateCerts, type TestCerts } from "./support/certs.js";
import { cleanupStack, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

let certs: TestCerts;
beforeAll(() => {
  certs = generateCerts();
});

const impl = {
  async getUser(req: { id: string }) {
    return { user: user(req.id) };
  },
};

describe("TLS", () => {
  it("uses TLS on loopback when tls is given, verifying against the given CA", async () => {
    const server = cleanup.add(
      await startUsersServer(impl, {
        credentials: ServerCredentials.createSsl(null, [{ private_key: certs.serverKey, cert_chain: certs.serverCert }]),
      }),
    );
    const good = cleanup.add(createUsersClient({ target: `localhost:${server.port}`, tls: { ca: certs.ca } }));
    expect((await good.getUser({ id: "tls" })).user?.id).toBe("tls");

    const wrongCa = cleanup.add(createUsersClient({ target: `localhost:${server.port}`, tls: { ca: certs.otherCa }, retry: false }));
    expect(isUnavailable(await wrongCa.getUser({ id: "x" }).catch((e: unknown) => e))).toBe(true);

    // Plaintext (the loopback default) against a TLS server fails too.
    const plain = cleanup.add(createUsersClient({ target: `127.0.0.1:${server.port}`, retry: false }));
    expect(isUnavailable(await plain.getUser({ id: "x" }).catch((e: unknown) => e))).toBe(true);
  });

  it("chooses TLS unless the target is loopback or plaintext is asked for", () => {
    const secure = (target: string, options: Parameters<typeof createCredentials>[0] = {}) =>
      createCredentials(options, resolveTarget(target), "24.0.0")._isSecure();
    expect(secure("api.example.org:443")).toBe(true);
    expect(secure("dns:///users.internal:50051")).toBe(true);
    expect(secure("10.0.0.7:50051")).toBe(true);
    expect(secure("127.0.0.1:50051")).toBe(false);
    expect(secure("localhost:50051")).toBe(false);
    expect(secure("localhost:50051", { tls: {} })).toBe(true);
    expect(secure("api.example.org:443", { insecure: true })).toBe(false);
    expect(() => secure("api.example.org:443", { insecure: true, tls: {} })).toThrow(/exclude each other/);
  });

  it("refuses TLS to an IP address without tls.serverName at creation where Node refuses IP server names (26+)", () => {
    const create = (target: string, options: Parameters<typeof createCredentials>[0], node: string) =>
      createCredentials(options, resolveTarget(target), node)._isSecure();
    for (const target of ["10.0.0.7:50051", "[fd00::7]:50051", "ipv4:10.0.0.7:50051,10.0.0.8:50051", "dns:///10.0.0.7:50051"]) {
      expect(() => create(target, {}, "26.1.0"), target).toThrow(/TLS to an IP address \(.+\) needs tls\.serverName.*Node 26 refuses/);
      expect(create(target, { tls: { serverName: "users.internal" } }, "26.1.0")).toBe(true);
      expect(create(target, {}, "24.11.0")).toBe(true);
    }
    expect(create("users.internal:50051", {}, "26.1.0")).toBe(true);
    expect(create("127.0.0.1:50051", {}, "26.1.0")).toBe(false); // plaintext on loopback: no server name at all
    expect(refusesIpServerName("26.0.0")).toBe(true);
    expect(refusesIpServerName("24.11.1")).toBe(false);
  });

  it("verifies against the system roots when no CA is given", async () => {
    const server = cleanup.add(
      await startUsersServer(impl, {
        credentials: ServerCredentials.createSsl(null, [{ private_key: certs.serverKey, cert_chain: certs.serverCert }]),
      }),
    );
    // The test CA is not a system root, so the handshake fails.
    const users = cleanup.add(
      createUsersClient({
        target: `ipv4:127.0.0.1:${server.port}`,
        insecure: false,
        retry: false,
        tls: { serverName: "localhost" },
      }),
    );
    const error = await users.getUser({ id: "x" }).catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
  });

  it("authenticates with a client certificate (mutual TLS)", async () => {
    const server = cleanup.add(
      await startUsersServer(impl, {
        credentials: ServerCredentials.createSsl(certs.ca, [{ private_key: certs.serverKey, cert_chain: certs.serverCert }], true),
      }),
    );
    const withCert = cleanup.add(
      createUsersClient({
        target: `localhost:${server.port}`,
        tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
      }),
    );
    expect((await withCert.getUser({ id: "mtls" })).user?.id).toBe("mtls");

    const withoutCert = cleanup.add(createUsersClient({ target: `localhost:${server.port}`, tls: { ca: certs.ca }, retry: false }));
    expect(isUnavailable(await withoutCert.getUser({ id: "x" }).catch((e: unknown) => e))).toBe(true);
  });
});
