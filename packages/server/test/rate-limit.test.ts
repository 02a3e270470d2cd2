import { Metadata, Status } from "nice-grpc-common";
import { RetryInfo } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import { callLines, rejection, startServer, waitFor } from "./helpers.js";

const asUser = (name: string) => ({ metadata: Metadata({ authorization: `Bearer ${name}` }) });
const auth = { verify: (token: string) => ({ subject: token, claims: {} }) };

async function outcomes(n: number, call: () => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await call();
      out.push("OK");
    } catch (err: any) {
      out.push(Status[err.code] ?? String(err.code));
    }
  }
  return out;
}

describe("rate limiting", () => {
  it("answers RESOURCE_EXHAUSTED with RetryInfo once the bucket is empty", async () => {
    const t = await startServer({ rateLimit: { rps: 1, burst: 2 } });
    expect(await outcomes(3, () => t.client.getUser({ id: "1" }))).toEqual(["OK", "OK", "RESOURCE_EXHAUSTED"]);
    const err = await rejection(() => t.client.getUser({ id: "1" }));
    const retry = err.extra.find((d: any) => d.$type === RetryInfo.$type);
    const delayMs = retry.retryDelay.seconds * 1000 + retry.retryDelay.nanos / 1e6;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(1000);
    await waitFor(() => callLines(t.logs).length === 4);
    expect(callLines(t.logs).filter((l) => l.code === "RESOURCE_EXHAUSTED")).toHaveLength(2);
  });

  it("runs after auth, so each principal has its own bucket", async () => {
    const t = await startServer({ auth, rateLimit: { rps: 0.5, burst: 1 } });
    expect(await outcomes(2, () => t.client.getUser({ id: "1" }, asUser("alice")))).toEqual(["OK", "RESOURCE_EXHAUSTED"]);
    expect(await outcomes(2, () => t.client.getUser({ id: "1" }, asUser("bob")))).toEqual(["OK", "RESOURCE_EXHAUSTED"]);
    // An unauthenticated call is refused by auth before it can spend anyone's tokens.
    expect(await outcomes(1, () => t.client.getUser({ id: "1" }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("keys anonymous callers by peer address", async () => {
    const t = await startServer({ rateLimit: { rps: 0.5, burst: 1 } });
    const other = t.newClient(); // another connection from the same address shares the bucket
    expect(await outcomes(1, () => t.client.getUser({ id: "1" }))).toEqual(["OK"]);
    expect(await outcomes(1, () => other.getUser({ id: "1" }))).toEqual(["RESOURCE_EXHAUSTED"]);
  });

  it("supports per-method limits and exemptions, and exempts health by default", async () => {
    const t = await startServer({
      rateLimit: {
        rps: 0.5,
        burst: 1,
        methods: { "/org.users.v1.UsersService/CreateUser": { rps: 0.5, burst: 3 }, "/org.users.v1.UsersService/BulkCreateUsers": false },
      },
    });
    expect(await outcomes(2, () => t.client.getUser({ id: "1" }))).toEqual(["OK", "RESOURCE_EXHAUSTED"]);
    expect(await outcomes(4, () => t.client.createUser({ user: { name: "x" } }))).toEqual(["OK", "OK", "OK", "RESOURCE_EXHAUSTED"]);
    async function* none() {}
    expect(await outcomes(3, () => t.client.bulkCreateUsers(none()))).toEqual(["OK", "OK", "OK"]);
  });

  it("refuses nonsense limits at creation", async () => {
    await expect(startServer({ rateLimit: { rps: 0 } })).rejects.toThrow(/rateLimit\.rps must be a positive number/);
  });
});
