// An in-memory UsersRepository for unit tests. Same contract as the SQLite store
// (src/store/users-repository.contract.ts runs against both); nothing survives the process.
import { ChangeFeed } from "../internal/change-feed.js";
import { newEtag, newUserId } from "../internal/ids.js";
import { EmailTakenError, EtagMismatchError, UserNotFoundError } from "./errors.js";
import { compareUsers, fold, matchesFilter } from "./filter.js";
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

export class MemoryUsersRepository implements UsersRepository {
  readonly #users = new Map<string, UserRecord>();
  readonly #requestIds = new Map<string, { userId: string; snapshot: UserRecord }>();
  readonly #feed = new ChangeFeed();

  async get(id: string): Promise<UserRecord | undefined> {
    const user = this.#users.get(id);
    return user && structuredClone(user);
  }

  async getMany(ids: readonly string[]): Promise<UserRecord[]> {
    const found: UserRecord[] = [];
    for (const id of new Set(ids)) {
      const user = this.#users.get(id);
      if (user) found.push(structuredClone(user));
    }
    return found;
  }

  async list({ filter, after, limit }: ListUsersOptions): Promise<UserRecord[]> {
    const matching = [...this.#users.values()]
      .filter((user) => matchesFilter(user, filter))
      .filter((user) => {
        if (!after) return true;
        const t = user.createTime.getTime();
        return t > after.createTimeMs || (t === after.createTimeMs && user.id > after.id);
      })
      .sort(compareUsers);
    return matching.slice(0, limit).map((user) => structuredClone(user));
  }

  async count(filter: NormalizedFilter): Promise<number> {
    let n = 0;
    for (const user of this.#users.values()) if (matchesFilter(user, filter)) n++;
    return n;
  }

  async create(fields: UserFields, options: CreateUserOptions = {}): Promise<{ user: UserRecord; created: boolean }> {
    if (options.requestId) {
      const seen = this.#requestIds.get(options.requestId);
      if (seen) {
        const current = this.#users.get(seen.userId) ?? seen.snapshot;
        return { user: structuredClone(current), created: false };
      }
    }
    const user = this.#insert(newUserId(), fields);
    if (options.requestId) {
      this.#requestIds.set(options.requestId, { userId: user.id, snapshot: structuredClone(user) });
    }
    this.#publish({ type: "created", user, changeTime: user.createTime });
    return { user: structuredClone(user), created: true };
  }

  async update(id: string, apply: (current: UserRecord) => UserFields, options: WriteOptions = {}): Promise<UserRecord> {
    const previous = this.#require(id, options);
    const fields = apply(structuredClone(previous));
    this.#assertEmailFree(fields.email, id);
    const user = this.#replace(previous, fields);
    this.#publish({ type: "updated", user, previous, changeTime: user.updateTime });
    return structuredClone(user);
  }

  async upsert(id: string, fields: UserFields): Promise<{ user: UserRecord; created: boolean }> {
    const previous = this.#users.get(id);
    if (!previous) {
      const user = this.#insert(id, fields);
      this.#publish({ type: "created", user, changeTime: user.createTime });
      return { user: structuredClone(user), created: true };
    }
    this.#assertEmailFree(fields.email, id);
    const user = this.#replace(previous, fields);
    this.#publish({ type: "updated", user, previous, changeTime: user.updateTime });
    return { user: structuredClone(user), created: false };
  }

  async delete(id: string, options: WriteOptions = {}): Promise<UserRecord> {
    const user = this.#require(id, options);
    this.#users.delete(id);
    this.#publish({ type: "deleted", user, changeTime: new Date() });
    return structuredClone(user);
  }

  subscribe(listener: (change: UserChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  async close(): Promise<void> {}

  #require(id: string, options: WriteOptions): UserRecord {
    const user = this.#users.get(id);
    if (!user) throw new UserNotFoundError(id);
    if (options.expectedEtag && options.expectedEtag !== user.etag) {
      throw new EtagMismatchError(id, options.expectedEtag, user.etag);
    }
    return user;
  }

  #assertEmailFree(email: string, exceptId: string | undefined): void {
    const key = fold(email);
    for (const user of this.#users.values()) {
      if (user.id !== exceptId && fold(user.email) === key) throw new EmailTakenError(email);
    }
  }

  #insert(id: string, fields: UserFields): UserRecord {
    this.#assertEmailFree(fields.email, undefined);
    const now = new Date();
    const user = toUserRecord(fields, { id, createTime: now, updateTime: now, etag: newEtag() });
    this.#users.set(id, user);
    return user;
  }

  #replace(previous: UserRecord, fields: UserFields): UserRecord {
    const user = toUserRecord(fields, { id: previous.id, createTime: previous.createTime, updateTime: new Date(), etag: newEtag() });
    this.#users.set(user.id, user);
    return user;
  }

  #publish(change: UserChange): void {
    this.#feed.publish(structuredClone(change));
  }
}
