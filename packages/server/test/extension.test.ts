import { UsersServiceDefinition, type UsersServiceImplementation } from "@org/api/org/users/v1";
import type { CallContext, ServerMiddlewareCall } from "nice-grpc-common";
import { Metadata, Status } from "nice-grpc-common";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { OrgCallContext, OrgServerMiddleware } from "../src/index.js";
import { callLines, rejection, startServer, waitFor } from "./helpers.js";

describe("extending the server", () => {
  it("per-service middleware can add typed context fields for its handlers", async () => {
    const tenant = async function* tenant<Req, Res>(
      call: ServerMiddlewareCall<Req, Res, { tenant: string }>,
      context: CallContext & OrgCallContext,
    ) {
      return yield* call.next(call.request, { ...context, tenant: context.metadata.get("x-tenant") ?? "default" });
    };
    const impl: Partial<UsersServiceImplementation<OrgCallContext & { tenant: string }>> = {
      async getUser({ id }, ctx) {
        // Spreading the context keeps the built-in fields.
        return { user: { id, name: `${ctx.tenant}/${ctx.requestId}`, email: ctx.deadline ? "has-deadline" : "" } };
      },
    };
    const t = await startServer({}, (server) =>
      server.add<typeof UsersServiceDefinition, { tenant: string }>(UsersServiceDefinition, impl, { middleware: [tenant] }),
    );
    const { user } = await t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-tenant": "acme", "x-request-id": "r9" }) });
    expect(user).toMatchObject({ name: "acme/r9", email: "has-deadline" });
  });

  it("the README's audit middleware logs with the request id", async () => {
    const audit: OrgServerMiddleware = async function* audit(call, context) {
      context.log.info({ method: call.method.path, who: context.principal?.subject }, "audit");
      return yield* call.next(call.request, context);
    };
    const t = await startServer({}, (server) => {
      server.use(audit);
      server.add(UsersServiceDefinition, { getUser: async ({ id }) => ({ user: { id } }) });
    });
    await t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-request-id": "audit-1" }) });
    await waitFor(() => callLines(t.logs).length === 1);
    expect(t.logs.find((l) => l.msg === "audit")).toMatchObject({ requestId: "audit-1", method: "/org.users.v1.UsersService/GetUser" });
    expect((await rejection(() => t.client.deleteUser({ id: "1" }))).code).toBe(Status.UNIMPLEMENTED);
  });

  it("two servers can share one metrics registry", async () => {
    const registry = new Registry();
    const a = await startServer({ metricsRegistry: registry });
    const b = await startServer({ metricsRegistry: registry });
    await a.client.getUser({ id: "1" });
    await b.client.getUser({ id: "1" });
    expect(await registry.metrics()).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser",grpc_code="OK"\} 2/);
  });
});
