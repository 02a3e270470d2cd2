// The messages every configuration sends and answers with, so that all stacks move the same bytes.
import { GetUserRequest, GetUserResponse, Role, User } from "@org/api/org/users/v1";

/**
 * A unary request of 98 encoded bytes (the size quoted in the issue): a GetUserRequest whose id
 * is a UUID followed by a fixed suffix, so the server decodes a realistic string field.
 */
export const unaryRequest: GetUserRequest = {
  id: `3f1c2a9e-7b4d-4c6e-9a1f-5d8e2b7c4a10/${"x".repeat(59)}`,
};

// Users are built with `User.create` so that a field added to the proto gets its default here
// instead of breaking the build (issue 16, point 3).

/** The small user every unary call answers with (about 98 encoded bytes, see fixtures.test.ts). */
export const smallUser: User = User.create({
  id: "3f1c2a9e-7b4d-4c6e-9a1f-5d8e2b7c4a10",
  name: "Ada Lovelace",
  email: "ada@example.org",
  role: Role.ROLE_EDITOR,
  address: undefined,
  tags: ["staff"],
  labels: {},
  createTime: undefined,
  updateTime: undefined,
  etag: 'W/"5d8e2b7c4a"',
  loginCount: 42n,
});

export const unaryResponse: GetUserResponse = { user: smallUser };

/** A fully populated user for the serialisation benchmark (every field kind: nested, repeated, map, timestamps, int64). */
export const realisticUser: User = User.create({
  id: "3f1c2a9e-7b4d-4c6e-9a1f-5d8e2b7c4a10",
  name: "Ada Augusta King, Countess of Lovelace",
  email: "ada.lovelace@analytical-engines.example.org",
  role: Role.ROLE_ADMIN,
  address: {
    street: "12 St James's Square",
    city: "London",
    postalCode: "SW1Y 4JH",
    countryCode: "GB",
  },
  tags: ["staff", "engineering", "on-call", "mentor"],
  labels: { team: "compilers", cost_center: "cc-1843", location: "lon-2", tier: "gold" },
  createTime: new Date("2024-03-01T09:30:00.123Z"),
  updateTime: new Date("2025-11-20T17:45:12.456Z"),
  etag: 'W/"7b4d-4c6e-9a1f-5d8e"',
  loginCount: 18_431n,
});

/** Encoded sizes, for the report and the tests. */
export function fixtureSizes(): { requestBytes: number; responseBytes: number } {
  return {
    requestBytes: GetUserRequest.encode(unaryRequest).finish().length,
    responseBytes: GetUserResponse.encode(unaryResponse).finish().length,
  };
}
