import { Role, User } from "@org/api/org/users/v1";
import { describe, expect, it } from "vitest";
import { applyMask, pathsGiven, resolveMask, updatablePaths } from "./field-mask.js";
import type { UserFields } from "./store/users-repository.js";

const current: UserFields = {
  name: "Ada",
  email: "ada@example.com",
  role: Role.ROLE_ADMIN,
  address: { street: "1 Main St", city: "London", postalCode: "N1", countryCode: "GB" },
  tags: ["a"],
  labels: { team: "x" },
  loginCount: 3n,
};

describe("resolveMask", () => {
  it("accepts every documented path and * (all top-level fields)", () => {
    const patch = User.fromPartial({});
    expect(resolveMask([...updatablePaths], patch).violations).toEqual([]);
    expect(resolveMask(["*"], patch).paths).toEqual(["name", "email", "role", "address", "tags", "labels", "login_count"]);
  });

  it("names each unknown or output-only path", () => {
    const { violations } = resolveMask(["name", "nickname", "id", "address.planet"], User.fromPartial({}));
    expect(violations.map((v) => v.field)).toEqual(["update_mask", "update_mask", "update_mask"]);
    expect(violations[0]?.description).toContain('"nickname"');
    expect(violations[1]?.description).toContain('"id" is output only');
    expect(violations[2]?.description).toContain('"address.planet"');
  });

  it("an empty mask means every updatable field the request sets", () => {
    const patch = User.fromPartial({ name: "New", tags: ["t"], loginCount: 0n });
    expect(resolveMask([], patch).paths).toEqual(["name", "tags"]);
    expect(resolveMask(undefined, patch).paths).toEqual(["name", "tags"]);
    expect(pathsGiven(User.fromPartial({ id: "x", etag: "y" }))).toEqual([]);
  });
});

describe("applyMask", () => {
  it("changes only the masked fields", () => {
    const patch = User.fromPartial({ name: "Ada King", email: "ignored@example.com", role: Role.ROLE_VIEWER });
    const next = applyMask(current, patch, ["name"]);
    expect(next).toEqual({ ...current, name: "Ada King" });
  });

  it("clears a field named in the mask but absent from the user", () => {
    const next = applyMask(current, User.fromPartial({}), ["tags", "labels", "address"]);
    expect(next.tags).toEqual([]);
    expect(next.labels).toEqual({});
    expect(next.address).toBeUndefined();
  });

  it("updates one address field and keeps the others", () => {
    const next = applyMask(current, User.fromPartial({ address: { city: "Paris", street: "ignored" } }), ["address.city"]);
    expect(next.address).toEqual({ ...current.address, city: "Paris" });
    const fromNothing = applyMask({ ...current, address: undefined }, User.fromPartial({ address: { countryCode: "FR" } }), [
      "address.country_code",
    ]);
    expect(fromNothing.address).toEqual({ street: "", city: "", postalCode: "", countryCode: "FR" });
  });
});
