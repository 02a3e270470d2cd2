// Auth is off by default; one AUTH_* key source turns it on (README "Turning auth on").

import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { createClient, createUsersClient, Status } from "@org/client";
import { HealthDefinition } from "nice-grpc-server-health";
import { afterEach, describe, expect, it } from "vitest";
import { assertBuilt, cliJs } from "./spawn-service.js";
import { startTestService } from "./test-service.js";

const secret = "test-secret-that-is-at-least-32-characters-long";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

function hs256(payload: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "HS256", typ: "JWT" })}.${part(payload)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

describe("auth", () => {
  it("with AUTH_JWT_SECRET set, calls need a valid bearer token; health stays open", async () => {
    assertBuilt();
    const t = await startTestService({ AUTH_JWT_SECRET: secret });
    stops.push(() => t.stop());
    const anonymous = await t.client.listUsers({}).catch((error: { code: number }) => error);
    expect((anonymous as { code: number }).code).toBe(Status.UNAUTHENTICATED);

    const token = hs256({ sub: "ada", exp: Math.floor(Date.now() / 1000) + 600 });
    const authed = t.newClient({ token });
    const { user } = await authed.createUser({ user: { name: "Ada", email: "ada@example.com" } });
    expect(user?.name).toBe("Ada");
    const forged = t.newClient({ token: `${token.slice(0, -2)}xx` });
    await expect(forged.listUsers({})).rejects.toMatchObject({ code: Status.UNAUTHENTICATED });

    const health = createClient(HealthDefinition, { target: t.target });
    try {
      expect((await health.check({ service: "org.users.v1.UsersService" })).status).toBe(1);
    } finally {
      health.close();
    }

    const run = promisify(execFile);
    const cli = await run(process.execPath, [cliJs, "--target", t.target, "--token", token, "list", "--json"]);
    expect(JSON.parse(cli.stdout).totalSize).toBe(1);
    const denied = await run(process.execPath, [cliJs, "--target", t.target, "list"]).catch((e: { code: number }) => e);
    expect((denied as { code: number }).code).toBe(Status.UNAUTHENTICATED);
  });

  it("is off by default", async () => {
    const t = await startTestService();
    stops.push(() => t.stop());
    const plain = createUsersClient({ target: t.target });
    try {
      expect((await plain.listUsers({})).totalSize).toBe(0);
    } finally {
      plain.close();
    }
  });
});
