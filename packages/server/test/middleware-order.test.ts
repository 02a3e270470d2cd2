import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { type CallContext, Metadata, type ServerMiddlewareCall } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { BUILT_IN_MIDDLEWARE_ORDER, createServer, type OrgCallContext, type OrgServerMiddleware } from "../src/index.js";
import { callLines, rejection, startServer, usersImpl, waitFor } from "./helpers.js";

describe("middleware order", () => {
  it("is decided in one list, outermost first", () => {
    expect(BUILT_IN_MIDDLEWARE_ORDER).toEqual(["requestContext", "tracing", "observe", "errors", "requireDeadline", "auth", "rateLimit"]);
  });

  it("enables only what is configured, keeping that order", () => {
    const quiet = { handleSignals: false, logLevel: "silent" } as const;
    expect(createServer(quiet).middleware).toEqual(["requestContext", "tracing", "observe", "errors"]);
    expect(
      createServer({ ...quiet, tracing: false, requireDeadline: true, auth: { verify: () => undefined }, rateLimit: { rps: 1 } })
        .middleware,
    ).toEqual(["requestContext", "observe", "errors", "requireDeadline", "auth", "rateLimit"]);
  });

  it("runs server-wide middleware after the built-ins, then per-service middleware, then the handler", async () => {
    const seen: string[] = [];
    const probe = (name: string): OrgServerMiddleware =>
      async function* <Req, Res>(call: ServerMiddlewareCall<Req, Res>, ctx: CallContext & OrgCallContext) {
        // Built-ins ran already: request id and principal are there.
        seen.push(`${name}:${ctx.requestId}:${ctx.principal?.subject ?? "-"}`);
        return yield* call.next(call.request, ctx);
      };
    const t = await startServer({ auth: { verify: (token) => ({ subject: token, claims: {} }) } }, (server) => {
      server.use(probe("first")).use(probe("second"));
      server.add(UsersServiceDefinition, usersImpl(), { middleware: [probe("service")] });
    });
    await t.client.getUser({ id: "1" }, { metadata: Metadata({ authorization: "Bearer bob", "x-request-id": "r1" }) });
    expect(seen).toEqual(["first:r1:bob", "second:r1:bob", "service:r1:bob"]);

    // Auth refuses before any user middleware runs; the call is still logged.
    seen.length = 0;
    await rejection(() => t.client.getUser({ id: "1" }));
    expect(seen).toEqual([]);
    await waitFor(() => callLines(t.logs).length === 2);
  });

  it("errors thrown by user middleware get the same leak-free treatment and are logged", async () => {
    const t = await startServer({}, (server) => {
      // biome-ignore lint/correctness/useYield: a middleware that fails before the handler runs
      server.use(async function* failing() {
        throw new Error("middleware internals");
      });
      server.add(UsersServiceDefinition, usersImpl());
    });
    const err = await rejection(() => t.client.getUser({ id: "1" }));
    expect(err.details).toBe("Internal server error");
    await waitFor(() => callLines(t.logs).length === 1);
    expect(callLines(t.logs)[0]!.err.message).toBe("middleware internals");
  });
});
