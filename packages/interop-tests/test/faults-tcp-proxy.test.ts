// A TCP proxy (node:net) between @org/client and the users service cuts connections mid-call and
// mid-stream: the client gets UNAVAILABLE (never a hang, never a half-read success), streams end
// cleanly and are not silently replayed, idempotent calls are retried and succeed, the server's
// handlers of cut calls stop, and once everything is closed no socket or server handle is left.
import { randomUUID } from "node:crypto";
import { CallError, createUsersClient, type RetryEvent, Status, type UsersClient } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callError, drain } from "./helpers/errors.js";
import { startLoad } from "./helpers/load.js";
import { fetchMetrics, sumOf } from "./helpers/metrics.js";
import { type ServiceProcess, startService } from "./helpers/service-process.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";
import { sleep, waitFor, withTimeout } from "./helpers/wait.js";

const SEEDED = 300;
const NETWORK_HANDLES = ["TCPSocketWrap", "TCPServerWrap", "TCPWRAP"];

let service: ServiceProcess;
let direct: UsersClient; // not through the proxy: seeds, checks
let proxy: TcpProxy;
let handlesBefore: Record<string, number>;
const clients: UsersClient[] = [];

function networkHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (NETWORK_HANDLES.includes(type)) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function viaProxy(options: Partial<Parameters<typeof createUsersClient>[0]> = {}): UsersClient {
  const c = createUsersClient({ target: `127.0.0.1:${proxy.port}`, tracing: false, ...options });
  clients.push(c);
  return c;
}

async function inFlight(method?: string): Promise<number> {
  const samples = await fetchMetrics(service.metricsPort ?? 0);
  return method === undefined
    ? sumOf(samples, "grpc_server_calls_in_flight")
    : sumOf(samples, "grpc_server_streams_in_flight", { grpc_method: method });
}

const nothingInFlight = (method?: string) =>
  waitFor(`no ${method ?? "call"} in flight on the server`, async () => ((await inFlight(method)) === 0 ? true : undefined), {
    timeoutMs: 10_000,
  });

beforeAll(async () => {
  service = await startService({ metrics: true });
  direct = createUsersClient({ target: `127.0.0.1:${service.port}`, tracing: false });
  const result = await direct.bulkCreateUsers(
    (async function* () {
      for (let i = 0; i < SEEDED; i++)
        yield { user: { name: `Proxy ${i}`, email: `proxy-${i}@example.org`, labels: { pad: "p".repeat(100) } } };
    })(),
  );
  expect(result.createdCount).toBe(SEEDED);
  // Counted after the service and its direct client exist: only the proxy and its clients may add handles.
  handlesBefore = networkHandles();
  proxy = await startTcpProxy({ targetPort: service.port });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  direct?.close();
  await service?.[Symbol.asyncDispose]();
});

describe("a TCP proxy cutting connections", () => {
  it("a unary call cut mid-response fails UNAVAILABLE without retries, and is retried to success with them", async () => {
    const noRetry = viaProxy({ retry: false });
    await noRetry.getUser({ id: "warm-up" }).catch(() => undefined); // connection open
    const cutsBefore = proxy.cut;
    proxy.cutAfterNextBytes(4000); // the 300-user page is ~60 kB
    const error = await callError(noRetry.listUsers({ pageSize: SEEDED }));
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(proxy.cut).toBe(cutsBefore + 1);

    const retries: RetryEvent[] = [];
    const retrying = viaProxy({ retry: { onRetry: (e) => retries.push(e) } });
    await retrying.getUser({ id: "warm-up" }).catch(() => undefined);
    proxy.cutAfterNextBytes(4000);
    const page = await retrying.listUsers({ pageSize: SEEDED });
    expect(page.users).toHaveLength(SEEDED);
    expect(retries.map((r) => [r.path, r.attempt, r.error.code])).toEqual([
      ["/org.users.v1.UsersService/ListUsers", 1, Status.UNAVAILABLE],
    ]);
    await nothingInFlight();
  });

  it("a server stream cut mid-stream ends with UNAVAILABLE after the messages it got, is not replayed, and reading again gets every user once", async () => {
    const retries: RetryEvent[] = [];
    const c = viaProxy({ retry: { onRetry: (e) => retries.push(e) } });
    const received: string[] = [];
    let ended: unknown;
    try {
      for await (const { user } of c.streamUsers({})) {
        received.push(user?.id ?? "");
        if (received.length === 50) proxy.cutAll();
        await sleep(1); // a consumer slower than the network: the cut lands mid-stream
      }
    } catch (error) {
      ended = error;
    }
    expect(ended).toBeInstanceOf(CallError);
    expect((ended as CallError).code).toBe(Status.UNAVAILABLE);
    expect(received.length).toBeGreaterThanOrEqual(50);
    expect(received.length).toBeLessThan(SEEDED);
    expect(new Set(received).size).toBe(received.length);
    expect(retries).toEqual([]); // after the first message a stream is never replayed
    await nothingInFlight("StreamUsers"); // the server's handler stopped

    const again = await drain(c.streamUsers({}));
    expect(again.error).toBeUndefined();
    expect(new Set(again.items.map((r) => r.user?.id)).size).toBe(SEEDED);
    expect(again.items.length).toBeGreaterThanOrEqual(SEEDED);
  });

  it("a watch cut mid-stream ends with UNAVAILABLE promptly; a new watch sees the next change; the server's watcher is gone", async () => {
    const c = viaProxy();
    const tag = randomUUID().slice(0, 8);
    const watch = c.watchUsers({ filter: { query: tag } })[Symbol.asyncIterator]();
    const first = watch.next();
    await waitFor("the watch to be registered", async () => ((await inFlight("WatchUsers")) === 1 ? true : undefined));
    await direct.createUser({ user: { name: `Watched ${tag}`, email: `w1-${tag}@example.org` } });
    expect((await withTimeout("the first event", first, 5000)).value?.user?.email).toBe(`w1-${tag}@example.org`);

    const next = watch.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    proxy.cutAll();
    const error = await withTimeout("the cut watch to end", next, 5000);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe(Status.UNAVAILABLE);
    await nothingInFlight("WatchUsers");

    const resumed = c.watchUsers({ filter: { query: tag } })[Symbol.asyncIterator]();
    const event = resumed.next();
    await waitFor("the new watch to be registered", async () => ((await inFlight("WatchUsers")) === 1 ? true : undefined));
    await direct.createUser({ user: { name: `Watched ${tag}`, email: `w2-${tag}@example.org` } });
    expect((await withTimeout("the resumed event", event, 5000)).value?.user?.email).toBe(`w2-${tag}@example.org`);
    await resumed.return?.();
    await nothingInFlight("WatchUsers");
  });

  it("client-streaming and bidi calls cut mid-stream fail UNAVAILABLE and are not retried", async () => {
    const retries: RetryEvent[] = [];
    const c = viaProxy({ retry: { onRetry: (e) => retries.push(e) } });
    await c.getUser({ id: "warm-up" }).catch(() => undefined);
    const tag = randomUUID().slice(0, 8);
    const bulk = c.bulkCreateUsers(
      (async function* () {
        for (let i = 0; i < 1000; i++) {
          yield { user: { name: `Bulk ${i}`, email: `bulk-${i}-${tag}@example.org` }, requestId: `${tag}-${i}` };
          if (i === 20) proxy.cutAll();
          await sleep(1);
        }
      })(),
    );
    expect((await callError(bulk)).code).toBe(Status.UNAVAILABLE);

    const sync = drain(
      c.syncUsers(
        (async function* () {
          for (let i = 0; i < 1000; i++) {
            yield { operation: { $case: "delete" as const, value: { id: `missing-${i}` } } };
            if (i === 20) proxy.cutAll();
            await sleep(1);
          }
        })(),
      ),
    );
    const { items, error } = await withTimeout("the cut bidi call", sync, 10_000);
    expect(error?.code).toBe(Status.UNAVAILABLE);
    expect(items.length).toBeLessThan(1000);
    expect(retries).toEqual([]);
    await nothingInFlight();
  });

  it("under a bounded load, a proxy cutting every connection every 400 ms loses no idempotent call and duplicates no create", async () => {
    const retries: RetryEvent[] = [];
    const c = viaProxy({ retry: { onRetry: (e) => retries.push(e) } });
    const before = (await direct.listUsers({ pageSize: 1 })).totalSize;
    const created = new Map<string, string>();
    const cuts = proxy.cut;
    let cutting = true;
    const cutter = (async () => {
      while (cutting) {
        await sleep(400);
        if (cutting) proxy.cutAll();
      }
    })();
    const load = startLoad({
      concurrency: 4,
      maxCalls: 50_000,
      maxDurationMs: 5000,
      call: async (i) => {
        if (i % 3 === 0) {
          const requestId = randomUUID();
          const { user } = await c.createUser({ user: { name: `Load ${i}`, email: `load-${requestId}@example.org` }, requestId });
          created.set(requestId, user?.id ?? "");
        } else if (i % 3 === 1) {
          await c.listUsers({ pageSize: 20 });
        } else {
          await c.getUser({ id: "missing" }).catch((e: unknown) => {
            if (!(e instanceof CallError && e.code === Status.NOT_FOUND)) throw e;
          });
        }
      },
    });
    const result = await load.done;
    cutting = false;
    await cutter;
    console.info(`proxy cuts under load: ${result.ok} calls ok, ${proxy.cut - cuts} cuts, ${retries.length} retries`, result.samples);
    expect(result.failures).toEqual({});
    expect(result.ok).toBeGreaterThan(100);
    expect(proxy.cut - cuts).toBeGreaterThanOrEqual(5);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => r.error.code === Status.UNAVAILABLE)).toBe(true);
    const ids = [...created.values()];
    expect(new Set(ids).size).toBe(ids.length);
    expect((await direct.listUsers({ pageSize: 1 })).totalSize - before).toBe(created.size);
    await nothingInFlight();
  });

  it("leaves no socket or server handle behind once its clients and the proxy are closed", async () => {
    const open = networkHandles();
    expect(open.TCPServerWrap ?? 0).toBeGreaterThan(handlesBefore.TCPServerWrap ?? 0); // the count sees the proxy
    for (const c of clients.splice(0)) c.close();
    await proxy.close();
    const after = await waitFor(
      "network handles back to where they were",
      () => {
        const now = networkHandles();
        return JSON.stringify(now) === JSON.stringify(handlesBefore) ? now : undefined;
      },
      { timeoutMs: 10_000 },
    ).catch(() => networkHandles());
    expect(after).toEqual(handlesBefore);
  });
});
