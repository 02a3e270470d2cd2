#!/usr/bin/env node
// `users`: a command-line client of the users service on @org/client. Readable output by default,
// `--json` for scripts; the exit status is the gRPC status code (0 OK, 5 NOT_FOUND, …; a usage
// error is 3, INVALID_ARGUMENT).
import { parseArgs } from "node:util";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { ChangeType, type DeepPartial, ListUsersResponse, Role, User, type UserFilter, WatchUsersResponse } from "@org/api/org/users/v1";
import { CallError, createUsersClient, Status, type UsersClient } from "@org/client";
import { startTelemetry } from "./telemetry.js";

const USAGE = `Usage: users [options] <command> [arguments]

Commands:
  get <id>                         Show one user
  list [filter] [--page-size N] [--page-token T] [--all]
                                   List users oldest first (--all streams every match)
  create --name N --email E [fields] [--request-id ID]
                                   Create a user
  update <id> [fields] [--etag E]  Update the given fields only
  delete <id> [--etag E]           Delete a user
  watch [filter]                   Print every change until Ctrl-C

Fields:  --name N  --email E  --role viewer|editor|admin  --tag T (repeatable)  --clear-tags
         --label k=v (repeatable)  --clear-labels  --street S  --city C  --postal-code P
         --country CC  --login-count N
Filter:  --role R  --query Q  --tag T (repeatable)

Options:
  --target host:port   Server address (default: $USERS_TARGET or 127.0.0.1:50051)
  --deadline ms        Deadline of each call in milliseconds (default 10000; none for watch)
  --token T            Bearer token (default: $USERS_TOKEN)
  --json               Machine-readable output (proto3 JSON; one object per line for watch)
  -h, --help           Show this help

Exit status: the gRPC status code of the call (0 OK, 3 INVALID_ARGUMENT, 5 NOT_FOUND,
6 ALREADY_EXISTS, 10 ABORTED, 14 UNAVAILABLE, …); 3 for usage errors.`;

const options = {
  target: { type: "string" },
  deadline: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  name: { type: "string" },
  email: { type: "string" },
  role: { type: "string" },
  tag: { type: "string", multiple: true },
  "clear-tags": { type: "boolean", default: false },
  label: { type: "string", multiple: true },
  "clear-labels": { type: "boolean", default: false },
  street: { type: "string" },
  city: { type: "string" },
  "postal-code": { type: "string" },
  country: { type: "string" },
  "login-count": { type: "string" },
  query: { type: "string" },
  "page-size": { type: "string" },
  "page-token": { type: "string" },
  all: { type: "boolean", default: false },
  etag: { type: "string" },
  "request-id": { type: "string" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

/**
 * `--flag value` as `--flag=value` for every option that takes a value, so that a value starting
 * with "-" (an etag is base64url: one in 64 starts with one; a name may) is the option's value, as
 * getopt takes it, rather than a usage error from parseArgs.
 */
function joinOptionValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    const option = name !== undefined && Object.hasOwn(options, name) ? options[name as keyof typeof options] : undefined;
    if (option?.type === "string" && i + 1 < argv.length) {
      out.push(`${arg}=${argv[++i]}`);
    } else out.push(arg);
  }
  return out;
}

class UsageError extends Error {}

function parseRole(value: string): Role {
  const key = `ROLE_${value.toUpperCase().replace(/^ROLE_/, "")}`;
  const role = Role[key as keyof typeof Role];
  if (role === undefined || role === Role.UNRECOGNIZED || role === Role.ROLE_UNSPECIFIED) {
    throw new UsageError(`--role: expected viewer, editor or admin, got "${value}"`);
  }
  return role;
}

function parseInteger(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

function parseLabels(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new UsageError(`--label: expected key=value, got "${value}"`);
    labels[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return labels;
}

function roleName(role: Role): string {
  return (Role[role] ?? String(role)).replace(/^ROLE_/, "").toLowerCase();
}

function filterFrom(flags: Flags): DeepPartial<UserFilter> {
  return {
    role: flags.role ? parseRole(flags.role) : Role.ROLE_UNSPECIFIED,
    query: flags.query ?? "",
    tags: flags.tag ?? [],
  };
}

/** The user fields the flags set, and the matching update-mask paths. */
function fieldsFrom(flags: Flags): { user: DeepPartial<User>; paths: string[] } {
  const user: DeepPartial<User> = {};
  const paths: string[] = [];
  const address: Record<string, string> = {};
  if (flags.name !== undefined) {
    user.name = flags.name;
    paths.push("name");
  }
  if (flags.email !== undefined) {
    user.email = flags.email;
    paths.push("email");
  }
  if (flags.role !== undefined) {
    user.role = parseRole(flags.role);
    paths.push("role");
  }
  if (flags.tag !== undefined || flags["clear-tags"]) {
    user.tags = flags.tag ?? [];
    paths.push("tags");
  }
  if (flags.label !== undefined || flags["clear-labels"]) {
    user.labels = parseLabels(flags.label ?? []);
    paths.push("labels");
  }
  if (flags["login-count"] !== undefined) {
    user.loginCount = BigInt(parseInteger("login-count", flags["login-count"], 0));
    paths.push("login_count");
  }
  for (const [flag, key, path] of [
    ["street", "street", "address.street"],
    ["city", "city", "address.city"],
    ["postal-code", "postalCode", "address.postal_code"],
    ["country", "countryCode", "address.country_code"],
  ] as const) {
    const value = flags[flag];
    if (value !== undefined) {
      address[key] = value;
      paths.push(path);
    }
  }
  if (Object.keys(address).length > 0) user.address = address;
  return { user, paths };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printUser(user: User | undefined, json: boolean): void {
  if (!user) return;
  if (json) {
    print(JSON.stringify(User.toJSON(user)));
    return;
  }
  const a = user.address;
  const rows: [string, string][] = [
    ["id", user.id],
    ["name", user.name],
    ["email", user.email],
    ["role", roleName(user.role)],
    ["tags", user.tags.join(", ")],
    [
      "labels",
      Object.entries(user.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", "),
    ],
    ["address", a ? [a.street, a.postalCode, a.city, a.countryCode].filter(Boolean).join(", ") : ""],
    ["login count", user.loginCount.toString()],
    ["created", user.createTime?.toISOString() ?? ""],
    ["updated", user.updateTime?.toISOString() ?? ""],
    ["etag", user.etag],
  ];
  for (const [key, value] of rows) print(`${`${key}:`.padEnd(13)}${value}`);
}

function printTable(users: readonly User[]): void {
  const rows = users.map((u) => [u.id, u.name, u.email, roleName(u.role)]);
  const header = ["ID", "NAME", "EMAIL", "ROLE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const row of [header, ...rows])
    print(
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
}

function requireId(positionals: readonly string[], command: string): string {
  const id = positionals[1];
  if (!id || positionals.length > 2) throw new UsageError(`${command}: expected exactly one user id`);
  return id;
}

async function run(client: UsersClient, flags: Flags, positionals: string[], deadlineMs: number | undefined): Promise<void> {
  const json = flags.json ?? false;
  const call = { ...(deadlineMs !== undefined && { deadlineMs }) };
  const command = positionals[0];
  switch (command) {
    case "get": {
      const { user } = await client.getUser({ id: requireId(positionals, "get") }, call);
      return printUser(user, json);
    }
    case "create": {
      const { user } = fieldsFrom(flags);
      if (flags.name === undefined || flags.email === undefined) throw new UsageError("create: --name and --email are required");
      const created = await client.createUser({ user, requestId: flags["request-id"] ?? "" }, call);
      return printUser(created.user, json);
    }
    case "update": {
      const id = requireId(positionals, "update");
      const { user, paths } = fieldsFrom(flags);
      if (paths.length === 0) throw new UsageError("update: give at least one field to change (see --help)");
      const updated = await client.updateUser({ user: { ...user, id }, updateMask: paths, etag: flags.etag ?? "" }, call);
      return printUser(updated.user, json);
    }
    case "delete": {
      const id = requireId(positionals, "delete");
      await client.deleteUser({ id, etag: flags.etag ?? "" }, call);
      return json ? print(JSON.stringify({ id, deleted: true })) : print(`deleted ${id}`);
    }
    case "list": {
      if (positionals.length > 1) throw new UsageError("list: takes no arguments");
      const filter = filterFrom(flags);
      if (flags.all) {
        const users: User[] = [];
        for await (const { user } of client.streamUsers({ filter }, call)) {
          if (!user) continue;
          if (json) print(JSON.stringify(User.toJSON(user)));
          else users.push(user);
        }
        if (!json) printTable(users);
        return;
      }
      const pageSize = flags["page-size"] === undefined ? 0 : parseInteger("page-size", flags["page-size"], 0);
      const page = await client.listUsers({ filter, pageSize, pageToken: flags["page-token"] ?? "" }, call);
      if (json) return print(JSON.stringify(ListUsersResponse.toJSON(page)));
      printTable(page.users);
      print(`${page.users.length} of ${page.totalSize} users`);
      if (page.nextPageToken) print(`next page: --page-token ${page.nextPageToken}`);
      return;
    }
    case "watch": {
      if (positionals.length > 1) throw new UsageError("watch: takes no arguments");
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      try {
        for await (const event of client.watchUsers({ filter: filterFrom(flags) }, { ...call, signal: controller.signal })) {
          if (json) {
            print(JSON.stringify(WatchUsersResponse.toJSON(event)));
          } else {
            const u = event.user;
            const type = (ChangeType[event.changeType] ?? "").replace(/^CHANGE_TYPE_/, "");
            print(`${event.changeTime?.toISOString() ?? ""}  ${type.padEnd(7)}  ${u?.id ?? ""}  ${u?.name ?? ""} <${u?.email ?? ""}>`);
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return; // Ctrl-C: a normal end
        throw error;
      }
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "a command is required");
  }
}

function reportError(error: unknown, json: boolean): number {
  if (error instanceof UsageError) {
    process.stderr.write(`users: ${error.message}\n\nRun \`users --help\` for usage.\n`);
    return Status.INVALID_ARGUMENT;
  }
  if (error instanceof CallError) {
    const violations = error.badRequest?.fieldViolations ?? [];
    if (json) {
      process.stderr.write(
        `${JSON.stringify({ code: error.code, status: Status[error.code], message: error.details, fieldViolations: violations, requestId: error.requestId })}\n`,
      );
    } else {
      process.stderr.write(`users: ${Status[error.code]}: ${error.details}\n`);
      for (const v of violations) process.stderr.write(`  ${v.field}: ${v.description}\n`);
    }
    return error.code;
  }
  process.stderr.write(`users: ${error instanceof Error ? error.message : String(error)}\n`);
  return Status.UNKNOWN;
}

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({ args: joinOptionValues(argv), options, allowPositionals: true, strict: true }));
  } catch (error) {
    return reportError(new UsageError(error instanceof Error ? error.message : String(error)), false);
  }
  if (flags.help) {
    print(USAGE);
    return 0;
  }
  let client: UsersClient | undefined;
  try {
    const deadlineMs = flags.deadline === undefined ? undefined : parseInteger("deadline", flags.deadline, 1);
    const token = flags.token ?? process.env.USERS_TOKEN;
    client = createUsersClient({
      target: flags.target ?? process.env.USERS_TARGET ?? "127.0.0.1:50051",
      ...(token && { token }),
    });
    const command = client;
    // One span for the command, so that its calls (client spans) and the server's spans are one trace.
    await trace.getTracer("users-cli").startActiveSpan(`users ${positionals[0] ?? ""}`.trim(), async (span) => {
      try {
        await run(command, flags, positionals, deadlineMs);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
    return 0;
  } catch (error) {
    return reportError(error, flags.json ?? false);
  } finally {
    client?.close();
  }
}

// A reader that closes the pipe early (`users list | head -1`) ends the command quietly, as Unix
// tools do, instead of an unhandled EPIPE with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

const telemetry = startTelemetry("users-cli");
process.exitCode = await main(process.argv.slice(2));
await telemetry?.shutdown();
