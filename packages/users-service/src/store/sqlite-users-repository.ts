// The default UsersRepository: SQLite through better-sqlite3, in WAL mode with synchronous=FULL so
// that a write whose call returned OK survives the process being killed (and a power cut).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ChangeFeed } from "../internal/change-feed.js";
import { newEtag, newUserId } from "../internal/ids.js";
import { EmailTakenError, EtagMismatchError, UserNotFoundError } from "./errors.js";
import { fold } from "./filter.js";
import { migrate } from "./migrations.js";
import { userFromJson, userToJson } from "./user-json.js";
import type {
  CreateUserOptions,
  ListUsersOptions,
  NormalizedFilter,
  UserChange,
  UserFields,
  UserRecord,
  UsersRepository,
  WriteOptions,
} from "./users-repository.js";
import { toUserRecord } from "./users-repository.js";

export interface SqliteUsersRepositoryOptions {
  /** File path, or ":memory:". Parent directories are created. */
  path: string;
}

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: bigint;
  address: string | null;
  tags: string;
  labels: string;
  login_count: bigint;
  create_time: bigint;
  update_time: bigint;
  etag: string;
}

function rowToUser(row: UserRow): UserRecord {
  return toUserRecord(
    {
      name: row.name,
      email: row.email,
      role: Number(row.role),
      address: row.address === null ? undefined : JSON.parse(row.address),
      tags: JSON.parse(row.tags),
      labels: JSON.parse(row.labels),
      loginCount: row.login_count,
    },
    { id: row.id, createTime: new Date(Number(row.create_time)), updateTime: new Date(Number(row.update_time)), etag: row.etag },
  );
}

function userToParams(user: UserRecord) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    email_key: fold(user.email),
    role: user.role,
    address: user.address === undefined ? null : JSON.stringify(user.address),
    tags: JSON.stringify(user.tags),
    labels: JSON.stringify(user.labels),
    login_count: user.loginCount,
    create_time: user.createTime.getTime(),
    update_time: user.updateTime.getTime(),
    etag: user.etag,
  };
}

function isUniqueEmailViolation(error: unknown): boolean {
  return (
    error instanceof Error && (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE" && error.message.includes("users.email_key")
  );
}

export class SqliteUsersRepository implements UsersRepository {
  readonly #db: Database.Database;
  readonly #feed = new ChangeFeed();
  readonly #listStatements = new Map<number, Database.Statement>();
  readonly #countStatements = new Map<number, Database.Statement>();
  readonly #stmt;

  constructor(options: SqliteUsersRepositoryOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#db.pragma("busy_timeout = 5000");
    // Unicode-aware case folding, identical to the in-memory store's (SQLite's lower() is ASCII only).
    this.#db.function("fold", { deterministic: true }, (value: unknown) => fold(String(value)));
    migrate(this.#db);
    const db = this.#db;
    const columns = "id, name, email, role, address, tags, labels, login_count, create_time, update_time, etag";
    this.#stmt = {
      get: db.prepare(`SELECT ${columns} FROM users WHERE id = ?`).safeIntegers(true),
      insert: db.prepare(
        `INSERT INTO users (${columns}, email_key) VALUES
         (:id, :name, :email, :role, :address, :tags, :labels, :login_count, :create_time, :update_time, :etag, :email_key)`,
      ),
      replace: db.prepare(
        `UPDATE users SET name = :name, email = :email, email_key = :email_key, role = :role, address = :address,
         tags = :tags, labels = :labels, login_count = :login_count, update_time = :update_time, etag = :etag
         WHERE id = :id`,
      ),
      delete: db.prepare("DELETE FROM users WHERE id = ?"),
      getKey: db.prepare("SELECT user_id, snapshot FROM idempotency_keys WHERE request_id = ?"),
      putKey: db.prepare("INSERT INTO idempotency_keys (request_id, user_id, snapshot, create_time) VALUES (?, ?, ?, ?)"),
    };
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = this.#stmt.get.get(id) as UserRow | undefined;
    return row && rowToUser(row);
  }

  async getMany(ids: readonly string[]): Promise<UserRecord[]> {
    const unique = [...new Set(ids)];
    const found: UserRecord[] = [];
    // Chunked to stay far below SQLite's bound-parameter limit.
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const rows = this.#db
        .prepare(`SELECT * FROM users WHERE id IN (${chunk.map(() => "?").join(",")})`)
        .safeIntegers(true)
        .all(...chunk) as UserRow[];
      found.push(...rows.map(rowToUser));
    }
    return found;
  }

  async list({ filter, after, limit }: ListUsersOptions): Promise<UserRecord[]> {
    let stmt = this.#listStatements.get(filter.tags.length);
    if (!stmt) {
      stmt = this.#db
        .prepare(
          `SELECT * FROM users WHERE ${this.#where(filter.tags.length)}
           AND (create_time, id) > (:after_time, :after_id)
           ORDER BY create_time, id LIMIT :limit`,
        )
        .safeIntegers(true);
      this.#listStatements.set(filter.tags.length, stmt);
    }
    const rows = stmt.all({
      ...this.#filterParams(filter),
      after_time: after?.createTimeMs ?? -1,
      after_id: after?.id ?? "",
      limit,
    }) as UserRow[];
    return rows.map(rowToUser);
  }

  async count(filter: NormalizedFilter): Promise<number> {
    let stmt = this.#countStatements.get(filter.tags.length);
    if (!stmt) {
      stmt = this.#db.prepare(`SELECT COUNT(*) AS n FROM users WHERE ${this.#where(filter.tags.length)}`);
      this.#countStatements.set(filter.tags.length, stmt);
    }
    return (stmt.get(this.#filterParams(filter)) as { n: number }).n;
  }

  async create(fields: UserFields, options: CreateUserOptions = {}): Promise<{ user: UserRecord; created: boolean }> {
    const { requestId } = options;
    const result = this.#db
      .transaction(() => {
        if (requestId) {
          const seen = this.#stmt.getKey.get(requestId) as { user_id: string; snapshot: string } | undefined;
          if (seen) {
            const current = this.#stmt.get.get(seen.user_id) as UserRow | undefined;
            return { user: current ? rowToUser(current) : userFromJson(seen.snapshot), created: false };
          }
        }
        const user = this.#insert(newUserId(), fields);
        if (requestId) {
          this.#stmt.putKey.run(requestId, user.id, userToJson(user), user.createTime.getTime());
        }
        return { user, created: true };
      })
      .immediate();
    if (result.created) this.#feed.publish({ type: "created", user: result.user, changeTime: result.user.createTime });
    return result;
  }

  async update(id: string, apply: (current: UserRecord) => UserFields, options: WriteOptions = {}): Promise<UserRecord> {
    const { user, previous } = this.#db
      .transaction(() => {
        const previous = this.#require(id, options);
        const user = this.#replace(previous, apply(structuredClone(previous)));
        return { user, previous };
      })
      .immediate();
    this.#feed.publish({ type: "updated", user, previous, changeTime: user.updateTime });
    return user;
  }

  async upsert(id: string, fields: UserFields): Promise<{ user: UserRecord; created: boolean }> {
    const result = this.#db
      .transaction(() => {
        const row = this.#stmt.get.get(id) as UserRow | undefined;
        if (!row) return { user: this.#insert(id, fields), created: true, previous: undefined };
        const previous = rowToUser(row);
        return { user: this.#replace(previous, fields), created: false, previous };
      })
      .immediate();
    if (result.previous) {
      this.#feed.publish({ type: "updated", user: result.user, previous: result.previous, changeTime: result.user.updateTime });
    } else {
      this.#feed.publish({ type: "created", user: result.user, changeTime: result.user.createTime });
    }
    return { user: result.user, created: result.created };
  }

  async delete(id: string, options: WriteOptions = {}): Promise<UserRecord> {
    const user = this.#db
      .transaction(() => {
        const user = this.#require(id, options);
        this.#stmt.delete.run(id);
        return user;
      })
      .immediate();
    this.#feed.publish({ type: "deleted", user, changeTime: new Date() });
    return user;
  }

  subscribe(listener: (change: UserChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #where(tagCount: number): string {
    const tags = Array.from(
      { length: tagCount },
      (_, i) => `AND EXISTS (SELECT 1 FROM json_each(users.tags) WHERE json_each.value = :tag${i})`,
    ).join(" ");
    return `(:role = 0 OR role = :role)
      AND (:query = '' OR instr(fold(name), :query) > 0 OR instr(email_key, :query) > 0) ${tags}`;
  }

  #filterParams(filter: NormalizedFilter): Record<string, string | number> {
    const params: Record<string, string | number> = { role: filter.role, query: filter.query };
    filter.tags.forEach((tag, i) => {
      params[`tag${i}`] = tag;
    });
    return params;
  }

  #require(id: string, options: WriteOptions): UserRecord {
    const row = this.#stmt.get.get(id) as UserRow | undefined;
    if (!row) throw new UserNotFoundError(id);
    if (options.expectedEtag && options.expectedEtag !== row.etag) {
      throw new EtagMismatchError(id, options.expectedEtag, row.etag);
    }
    return rowToUser(row);
  }

  #insert(id: string, fields: UserFields): UserRecord {
    const now = new Date();
    const user = toUserRecord(fields, { id, createTime: now, updateTime: now, etag: newEtag() });
    try {
      this.#stmt.insert.run(userToParams(user));
    } catch (error) {
      if (isUniqueEmailViolation(error)) throw new EmailTakenError(fields.email);
      throw error;
    }
    return user;
  }

  #replace(previous: UserRecord, fields: UserFields): UserRecord {
    const user = toUserRecord(fields, { id: previous.id, createTime: previous.createTime, updateTime: new Date(), etag: newEtag() });
    try {
      this.#stmt.replace.run(userToParams(user));
    } catch (error) {
      if (isUniqueEmailViolation(error)) throw new EmailTakenError(fields.email);
      throw error;
    }
    return user;
  }
}
