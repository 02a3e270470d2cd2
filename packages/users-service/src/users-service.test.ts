// Handler behaviour on the in-memory store, called directly (no network): listing consistency,
// masks, etags, idempotency, stream cancellation, watcher buffers, bulk and sync outcomes.
// The same methods are exercised over the network in test/e2e.test.ts.
import {
  BatchGetUsersRequest,
  BulkCreateUsersRequest,
  ChangeType,
  CreateUserRequest,
  DeleteUserRequest,
  GetUserRequest,
  ListUsersRequest,
  Role,
  StreamUsersRequest,
  SyncUsersRequest,
  SyncUsersResponse_Outcome,
  UpdateUserRequest,
  type User,
  WatchUsersRequest,
} from "@org/api/org/users/v1";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { callContext, collect, fromArray, grpcError } from "../test/helpers.js";
import { MemoryUsersRepository } from "./store/memory-users-repository.js";
import type { ListUsersOptions, UserRecord } from "./store/users-repository.js";
import { createUsersService, type UsersServiceOptions } from "./users-service.js";

function setup(options: Partial<UsersServiceOptions> = {}) {
  const repository = new MemoryUsersRepository();
  const service = createUsersService({ repository, ...options });
  const impl = service.implementation;
  const ctx = callContext();
  async function create(n: number, extra: Partial<User> = {}): Promise<User> {
    const { user } = await impl.createUser(
      CreateUserRequest.fromPartial({ user: { name: `User ${n}`, email: `u${n}@example.com`, ...extra } }),
      ctx,
    );
    if (!user) throw new Error("no user");
    return user as User;
  }
  return { repository, service, impl, ctx, create };
}

describe("GetUser, BatchGetUsers, DeleteUser", () => {
  it("gets, reports NOT_FOUND, deletes with etag checks", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1, { role: Role.ROLE_ADMIN });
    expect((await impl.getUser(GetUserRequest.fromPartial({ id: ada.id }), ctx)).user?.role).toBe(Role.ROLE_ADMIN);
    expect((await grpcError(() => impl.getUser(GetUserRequest.fromPartial({ id: "nope" }), ctx))).code).toBe(Status.NOT_FOUND);
    expect((await grpcError(() => impl.getUser(GetUserRequest.fromPartial({}), ctx))).fields).toEqual(["id"]);

    const stale = await grpcError(() => impl.deleteUser(DeleteUserRequest.fromPartial({ id: ada.id, etag: "stale" }), ctx));
    expect(stale.code).toBe(Status.ABORTED);
    await impl.deleteUser(DeleteUserRequest.fromPartial({ id: ada.id, etag: ada.etag }), ctx);
    expect((await grpcError(() => impl.deleteUser(DeleteUserRequest.fromPartial({ id: ada.id }), ctx))).code).toBe(Status.NOT_FOUND);
  });

  it("batch-gets found users and lists the missing ids once each", async () => {
    const { impl, ctx, create } = setup();
    const a = await create(1);
    const b = await create(2);
    const res = await impl.batchGetUsers(BatchGetUsersRequest.fromPartial({ ids: [a.id, "x1", b.id, "x1", "x2"] }), ctx);
    expect(Object.keys(res.users ?? {}).sort()).toEqual([a.id, b.id].sort());
    expect(res.notFound).toEqual(["x1", "x2"]);
    const tooMany = await grpcError(() =>
      impl.batchGetUsers(BatchGetUsersRequest.fromPartial({ ids: Array.from({ length: 1001 }, (_, i) => `i${i}`) }), ctx),
    );
    expect(tooMany.fields).toEqual(["ids"]);
  });
});

describe("CreateUser", () => {
  it("returns the first user for a repeated request_id, and ALREADY_EXISTS for a taken email", async () => {
    const { impl, ctx, repository } = setup();
    const request = CreateUserRequest.fromPartial({ user: { name: "Ada", email: "ada@example.com" }, requestId: "r-1" });
    const first = await impl.createUser(request, ctx);
    const again = await impl.createUser(request, ctx);
    expect(again.user?.id).toBe(first.user?.id);
    expect(await repository.count({ role: 0, query: "", tags: [] })).toBe(1);
    const dup = await grpcError(() =>
      impl.createUser(CreateUserRequest.fromPartial({ user: { name: "Other", email: "ADA@example.com" } }), ctx),
    );
    expect(dup.code).toBe(Status.ALREADY_EXISTS);
  });

  it("ignores id, times and etag in the request", async () => {
    const { impl, ctx } = setup();
    const { user } = await impl.createUser(
      CreateUserRequest.fromPartial({
        user: { id: "chosen", name: "Ada", email: "ada@example.com", etag: "e", createTime: new Date(0) },
      }),
      ctx,
    );
    expect(user?.id).not.toBe("chosen");
    expect(user?.etag).not.toBe("e");
    expect(user?.createTime?.getTime()).toBeGreaterThan(0);
  });
});

describe("UpdateUser", () => {
  it("applies only the masked paths", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1, { role: Role.ROLE_EDITOR, tags: ["keep"] });
    const { user } = await impl.updateUser(
      UpdateUserRequest.fromPartial({
        user: { id: ada.id, name: "Renamed", email: "ignored@example.com", tags: [] },
        updateMask: ["name"],
      }),
      ctx,
    );
    expect(user?.name).toBe("Renamed");
    expect(user?.email).toBe(ada.email);
    expect(user?.tags).toEqual(["keep"]);
    expect(user?.role).toBe(Role.ROLE_EDITOR);
  });

  it("with an empty mask updates every field the request sets", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1, { role: Role.ROLE_EDITOR, tags: ["keep"] });
    const { user } = await impl.updateUser(
      UpdateUserRequest.fromPartial({ user: { id: ada.id, email: "new@example.com", labels: { a: "b" } } }),
      ctx,
    );
    expect(user?.email).toBe("new@example.com");
    expect(user?.labels).toEqual({ a: "b" });
    expect(user?.name).toBe(ada.name);
    expect(user?.tags).toEqual(["keep"]);
  });

  it("rejects unknown paths, naming them, and an update that would make the user invalid", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1);
    const unknown = await grpcError(() =>
      impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: ada.id }, updateMask: ["name", "shoe_size"] }), ctx),
    );
    expect(unknown.code).toBe(Status.INVALID_ARGUMENT);
    expect(unknown.violations).toEqual([{ field: "update_mask", description: expect.stringContaining('"shoe_size"') }]);
    const cleared = await grpcError(() =>
      impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: ada.id }, updateMask: ["name", "role", "email"] }), ctx),
    );
    expect(cleared.fields).toEqual(["user.name", "user.email", "user.role"]);
    const nothing = await grpcError(() => impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: ada.id } }), ctx));
    expect(nothing.fields).toEqual(["update_mask"]);
    expect((await impl.getUser(GetUserRequest.fromPartial({ id: ada.id }), ctx)).user?.name).toBe("User 1");
  });

  it("is ABORTED on a stale etag, so concurrent writers never overwrite each other", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1);
    const write = (name: string) =>
      impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: ada.id, name }, updateMask: ["name"], etag: ada.etag }), ctx);
    const results = await Promise.allSettled([write("A"), write("B")]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason.code).toBe(Status.ABORTED);
    // The etag inside `user` is honoured too.
    const viaUser = await grpcError(() =>
      impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: ada.id, name: "C", etag: ada.etag }, updateMask: ["name"] }), ctx),
    );
    expect(viaUser.code).toBe(Status.ABORTED);
  });

  it("is NOT_FOUND for a missing user and ALREADY_EXISTS for a taken email", async () => {
    const { impl, ctx, create } = setup();
    const ada = await create(1);
    const bob = await create(2);
    expect((await grpcError(() => impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: "gone", name: "x" } }), ctx))).code).toBe(
      Status.NOT_FOUND,
    );
    expect(
      (await grpcError(() => impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: bob.id, email: ada.email } }), ctx))).code,
    ).toBe(Status.ALREADY_EXISTS);
  });
});

describe("ListUsers", () => {
  it("pages oldest first with total_size, and an empty token on the last page", async () => {
    const { impl, ctx, create } = setup();
    for (let i = 0; i < 5; i++) await create(i);
    const p1 = await impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 2 }), ctx);
    expect(p1.users?.map((u) => u?.name)).toEqual(["User 0", "User 1"]);
    expect(p1.totalSize).toBe(5);
    const p2 = await impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 2, pageToken: p1.nextPageToken }), ctx);
    const p3 = await impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 2, pageToken: p2.nextPageToken }), ctx);
    expect(p3.users?.map((u) => u?.name)).toEqual(["User 4"]);
    expect(p3.nextPageToken).toBe("");
    const all = await impl.listUsers(ListUsersRequest.fromPartial({}), ctx);
    expect(all.users).toHaveLength(5);
    expect(all.nextPageToken).toBe("");
  });

  it("stays consistent while users are added and deleted between pages", async () => {
    const { impl, ctx, create } = setup();
    for (let i = 0; i < 6; i++) await create(i);
    const seen: string[] = [];
    let token = "";
    let n = 100;
    do {
      const page = await impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 2, pageToken: token }), ctx);
      seen.push(...(page.users ?? []).map((u) => u?.name ?? ""));
      token = page.nextPageToken ?? "";
      await create(n++); // every page read is followed by a new user
    } while (token !== "");
    // Every original user exactly once, in order; new users appear at the end, none twice.
    expect(seen.slice(0, 6)).toEqual(["User 0", "User 1", "User 2", "User 3", "User 4", "User 5"]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(6).every((name) => Number(name.split(" ")[1]) >= 100)).toBe(true);
  });

  it("binds tokens to the filter and refuses altered ones", async () => {
    const { impl, ctx, create } = setup();
    for (let i = 0; i < 4; i++) await create(i, { role: Role.ROLE_EDITOR });
    const filter = { role: Role.ROLE_EDITOR, query: "", tags: [] };
    const p1 = await impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 1, filter }), ctx);
    const token = p1.nextPageToken ?? "";
    const other = await grpcError(() =>
      impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 1, pageToken: token, filter: { role: Role.ROLE_ADMIN } }), ctx),
    );
    expect(other.code).toBe(Status.INVALID_ARGUMENT);
    expect(other.fields).toEqual(["page_token"]);
    const altered = `${token.slice(0, 4)}${token[4] === "x" ? "y" : "x"}${token.slice(5)}`;
    expect((await grpcError(() => impl.listUsers(ListUsersRequest.fromPartial({ pageToken: altered, filter }), ctx))).fields).toEqual([
      "page_token",
    ]);
    const foreign = createUsersService({ repository: new MemoryUsersRepository() });
    expect(
      (await grpcError(() => foreign.implementation.listUsers(ListUsersRequest.fromPartial({ pageToken: token, filter }), ctx))).code,
    ).toBe(Status.INVALID_ARGUMENT);
  });

  it("shares tokens between instances configured with the same secret", async () => {
    const secret = Buffer.alloc(32, 1);
    const a = setup({ pageTokenSecret: secret });
    for (let i = 0; i < 3; i++) await a.create(i);
    const p1 = await a.impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 1 }), a.ctx);
    const b = createUsersService({ repository: a.repository, pageTokenSecret: secret });
    const p2 = await b.implementation.listUsers(ListUsersRequest.fromPartial({ pageSize: 1, pageToken: p1.nextPageToken }), a.ctx);
    expect(p2.users?.[0]?.name).toBe("User 1");
  });

  it("validates page_size and filter together", async () => {
    const { impl, ctx } = setup();
    const e = await grpcError(() => impl.listUsers(ListUsersRequest.fromPartial({ pageSize: 5000, filter: { role: 99 as Role } }), ctx));
    expect(e.fields).toEqual(["page_size", "filter.role"]);
  });
});

describe("StreamUsers", () => {
  it("streams every matching user oldest first", async () => {
    const { impl, ctx, create } = setup({ streamBatchSize: 3 });
    for (let i = 0; i < 10; i++) await create(i, { tags: i % 2 ? ["odd"] : [] });
    const odd = await collect(impl.streamUsers(StreamUsersRequest.fromPartial({ filter: { tags: ["odd"] } }), ctx));
    expect(odd.map((r) => r.user?.name)).toEqual(["User 1", "User 3", "User 5", "User 7", "User 9"]);
  });

  it("reads batch by batch as the consumer pulls, and stops reading when cancelled", async () => {
    const { impl, repository, create } = setup({ streamBatchSize: 10 });
    for (let i = 0; i < 100; i++) await create(i);
    const reads: ListUsersOptions[] = [];
    const list = repository.list.bind(repository);
    repository.list = async (options): Promise<UserRecord[]> => {
      reads.push(options);
      return list(options);
    };
    const controller = new AbortController();
    const stream = impl.streamUsers(StreamUsersRequest.fromPartial({}), callContext(controller.signal))[Symbol.asyncIterator]();
    for (let i = 0; i < 15; i++) await stream.next();
    expect(reads).toHaveLength(2); // 15 users consumed: only two batches read, not all 100 users
    controller.abort();
    await expect(stream.next()).rejects.toThrow();
    expect(reads).toHaveLength(2);
  });
});

describe("WatchUsers", () => {
  it("pushes every change after it started, matching the filter", async () => {
    const { impl, ctx, create } = setup();
    const before = await create(0, { role: Role.ROLE_ADMIN });
    const controller = new AbortController();
    const watch = impl
      .watchUsers(WatchUsersRequest.fromPartial({ filter: { role: Role.ROLE_ADMIN } }), callContext(controller.signal))
      [Symbol.asyncIterator]();
    const first = watch.next(); // starts the handler: it subscribes before waiting
    await new Promise((resolve) => setImmediate(resolve));
    await create(1, { role: Role.ROLE_VIEWER }); // filtered out
    const admin = await create(2, { role: Role.ROLE_ADMIN });
    await impl.updateUser(UpdateUserRequest.fromPartial({ user: { id: before.id, role: Role.ROLE_VIEWER }, updateMask: ["role"] }), ctx);
    await impl.deleteUser(DeleteUserRequest.fromPartial({ id: admin.id }), ctx);
    const events = [(await first).value, (await watch.next()).value, (await watch.next()).value];
    expect(events.map((e) => [e?.changeType, e?.user?.name])).toEqual([
      [ChangeType.CHANGE_TYPE_CREATED, "User 2"],
      [ChangeType.CHANGE_TYPE_UPDATED, "User 0"], // moved out of the filter: still reported
      [ChangeType.CHANGE_TYPE_DELETED, "User 2"],
    ]);
    expect(events[0]?.changeTime).toBeInstanceOf(Date);
    controller.abort();
    await expect(watch.next()).rejects.toThrow();
  });

  it("ends a watcher that falls too far behind with RESOURCE_EXHAUSTED and frees its subscription", async () => {
    const { impl, service, create } = setup({ watchBufferSize: 3 });
    const watch = impl.watchUsers(WatchUsersRequest.fromPartial({}), callContext())[Symbol.asyncIterator]();
    const first = watch.next();
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) await create(i); // nobody consumes meanwhile
    expect((await first).value?.user?.name).toBe("User 0");
    const error = await grpcError(async () => {
      for (;;) await watch.next();
    });
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(service.activeWatchers).toBe(0);
  });

  it("ends with UNAVAILABLE on shutdown", async () => {
    const { impl, service } = setup();
    const watch = impl.watchUsers(WatchUsersRequest.fromPartial({}), callContext())[Symbol.asyncIterator]();
    const pending = watch.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(service.activeWatchers).toBe(1);
    service.shutdown();
    expect((await grpcError(() => pending)).code).toBe(Status.UNAVAILABLE);
    expect(service.activeWatchers).toBe(0);
    expect(
      (await grpcError(() => impl.watchUsers(WatchUsersRequest.fromPartial({}), callContext())[Symbol.asyncIterator]().next())).code,
    ).toBe(Status.UNAVAILABLE);
  });
});

describe("BulkCreateUsers and SyncUsers", () => {
  it("reports per-item outcomes with index, code and message", async () => {
    const { impl, ctx } = setup();
    const res = await impl.bulkCreateUsers(
      fromArray(
        [
          { user: { name: "A", email: "a@example.com" }, requestId: "" },
          { user: { name: "", email: "bad" }, requestId: "" },
          { user: { name: "Dup", email: "A@example.com" }, requestId: "" },
          { user: undefined, requestId: "" },
          { user: { name: "B", email: "b@example.com" }, requestId: "k" },
          { user: { name: "B again", email: "b2@example.com" }, requestId: "k" },
        ].map((item) => BulkCreateUsersRequest.fromPartial(item)),
      ),
      ctx,
    );
    expect(res.createdCount).toBe(3);
    expect(res.createdIds?.[1]).toBe(res.createdIds?.[2]); // same request id, same user
    expect(res.failures?.map((f) => [f?.index, f?.code])).toEqual([
      [1, Status.INVALID_ARGUMENT],
      [2, Status.ALREADY_EXISTS],
      [3, Status.INVALID_ARGUMENT],
    ]);
    expect(res.failures?.[1]?.message).toContain("already in use");
  });

  it("answers each sync request in order", async () => {
    const { impl, ctx, create } = setup();
    const existing = await create(1);
    const requests = [
      { operation: { $case: "upsert", value: { name: "New", email: "new@example.com" } } },
      { operation: { $case: "upsert", value: { id: existing.id, name: "Replaced", email: existing.email } } },
      { operation: { $case: "upsert", value: { id: "ext-7", name: "External", email: "ext@example.com" } } },
      { operation: { $case: "delete", value: { id: "missing" } } },
      { operation: { $case: "upsert", value: { name: "", email: "x" } } },
      { operation: undefined },
      { operation: { $case: "delete", value: { id: existing.id } } },
    ].map((r) => SyncUsersRequest.fromPartial(r as never));
    const responses = await collect(impl.syncUsers(fromArray(requests), ctx));
    expect(responses.map((r) => [r.outcome, r.code])).toEqual([
      [SyncUsersResponse_Outcome.OUTCOME_CREATED, Status.OK],
      [SyncUsersResponse_Outcome.OUTCOME_UPDATED, Status.OK],
      [SyncUsersResponse_Outcome.OUTCOME_CREATED, Status.OK],
      [SyncUsersResponse_Outcome.OUTCOME_FAILED, Status.NOT_FOUND],
      [SyncUsersResponse_Outcome.OUTCOME_FAILED, Status.INVALID_ARGUMENT],
      [SyncUsersResponse_Outcome.OUTCOME_FAILED, Status.INVALID_ARGUMENT],
      [SyncUsersResponse_Outcome.OUTCOME_DELETED, Status.OK],
    ]);
    expect(responses[1]?.id).toBe(existing.id);
    expect(responses[2]?.id).toBe("ext-7");
    expect(responses[3]?.id).toBe("missing");
  });
});
