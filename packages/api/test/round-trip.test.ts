import { describe, expect, it } from "vitest";
import { loadDescriptorSet } from "../src/descriptor-set.js";
import { FieldMask, Timestamp } from "../src/google/protobuf/index.js";
import {
  BatchGetUsersResponse,
  BulkCreateUsersResponse,
  ChangeType,
  DeleteUserResponse,
  ListUsersRequest,
  Role,
  SyncUsersRequest,
  SyncUsersResponse,
  SyncUsersResponse_Outcome,
  UpdateUserRequest,
  User,
  UsersServiceDefinition,
  WatchUsersResponse,
} from "../src/org/users/v1/index.js";

// `User.create` so that a field added to the proto does not break this file (issue 16, point 3).
const fullUser: User = User.create({
  id: "u_1",
  name: "Ada Lovelace",
  email: "ada@example.org",
  role: Role.ROLE_ADMIN,
  address: { street: "1 Analytical Way", city: "London", postalCode: "N1", countryCode: "GB" },
  tags: ["math", "engine", ""],
  labels: { team: "core", "cost-center": "42", empty: "" },
  createTime: new Date("1815-12-10T00:00:00.123Z"),
  updateTime: new Date("2024-02-29T23:59:59.999Z"),
  etag: "W/1",
  loginCount: 2n ** 60n + 7n,
});

describe("User", () => {
  it("round-trips every field kind", () => {
    const decoded = User.decode(User.encode(fullUser).finish());
    expect(decoded).toEqual(fullUser);
    expect(decoded.loginCount).toBe(1152921504606846983n);
    expect(decoded.loginCount > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it("keeps a pre-1970 timestamp exact", () => {
    const decoded = User.decode(User.encode({ ...fullUser, createTime: new Date(-1) }).finish());
    expect(decoded.createTime?.getTime()).toBe(-1);
  });

  it("decodes an empty message to defaults", () => {
    const decoded = User.decode(new Uint8Array(0));
    expect(decoded).toEqual(User.fromPartial({}));
    expect(decoded.role).toBe(Role.ROLE_UNSPECIFIED);
    expect(decoded.address).toBeUndefined();
    expect(decoded.loginCount).toBe(0n);
    expect(User.encode(decoded).finish().length).toBe(0);
  });

  it("preserves an enum value it does not know", () => {
    // role = 99 (field 4, varint): written by a newer peer that added a role.
    const bytes = Uint8Array.from([0x20, 99]);
    const decoded = User.decode(bytes);
    expect(decoded.role).toBe(99);
    expect(User.encode(decoded).finish()).toEqual(bytes);
  });

  it("skips a field it does not know", () => {
    // field 50 (string "x") from a newer schema, then name = "n".
    const bytes = Uint8Array.from([0x92, 0x03, 1, 0x78, 0x12, 1, 0x6e]);
    expect(User.decode(bytes).name).toBe("n");
  });

  it("maps JSON names and enums as the proto3 JSON mapping says", () => {
    const json = User.toJSON(fullUser) as Record<string, unknown>;
    expect(json.role).toBe("ROLE_ADMIN");
    expect(json.loginCount).toBe("1152921504606846983");
    expect(json.createTime).toBe("1815-12-10T00:00:00.123Z");
    expect(User.fromJSON(json)).toEqual(fullUser);
  });
});

describe("Timestamp", () => {
  it("carries nanoseconds and negative seconds", () => {
    const ts: Timestamp = { seconds: -62135596800n, nanos: 999_999_999 };
    expect(Timestamp.decode(Timestamp.encode(ts).finish())).toEqual(ts);
  });
});

describe("FieldMask", () => {
  it("round-trips inside a request as a list of paths", () => {
    const req: UpdateUserRequest = { user: fullUser, updateMask: ["name", "address.city"], etag: "W/1" };
    expect(UpdateUserRequest.decode(UpdateUserRequest.encode(req).finish())).toEqual(req);
    expect(FieldMask.toJSON(FieldMask.wrap(["name", "address.city"]))).toBe("name,address.city");
  });
});

describe("oneof, maps of messages, repeated messages", () => {
  it("round-trips each oneof case and none", () => {
    const cases: SyncUsersRequest[] = [
      { operation: { $case: "upsert", value: fullUser } },
      { operation: { $case: "delete", value: { id: "u_2" } } },
      { operation: undefined },
    ];
    for (const c of cases) expect(SyncUsersRequest.decode(SyncUsersRequest.encode(c).finish())).toEqual(c);
  });

  it("round-trips a map of messages and repeated fields", () => {
    const msg: BatchGetUsersResponse = { users: { u_1: fullUser, u_3: User.fromPartial({ id: "u_3" }) }, notFound: ["u_2"] };
    expect(BatchGetUsersResponse.decode(BatchGetUsersResponse.encode(msg).finish())).toEqual(msg);
    const bulk: BulkCreateUsersResponse = {
      createdCount: 1,
      failures: [{ index: 1, code: 6, message: "email already exists" }],
      createdIds: ["u_9"],
    };
    expect(BulkCreateUsersResponse.decode(BulkCreateUsersResponse.encode(bulk).finish())).toEqual(bulk);
  });

  it("round-trips nested enums, timestamps and empty messages", () => {
    const event: WatchUsersResponse = {
      changeType: ChangeType.CHANGE_TYPE_DELETED,
      user: fullUser,
      changeTime: new Date("2026-01-01T00:00:00Z"),
    };
    expect(WatchUsersResponse.decode(WatchUsersResponse.encode(event).finish())).toEqual(event);
    const reply: SyncUsersResponse = { id: "u", outcome: SyncUsersResponse_Outcome.OUTCOME_FAILED, code: 3, message: "bad" };
    expect(SyncUsersResponse.decode(SyncUsersResponse.encode(reply).finish())).toEqual(reply);
    expect(DeleteUserResponse.encode({}).finish().length).toBe(0);
    const list = ListUsersRequest.fromPartial({ pageSize: 10, filter: { role: Role.ROLE_EDITOR, tags: ["a"] } });
    expect(ListUsersRequest.decode(ListUsersRequest.encode(list).finish())).toEqual(list);
  });
});

describe("UsersServiceDefinition", () => {
  it("carries the idempotency level of every method", () => {
    const levels = Object.fromEntries(
      Object.entries(UsersServiceDefinition.methods).map(([name, m]) => [
        name,
        (m.options as { idempotencyLevel?: string }).idempotencyLevel ?? "DEFAULT",
      ]),
    );
    expect(levels).toEqual({
      getUser: "NO_SIDE_EFFECTS",
      batchGetUsers: "NO_SIDE_EFFECTS",
      listUsers: "NO_SIDE_EFFECTS",
      streamUsers: "NO_SIDE_EFFECTS",
      watchUsers: "NO_SIDE_EFFECTS",
      createUser: "IDEMPOTENT",
      updateUser: "IDEMPOTENT",
      deleteUser: "IDEMPOTENT",
      bulkCreateUsers: "DEFAULT",
      syncUsers: "DEFAULT",
    });
    expect(UsersServiceDefinition.fullName).toBe("org.users.v1.UsersService");
    expect(UsersServiceDefinition.methods.syncUsers.requestStream).toBe(true);
    expect(UsersServiceDefinition.methods.syncUsers.responseStream).toBe(true);
  });
});

describe("descriptor set", () => {
  it("holds the users contract and its imports", () => {
    const text = new TextDecoder().decode(loadDescriptorSet());
    for (const file of ["org/users/v1/users.proto", "google/protobuf/timestamp.proto", "google/protobuf/field_mask.proto"]) {
      expect(text).toContain(file);
    }
  });
});
