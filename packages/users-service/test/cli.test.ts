// The `users` command (dist/cli.js) spawned against a running service: output, --json, exit codes.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { assertBuilt, cliJs } from "./spawn-service.js";
import { startTestService, type TestService } from "./test-service.js";

const run = promisify(execFile);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

async function start(): Promise<TestService> {
  assertBuilt();
  const t = await startTestService();
  stops.push(() => t.stop());
  return t;
}

async function users(t: TestService, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliJs, "--target", t.target, ...args], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("users CLI", () => {
  it("ends quietly, status 0, when its reader closed the pipe (| head, | true)", async () => {
    const t = await start();
    expect((await users(t, "create", "--name", "Piped", "--email", "piped@example.org")).code).toBe(0);
    // `true` exits at once, so the command's first write after its call meets a closed pipe.
    const piped = await run("bash", ["-c", `set -o pipefail; "${process.execPath}" "${cliJs}" --target ${t.target} list | true`], {
      timeout: 15_000,
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(piped.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(piped.code).toBe(0);
  });

  it("create, get, update, list and delete, readable and --json, exit status 0", async () => {
    const t = await start();
    const created = await users(
      t,
      "create",
      "--json",
      "--name",
      "Ada Lovelace",
      "--email",
      "ada@example.com",
      "--role",
      "admin",
      "--tag",
      "math",
      "--label",
      "team=engines",
      "--city",
      "London",
      "--country",
      "GB",
    );
    expect(created.code).toBe(0);
    const ada = JSON.parse(created.stdout);
    expect(ada).toMatchObject({
      name: "Ada Lovelace",
      role: "ROLE_ADMIN",
      tags: ["math"],
      labels: { team: "engines" },
      address: { city: "London", countryCode: "GB" },
    });

    const shown = await users(t, "get", ada.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("name:        Ada Lovelace");
    expect(shown.stdout).toContain("role:        admin");
    expect(shown.stdout).toContain("address:     London, GB");

    const updated = await users(t, "update", ada.id, "--name", "Ada King", "--etag", ada.etag, "--json");
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: "Ada King", email: "ada@example.com", tags: ["math"] });

    // An option's value may start with "-" (etags are base64url, so one in 64 does).
    const dashed = await users(t, "update", ada.id, "--name", "-Ada-", "--etag", JSON.parse(updated.stdout).etag, "--json");
    expect(dashed.code, dashed.stderr).toBe(0);
    expect(JSON.parse(dashed.stdout)).toMatchObject({ name: "-Ada-" });
    const renamed = await users(t, "update", ada.id, "--name", "Ada King", "--json");
    expect(renamed.code, renamed.stderr).toBe(0);

    await users(t, "create", "--name", "Bob", "--email", "bob@example.com");
    const listed = await users(t, "list", "--page-size", "1");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+EMAIL\s+ROLE\n/);
    expect(listed.stdout).toContain("Ada King");
    expect(listed.stdout).toContain("1 of 2 users");
    const token = /--page-token (\S+)/.exec(listed.stdout)?.[1];
    const next = await users(t, "list", "--json", "--page-size", "1", "--page-token", token ?? "");
    expect(JSON.parse(next.stdout).users.map((u: { name: string }) => u.name)).toEqual(["Bob"]);
    const all = await users(t, "list", "--all", "--json");
    expect(
      all.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).name),
    ).toEqual(["Ada King", "Bob"]);

    const deleted = await users(t, "delete", ada.id);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${ada.id}\n` });
  });

  it("exits with the gRPC status code and explains failures", async () => {
    const t = await start();
    const missing = await users(t, "get", "nope");
    expect(missing.code).toBe(5); // NOT_FOUND
    expect(missing.stderr).toContain("NOT_FOUND");

    const invalid = await users(t, "create", "--name", "", "--email", "bad");
    expect(invalid.code).toBe(3); // INVALID_ARGUMENT
    expect(invalid.stderr).toContain("user.name: is required");
    expect(invalid.stderr).toContain("user.email:");

    await users(t, "create", "--name", "Ada", "--email", "ada@example.com");
    const dup = await users(t, "create", "--json", "--name", "Ada", "--email", "ADA@example.com");
    expect(dup.code).toBe(6); // ALREADY_EXISTS
    expect(JSON.parse(dup.stderr)).toMatchObject({ code: 6, status: "ALREADY_EXISTS" });

    const usage = await users(t, "frobnicate");
    expect(usage.code).toBe(3);
    expect(usage.stderr).toContain('unknown command "frobnicate"');
    const badFlag = await users(t, "list", "--colour");
    expect(badFlag.code).toBe(3);
  });

  it("reports UNAVAILABLE (14) when nothing listens, within --deadline", async () => {
    assertBuilt();
    const { code, stderr } = await run(process.execPath, [cliJs, "--target", "127.0.0.1:1", "--deadline", "1000", "get", "x"]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect([14, 4]).toContain(code); // UNAVAILABLE, or DEADLINE_EXCEEDED if retries outlast the deadline
    expect(stderr).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
    // grpc-js's empty "Resolution note:" tail is not passed on (issue 16, point 9).
    expect(stderr).not.toContain("Resolution note");
  });

  it("watch prints changes as JSON lines until interrupted", async () => {
    const t = await start();
    const child = spawn(process.execPath, [cliJs, "--target", t.target, "--json", "watch"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    const gotLine = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve();
      });
    });
    while (t.running.service.activeWatchers === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await t.client.createUser({ user: { name: "Watched", email: "w@example.com" } });
    await gotLine;
    expect(JSON.parse(out.split("\n")[0] ?? "")).toMatchObject({ changeType: "CHANGE_TYPE_CREATED", user: { name: "Watched" } });
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
