// `server.use<Ext>()` keeps the context extension type the way nice-grpc's `use` does: services
// added afterwards see the fields the middleware adds, typed (checked by `tsc` on this file).
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import type { CallContext, ServerMiddlewareCall } from "nice-grpc-common";
import { Metadata } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import type { OrgCallContext } from "../src/index.js";
import { createServer } from "../src/index.js";
import { startServer } from "./helpers.js";

async function* tenant<Req, Res>(call: ServerMiddlewareCall<Req, Res, { tenant: string }>, context: CallContext & OrgCallContext) {
  return yield* call.next(call.request, { ...context, tenant: context.metadata.get("x-tenant") ?? "default" });
}

describe("server.use<Ext>()", () => {
  it("types the added context for the services added after it, and the value arrives", async () => {
    const t = await startServer({}, (server) => {
      server.use(tenant).add(UsersServiceDefinition, {
        async getUser({ id }, ctx) {
          const name: string = ctx.tenant; // typed through use()
          return { user: { id, name: `${name}/${ctx.requestId}` } };
        },
      });
    });
    const { user } = await t.client.getUser({ id: "1" }, { metadata: Metadata({ "x-tenant": "acme", "x-request-id": "r1" }) });
    expect(user?.name).toBe("acme/r1");
  });

  it("without the middleware the field is not on the context type", () => {
    const server = createServer({ handleSignals: false, logLevel: "silent" });
    server.add(UsersServiceDefinition, {
      async getUser({ id }, ctx) {
        // @ts-expect-error `tenant` exists only after use(tenant)
        const missing: unknown = ctx.tenant;
        return { user: { id, name: String(missing) } };
      },
    });
    expect(server.state).toBe("created");
  });
});
