// A server that never answers: one accepts TCP and never speaks HTTP/2, one completes the HTTP/2
// handshake and then holds every stream without a byte. Every call of every kind ends with
// DEADLINE_EXCEEDED at its deadline — the call's own or the client's default — not later, and
// nothing is retried past it.
import { createUsersClient, Status, type UsersClient } from "@org/client";
import { afterEach, describe, expect, it } from "vitest";
import { callError, drain } from "./helpers/errors.js";
import { type SilentServer, startSilentServer } from "./helpers/silent-server.js";
import { sleep } from "./helpers/wait.js";

// Loose bounds: a call may end a little early (deadline rounding on the wire) and, on a busy
// machine, somewhat late; "not later" means well under a second late, not hanging.
const EARLY_MS = 50;
const LATE_MS = 1500;

const open: { close(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close();
});

async function silent(flavour: "tcp" | "h2"): Promise<SilentServer> {
  const server = await startSilentServer(flavour);
  open.push(server);
  return server;
}

function client(
  server: SilentServer,
  options: Partial<Parameters<typeof createUsersClient>[0]> = {},
  retries: unknown[] = [],
): UsersClient {
  const c = createUsersClient({
    target: `127.0.0.1:${server.port}`,
    tracing: false,
    retry: { onRetry: (e) => retries.push(e) },
    ...options,
  });
  open.push(c);
  return c;
}

/** Runs `call`, expecting DEADLINE_EXCEEDED; returns how long it took. */
async function deadlineExceeded(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await callError(call);
  const elapsed = performance.now() - started;
  expect(error.code, error.message).toBe(Status.DEADLINE_EXCEEDED);
  return elapsed;
}

function expectNear(elapsed: number, deadlineMs: number): void {
  expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - EARLY_MS);
  expect(elapsed).toBeLessThan(deadlineMs + LATE_MS);
}

async function* oneThenWait(ms: number) {
  yield { user: { name: "Never", email: "never@example.org" } };
  await sleep(ms);
}

describe.each(["tcp", "h2"] as const)("a server that never answers (%s)", (flavour) => {
  it("unary: the call's deadline, and the client's default deadline when the call sets none", async () => {
    const server = await silent(flavour);
    const retries: unknown[] = [];
    const c = client(server, { deadlineMs: 700 }, retries);
    expectNear(await deadlineExceeded(() => c.getUser({ id: "u1" }, { deadlineMs: 400 })), 400);
    expectNear(await deadlineExceeded(() => c.getUser({ id: "u1" })), 700);
    expectNear(await deadlineExceeded(() => c.createUser({ user: { name: "N", email: "n@example.org" } }, { deadlineMs: 500 })), 500);
    expect(retries).toEqual([]);
    if (flavour === "h2") expect(server.streams).toBeGreaterThanOrEqual(3);
    else expect(server.connections).toBeGreaterThanOrEqual(1);
  });

  it("server streaming, client streaming and bidi calls end at their deadlines too", async () => {
    const server = await silent(flavour);
    const c = client(server, { streamDeadlineMs: 600 });
    expectNear(
      await deadlineExceeded(async () => {
        const { error } = await drain(c.streamUsers({}));
        if (error) throw error;
      }),
      600,
    );
    expectNear(
      await deadlineExceeded(async () => {
        const { error } = await drain(c.watchUsers({}, { deadlineMs: 500 }));
        if (error) throw error;
      }),
      500,
    );
    expectNear(await deadlineExceeded(() => c.bulkCreateUsers(oneThenWait(5000), { deadlineMs: 500 })), 500);
    expectNear(
      await deadlineExceeded(async () => {
        const { error } = await drain(c.syncUsers(oneThenWait(5000) as never, { deadlineMs: 500 }));
        if (error) throw error;
      }),
      500,
    );
  });

  it("50 concurrent calls with deadlines from 200 to 1,700 ms each end at their own deadline", async () => {
    const server = await silent(flavour);
    const c = client(server);
    const deadlines = Array.from({ length: 50 }, (_, i) => 200 + (i % 16) * 100);
    const elapsed = await Promise.all(deadlines.map((deadlineMs) => deadlineExceeded(() => c.listUsers({ pageSize: 1 }, { deadlineMs }))));
    for (const [i, ms] of elapsed.entries()) expectNear(ms, deadlines[i] as number);
  });

  it("waitForReady does not outlive the deadline either", async () => {
    const server = await silent(flavour);
    const c = client(server, { waitForReady: true });
    expectNear(await deadlineExceeded(() => c.getUser({ id: "u1" }, { deadlineMs: 400 })), 400);
  });
});
