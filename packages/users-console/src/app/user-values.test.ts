import { Role, User } from "@org/api/org/users/v1";
import { describe, expect, it } from "vitest";
import { changedPaths, formFieldOf, parseTags, valuesOf } from "./user-values.js";

// Through fromPartial, so a field added to User does not break the test (issue 16, point 3).
const ada = User.fromPartial({
  id: "u1",
  name: "Ada",
  email: "ada@example.org",
  role: Role.ROLE_EDITOR,
  tags: ["math", "engines"],
  etag: "e1",
});

describe("user form values", () => {
  it("masks only the fields that changed", () => {
    expect(changedPaths(ada, valuesOf(ada))).toEqual([]);
    expect(changedPaths(ada, { ...valuesOf(ada), email: "ada@math.org" })).toEqual(["email"]);
    expect(changedPaths(ada, { ...valuesOf(ada), role: Role.ROLE_ADMIN, name: "Ada L." })).toEqual(["name", "role"]);
    // Tags compare as a list: spacing does not count, order and content do.
    expect(changedPaths(ada, { ...valuesOf(ada), tags: "math ,engines" })).toEqual([]);
    expect(changedPaths(ada, { ...valuesOf(ada), tags: "engines, math" })).toEqual(["tags"]);
    expect(changedPaths(ada, { ...valuesOf(ada), tags: "" })).toEqual(["tags"]);
  });

  it("splits tags on commas and drops empty ones", () => {
    expect(parseTags(" a, b ,,c ")).toEqual(["a", "b", "c"]);
    expect(parseTags("")).toEqual([]);
  });

  it("maps a violation's field path to the form field it is about", () => {
    expect(formFieldOf("user.email")).toBe("email");
    expect(formFieldOf("user.tags[2]")).toBe("tags");
    expect(formFieldOf("user.name")).toBe("name");
    expect(formFieldOf("user.address.city")).toBeUndefined();
    expect(formFieldOf("user.emails")).toBeUndefined();
    expect(formFieldOf("update_mask")).toBeUndefined();
  });
});
