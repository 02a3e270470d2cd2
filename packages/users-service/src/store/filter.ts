import type { UserFilter } from "@org/api/org/users/v1";
import type { NormalizedFilter, UserRecord } from "./users-repository.js";

/** Case folding shared by every store so "contains" means the same everywhere. */
export function fold(value: string): string {
  return value.toLowerCase();
}

export function normalizeFilter(filter: UserFilter | undefined): NormalizedFilter {
  return {
    role: filter?.role ?? 0,
    query: fold(filter?.query ?? ""),
    tags: [...new Set(filter?.tags ?? [])].sort(),
  };
}

export function matchesFilter(user: UserRecord, filter: NormalizedFilter): boolean {
  if (filter.role !== 0 && user.role !== filter.role) return false;
  if (filter.query !== "" && !fold(user.name).includes(filter.query) && !fold(user.email).includes(filter.query)) {
    return false;
  }
  return filter.tags.every((tag) => user.tags.includes(tag));
}

/** (createTime, id) ordering, the order of every listing. */
export function compareUsers(a: UserRecord, b: UserRecord): number {
  const byTime = a.createTime.getTime() - b.createTime.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
