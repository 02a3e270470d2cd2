import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { authStep } from "../src/middleware/auth.js";
import type { InternalCallContext } from "../src/middleware/core.js";

const SECRET = "0123456789abcdef0123456789abcdef-test-secret";
const PATH = "/org.users.v1.UsersService/GetUser";

function fakeCall(authorization: string) {
  return {
    principal: undefined as { subject: string } | undefined,
    requestValue: (key: string) => (key === "authorization" ? authorization : undefined),
  };
}

async function token(sub: string) {
  return new SignJWT({ sub }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(SECRET));
}

describe("auth: verified tokens are cached by header", () => {
  it("verifies a header once, then admits the same header without a promise", async () => {
    const check = authStep({ jwt: { secret: SECRET } }).forMethod(PATH)!;
    const header = `Bearer ${await token("alice")}`;
    const first = fakeCall(header);
    const pending = check(first as unknown as InternalCallContext);
    expect(pending).toBeInstanceOf(Promise); // verified
    await pending;
    expect(first.principal?.subject).toBe("alice");

    const second = fakeCall(header);
    expect(check(second as unknown as InternalCallContext)).toBeUndefined(); // from the cache
    expect(second.principal?.subject).toBe("alice");
  });

  it("verifies again when the header differs, even for the same token, and never caches a bad one", async () => {
    const check = authStep({ jwt: { secret: SECRET } }).forMethod(PATH)!;
    const jwt = await token("bob");
    await check(fakeCall(`Bearer ${jwt}`) as unknown as InternalCallContext);
    const spaced = fakeCall(`Bearer   ${jwt}`);
    const pending = check(spaced as unknown as InternalCallContext);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(spaced.principal?.subject).toBe("bob");

    const forged = `Bearer ${jwt.slice(0, -2)}xx`;
    for (let i = 0; i < 2; i++) {
      await expect(check(fakeCall(forged) as unknown as InternalCallContext)).rejects.toMatchObject({ code: 16 });
    }
    expect(() => check(fakeCall("Basic abc") as unknown as InternalCallContext)).toThrow(/malformed authorization header/);
  });
});
