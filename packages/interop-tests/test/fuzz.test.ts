// Bounded fuzzing of every method: random bytes and mutations of valid requests, framed and
// unframed, sent over node:http2. Every call must end with a status (no hang), never INTERNAL or
// UNKNOWN (no decoding failure surfaces as a server error), the server logs no error and keeps
// serving, and no call is left running. The PRNG seed is printed; FUZZ_SEED=<n> replays a run.
import {
  BatchGetUsersRequest,
  BulkCreateUsersRequest,
  CreateUserRequest,
  DeleteUserRequest,
  GetUserRequest,
  ListUsersRequest,
  StreamUsersRequest,
  SyncUsersRequest,
  UpdateUserRequest,
  WatchUsersRequest,
} from "@org/api/org/users/v1";
import { createUsersClient, Status } from "@org/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeHealthCheckRequest, healthCheck, SERVING } from "./helpers/health.js";
import { fetchMetrics, sumOf } from "./helpers/metrics.js";
import { closeSession, connectHttp2, grpcFrame, type RawResponse, rawCall } from "./helpers/raw-grpc.js";
import { type ServiceProcess, startService } from "./helpers/service-process.js";
import { openStore, STORES, type StoreHandle } from "./helpers/stores.js";
import { waitFor } from "./helpers/wait.js";

const SOAK = process.env.SOAK === "1";
const ITERATIONS_PER_METHOD = SOAK ? 2000 : 250;
const CONCURRENCY = 8;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: small, fast, and reproducible from one number. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

/** One to three random edits of `seed`: bit flips, overwrites, inserts, deletes, truncation, splices. */
function mutate(seed: Buffer): Buffer {
  let out = Buffer.from(seed);
  for (let edits = 1 + int(3); edits > 0; edits--) {
    const at = int(out.length + 1);
    switch (int(7)) {
      case 0:
        if (out.length > 0) {
          const i = Math.min(at, out.length - 1);
          out[i] = (out[i] as number) ^ (1 << int(8));
        }
        break;
      case 1:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = int(256);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), randomBytes(1 + int(8)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + int(8)))]);
        break;
      case 4:
        out = out.subarray(0, at);
        break;
      case 5:
        out = Buffer.concat([out, out.subarray(int(out.length + 1))]);
        break;
      default: // a field with a random tag and wire type
        out = Buffer.concat([out, Buffer.from([int(256), int(256), int(256)])]);
    }
  }
  return out;
}

interface Target {
  path: string;
  /** Valid encoded requests the mutations start from. */
  seeds: Buffer[];
  requestStream: boolean;
  /** Calls that legitimately stay open (watches) are sent with a short deadline. */
  watch: boolean;
}

let service: ServiceProcess;
let targets: Target[];

// Every case runs against both stores: SQLite and PostgreSQL behave the same on bad input.
describe.each(STORES)("%s store", (store) => {
  let storeHandle: StoreHandle | undefined;

  beforeAll(async () => {
    storeHandle = await openStore(store);
    service = await startService({ metrics: true, env: await storeHandle.env() });
    const client = createUsersClient({ target: `127.0.0.1:${service.port}`, tracing: false });
    try {
      const ids: string[] = [];
      const etags: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { user } = await client.createUser({
          user: {
            name: `Fuzz ${i}`,
            email: `fuzz-${i}@example.org`,
            tags: ["fuzz"],
            labels: { k: "v" },
            address: { city: "Delft", countryCode: "NL" },
          },
        });
        ids.push(user?.id ?? "");
        etags.push(user?.etag ?? "");
      }
      const e = <T>(type: { encode(m: T): { finish(): Uint8Array }; fromPartial(p: any): T }, partial: any) =>
        Buffer.from(type.encode(type.fromPartial(partial)).finish());
      const user = {
        name: "Fuzzed",
        email: "fuzzed@example.org",
        role: 2,
        tags: ["a", "b"],
        labels: { team: "x" },
        address: { street: "Main 1", city: "Delft", postalCode: "2611", countryCode: "NL" },
      };
      const filter = { role: 1, query: "fuzz", tags: ["fuzz"] };
      const U = "/org.users.v1.UsersService";
      targets = [
        { path: `${U}/GetUser`, seeds: ids.map((id) => e(GetUserRequest, { id })), requestStream: false, watch: false },
        { path: `${U}/BatchGetUsers`, seeds: [e(BatchGetUsersRequest, { ids })], requestStream: false, watch: false },
        {
          path: `${U}/ListUsers`,
          seeds: [e(ListUsersRequest, { pageSize: 2, filter }), e(ListUsersRequest, { pageSize: 1, pageToken: "abc.def" })],
          requestStream: false,
          watch: false,
        },
        { path: `${U}/StreamUsers`, seeds: [e(StreamUsersRequest, { filter })], requestStream: false, watch: false },
        { path: `${U}/WatchUsers`, seeds: [e(WatchUsersRequest, { filter })], requestStream: false, watch: true },
        { path: `${U}/CreateUser`, seeds: [e(CreateUserRequest, { user, requestId: "fuzz-key" })], requestStream: false, watch: false },
        {
          path: `${U}/UpdateUser`,
          seeds: ids.map((id, i) =>
            e(UpdateUserRequest, { user: { ...user, id }, updateMask: ["name", "address.city", "labels"], etag: etags[i] }),
          ),
          requestStream: false,
          watch: false,
        },
        { path: `${U}/DeleteUser`, seeds: [e(DeleteUserRequest, { id: ids[2], etag: "nope" })], requestStream: false, watch: false },
        {
          path: `${U}/BulkCreateUsers`,
          seeds: [e(BulkCreateUsersRequest, { user, requestId: "bulk-key" })],
          requestStream: true,
          watch: false,
        },
        {
          path: `${U}/SyncUsers`,
          seeds: [
            e(SyncUsersRequest, { operation: { $case: "upsert", value: { ...user, id: ids[1] } } }),
            e(SyncUsersRequest, { operation: { $case: "delete", value: { id: "gone" } } }),
          ],
          requestStream: true,
          watch: false,
        },
        {
          path: "/grpc.health.v1.Health/Check",
          seeds: [encodeHealthCheckRequest("org.users.v1.UsersService")],
          requestStream: false,
          watch: false,
        },
        { path: "/grpc.health.v1.Health/Watch", seeds: [encodeHealthCheckRequest("")], requestStream: false, watch: true },
      ];
    } finally {
      client.close();
    }
  });

  afterAll(async () => {
    await service?.[Symbol.asyncDispose]();
    await storeHandle?.close();
  });

  /** One fuzz case for `target`: mostly framed mutations, sometimes raw random bytes as the whole body. */
  function fuzzCase(target: Target): { body: Buffer[]; unframed: boolean } {
    const seed = target.seeds[int(target.seeds.length)] as Buffer;
    const kind = int(10);
    if (kind === 0) return { body: [randomBytes(int(64))], unframed: true };
    const message = () => (kind === 1 ? randomBytes(int(128)) : mutate(seed));
    const frames = target.requestStream ? 1 + int(3) : 1;
    return { body: Array.from({ length: frames }, () => grpcFrame(message())), unframed: false };
  }

  describe(`fuzz every method (${ITERATIONS_PER_METHOD} cases each, seed ${SEED})`, () => {
    it("answers every case with a status that is not INTERNAL or UNKNOWN, within its deadline, and keeps serving", async () => {
      console.info(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
      const sessions = await Promise.all(Array.from({ length: 2 }, () => connectHttp2(service.port)));
      const codes = new Map<string, Map<number | string, number>>();
      const bad: string[] = [];
      let sent = 0;
      try {
        const jobs = targets.flatMap((target) => Array.from({ length: ITERATIONS_PER_METHOD }, () => target));
        let next = 0;
        const worker = async (w: number) => {
          while (next < jobs.length) {
            const target = jobs[next++] as Target;
            const { body, unframed } = fuzzCase(target);
            sent++;
            const deadlineMs = target.watch ? 200 : 10_000;
            const session = sessions[w % sessions.length];
            if (session === undefined) throw new Error("no session");
            const response: RawResponse = await rawCall(session, target.path, body, {
              headers: { "grpc-timeout": `${deadlineMs}m` },
              timeoutMs: deadlineMs + 5000,
            });
            const code = response.grpcStatus ?? (response.timedOut ? "HANG" : `RESET ${response.resetCode ?? response.error?.message}`);
            const perMethod = codes.get(target.path) ?? new Map();
            perMethod.set(code, (perMethod.get(code) ?? 0) + 1);
            codes.set(target.path, perMethod);
            const allowed =
              code === Status.OK ||
              code === Status.INVALID_ARGUMENT ||
              code === Status.NOT_FOUND ||
              code === Status.ALREADY_EXISTS ||
              code === Status.ABORTED ||
              (target.watch && code === Status.DEADLINE_EXCEEDED) ||
              (unframed && code === Status.RESOURCE_EXHAUSTED); // a random length prefix over the 4 MiB limit
            if (!allowed && bad.length < 10) {
              bad.push(`${target.path} → ${String(code)} ${response.grpcMessage ?? ""} body=${Buffer.concat(body).toString("hex")}`);
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
      } finally {
        await Promise.all(sessions.map(closeSession));
      }
      const summary = Object.fromEntries(
        [...codes].map(([path, byCode]) => [path.slice(path.lastIndexOf("/") + 1), Object.fromEntries(byCode)]),
      );
      console.info("fuzz outcomes by method and status code:", JSON.stringify(summary));

      expect(bad).toEqual([]);
      expect(sent).toBe(targets.length * ITERATIONS_PER_METHOD);
      // Mutations reach past decoding: some cases decode and are judged by the handlers.
      for (const [path, byCode] of codes) {
        expect(byCode.get(Status.INVALID_ARGUMENT) ?? 0, path).toBeGreaterThan(0);
      }
      expect(service.child.exitCode).toBeNull();
      expect((await healthCheck(service.port)).status).toBe(SERVING);
      expect(service.lines.filter((line) => /"level":(50|60)/.test(line)).slice(0, 3)).toEqual([]);
      // Nothing left running: every call the fuzzer opened has ended on the server.
      const metricsPort = service.metricsPort ?? 0;
      await waitFor(
        "no calls in flight on the server",
        async () => (sumOf(await fetchMetrics(metricsPort), "grpc_server_calls_in_flight") === 0 ? true : undefined),
        { timeoutMs: 10_000 },
      );
    });
  });
});
