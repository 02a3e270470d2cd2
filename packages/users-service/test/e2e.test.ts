// Every method of org.users.v1.UsersService over the network: the real service on @org/server
// (SQLite in a temp dir) on 127.0.0.1:0, called through @org/client.

import type { DeepPartial } from "@org/api/org/users/v1";
import { ChangeType, Role, type SyncUsersRequest, SyncUsersResponse_Outcome, type User } from "@org/api/org/users/v1";
import { CallError, createClient, Status } from "@org/client";
import { HealthDefinition } from "nice-grpc-server-health";
import { afterEach, describe, expect, it } from "vitest";
import { USERS_SERVICE_NAME } from "../src/config.js";
import { startTestService, type TestService } from "./test-service.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

async function start(env: Record<string, string> = {}): Promise<TestService> {
  const t = await startTestService(env);
  stops.push(() => t.stop());
  return t;
}

async function failure(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CallError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

async function createUser(t: TestService, n: number, extra: DeepPartial<User> = {}): Promise<User> {
  const { user } = await t.client.createUser({ user: { name: `User ${n}`, email: `u${n}@example.com`, ...extra } });
  if (!user) throw new Error("no user in response");
  return user;
}

async function* items<T>(list: readonly T[]): AsyncGenerator<T> {
  for (const item of list) yield item;
}

describe("users service over the network", () => {
  it("serves health for the service and the server", async () => {
    const t = await start();
    const health = createClient(HealthDefinition, { target: t.target });
    try {
      expect((await health.check({ service: "" })).status).toBe(1); // SERVING
      expect((await health.check({ service: USERS_SERVICE_NAME })).status).toBe(1);
    } finally {
      health.close();
    }
  });

  it("CreateUser, GetUser: round trip of every field, NOT_FOUND, and BadRequest listing every bad field", async () => {
    const t = await start();
    const created = await createUser(t, 1, {
      role: Role.ROLE_EDITOR,
      address: { city: "Utrecht", countryCode: "NL" },
      tags: ["a", "b"],
      labels: { team: "core" },
      loginCount: 5n,
    });
    expect(created.id).not.toBe("");
    expect(created.createTime).toBeInstanceOf(Date);
    const { user } = await t.client.getUser({ id: created.id });
    expect(user).toEqual(created);
    expect(user?.loginCount).toBe(5n);

    const missing = await failure(t.client.getUser({ id: "no-such-user" }));
    expect(missing.code).toBe(Status.NOT_FOUND);

    const bad = await failure(
      t.client.createUser({ user: { name: "x".repeat(201), email: "nope", role: 42 as Role, tags: ["ok", "ok"] } }),
    );
    expect(bad.code).toBe(Status.INVALID_ARGUMENT);
    expect(bad.badRequest?.fieldViolations.map((v) => v.field)).toEqual(["user.name", "user.email", "user.role", "user.tags[1]"]);
  });

  it("CreateUser: a repeated request_id returns the first user; a taken email is ALREADY_EXISTS", async () => {
    const t = await start();
    const first = await t.client.createUser({ user: { name: "Ada", email: "ada@example.com" }, requestId: "req-42" });
    const again = await t.client.createUser({ user: { name: "Ada 2", email: "ada2@example.com" }, requestId: "req-42" });
    expect(again.user?.id).toBe(first.user?.id);
    expect(again.user?.name).toBe("Ada");
    // Without a request id the client fills one in, so a second create is a new attempt.
    const dup = await failure(t.client.createUser({ user: { name: "Other", email: "ADA@example.com" } }));
    expect(dup.code).toBe(Status.ALREADY_EXISTS);
    expect((await t.client.listUsers({})).totalSize).toBe(1);
  });

  it("BatchGetUsers: found users by id and the missing ids", async () => {
    const t = await start();
    const a = await createUser(t, 1);
    const b = await createUser(t, 2);
    const res = await t.client.batchGetUsers({ ids: [a.id, "missing", b.id] });
    expect(Object.keys(res.users).sort()).toEqual([a.id, b.id].sort());
    expect(res.users[a.id]?.email).toBe(a.email);
    expect(res.notFound).toEqual(["missing"]);
    const tooMany = await failure(t.client.batchGetUsers({ ids: Array.from({ length: 1001 }, (_, i) => `id${i}`) }));
    expect(tooMany.code).toBe(Status.INVALID_ARGUMENT);
  });

  it("UpdateUser: only masked paths, unknown path named, ABORTED on a stale etag", async () => {
    const t = await start();
    const ada = await createUser(t, 1, { role: Role.ROLE_VIEWER, tags: ["keep"] });
    const { user } = await t.client.updateUser({
      user: { id: ada.id, name: "Ada King", role: Role.ROLE_ADMIN, tags: [] },
      updateMask: ["name", "role"],
      etag: ada.etag,
    });
    expect(user?.name).toBe("Ada King");
    expect(user?.role).toBe(Role.ROLE_ADMIN);
    expect(user?.tags).toEqual(["keep"]);
    expect(user?.etag).not.toBe(ada.etag);

    const stale = await failure(t.client.updateUser({ user: { id: ada.id, name: "Lost" }, updateMask: ["name"], etag: ada.etag }));
    expect(stale.code).toBe(Status.ABORTED);
    const unknown = await failure(t.client.updateUser({ user: { id: ada.id }, updateMask: ["favourite_colour"] }));
    expect(unknown.code).toBe(Status.INVALID_ARGUMENT);
    expect(unknown.badRequest?.fieldViolations[0]?.description).toContain('"favourite_colour"');
    const gone = await failure(t.client.updateUser({ user: { id: "missing", name: "x" } }));
    expect(gone.code).toBe(Status.NOT_FOUND);
    expect((await t.client.getUser({ id: ada.id })).user?.name).toBe("Ada King");
  });

  it("DeleteUser: ABORTED on a stale etag, then deleted, then NOT_FOUND", async () => {
    const t = await start();
    const ada = await createUser(t, 1);
    expect((await failure(t.client.deleteUser({ id: ada.id, etag: "stale" }))).code).toBe(Status.ABORTED);
    await t.client.deleteUser({ id: ada.id, etag: ada.etag });
    expect((await failure(t.client.getUser({ id: ada.id }))).code).toBe(Status.NOT_FOUND);
    expect((await failure(t.client.deleteUser({ id: ada.id }))).code).toBe(Status.NOT_FOUND);
  });

  it("ListUsers: pages with opaque tokens, consistent while users are added; altered token is INVALID_ARGUMENT", async () => {
    const t = await start();
    for (let i = 0; i < 5; i++) await createUser(t, i, { role: i % 2 ? Role.ROLE_EDITOR : Role.ROLE_VIEWER });
    const names: string[] = [];
    let pageToken = "";
    let extra = 100;
    do {
      const page = await t.client.listUsers({ pageSize: 2, pageToken });
      names.push(...page.users.map((u) => u.name));
      pageToken = page.nextPageToken;
      await createUser(t, extra++);
    } while (pageToken !== "");
    expect(names.slice(0, 5)).toEqual(["User 0", "User 1", "User 2", "User 3", "User 4"]);
    expect(new Set(names).size).toBe(names.length);

    const editors = await t.client.listUsers({ pageSize: 1, filter: { role: Role.ROLE_EDITOR } });
    expect(editors.totalSize).toBe(2);
    expect(editors.users.map((u) => u.name)).toEqual(["User 1"]);
    const token = editors.nextPageToken;
    const altered = token.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    const tampered = await failure(t.client.listUsers({ pageToken: altered, filter: { role: Role.ROLE_EDITOR } }));
    expect(tampered.code).toBe(Status.INVALID_ARGUMENT);
    expect(tampered.badRequest?.fieldViolations[0]?.field).toBe("page_token");
    const otherFilter = await failure(t.client.listUsers({ pageToken: token, filter: { role: Role.ROLE_VIEWER } }));
    expect(otherFilter.code).toBe(Status.INVALID_ARGUMENT);
    const badSize = await failure(t.client.listUsers({ pageSize: 1001 }));
    expect(badSize.badRequest?.fieldViolations.map((v) => v.field)).toEqual(["page_size"]);
  });

  it("StreamUsers: every matching user oldest first; a cancelled stream stops reading the store", async () => {
    const t = await start();
    const many = Array.from({ length: 450 }, (_, i) => ({
      user: { name: `Bulk ${i}`, email: `b${i}@example.com`, tags: i % 3 ? [] : ["third"] },
    }));
    const bulk = await t.client.bulkCreateUsers(items(many));
    expect(bulk.createdCount).toBe(450);
    const thirds: string[] = [];
    for await (const { user } of t.client.streamUsers({ filter: { tags: ["third"] } })) thirds.push(user?.name ?? "");
    expect(thirds).toHaveLength(150);
    expect(thirds[0]).toBe("Bulk 0");
    expect(thirds[149]).toBe("Bulk 447");

    // The second store read waits until the client has cancelled; a handler that honours the
    // cancellation then reads nothing more (450 users in batches of 100 would be 5 reads).
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const list = t.repository.list.bind(t.repository);
    t.repository.list = async (options) => {
      reads++;
      if (reads === 2) await gate;
      return list(options);
    };
    const controller = new AbortController();
    let received = 0;
    const cancelled = await failure(
      (async () => {
        for await (const _ of t.client.streamUsers({}, { signal: controller.signal })) {
          if (++received === 100) controller.abort(); // all of the first batch: the second read is waiting
        }
      })(),
    );
    expect(cancelled.code).toBe(Status.CANCELLED);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the cancel reach the server
    release();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(2);
  });

  it("WatchUsers: pushes every later change, then UNAVAILABLE when the server shuts down", async () => {
    const t = await start();
    const before = await createUser(t, 0);
    const watcher = t.newClient({ retry: false });
    const events: [ChangeType, string][] = [];
    let seen!: () => void;
    const threeSeen = new Promise<void>((resolve) => {
      seen = resolve;
    });
    let live!: (header: unknown) => void;
    const headerSeen = new Promise<unknown>((resolve) => {
      live = resolve;
    });
    const watching = (async () => {
      for await (const event of watcher.watchUsers({}, { onHeader: live })) {
        events.push([event.changeType, event.user?.name ?? ""]);
        if (events.length === 3) seen();
      }
    })();
    const ended = failure(watching);
    // The response headers arrive once the watch is subscribed, before any change: the client
    // knows it is live.
    await headerSeen;
    expect(t.running.service.activeWatchers).toBe(1);
    const created = await createUser(t, 1);
    await t.client.updateUser({ user: { id: before.id, name: "Renamed" }, updateMask: ["name"] });
    await t.client.deleteUser({ id: created.id });
    await threeSeen;
    expect(events).toEqual([
      [ChangeType.CHANGE_TYPE_CREATED, "User 1"],
      [ChangeType.CHANGE_TYPE_UPDATED, "Renamed"],
      [ChangeType.CHANGE_TYPE_DELETED, "User 1"],
    ]);
    // What SIGTERM does: @org/server's graceful shutdown ends open streams with UNAVAILABLE.
    await t.running.server.shutdown();
    const error = await ended;
    expect(error.code).toBe(Status.UNAVAILABLE);
    expect(t.running.service.activeWatchers).toBe(0);
  });

  it("BulkCreateUsers: per-item outcomes with index and code", async () => {
    const t = await start();
    const res = await t.client.bulkCreateUsers(
      items([
        { user: { name: "A", email: "a@example.com" } },
        { user: { name: "", email: "a-at-example" } },
        { user: { name: "A again", email: "A@EXAMPLE.COM" } },
        { user: { name: "B", email: "b@example.com" } },
      ]),
    );
    expect(res.createdCount).toBe(2);
    expect(res.createdIds).toHaveLength(2);
    expect(res.failures.map((f) => [f.index, f.code])).toEqual([
      [1, Status.INVALID_ARGUMENT],
      [2, Status.ALREADY_EXISTS],
    ]);
  });

  it("SyncUsers: answers each request in order", async () => {
    const t = await start();
    const existing = await createUser(t, 1);
    const requests: DeepPartial<SyncUsersRequest>[] = [
      { operation: { $case: "upsert", value: { name: "New", email: "new@example.com" } } },
      { operation: { $case: "upsert", value: { id: existing.id, name: "Replaced", email: existing.email } } },
      { operation: { $case: "delete", value: { id: "missing" } } },
      { operation: { $case: "delete", value: { id: existing.id } } },
    ];
    const outcomes: [SyncUsersResponse_Outcome, number][] = [];
    for await (const response of t.client.syncUsers(items(requests))) outcomes.push([response.outcome, response.code]);
    expect(outcomes).toEqual([
      [SyncUsersResponse_Outcome.OUTCOME_CREATED, Status.OK],
      [SyncUsersResponse_Outcome.OUTCOME_UPDATED, Status.OK],
      [SyncUsersResponse_Outcome.OUTCOME_FAILED, Status.NOT_FOUND],
      [SyncUsersResponse_Outcome.OUTCOME_DELETED, Status.OK],
    ]);
    const all = await t.client.listUsers({});
    expect(all.users.map((u) => u.name)).toEqual(["New"]);
  });
});
