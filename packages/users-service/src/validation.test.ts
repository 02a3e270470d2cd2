import { CreateUserRequest, Role, User } from "@org/api/org/users/v1";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { callContext, grpcError } from "../test/helpers.js";
import { MemoryUsersRepository } from "./store/memory-users-repository.js";
import { createUsersService } from "./users-service.js";
import {
  fieldsForCreate,
  validateEmail,
  validateFilter,
  validateIds,
  validateLabels,
  validateName,
  validatePageSize,
  validateRole,
  validateTags,
} from "./validation.js";

describe("field validators", () => {
  it("name: required, at most 200 characters counted as code points, no control characters", () => {
    expect(validateName("", "n")).toEqual([{ field: "n", description: "is required" }]);
    expect(validateName("   ", "n")).toHaveLength(1);
    expect(validateName("a".repeat(200), "n")).toEqual([]);
    expect(validateName("a".repeat(201), "n")[0]?.description).toMatch(/at most 200/);
    expect(validateName("😀".repeat(200), "n")).toEqual([]); // 400 UTF-16 units, 200 characters
    expect(validateName("a\u0007b", "n")).toHaveLength(1);
  });

  it("email: a plausible address", () => {
    for (const ok of ["ada@example.com", "a.b+c@sub.example.org"]) expect(validateEmail(ok, "e")).toEqual([]);
    for (const bad of [
      "",
      "ada",
      "ada@",
      "@example.com",
      "ada@example",
      "a da@example.com",
      "ada@@example.com",
      `${"x".repeat(65)}@example.com`,
    ]) {
      expect(validateEmail(bad, "e"), bad).toHaveLength(1);
    }
  });

  it("role: known values only, including unknown numbers", () => {
    expect(validateRole(Role.ROLE_EDITOR, "r")).toEqual([]);
    expect(validateRole(Role.ROLE_UNSPECIFIED, "r")).toHaveLength(1);
    expect(validateRole(42, "r")).toHaveLength(1);
    expect(validateRole(-1, "r")).toHaveLength(1);
  });

  it("tags and labels: sane shapes, no duplicates, bounded counts", () => {
    expect(validateTags(["ok", "also-ok", "v1.2"], "t")).toEqual([]);
    expect(validateTags(["ok", "ok", "", "has space"], "t").map((v) => v.field)).toEqual(["t[1]", "t[2]", "t[3]"]);
    expect(
      validateTags(
        Array.from({ length: 65 }, (_, i) => `t${i}`),
        "t",
      ),
    ).toHaveLength(1);
    expect(validateLabels({ team: "a", "app.kubernetes.io/name": "users" }, "l")).toEqual([]);
    expect(validateLabels({ "-bad": "x", ok: "v".repeat(257) }, "l").map((v) => v.field)).toEqual(['l["-bad"]', 'l["ok"]']);
  });

  it("page size, ids and filters", () => {
    expect(validatePageSize(0, "p")).toEqual([]);
    expect(validatePageSize(1000, "p")).toEqual([]);
    expect(validatePageSize(1001, "p")).toHaveLength(1);
    expect(validatePageSize(-1, "p")).toHaveLength(1);
    expect(
      validateIds(
        Array.from({ length: 1000 }, (_, i) => `id${i}`),
        "ids",
      ),
    ).toEqual([]);
    expect(
      validateIds(
        Array.from({ length: 1001 }, (_, i) => `id${i}`),
        "ids",
      ),
    ).toHaveLength(1);
    expect(validateIds(["ok", "", "bad id"], "ids").map((v) => v.field)).toEqual(["ids[1]", "ids[2]"]);
    expect(validateFilter({ role: 9 as Role, query: "q".repeat(201), tags: [] }, "filter").map((v) => v.field)).toEqual([
      "filter.role",
      "filter.query",
    ]);
    // NUL (which PostgreSQL text cannot hold) in a query or a tag is refused here, not in the store.
    expect(
      validateFilter({ role: 0 as Role, query: "a\u0000b", tags: ["ok", "\u0010]\u0000\u0000"] }, "filter").map((v) => v.field),
    ).toEqual(["filter.query", "filter.tags[1]"]);
    expect(validateFilter({ role: 0 as Role, query: "Ada", tags: ["math", "seed' OR 1=1 --"] }, "filter")).toEqual([]);
  });

  it("ROLE_UNSPECIFIED on create becomes ROLE_VIEWER", () => {
    expect(fieldsForCreate(User.fromPartial({ name: "a", email: "a@b.c" })).role).toBe(Role.ROLE_VIEWER);
    expect(fieldsForCreate(User.fromPartial({ role: Role.ROLE_ADMIN })).role).toBe(Role.ROLE_ADMIN);
  });
});

describe("CreateUser validation", () => {
  const service = createUsersService({ repository: new MemoryUsersRepository() });

  it("reports every bad field at once in one BadRequest", async () => {
    const request = CreateUserRequest.fromPartial({
      user: {
        name: "",
        email: "not-an-email",
        role: 17 as Role,
        address: { countryCode: "nl" },
        tags: ["dup", "dup"],
        labels: { "bad key": "v" },
        loginCount: -1n,
      },
      requestId: "x".repeat(200),
    });
    const error = await grpcError(() => service.implementation.createUser(request, callContext()));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.fields).toEqual([
      "user.name",
      "user.email",
      "user.role",
      "user.address.country_code",
      "user.tags[1]",
      'user.labels["bad key"]',
      "user.login_count",
      "request_id",
    ]);
  });

  it("requires the user", async () => {
    const error = await grpcError(() => service.implementation.createUser(CreateUserRequest.fromPartial({}), callContext()));
    expect(error.code).toBe(Status.INVALID_ARGUMENT);
    expect(error.fields).toEqual(["user"]);
  });
});
