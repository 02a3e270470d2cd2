// Buf's Go implementation (`buf curl`, from node_modules) calls the users service over the
// node:http2 transport with --protocol grpc and HTTP/2 prior knowledge: every RPC kind, health, and
// errors with their codes and details. The schema comes from the server's reflection service
// (health from grpc-health-check's proto, which reflection does not list).
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, type ServiceProcess, startService } from "./helpers/service-process.js";

const run = promisify(execFile);
const BUF = join(repoRoot, "node_modules/.bin/buf");
const USERS = "org.users.v1.UsersService";
/** grpc.health.v1's proto, as the grpc-health-check package ships it (reflection does not list health). */
const HEALTH_SCHEMA = join(dirname(createRequire(import.meta.url).resolve("grpc-health-check/package.json")), "proto");

interface CurlResult {
  exitCode: number;
  messages: any[];
  error: { code: string; message: string; details?: unknown[] } | undefined;
}

/** Splits buf curl's pretty-printed JSON output into its objects. */
function jsonObjects(text: string): any[] {
  const out: any[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

let service: ServiceProcess;

async function curl(method: string, data: string, extra: string[] = []): Promise<CurlResult> {
  const args = [
    "curl",
    "--protocol",
    "grpc",
    "--http2-prior-knowledge",
    "-d",
    data,
    ...extra,
    `http://127.0.0.1:${service.port}/${method}`,
  ];
  try {
    const { stdout } = await run(BUF, args, { timeout: 30_000 });
    return { exitCode: 0, messages: jsonObjects(stdout), error: undefined };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    const [error] = jsonObjects(e.stderr ?? "");
    if (error === undefined) throw new Error(`buf curl ${method} failed without a status: ${e.stderr}`);
    return { exitCode: Number(e.code), messages: jsonObjects(e.stdout ?? ""), error };
  }
}

beforeAll(async () => {
  service = await startService({ env: { GRPC_REFLECTION: "true" } });
}, 60_000);

afterAll(async () => {
  await service?.[Symbol.asyncDispose]();
});

describe("buf curl (Go, --protocol grpc) → users service", () => {
  it("unary: CreateUser then GetUser", async () => {
    const created = await curl(`${USERS}/CreateUser`, JSON.stringify({ user: { name: "Buf Ada", email: "buf-ada@example.org" } }));
    expect(created.error).toBeUndefined();
    const id = created.messages[0].user.id as string;
    expect(id).toMatch(/\S/);
    const got = await curl(`${USERS}/GetUser`, JSON.stringify({ id }));
    expect(got.messages).toHaveLength(1);
    expect(got.messages[0].user).toMatchObject({ id, name: "Buf Ada", email: "buf-ada@example.org" });
  });

  it("client streaming: BulkCreateUsers with several messages", async () => {
    const data = [1, 2, 3].map((i) => JSON.stringify({ user: { name: `Buf Bulk ${i}`, email: `buf-bulk-${i}@example.org` } })).join("\n");
    const result = await curl(`${USERS}/BulkCreateUsers`, data);
    expect(result.error).toBeUndefined();
    expect(result.messages[0].createdCount).toBe(3);
    expect(result.messages[0].createdIds).toHaveLength(3);
  });

  it("server streaming: StreamUsers sends one message per user", async () => {
    const result = await curl(`${USERS}/StreamUsers`, "{}");
    expect(result.error).toBeUndefined();
    expect(result.messages.length).toBeGreaterThanOrEqual(4);
    expect(result.messages.every((m) => typeof m.user?.id === "string")).toBe(true);
  });

  it("bidi streaming: SyncUsers answers every operation", async () => {
    const data = [{ upsert: { name: "Buf Sync", email: "buf-sync@example.org" } }, { delete: { id: "no-such-user" } }]
      .map((m) => JSON.stringify(m))
      .join("\n");
    const result = await curl(`${USERS}/SyncUsers`, data);
    expect(result.error).toBeUndefined();
    expect(result.messages).toHaveLength(2);
  });

  it("errors: NOT_FOUND, and INVALID_ARGUMENT with BadRequest details", async () => {
    const missing = await curl(`${USERS}/GetUser`, JSON.stringify({ id: "no-such-user" }));
    expect(missing.error?.code).toBe("not_found");
    expect(missing.exitCode).not.toBe(0);
    const invalid = await curl(`${USERS}/CreateUser`, JSON.stringify({ user: { name: "" } }));
    expect(invalid.error?.code).toBe("invalid_argument");
    expect(JSON.stringify(invalid.error?.details)).toContain("google.rpc.BadRequest");
  });

  it("health Check: SERVING for the server and for the users service", async () => {
    const schema = ["--schema", HEALTH_SCHEMA];
    const overall = await curl("grpc.health.v1.Health/Check", "{}", schema);
    expect(overall.messages[0]).toEqual({ status: "SERVING" });
    const users = await curl("grpc.health.v1.Health/Check", JSON.stringify({ service: USERS }), schema);
    expect(users.messages[0]).toEqual({ status: "SERVING" });
  });
});
