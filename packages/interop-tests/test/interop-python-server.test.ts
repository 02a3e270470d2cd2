// @org/client calls a Python grpcio server of the same contract: retries on its UNAVAILABLE
// (only where the method allows), deadlines, rich error details from grpc-status-details-bin,
// metadata both ways, and every RPC kind.
import { randomUUID } from "node:crypto";
import { createUsersClient, Metadata, type RetryEvent, Status, type UsersClient } from "@org/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callError, drain } from "./helpers/errors.js";
import { generatePythonProtos, type PythonCodegen, type PythonServer, startPythonServer } from "./helpers/python.js";

let codegen: PythonCodegen;
let python: PythonServer;
const clients: UsersClient[] = [];

function client(onRetry?: (event: RetryEvent) => void): UsersClient {
  const c = createUsersClient({ target: `127.0.0.1:${python.port}`, tracing: false, retry: { onRetry } });
  clients.push(c);
  return c;
}

async function stats(): Promise<Record<string, number>> {
  const { user } = await client().getUser({ id: "stats" });
  return Object.fromEntries(Object.entries(user?.labels ?? {}).map(([k, v]) => [k, Number(v)]));
}

beforeAll(async () => {
  codegen = await generatePythonProtos();
  python = await startPythonServer(codegen);
}, 60_000);

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await python?.[Symbol.asyncDispose]();
  codegen?.[Symbol.dispose]();
});

describe("@org/client → Python grpcio server", () => {
  it("retries UNAVAILABLE on an idempotent method until it succeeds", async () => {
    const retries: RetryEvent[] = [];
    const { user } = await client((e) => retries.push(e)).getUser({ id: `flaky-2-${randomUUID()}` });
    expect(user?.labels.attempts).toBe("3");
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [1, Status.UNAVAILABLE],
      [2, Status.UNAVAILABLE],
    ]);
  });

  it("gives up after maxAttempts (4) with the last UNAVAILABLE", async () => {
    const retries: RetryEvent[] = [];
    const key = randomUUID();
    const error = await callError(client((e) => retries.push(e)).getUser({ id: `flaky-100-${key}` }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(error.details).toBe("flaky attempt 4");
    expect(retries).toHaveLength(3);
  });

  it("does not retry UNAVAILABLE on a method without an idempotency mark (BulkCreateUsers)", async () => {
    const before = (await stats()).BulkCreateUsers ?? 0;
    const c = client();
    const error = await callError(
      c.bulkCreateUsers(
        (async function* () {
          yield { user: { name: "unavailable", email: "x@example.org" } };
        })(),
      ),
    );
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect((await stats()).BulkCreateUsers).toBe(before + 1);
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED, not later", async () => {
    const started = Date.now();
    const error = await callError(client().getUser({ id: "slow-5000" }, { deadlineMs: 300 }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it("decodes BadRequest and ErrorInfo that Python put in grpc-status-details-bin, without retrying", async () => {
    const retries: RetryEvent[] = [];
    const error = await callError(client((e) => retries.push(e)).getUser({ id: "invalid" }));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.details).toBe("id is not acceptable");
    expect(error.badRequest).toEqual({ fieldViolations: [{ field: "id", description: "must not be 'invalid'" }] });
    expect(error.errorInfo).toEqual({ reason: "PY_INVALID_ID", domain: "python.interop", metadata: { impl: "grpcio" } });
    expect(retries).toHaveLength(0);
  });

  it("decodes RetryInfo of a RESOURCE_EXHAUSTED (not retried by default)", async () => {
    const error = await callError(client().getUser({ id: "busy" }));
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(error.retryInfo).toEqual({ retryDelayMs: 1500 });
  });

  it("carries custom metadata both ways: request headers in, response header and trailer out", async () => {
    const c = createUsersClient({ target: `127.0.0.1:${python.port}`, tracing: false, metadata: { "x-client-default": "everywhere" } });
    clients.push(c);
    let header: string | undefined;
    let trailer: string | undefined;
    const { user } = await c.getUser(
      { id: "echo" },
      {
        metadata: Metadata({ "x-custom": "from-node" }),
        onHeader: (h) => (header = h.get("x-py-header")),
        onTrailer: (t) => (trailer = t.get("x-py-trailer")),
      },
    );
    expect(user?.labels["x-custom"]).toBe("from-node");
    expect(user?.labels["x-client-default"]).toBe("everywhere");
    expect(header).toBe("from-python");
    expect(trailer).toBe("bye");
  });

  it("every RPC kind works against grpcio: unary, server stream, client stream, bidi", async () => {
    const c = client();
    const tag = randomUUID().slice(0, 8);
    const { user } = await c.createUser({ user: { name: `Node ${tag}`, email: `${tag}@example.org` } });
    expect(user?.id).toMatch(/^[0-9a-f]{32}$/);
    expect((await c.getUser({ id: user?.id ?? "" })).user?.name).toBe(`Node ${tag}`);

    const bulk = await c.bulkCreateUsers(
      (async function* () {
        yield { user: { name: "b1" }, requestId: `${tag}-1` };
        yield { user: { name: "" }, requestId: `${tag}-2` };
        yield { user: { name: "b3" }, requestId: `${tag}-3` };
      })(),
    );
    expect(bulk.createdCount).toBe(2);
    expect(bulk.failures.map((f) => [f.index, f.code])).toEqual([[1, Status.INVALID_ARGUMENT]]);

    const page = await c.listUsers({ pageSize: 1000 });
    const streamed = (await drain(c.streamUsers({}))).items.map((r) => r.user?.id);
    expect(streamed).toHaveLength(page.totalSize);
    expect(new Set(streamed)).toEqual(new Set(page.users.map((u) => u.id)));

    const sync = (
      await drain(
        c.syncUsers(
          (async function* () {
            yield { operation: { $case: "upsert" as const, value: { name: "synced" } } };
            yield { operation: { $case: "delete" as const, value: { id: user?.id ?? "" } } };
            yield { operation: { $case: "delete" as const, value: { id: "nope" } } };
          })(),
        ),
      )
    ).items;
    expect(sync.map((s) => s.outcome)).toEqual([1, 3, 4]);
    expect(sync[2]?.code).toBe(Status.NOT_FOUND);
  });

  it("a server stream cut with UNAVAILABLE after messages is surfaced, not silently replayed", async () => {
    const before = (await stats()).StreamUsers ?? 0;
    const { items, error } = await drain(client().streamUsers({ filter: { query: "cut-2" } }));
    expect(items.map((i) => i.user?.id)).toEqual(["s0", "s1"]);
    expect(error?.code).toBe(Status.UNAVAILABLE);
    expect((await stats()).StreamUsers).toBe(before + 1);
  });
});
