// The UsersRepository for several replicas: PostgreSQL through node-postgres (`pg`) with a pool.
// Every statement is parameterised. What holds across replicas:
//  - CreateUser's request id is a primary key: a retried create that lands on another replica
//    finds the first one's key (or waits for its transaction) and returns its user;
//  - emails are unique in the database (a unique index on the case-folded email);
//  - an update is one conditional UPDATE (`WHERE id = $1 AND etag = <the etag read>`): no lock is
//    held while the caller's function runs, and a concurrent write makes the UPDATE match nothing
//    (then the update is read again, or refused when the caller gave its etag);
//  - changes reach every replica by LISTEN/NOTIFY, sent inside the writing transaction, so every
//    replica sees them in commit order; a replica that loses its LISTEN connection tells its
//    watchers (they end with UNAVAILABLE and resume) and reports the database unavailable;
//  - every statement runs under a `statement_timeout` of the call's remaining deadline, so a call
//    that gave up does not leave its query running. A pooled connection keeps the last value it
//    was given while that is at most `timeoutSlack` above the deadline (250 ms, 10 % of short
//    ones): calls with similar deadlines then skip the SET, and a read is one round trip, not two.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { ChangeFeed } from "../internal/change-feed.js";
import { newEtag, newUserId } from "../internal/ids.js";
import { EmailTakenError, EtagMismatchError, StoreDeadlineError, StoreUnavailableError, UserNotFoundError } from "./errors.js";
import { fold } from "./filter.js";
import { classifyPostgresError } from "./postgres-errors.js";
import { migratePostgres } from "./postgres-migrations.js";
import { userFromJson, userFromPlain, userToJson, userToPlain } from "./user-json.js";
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

export interface PostgresUsersRepositoryOptions {
  /** `postgres://user:password@host:port/database` (the service's DATABASE_URL). */
  url: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Time to wait for a free pooled connection before the call gets UNAVAILABLE, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** `statement_timeout` of a statement run outside any call's deadline, ms. Default 30 000. */
  statementTimeoutMs?: number;
  /** Interval of the LISTEN connection's liveness check, ms. Default 5000. */
  heartbeatMs?: number;
  /** Told about a lost LISTEN connection and each reconnection attempt. */
  onEvent?: (event: { kind: "listen-lost" | "listen-restored"; error?: Error }) => void;
}

/** The incoming-call scope of @org/server (and @org/client): the current call's deadline. */
interface CallScope {
  deadline: Date | undefined;
}
const callScopeKey = Symbol.for("@org/grpc.incoming-call-scope");

function callScope(): AsyncLocalStorage<CallScope> {
  // The same registry @org/server's useIncomingCallScope() fills; created here if nobody has yet.
  const registry = globalThis as { [callScopeKey]?: AsyncLocalStorage<CallScope> };
  registry[callScopeKey] ??= new AsyncLocalStorage<CallScope>();
  return registry[callScopeKey];
}

const CHANNEL = "org_users_changes";
/** NOTIFY payloads are limited to 8000 bytes; larger changes travel through `user_changes`. */
const MAX_NOTIFY_BYTES = 7900;
const COLUMNS = "id, name, email, role, address, tags, labels, login_count, create_time, update_time, etag";

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: number;
  address: UserRecord["address"] | null;
  tags: string[];
  labels: Record<string, string>;
  login_count: string;
  create_time: string;
  update_time: string;
  etag: string;
}

function rowToUser(row: UserRow): UserRecord {
  return toUserRecord(
    {
      name: row.name,
      email: row.email,
      role: row.role,
      address: row.address ?? undefined,
      tags: row.tags,
      labels: row.labels,
      loginCount: BigInt(row.login_count),
    },
    { id: row.id, createTime: new Date(Number(row.create_time)), updateTime: new Date(Number(row.update_time)), etag: row.etag },
  );
}

/** Parameters $1..$13 of an insert or a full replace, in the order of `COLUMNS` plus the fold keys. */
function userParams(user: UserRecord): unknown[] {
  return [
    user.id,
    user.name,
    user.email,
    user.role,
    user.address === undefined ? null : JSON.stringify(user.address),
    user.tags,
    JSON.stringify(user.labels),
    user.loginCount.toString(),
    user.createTime.getTime(),
    user.updateTime.getTime(),
    user.etag,
    fold(user.name),
    fold(user.email),
  ];
}

const INSERT = `INSERT INTO users (${COLUMNS}, name_key, email_key)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
const REPLACE = `UPDATE users SET name = $2, email = $3, role = $4, address = $5, tags = $6, labels = $7,
  login_count = $8, create_time = $9, update_time = $10, etag = $11, name_key = $12, email_key = $13
  WHERE id = $1 AND etag = $14 RETURNING id`;

function isEmailTaken(error: unknown): boolean {
  return (error as { code?: string }).code === "23505" && (error as { constraint?: string }).constraint === "users_email_key_key";
}

/** `(role, query, tags)` conditions on $1..$3 (see `filterParams`). */
const WHERE =
  "($1::integer = 0 OR role = $1) AND ($2::text = '' OR strpos(name_key, $2) > 0 OR strpos(email_key, $2) > 0) AND tags @> $3::text[]";

function filterParams(filter: NormalizedFilter): unknown[] {
  return [filter.role, filter.query, filter.tags];
}

type Json = Record<string, unknown>;

function changeToPayload(id: string, change: UserChange): string {
  const payload: Json = { id, type: change.type, user: userToPlain(change.user), changeTime: change.changeTime.getTime() };
  if (change.type === "updated") payload.previous = userToPlain(change.previous);
  return JSON.stringify(payload);
}

function payloadToChange(payload: Json): UserChange {
  const user = userFromPlain(payload.user as Json);
  const changeTime = new Date(payload.changeTime as number);
  if (payload.type === "updated") return { type: "updated", user, previous: userFromPlain(payload.previous as Json), changeTime };
  return { type: payload.type as "created" | "deleted", user, changeTime };
}

function ignore(): void {}

/**
 * How far past a call's deadline its statements may be allowed to run, ms, so that a connection
 * can keep its `statement_timeout` across calls: 10 % of the time left, at most 250 ms.
 */
export function timeoutSlack(ms: number): number {
  return Math.min(250, Math.ceil(ms / 10));
}

/** One change waiting to be seen back on this replica's LISTEN connection. */
interface Delivery {
  promise: Promise<void>;
  resolve(): void;
  timer: NodeJS.Timeout;
}

export class PostgresUsersRepository implements UsersRepository {
  readonly #pool: pg.Pool;
  readonly #options: PostgresUsersRepositoryOptions;
  readonly #feed = new ChangeFeed();
  readonly #scope = callScope();
  readonly #deliveries = new Map<string, Delivery>();
  readonly #availability = new Set<(available: boolean) => void>();
  readonly #guarded = new WeakSet<pg.PoolClient>();
  /** The `statement_timeout` each pooled connection has now, ms. */
  readonly #timeouts = new WeakMap<pg.PoolClient, number>();
  #listener: pg.Client | undefined;
  #listening = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #reconnectDelayMs = 100;
  /** Notifications are handled one after another, in the order they arrive. */
  #inbox: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: PostgresUsersRepositoryOptions) {
    this.#options = options;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
    });
    // An idle pooled connection that the server drops: the pool discards it; nothing to do here.
    this.#pool.on("error", () => {});
  }

  /** Connects, applies migrations (once across replicas), and starts listening for changes. */
  static async open(options: PostgresUsersRepositoryOptions): Promise<PostgresUsersRepository> {
    const repo = new PostgresUsersRepository(options);
    try {
      await migratePostgres(repo.#pool);
      await repo.#listen();
    } catch (error) {
      await repo.close();
      throw classifyPostgresError(error, false);
    }
    return repo;
  }

  // ---- reads ----

  async get(id: string): Promise<UserRecord | undefined> {
    const rows = await this.#query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] && rowToUser(rows[0]);
  }

  async getMany(ids: readonly string[]): Promise<UserRecord[]> {
    const rows = await this.#query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
    return rows.map(rowToUser);
  }

  async list({ filter, after, limit }: ListUsersOptions): Promise<UserRecord[]> {
    const rows = await this.#query<UserRow>(
      `SELECT ${COLUMNS} FROM users WHERE ${WHERE} AND (create_time, id) > ($4::bigint, $5::text)
       ORDER BY create_time, id LIMIT $6`,
      [...filterParams(filter), after?.createTimeMs ?? -1, after?.id ?? "", limit],
    );
    return rows.map(rowToUser);
  }

  async count(filter: NormalizedFilter): Promise<number> {
    const rows = await this.#query<{ n: string }>(`SELECT COUNT(*) AS n FROM users WHERE ${WHERE}`, filterParams(filter));
    return Number(rows[0]?.n ?? 0);
  }

  // ---- writes ----

  async create(fields: UserFields, options: CreateUserOptions = {}): Promise<{ user: UserRecord; created: boolean }> {
    const { requestId } = options;
    const now = new Date();
    const user = toUserRecord(fields, { id: newUserId(now.getTime()), createTime: now, updateTime: now, etag: newEtag() });
    const result = await this.#transaction(async (client) => {
      if (requestId) {
        // The key first: a concurrent create with the same id (on any replica) waits here for the
        // first transaction, then finds its key instead of creating a second user.
        const key = await client.query(
          `INSERT INTO idempotency_keys (request_id, user_id, snapshot, create_time) VALUES ($1, $2, $3, $4)
           ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
          [requestId, user.id, userToJson(user), now.getTime()],
        );
        if (key.rowCount === 0) return { seen: true as const };
      }
      try {
        await client.query(INSERT, userParams(user));
      } catch (error) {
        if (isEmailTaken(error)) throw new EmailTakenError(fields.email);
        throw error;
      }
      return { seen: false as const, changeId: await this.#notify(client, { type: "created", user, changeTime: now }) };
    });
    if (result.seen) return { user: await this.#firstCreated(requestId!), created: false };
    await this.#delivered(result.changeId);
    return { user, created: true };
  }

  /** The user a request id created: as it is now, or as it was created if it was deleted since. */
  async #firstCreated(requestId: string): Promise<UserRecord> {
    const rows = await this.#query<UserRow & { snapshot: string }>(
      `SELECT k.snapshot, ${COLUMNS.split(", ")
        .map((c) => `u.${c}`)
        .join(", ")}
       FROM idempotency_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.request_id = $1`,
      [requestId],
    );
    const row = rows[0];
    if (row === undefined) throw new StoreUnavailableError(`request id ${JSON.stringify(requestId)} vanished while being read`);
    return row.id === null ? userFromJson(row.snapshot) : rowToUser(row);
  }

  async update(id: string, apply: (current: UserRecord) => UserFields, options: WriteOptions = {}): Promise<UserRecord> {
    // Optimistic: read, let the caller compute, write only if nobody wrote in between.
    for (let attempt = 0; attempt < 8; attempt++) {
      const previous = await this.#current(id, options);
      const fields = apply(structuredClone(previous));
      const user = toUserRecord(fields, { id, createTime: previous.createTime, updateTime: new Date(), etag: newEtag() });
      const changeId = await this.#transaction(async (client) => {
        let updated: pg.QueryResult;
        try {
          updated = await client.query(REPLACE, [...userParams(user), previous.etag]);
        } catch (error) {
          if (isEmailTaken(error)) throw new EmailTakenError(fields.email);
          throw error;
        }
        if (updated.rowCount === 0) return undefined; // written meanwhile: read again
        return this.#notify(client, { type: "updated", user, previous, changeTime: user.updateTime });
      });
      if (changeId === undefined) continue;
      await this.#delivered(changeId);
      return user;
    }
    throw new StoreUnavailableError(`user ${JSON.stringify(id)} kept changing while being updated; try again`);
  }

  async upsert(id: string, fields: UserFields): Promise<{ user: UserRecord; created: boolean }> {
    const result = await this.#transaction(async (client) => {
      const rows = await client.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
      const now = new Date();
      const row = rows.rows[0];
      try {
        if (row === undefined) {
          const user = toUserRecord(fields, { id, createTime: now, updateTime: now, etag: newEtag() });
          await client.query(INSERT, userParams(user));
          return { user, created: true, changeId: await this.#notify(client, { type: "created", user, changeTime: now }) };
        }
        const previous = rowToUser(row);
        const user = toUserRecord(fields, { id, createTime: previous.createTime, updateTime: now, etag: newEtag() });
        await client.query(REPLACE, [...userParams(user), previous.etag]);
        return { user, created: false, changeId: await this.#notify(client, { type: "updated", user, previous, changeTime: now }) };
      } catch (error) {
        if (isEmailTaken(error)) throw new EmailTakenError(fields.email);
        throw error;
      }
    });
    await this.#delivered(result.changeId);
    return { user: result.user, created: result.created };
  }

  async delete(id: string, options: WriteOptions = {}): Promise<UserRecord> {
    const result = await this.#transaction(async (client) => {
      const deleted = await client.query<UserRow>(
        `DELETE FROM users WHERE id = $1 AND ($2::text IS NULL OR etag = $2) RETURNING ${COLUMNS}`,
        [id, options.expectedEtag || null],
      );
      const row = deleted.rows[0];
      if (row === undefined) {
        const current = await client.query<{ etag: string }>("SELECT etag FROM users WHERE id = $1", [id]);
        const etag = current.rows[0]?.etag;
        if (etag === undefined) throw new UserNotFoundError(id);
        throw new EtagMismatchError(id, options.expectedEtag ?? "", etag);
      }
      const user = rowToUser(row);
      return { user, changeId: await this.#notify(client, { type: "deleted", user, changeTime: new Date() }) };
    });
    await this.#delivered(result.changeId);
    return result.user;
  }

  /** The user as stored, checked against the caller's etag. */
  async #current(id: string, options: WriteOptions): Promise<UserRecord> {
    const previous = await this.get(id);
    if (previous === undefined) throw new UserNotFoundError(id);
    if (options.expectedEtag && options.expectedEtag !== previous.etag) {
      throw new EtagMismatchError(id, options.expectedEtag, previous.etag);
    }
    return previous;
  }

  // ---- changes ----

  subscribe(listener: (change: UserChange) => void, onLost?: (error: Error) => void): () => void {
    if (!this.#listening) {
      // Changes cannot be seen right now: the watch ends at once and the client resumes later.
      queueMicrotask(() => onLost?.(new StoreUnavailableError("not connected to the database's change notifications")));
      return () => {};
    }
    return this.#feed.subscribe(listener, onLost);
  }

  onAvailability(listener: (available: boolean) => void): () => void {
    this.#availability.add(listener);
    listener(this.#listening);
    return () => {
      this.#availability.delete(listener);
    };
  }

  /** Sends the change to every replica when the transaction commits; returns its id. */
  async #notify(client: pg.PoolClient, change: UserChange): Promise<string> {
    const id = randomUUID();
    let payload = changeToPayload(id, change);
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
      await client.query("INSERT INTO user_changes (change_id, payload) VALUES ($1, $2)", [id, payload]);
      // Kept long enough for every replica to read it back.
      await client.query("DELETE FROM user_changes WHERE create_time < now() - interval '10 minutes'");
      payload = JSON.stringify({ id, ref: true });
    }
    await client.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
    // Expected before the commit: the notification may arrive before COMMIT's answer does.
    this.#expect(id);
    return id;
  }

  #expect(changeId: string): void {
    if (!this.#listening) return;
    let resolve!: () => void;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    // Bounded: a rolled-back transaction's change never comes.
    const timer = setTimeout(() => {
      this.#deliveries.delete(changeId);
      resolve();
    }, 2000);
    timer.unref();
    this.#deliveries.set(changeId, { promise, resolve, timer });
  }

  /**
   * Resolves once this replica's own listeners have seen the committed change (so a write's
   * change is published before the write returns, as the contract says), or at once when the
   * change notifications are down (watchers were ended; there is nobody to wait for).
   */
  #delivered(changeId: string): Promise<void> {
    return this.#deliveries.get(changeId)?.promise ?? Promise.resolve();
  }

  async #deliver(text: string): Promise<void> {
    let payload = JSON.parse(text) as Json;
    if (payload.ref === true) {
      const rows = await this.#query<{ payload: string }>("SELECT payload FROM user_changes WHERE change_id = $1", [payload.id]);
      if (rows[0] === undefined) return;
      payload = JSON.parse(rows[0].payload) as Json;
    }
    this.#feed.publish(payloadToChange(payload));
    this.#settle(String(payload.id));
  }

  #settle(id: string): void {
    const delivery = this.#deliveries.get(id);
    if (delivery !== undefined) {
      this.#deliveries.delete(id);
      clearTimeout(delivery.timer);
      delivery.resolve();
    }
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url, keepAlive: true, connectionTimeoutMillis: 5000 });
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("the database closed the connection")));
    client.on("notification", (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return;
      const text = message.payload;
      this.#inbox = this.#inbox.then(
        () => this.#deliver(text),
        () => this.#deliver(text),
      );
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#listener = client;
    this.#listening = true;
    this.#reconnectDelayMs = 100;
    const every = this.#options.heartbeatMs ?? 5000;
    this.#heartbeat = setInterval(() => this.#beat(client, every), every);
    this.#heartbeat.unref();
    for (const listener of this.#availability) listener(true);
  }

  /** A LISTEN connection that stops answering is as good as lost. */
  #beat(client: pg.Client, every: number): void {
    const timer = setTimeout(() => this.#lost(client, new Error("the database stopped answering")), every);
    client.query("SELECT 1").then(
      () => clearTimeout(timer),
      (error: Error) => {
        clearTimeout(timer);
        this.#lost(client, error);
      },
    );
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#listener !== client) return;
    this.#listener = undefined;
    this.#listening = false;
    clearInterval(this.#heartbeat);
    client.removeAllListeners("notification");
    client.end().catch(() => {});
    if (this.#closed) return;
    this.#options.onEvent?.({ kind: "listen-lost", error });
    for (const listener of this.#availability) listener(false);
    this.#feed.lose(new StoreUnavailableError(`lost the database's change notifications: ${error.message}`, { cause: error }));
    for (const [id, delivery] of this.#deliveries) {
      clearTimeout(delivery.timer);
      delivery.resolve();
      this.#deliveries.delete(id);
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 2000);
    this.#reconnect = setTimeout(() => {
      this.#listen().then(
        () => this.#options.onEvent?.({ kind: "listen-restored" }),
        () => this.#scheduleReconnect(),
      );
    }, delay);
    this.#reconnect.unref();
  }

  // ---- running statements ----

  /** Milliseconds left for the current call's statements (the default outside calls). */
  #budgetMs(): { ms: number; deadline: number | undefined } {
    const deadline = this.#scope.getStore()?.deadline?.getTime();
    if (deadline === undefined) return { ms: this.#options.statementTimeoutMs ?? 30_000, deadline };
    const left = deadline - Date.now();
    if (left <= 0) throw new StoreDeadlineError("the call's deadline passed before its database query started");
    return { ms: Math.ceil(left), deadline };
  }

  async #withClient<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { ms, deadline } = this.#budgetMs();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw classifyPostgresError(error, deadline !== undefined && Date.now() >= deadline);
    }
    if (!this.#guarded.has(client)) {
      // A connection the server drops while checked out (between two statements) emits 'error' on
      // the client, not the pool; unheard, that would end the process. The next statement fails
      // and is classified below.
      client.on("error", ignore);
      this.#guarded.add(client);
    }
    let broken = false;
    try {
      const current = this.#timeouts.get(client);
      const slack = timeoutSlack(ms);
      if (current === undefined || current < ms || current > ms + slack) {
        // Centred in the window, so that the next calls' slightly shorter or longer deadlines
        // fit it too. An integer we computed, not input: SET takes no parameters.
        const timeout = ms + Math.floor(slack / 2);
        this.#timeouts.delete(client);
        await client.query(`SET statement_timeout = ${timeout}`);
        this.#timeouts.set(client, timeout);
      }
      return await run(client);
    } catch (error) {
      const classified = classifyPostgresError(error, deadline !== undefined && Date.now() >= deadline - 5);
      broken = classified instanceof StoreUnavailableError;
      throw classified;
    } finally {
      client.release(broken);
    }
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return this.#withClient(async (client) => (await client.query<R>(text, values)).rows);
  }

  async #transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      await client.query("BEGIN");
      try {
        const result = await run(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnect);
    const listener = this.#listener;
    this.#listener = undefined;
    this.#listening = false;
    await listener?.end().catch(() => {});
    await this.#pool.end().catch(() => {});
  }
}
