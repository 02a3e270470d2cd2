// The storage boundary of the users service. Everything the handlers need from a database is here,
// so SQLite (the default) can be swapped for a networked database without touching the service.
import { type Role, User, type User_Address } from "@org/api/org/users/v1";

/** A stored user: a `User` whose timestamps are always set. */
export interface UserRecord extends User {
  createTime: Date;
  updateTime: Date;
}

/** What the store owns about a user: everything but the fields a caller writes. */
export interface StoredMeta {
  id: string;
  createTime: Date;
  updateTime: Date;
  etag: string;
}

/**
 * Builds a record through `User.fromPartial`, so a field added to `User` in the proto gets its
 * default here instead of breaking every object literal that builds a user (issue 16, point 3).
 * `fromPartial` also copies arrays, maps and the address, so the record shares nothing with `fields`.
 */
export function toUserRecord(fields: UserFields, meta: StoredMeta): UserRecord {
  return { ...User.fromPartial(fields), ...meta };
}

/** The fields a caller may write; the store owns id, create/update time and etag. */
export interface UserFields {
  name: string;
  email: string;
  role: Role;
  address?: User_Address | undefined;
  tags: string[];
  labels: Record<string, string>;
  loginCount: bigint;
}

/** A filter after normalisation (see `normalizeFilter`): the same filter always looks the same. */
export interface NormalizedFilter {
  /** 0 (ROLE_UNSPECIFIED) matches every role. */
  role: number;
  /** Lower-cased substring of name or email; empty matches everything. */
  query: string;
  /** Sorted, de-duplicated; a user must carry every one. */
  tags: string[];
}

/** Keyset position: users sort by (createTime, id), oldest first. */
export interface UserCursor {
  createTimeMs: number;
  id: string;
}

export interface ListUsersOptions {
  filter: NormalizedFilter;
  /** Only users strictly after this position. */
  after?: UserCursor | undefined;
  /** Maximum number of users returned. */
  limit: number;
}

export interface CreateUserOptions {
  /** Idempotency key: when already seen, nothing is written and the first result is returned. */
  requestId?: string | undefined;
}

export interface WriteOptions {
  /** When set, the write fails with `EtagMismatchError` unless the stored etag equals it. */
  expectedEtag?: string | undefined;
}

export type UserChange =
  | { type: "created"; user: UserRecord; changeTime: Date }
  | { type: "updated"; user: UserRecord; previous: UserRecord; changeTime: Date }
  | { type: "deleted"; user: UserRecord; changeTime: Date };

/**
 * Every write is one transaction and is durable when its promise resolves. Change listeners are
 * called after the commit, in commit order, synchronously; a listener must not block.
 *
 * Failures: `UserNotFoundError`, `EmailTakenError`, `EtagMismatchError` (src/store/errors.ts).
 */
export interface UsersRepository {
  get(id: string): Promise<UserRecord | undefined>;
  /** The users that exist among `ids`, in no particular order. */
  getMany(ids: readonly string[]): Promise<UserRecord[]>;
  /** One keyset page, oldest first. */
  list(options: ListUsersOptions): Promise<UserRecord[]>;
  count(filter: NormalizedFilter): Promise<number>;
  /** `created` is false when `requestId` was seen before and the first user is returned. */
  create(fields: UserFields, options?: CreateUserOptions): Promise<{ user: UserRecord; created: boolean }>;
  /**
   * Reads the user, calls `apply` with it and writes the fields it returns, all in one transaction.
   * `apply` may throw to abandon the update; the error propagates unchanged.
   */
  update(id: string, apply: (current: UserRecord) => UserFields, options?: WriteOptions): Promise<UserRecord>;
  /** Replaces the fields of user `id`, or creates it with that id. */
  upsert(id: string, fields: UserFields): Promise<{ user: UserRecord; created: boolean }>;
  /** Returns the user as it was. */
  delete(id: string, options?: WriteOptions): Promise<UserRecord>;
  /**
   * Returns the unsubscribe function. `onLost` is called (and the subscription dropped) when the
   * store can no longer guarantee every change reaches the listener, e.g. a replica that lost its
   * database connection; a store that cannot lose changes never calls it.
   */
  subscribe(listener: (change: UserChange) => void, onLost?: (error: Error) => void): () => void;
  /**
   * Tells `listener` whether the database can be reached now (and at once, the current state);
   * stores that are always available may leave it out. Returns the unsubscribe function.
   */
  onAvailability?(listener: (available: boolean) => void): () => void;
  close(): Promise<void>;
}
