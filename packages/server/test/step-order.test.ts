// The order real calls go through the admission steps, seen from outside: requireDeadline before
// auth, auth before rateLimit, and every refusal still logged with its request id. The core runs
// these steps in the order of BUILT_IN_MIDDLEWARE_ORDER (middleware-order.ts); reordering the list
// changes what these calls get.
import { Metadata, Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { callLines, rejection, startServer, waitFor } from "./helpers.js";

const verify = (token: string) => (token === "good" ? { subject: "alice", claims: {} } : undefined);

describe("admission steps on a real call", () => {
  it("requireDeadline runs before auth: no deadline and no token → INVALID_ARGUMENT", async () => {
    const t = await startServer({ requireDeadline: true, auth: { verify } });
    const err = await rejection(() => t.client.getUser({ id: "1" }));
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
  });

  it("auth runs before rateLimit: refused callers do not spend the bucket", async () => {
    // One shared bucket of a single token that refills once a minute.
    const t = await startServer({ auth: { verify }, rateLimit: { rps: 1 / 60, burst: 1, key: () => "everyone" } });
    for (let i = 0; i < 3; i++) {
      expect((await rejection(() => t.client.getUser({ id: "1" }))).code).toBe(Status.UNAUTHENTICATED);
    }
    const authorised = { metadata: Metadata({ authorization: "Bearer good" }) };
    expect((await t.client.getUser({ id: "1" }, authorised)).user?.id).toBe("1");
    expect((await rejection(() => t.client.getUser({ id: "1" }, authorised))).code).toBe(Status.RESOURCE_EXHAUSTED);
  });

  it("every refusal is observed after requestContext: logged with its request id and code", async () => {
    const t = await startServer({ requireDeadline: true, auth: { verify } });
    await rejection(() => t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-request-id": "order-1" }) }));
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]).toMatchObject({ requestId: "order-1", code: "INVALID_ARGUMENT" });
  });
});
