// Client metrics (issue 16, point 8), read the way Prometheus reads them: by scraping the registry
// after real calls to a real server.
import { ServerError, Status } from "nice-grpc";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { type CallError, createUsersClient } from "../src/index.js";
import { cleanupStack, hang, startUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

const getUser = 'grpc_type="unary",grpc_service="org.users.v1.UsersService",grpc_method="GetUser"';

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("client metrics", () => {
  it("count started, handled (by code) and retried unary calls, and time them", async () => {
    let attempts = 0;
    const server = cleanup.add(
      await startUsersServer({
        async getUser(req) {
          if (req.id === "missing") throw new ServerError(Status.NOT_FOUND, "no such user");
          // The first attempt of "flaky" fails with UNAVAILABLE; the retry succeeds.
          if (req.id === "flaky" && attempts++ === 0) throw new ServerError(Status.UNAVAILABLE, "try again");
          return { user: user(req.id) };
        },
      }),
    );
    const registry = new Registry();
    const users = cleanup.add(createUsersClient({ target: server.address, metricsRegistry: registry, retry: { baseDelayMs: 1 } }));

    await users.getUser({ id: "u1" });
    const error = await users.getUser({ id: "missing" }).catch((e: unknown) => e);
    expect((error as CallError).code).toBe(Status.NOT_FOUND);
    expect((await users.getUser({ id: "flaky" })).user?.id).toBe("flaky");
    expect(attempts).toBe(2);

    const text = await registry.metrics();
    // Logical calls: the retried call is one call, handled once, with one retry.
    expect(sample(text, "grpc_client_started_total", getUser)).toBe(3);
    expect(sample(text, "grpc_client_handled_total", `${getUser},grpc_code="OK"`)).toBe(2);
    expect(sample(text, "grpc_client_handled_total", `${getUser},grpc_code="NOT_FOUND"`)).toBe(1);
    expect(sample(text, "grpc_client_handled_total", `${getUser},grpc_code="UNAVAILABLE"`)).toBeUndefined();
    expect(sample(text, "grpc_client_retries_total", getUser)).toBe(1);
    expect(sample(text, "grpc_client_handling_seconds_count", getUser)).toBe(3);
    expect(sample(text, "grpc_client_handling_seconds_bucket", `le="+Inf",${getUser}`)).toBe(3);
    expect(sample(text, "grpc_client_handling_seconds_sum", getUser)).toBeGreaterThan(0);
  });

  it("count a call that runs out of retries with its final code, and streams with their type", async () => {
    const server = cleanup.add(
      await startUsersServer({
        async getUser() {
          throw new ServerError(Status.UNAVAILABLE, "down");
        },
        async *streamUsers() {
          yield { user: user("a") };
          yield { user: user("b") };
        },
      }),
    );
    const registry = new Registry();
    const users = cleanup.add(
      createUsersClient({ target: server.address, metricsRegistry: registry, retry: { baseDelayMs: 1, maxAttempts: 3 } }),
    );
    const error = await users.getUser({ id: "u1" }).catch((e: unknown) => e);
    expect((error as CallError).code).toBe(Status.UNAVAILABLE);
    const streamed: string[] = [];
    for await (const { user: u } of users.streamUsers({})) streamed.push(u?.id ?? "");
    expect(streamed).toEqual(["a", "b"]);

    const text = await registry.metrics();
    expect(sample(text, "grpc_client_handled_total", `${getUser},grpc_code="UNAVAILABLE"`)).toBe(1);
    expect(sample(text, "grpc_client_retries_total", getUser)).toBe(2);
    const stream = 'grpc_type="server_stream",grpc_service="org.users.v1.UsersService",grpc_method="StreamUsers"';
    expect(sample(text, "grpc_client_started_total", stream)).toBe(1);
    expect(sample(text, "grpc_client_handled_total", `${stream},grpc_code="OK"`)).toBe(1);
  });

  it("sit outside the deadline (middleware order): a call that runs out of time counts as DEADLINE_EXCEEDED", async () => {
    const server = cleanup.add(await startUsersServer({ getUser: (_req, { signal }) => hang(signal) }));
    const registry = new Registry();
    const users = cleanup.add(createUsersClient({ target: server.address, metricsRegistry: registry }));
    const error = await users.getUser({ id: "u1" }, { deadlineMs: 50 }).catch((e: unknown) => e);
    expect((error as CallError).code).toBe(Status.DEADLINE_EXCEEDED);
    const text = await registry.metrics();
    expect(sample(text, "grpc_client_handled_total", `${getUser},grpc_code="DEADLINE_EXCEEDED"`)).toBe(1);
    expect(sample(text, "grpc_client_handling_seconds_sum", getUser)).toBeGreaterThanOrEqual(0.04);
  });

  it("lets two clients share a registry, and records nothing without one", async () => {
    const server = cleanup.add(await startUsersServer({ getUser: async (req) => ({ user: user(req.id) }) }));
    const registry = new Registry();
    const a = cleanup.add(createUsersClient({ target: server.address, metricsRegistry: registry }));
    const b = cleanup.add(createUsersClient({ target: server.address, metricsRegistry: registry }));
    const plain = cleanup.add(createUsersClient({ target: server.address }));
    await a.getUser({ id: "1" });
    await b.getUser({ id: "2" });
    await plain.getUser({ id: "3" });
    expect(sample(await registry.metrics(), "grpc_client_started_total", getUser)).toBe(2);
  });
});
