// Type-level tests: `tsc --noEmit` (the typecheck task) fails if an @ts-expect-error
// line compiles, so a loosened generated type is caught.
import { describe, expectTypeOf, it } from "vitest";
import type { Role, SyncUsersRequest, User, UsersServiceClient, UsersServiceImplementation } from "../src/org/users/v1/index.js";

describe("generated types", () => {
  it("types fields precisely", () => {
    expectTypeOf<User["loginCount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<User["createTime"]>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<User["role"]>().toEqualTypeOf<Role>();
    expectTypeOf<User["labels"]>().toEqualTypeOf<{ [key: string]: string }>();

    // @ts-expect-error a string is not an int64
    const badLong: Pick<User, "loginCount"> = { loginCount: "1" };
    // @ts-expect-error a number is not a Role member of another enum type
    const badRole: Pick<User, "role"> = { role: "ROLE_ADMIN" };
    // @ts-expect-error tags is a list of strings
    const badTags: Pick<User, "tags"> = { tags: [1] };
    void badLong;
    void badRole;
    void badTags;
  });

  it("types oneof cases as a discriminated union", () => {
    const ok: SyncUsersRequest = { operation: { $case: "delete", value: { id: "u_1" } } };
    // @ts-expect-error the delete case carries a Delete, not a User
    const wrongValue: SyncUsersRequest = { operation: { $case: "delete", value: { name: "x" } } };
    // @ts-expect-error no such case
    const wrongCase: SyncUsersRequest = { operation: { $case: "remove", value: { id: "u_1" } } };
    void wrongValue;
    void wrongCase;
    if (ok.operation?.$case === "delete") expectTypeOf(ok.operation.value.id).toEqualTypeOf<string>();
  });

  it("types the client and the implementation", () => {
    expectTypeOf<ReturnType<UsersServiceClient["getUser"]>>().resolves.toHaveProperty("user");
    expectTypeOf<ReturnType<UsersServiceClient["streamUsers"]>>().toMatchTypeOf<AsyncIterable<unknown>>();
    type GetUser = UsersServiceImplementation["getUser"];
    expectTypeOf<Parameters<GetUser>[0]>().toHaveProperty("id");
  });
});
