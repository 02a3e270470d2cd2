// @org/client with its defaults (10 s deadline, retry of idempotent calls with budget, tracing on),
// optionally with an OpenTelemetry SDK registered so that tracing records spans.
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createClient } from "@org/client";
import { smallUser, unaryRequest } from "../internal/fixtures.js";
import { prevModule, prevName } from "../internal/prev.js";
import { registerTracing } from "../internal/tracing.js";
import type { Caller } from "./caller.js";

export async function orgClientCaller(port: number, prev = false): Promise<Caller> {
  const create = prev
    ? ((await import(prevModule("client", prevName()).href)) as { createClient: typeof createClient }).createClient
    : createClient;
  const client = create(UsersServiceDefinition, { target: `127.0.0.1:${port}` });
  return {
    call: () =>
      client.getUser(unaryRequest).then(
        (r) => r.user?.id === smallUser.id,
        () => false,
      ),
    close: () => client.close(),
  };
}

export async function orgClientTracedCaller(port: number): Promise<Caller> {
  const tracing = registerTracing();
  const caller = await orgClientCaller(port);
  return {
    call: caller.call,
    close: () => {
      caller.close();
      void tracing.shutdown();
    },
  };
}
