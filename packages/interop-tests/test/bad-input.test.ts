// Bad input against the users service (auth on, 64 KiB receive limit): each case gets its exact
// status and a message that says what was wrong, the process stays up and serving, and nothing is
// written. Requests a gRPC library would refuse to send go out over node:http2 by hand.
import { randomUUID } from "node:crypto";
import { CreateUserRequest, type Role, UpdateUserRequest, type User } from "@org/api/org/users/v1";
import { createUsersClient, Metadata, Status, type UsersClient } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callError } from "./helpers/errors.js";
import { healthCheck, SERVING } from "./helpers/health.js";
import { nowSeconds, signJwt } from "./helpers/jwt.js";
import { grpcFrame, type RawResponse, rawCallOnce } from "./helpers/raw-grpc.js";
import { type ServiceProcess, startService } from "./helpers/service-process.js";
import { decodeStatus } from "./helpers/status-details.js";
import { openStore, STORES, type StoreHandle } from "./helpers/stores.js";

const SECRET = "interop-bad-input-secret-0123456789abcdef";
const RECEIVE_LIMIT = 64 * 1024;
const USERS = "/org.users.v1.UsersService";

let service: ServiceProcess;
let client: UsersClient;
let token: string;
let target: User;
const seeded: User[] = [];

const auth = () => ({ authorization: `Bearer ${token}` });
const encode = {
  create: (user: Partial<User>, requestId = "") =>
    Buffer.from(CreateUserRequest.encode(CreateUserRequest.fromPartial({ user, requestId })).finish()),
  update: (request: Parameters<typeof UpdateUserRequest.fromPartial>[0]) =>
    Buffer.from(UpdateUserRequest.encode(UpdateUserRequest.fromPartial(request)).finish()),
};

/** Replaces the bytes of `text` inside `message` with `bytes` of the same length. */
function patch(message: Buffer, text: string, bytes: number[]): Buffer {
  const out = Buffer.from(message);
  const at = out.indexOf(Buffer.from(text, "utf8"));
  if (at < 0 || bytes.length !== Buffer.byteLength(text)) throw new Error(`cannot patch ${text}`);
  Buffer.from(bytes).copy(out, at);
  return out;
}

interface StoreState {
  total: number;
  target: { etag: string; name: string; email: string };
}

async function storeState(): Promise<StoreState> {
  const { totalSize } = await client.listUsers({ pageSize: 1 });
  const { user } = await client.getUser({ id: target.id });
  return { total: totalSize, target: { etag: user?.etag ?? "", name: user?.name ?? "", email: user?.email ?? "" } };
}

/** The process is alive, health says SERVING, and an authenticated read works. */
async function expectStillServing(): Promise<void> {
  expect(service.child.exitCode).toBeNull();
  expect((await healthCheck(service.port, "org.users.v1.UsersService")).status).toBe(SERVING);
  expect((await client.getUser({ id: target.id })).user?.id).toBe(target.id);
}

/** Runs `attempt`, then checks that the server still serves and that nothing was written. */
async function unchanged<T>(attempt: () => Promise<T>): Promise<T> {
  const before = await storeState();
  const result = await attempt();
  await expectStillServing();
  expect(await storeState()).toEqual(before);
  return result;
}

function expectStatus(response: RawResponse, code: Status, message: RegExp): void {
  expect({ timedOut: response.timedOut, grpcStatus: response.grpcStatus, messages: response.messages.length }).toEqual({
    timedOut: false,
    grpcStatus: code,
    messages: 0,
  });
  expect(response.grpcMessage).toMatch(message);
}

// Every case runs against both stores: SQLite and PostgreSQL behave the same on bad input.
describe.each(STORES)("%s store", (store) => {
  let storeHandle: StoreHandle | undefined;

  beforeAll(async () => {
    storeHandle = await openStore(store);
    seeded.length = 0;
    service = await startService({
      metrics: true,
      env: {
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_AUDIENCE: "users",
        GRPC_MAX_RECEIVE_BYTES: String(RECEIVE_LIMIT),
        ...(await storeHandle.env()),
      },
    });
    token = signJwt({ secret: SECRET, claims: { sub: "tester", aud: "users", exp: nowSeconds() + 3600 } });
    client = createUsersClient({ target: `127.0.0.1:${service.port}`, token, tracing: false, retry: false });
    for (let i = 0; i < 5; i++) {
      const { user } = await client.createUser({
        user: { name: `Seed ${i}`, email: `seed-${i}-${randomUUID()}@example.org`, tags: ["seed"] },
      });
      if (user) seeded.push(user);
    }
    target = seeded[0] as User;
  });

  afterAll(async () => {
    client?.close();
    await service?.[Symbol.asyncDispose]();
    await storeHandle?.close();
  });

  describe("bad input: malformed bytes on the wire", () => {
    it("malformed protobuf bytes → INVALID_ARGUMENT 'malformed request message', nothing written", async () => {
      for (const garbage of [
        [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
        [0x0f, 0x01, 0x02],
        [0x0a, 0x20, 0x12, 0x01],
      ]) {
        const response = await unchanged(() =>
          rawCallOnce(service.port, `${USERS}/CreateUser`, grpcFrame(Buffer.from(garbage)), { headers: auth() }),
        );
        expectStatus(response, Status.INVALID_ARGUMENT, /^malformed request message: \S/);
      }
    });

    it("a truncated frame (the stream ends inside the message) → INVALID_ARGUMENT naming it, unary and client stream", async () => {
      const whole = encode.create({ name: "Truncated", email: "truncated@example.org" });
      const cut = grpcFrame(whole.subarray(0, 6), { declaredLength: whole.length });
      const unary = await unchanged(() => rawCallOnce(service.port, `${USERS}/CreateUser`, cut, { headers: auth() }));
      expectStatus(unary, Status.INVALID_ARGUMENT, /ended inside a message \(truncated frame\)/);
      const bulk = await unchanged(() => rawCallOnce(service.port, `${USERS}/BulkCreateUsers`, cut, { headers: auth() }));
      expectStatus(bulk, Status.INVALID_ARGUMENT, /truncated frame/);
    });

    it("a wrong content-type → HTTP 415 Unsupported Media Type before any gRPC processing", async () => {
      for (const contentType of ["application/json", "text/plain"]) {
        const body = grpcFrame(encode.create({ name: "Json", email: "json@example.org" }));
        const response = await unchanged(() =>
          rawCallOnce(service.port, `${USERS}/CreateUser`, body, { headers: { ...auth(), "content-type": contentType } }),
        );
        expect({ httpStatus: response.httpStatus, grpcStatus: response.grpcStatus, timedOut: response.timedOut }).toEqual({
          httpStatus: 415,
          grpcStatus: undefined,
          timedOut: false,
        });
      }
    });

    it("a message over the receive limit → RESOURCE_EXHAUSTED with both sizes", async () => {
      const big = encode.create({ name: "Big", email: "big@example.org", labels: { blob: "x".repeat(RECEIVE_LIMIT) } });
      const response = await unchanged(() => rawCallOnce(service.port, `${USERS}/CreateUser`, grpcFrame(big), { headers: auth() }));
      expectStatus(
        response,
        Status.RESOURCE_EXHAUSTED,
        new RegExp(`^Received message larger than max \\(${big.length} vs ${RECEIVE_LIMIT}\\)$`),
      );
      const viaClient = await unchanged(() =>
        callError(client.createUser({ user: { name: "Big", email: "big@example.org", labels: { blob: "x".repeat(RECEIVE_LIMIT) } } })),
      );
      expect(viaClient.code).toBe(Status.RESOURCE_EXHAUSTED);
    });

    it("oversized metadata → RESOURCE_EXHAUSTED naming the limit; a header block beyond HTTP/2 limits loses only that connection", async () => {
      const body = grpcFrame(encode.create({ name: "Meta", email: "meta@example.org" }));
      const response = await unchanged(() =>
        rawCallOnce(service.port, `${USERS}/CreateUser`, body, { headers: { ...auth(), "x-padding": "p".repeat(20_000) } }),
      );
      expectStatus(response, Status.RESOURCE_EXHAUSTED, /^request metadata is \d+ bytes, over the server's limit of 16384 bytes$/);
      const viaClient = await unchanged(() =>
        callError(
          client.createUser(
            { user: { name: "Meta", email: "meta@example.org" } },
            { metadata: Metadata({ "x-padding": "p".repeat(20_000) }) },
          ),
        ),
      );
      expect(viaClient.code).toBe(Status.RESOURCE_EXHAUSTED);
      // 1 MiB of headers: nghttp2 refuses to decode the block and closes that connection (GOAWAY);
      // no gRPC status is possible, the call is not processed, and every other connection is fine.
      const huge = await unchanged(() =>
        rawCallOnce(service.port, `${USERS}/CreateUser`, body, { headers: { ...auth(), "x-padding": "p".repeat(1 << 20) } }),
      );
      expect(huge.grpcStatus).toBeUndefined();
      expect(huge.timedOut).toBe(false);
      expect(huge.resetCode ?? huge.error).toBeDefined();
    });

    it("an unknown service or method → UNIMPLEMENTED naming the path", async () => {
      const body = grpcFrame(encode.create({ name: "Nope", email: "nope@example.org" }));
      for (const path of [`${USERS}/PurgeUsers`, "/org.users.v9.Nothing/CreateUser"]) {
        const response = await unchanged(() => rawCallOnce(service.port, path, body, { headers: auth() }));
        expectStatus(response, Status.UNIMPLEMENTED, new RegExp(`${path.replace(/\./g, "\\.")}$`));
      }
    });

    it("invalid UTF-8 in a string field → INVALID_ARGUMENT, never stored as U+FFFD (create and update)", async () => {
      const create = patch(encode.create({ name: "Zoe!", email: "utf8@example.org" }), "Zoe!", [0x5a, 0x6f, 0xc3, 0x28]);
      const created = await unchanged(() => rawCallOnce(service.port, `${USERS}/CreateUser`, grpcFrame(create), { headers: auth() }));
      expectStatus(created, Status.INVALID_ARGUMENT, /^malformed request message: a string field is not valid UTF-8$/);
      const update = patch(
        encode.update({ user: { id: target.id, name: "Bad\u00e9" }, updateMask: ["name"] }),
        "Bad\u00e9",
        [0x42, 0x61, 0x64, 0xff, 0xfe],
      );
      const updated = await unchanged(() => rawCallOnce(service.port, `${USERS}/UpdateUser`, grpcFrame(update), { headers: auth() }));
      expectStatus(updated, Status.INVALID_ARGUMENT, /not valid UTF-8/);
    });
  });

  describe("bad input: well-formed requests with bad values", () => {
    it("an unknown enum value → INVALID_ARGUMENT with a BadRequest violation on the field", async () => {
      const response = await unchanged(() =>
        rawCallOnce(
          service.port,
          `${USERS}/CreateUser`,
          grpcFrame(encode.create({ name: "Enum", email: "enum@example.org", role: 99 as Role })),
          { headers: auth() },
        ),
      );
      expectStatus(response, Status.INVALID_ARGUMENT, /^invalid user$/);
      const details = decodeStatus(response.statusDetails ?? Buffer.alloc(0));
      expect(details.fieldViolations).toEqual([{ field: "user.role", description: "must be one of ROLE_VIEWER, ROLE_EDITOR, ROLE_ADMIN" }]);
      const filter = await unchanged(() => callError(client.listUsers({ filter: { role: 42 as Role } })));
      expect(filter.code).toBe(Status.INVALID_ARGUMENT);
      expect(filter.badRequest?.fieldViolations.map((v) => v.field)).toEqual(["filter.role"]);
    });

    it("filter strings with SQL metacharacters are data: matched literally, nothing else read or written", async () => {
      for (const query of ["'; DROP TABLE users; --", "%", "_", "\\", "' OR '1'='1", "seed%"]) {
        const page = await unchanged(() => client.listUsers({ pageSize: 50, filter: { query } }));
        expect([query, page.users.length, page.totalSize]).toEqual([query, 0, 0]);
      }
      for (const tags of [["seed' OR 1=1 --"], ["{seed}"], ['seed", "x']]) {
        const page = await unchanged(() => client.listUsers({ pageSize: 50, filter: { tags } }));
        expect([tags, page.totalSize]).toEqual([tags, 0]);
      }
      // A literal match still works: "eed 1" is in "Seed 1".
      expect((await client.listUsers({ filter: { query: "eed 1" } })).totalSize).toBe(1);
    });

    it("a tampered, foreign-filter or garbage page token → INVALID_ARGUMENT saying which", async () => {
      const page = await client.listUsers({ pageSize: 2, filter: { tags: ["seed"] } });
      expect(page.nextPageToken).not.toBe("");
      const token = page.nextPageToken;
      const flipped = `${token.slice(0, 5)}${token[5] === "A" ? "B" : "A"}${token.slice(6)}`;
      const cases: [string, Record<string, unknown>, RegExp][] = [
        [flipped, { tags: ["seed"] }, /page token was altered or was not issued by this service/],
        [token, { tags: ["other"] }, /page token was issued for a different filter/],
        ["not-a-token", { tags: ["seed"] }, /malformed page token/],
      ];
      for (const [pageToken, filter, message] of cases) {
        const error = await unchanged(() => callError(client.listUsers({ pageSize: 2, pageToken, filter })));
        expect(error.code).toBe(Status.INVALID_ARGUMENT);
        expect(error.details).toMatch(/^invalid page_token: /);
        expect(error.details).toMatch(message);
        expect(error.badRequest?.fieldViolations.map((v) => v.field)).toEqual(["page_token"]);
      }
    });

    it("a missing, malformed, expired, wrongly signed or wrong-audience token → UNAUTHENTICATED saying why, nothing written", async () => {
      const body = grpcFrame(encode.create({ name: "Intruder", email: "intruder@example.org" }));
      const claims = { sub: "intruder", aud: "users", exp: nowSeconds() + 600 };
      const cases: [Record<string, string>, RegExp][] = [
        [{}, /^missing bearer token/],
        [{ authorization: `Token ${token}` }, /^malformed authorization header/],
        [{ authorization: "Bearer not-a-jwt" }, /^malformed token$/],
        [{ authorization: `Bearer ${signJwt({ secret: SECRET, claims: { ...claims, exp: nowSeconds() - 3600 } })}` }, /^token expired$/],
        [
          { authorization: `Bearer ${signJwt({ secret: "another-secret-of-the-same-length-012345678", claims })}` },
          /^bad token signature$/,
        ],
        [
          { authorization: `Bearer ${signJwt({ secret: SECRET, claims: { ...claims, aud: "billing" } })}` },
          /^token claim "aud" check failed$/,
        ],
      ];
      for (const [headers, message] of cases) {
        const response = await unchanged(() => rawCallOnce(service.port, `${USERS}/CreateUser`, body, { headers }));
        expectStatus(response, Status.UNAUTHENTICATED, message);
        expect(response.grpcMessage).not.toContain(headers.authorization?.slice(7, 30) || "\u0000");
      }
    });

    it("a FieldMask naming unknown or output-only paths → INVALID_ARGUMENT with one violation per bad path, user untouched", async () => {
      const error = await unchanged(() =>
        callError(
          client.updateUser({
            user: { id: target.id, name: "Renamed" },
            updateMask: ["name", "nickname", "address.planet", "etag"],
            etag: target.etag,
          }),
        ),
      );
      expect(error.code).toBe(Status.INVALID_ARGUMENT);
      expect(error.details).toBe("invalid update");
      expect(error.badRequest?.fieldViolations).toEqual([
        { field: "update_mask", description: expect.stringMatching(/^unknown path "nickname"; expected one of name, email, /) },
        { field: "update_mask", description: expect.stringMatching(/^unknown path "address.planet"/) },
        { field: "update_mask", description: 'path "etag" is output only and cannot be updated' },
      ]);
    });

    it("after all of it the server answers a valid write normally", async () => {
      const before = (await client.listUsers({ pageSize: 1 })).totalSize;
      const { user } = await client.createUser({ user: { name: "After", email: `after-${randomUUID()}@example.org` } });
      expect(user?.name).toBe("After");
      expect((await client.listUsers({ pageSize: 1 })).totalSize).toBe(before + 1);
      expect(service.lines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    });
  });
});
