// A stored user as JSON text (idempotency snapshots, change notifications between replicas):
// bigint and dates as strings and Unix ms, read back through `toUserRecord`.
import { toUserRecord, type UserFields, type UserRecord } from "./users-repository.js";

export function userToJson(user: UserRecord): string {
  return JSON.stringify(userToPlain(user));
}

export function userFromJson(json: string): UserRecord {
  return userFromPlain(JSON.parse(json));
}

/** The user as a JSON-safe object. */
export function userToPlain(user: UserRecord): Record<string, unknown> {
  return { ...user, loginCount: user.loginCount.toString(), createTime: user.createTime.getTime(), updateTime: user.updateTime.getTime() };
}

export function userFromPlain(raw: Record<string, unknown>): UserRecord {
  const fields = { ...raw, loginCount: BigInt(raw.loginCount as string) } as unknown as UserFields;
  return toUserRecord(fields, {
    id: String(raw.id),
    createTime: new Date(raw.createTime as number | string),
    updateTime: new Date(raw.updateTime as number | string),
    etag: String(raw.etag),
  });
}
