import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { Metadata, Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callLines, rejection, startServer, type TestServer, waitFor } from "./helpers.js";

const SECRET = "0123456789abcdef0123456789abcdef-test-secret";

function bearer(token: string) {
  return { metadata: Metadata({ authorization: `Bearer ${token}` }) };
}

async function hs256(claims: Record<string, unknown>, options: { exp?: string | number; secret?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "5m")
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function whoAmI(t: TestServer, token: string) {
  const { user } = await t.client.getUser({ id: "context" }, bearer(token));
  return JSON.parse(user!.name).principal as string | null;
}

describe("auth: JWT with a shared secret", () => {
  it("puts the verified principal in the context", async () => {
    const t = await startServer({ auth: { jwt: { secret: SECRET } } });
    expect(await whoAmI(t, await hs256({ sub: "alice" }))).toBe("alice");
  });

  it("answers UNAUTHENTICATED saying what is wrong, never echoing the token", async () => {
    const t = await startServer({ auth: { jwt: { secret: SECRET, issuer: "https://issuer.test" } } });
    const expired = await hs256({ sub: "a", iss: "https://issuer.test" }, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const forged = await hs256({ sub: "a", iss: "https://issuer.test" }, { secret: "another-secret-another-secret-another" });
    const wrongIssuer = await hs256({ sub: "a", iss: "https://evil.test" });
    const cases: [Metadata, RegExp, string?][] = [
      [Metadata(), /^missing bearer token/],
      [Metadata({ authorization: "Basic dXNlcjpwYXNz" }), /^malformed authorization header/],
      [Metadata({ authorization: "Bearer not.a.jwt-at-all" }), /^malformed token$/, "not.a.jwt-at-all"],
      [Metadata({ authorization: `Bearer ${expired}` }), /^token expired$/, expired],
      [Metadata({ authorization: `Bearer ${forged}` }), /^bad token signature$/, forged],
      [Metadata({ authorization: `Bearer ${wrongIssuer}` }), /^token claim "iss" check failed$/, wrongIssuer],
    ];
    for (const [metadata, message, token] of cases) {
      const err = await rejection(() => t.client.getUser({ id: "1" }, { metadata }));
      expect(err.code).toBe(Status.UNAUTHENTICATED);
      expect(err.details).toMatch(message);
      if (token) expect(err.details).not.toContain(token.slice(-12));
    }
  });

  it("an unauthenticated call is still logged and counted", async () => {
    const t = await startServer({ auth: { jwt: { secret: SECRET } } });
    await rejection(() => t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-request-id": "anon-1" }) }));
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]).toMatchObject({ code: "UNAUTHENTICATED", requestId: "anon-1" });
    const metrics = await t.server.metricsRegistry.metrics();
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser"[^}]*grpc_code="UNAUTHENTICATED"\} 1/);
  });

  it("per-method authorisation answers PERMISSION_DENIED", async () => {
    const t = await startServer({
      auth: {
        jwt: { secret: SECRET },
        authorize: (principal, method) => method.method !== "CreateUser" || principal.claims.role === "admin",
      },
    });
    const viewer = await hs256({ sub: "v", role: "viewer" });
    const admin = await hs256({ sub: "a", role: "admin" });
    expect((await t.client.getUser({ id: "1" }, bearer(viewer))).user?.id).toBe("1");
    const denied = await rejection(() => t.client.createUser({ user: { name: "x" } }, bearer(viewer)));
    expect(denied.code).toBe(Status.PERMISSION_DENIED);
    expect((await t.client.createUser({ user: { name: "x" } }, bearer(admin))).user?.id).toBe("u1");
    await waitFor(() => callLines(t.logs).length === 3);
    expect(callLines(t.logs).find((l) => l.code === "PERMISSION_DENIED")?.principal).toBe("v");
  });

  it("puts the refusal's reason in the call's log line, and only for auth refusals", async () => {
    const t = await startServer({
      auth: { jwt: { secret: SECRET }, authorize: (_principal, method) => method.method !== "CreateUser" },
    });
    const expired = await hs256({ sub: "a" }, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const ok = await hs256({ sub: "v" });
    await rejection(() =>
      t.client.getUser({ id: "1" }, { metadata: Metadata({ authorization: `Bearer ${expired}`, "x-request-id": "r-expired" }) }),
    );
    await rejection(() => t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-request-id": "r-missing" }) }));
    await rejection(() =>
      t.client.createUser({ user: { name: "x" } }, { metadata: Metadata({ authorization: `Bearer ${ok}`, "x-request-id": "r-denied" }) }),
    );
    await rejection(() =>
      t.client.getUser({ id: "missing" }, { metadata: Metadata({ authorization: `Bearer ${ok}`, "x-request-id": "r-nf" }) }),
    );
    await waitFor(() => callLines(t.logs).length === 4);
    const byId = new Map(callLines(t.logs).map((l) => [l.requestId, l]));
    expect(byId.get("r-expired")).toMatchObject({ code: "UNAUTHENTICATED", reason: "token expired" });
    expect(byId.get("r-missing")?.reason).toMatch(/^missing bearer token/);
    expect(byId.get("r-denied")).toMatchObject({
      code: "PERMISSION_DENIED",
      principal: "v",
      reason: "permission denied: v may not call /org.users.v1.UsersService/CreateUser",
    });
    expect(byId.get("r-nf")?.code).toBe("NOT_FOUND");
    expect(byId.get("r-nf")).not.toHaveProperty("reason");
    // The token never reaches the log.
    expect(JSON.stringify([...byId.values()])).not.toContain(expired.slice(-12));
  });

  it("optional auth lets anonymous calls through but still rejects bad tokens", async () => {
    const t = await startServer({ auth: { jwt: { secret: SECRET }, optional: true } });
    const { user } = await t.client.getUser({ id: "context" });
    expect(JSON.parse(user!.name).principal).toBeNull();
    expect((await rejection(() => t.client.getUser({ id: "1" }, bearer("x.y.z")))).code).toBe(Status.UNAUTHENTICATED);
  });
});

describe("auth: public key and JWKS", () => {
  let jwks: Server;
  let jwksUrl: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksFetches = 0;

  beforeAll(async () => {
    keys = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    jwks = createHttpServer((_req, res) => {
      jwksFetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const es256 = (claims: Record<string, unknown>, kid = "k1") =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).setExpirationTime("5m").setAudience("users-api").sign(keys.privateKey);

  it("verifies against a PEM public key", async () => {
    const t = await startServer({ auth: { jwt: { publicKey: await exportSPKI(keys.publicKey), audience: "users-api" } } });
    expect(await whoAmI(t, await es256({ sub: "pem-user" }))).toBe("pem-user");
    const other = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "ES256" }).setAudience("users-api").sign(other.privateKey);
    expect((await rejection(() => t.client.getUser({ id: "1" }, bearer(forged)))).details).toBe("bad token signature");
  });

  it("verifies against a JWKS fetched from a URL", async () => {
    const t = await startServer({ auth: { jwt: { jwksUrl, audience: "users-api" } } });
    expect(await whoAmI(t, await es256({ sub: "jwks-user" }))).toBe("jwks-user");
    expect(jwksFetches).toBeGreaterThanOrEqual(1);
    const unknownKid = await es256({ sub: "x" }, "k2");
    const err = await rejection(() => t.client.getUser({ id: "1" }, bearer(unknownKid)));
    expect(err.code).toBe(Status.UNAUTHENTICATED);
    expect(err.details).toMatch(/^bad token signature/);
    const wrongAudience = await new SignJWT({ sub: "x" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setAudience("other")
      .sign(keys.privateKey);
    expect((await rejection(() => t.client.getUser({ id: "1" }, bearer(wrongAudience)))).details).toBe('token claim "aud" check failed');
  });
});

describe("auth: custom verify function", () => {
  it("uses the function's principal and rejects what it rejects", async () => {
    const t = await startServer({
      auth: { verify: (token) => (token === "let-me-in" ? { subject: "svc-a", claims: { scope: "all" } } : undefined) },
    });
    expect(await whoAmI(t, "let-me-in")).toBe("svc-a");
    const err = await rejection(() => t.client.getUser({ id: "1" }, bearer("nope")));
    expect(err.code).toBe(Status.UNAUTHENTICATED);
    expect(err.details).toBe("invalid token");
  });
});
