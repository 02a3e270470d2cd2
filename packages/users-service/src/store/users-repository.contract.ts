// The behaviour every UsersRepository must have. Each implementation's test file calls
// `describeUsersRepositoryContract` with a factory, so SQLite and memory are held to the same rules.
import { Role } from "@org/api/org/users/v1";
import { afterEach, describe, expect, it } from "vitest";
import { EmailTakenError, EtagMismatchError, UserNotFoundError } from "./errors.js";
import { normalizeFilter } from "./filter.js";
import { scanUsers } from "./scan-users.js";
import type { UserChange, UserFields, UsersRepository } from "./users-repository.js";

export function fields(overrides: Partial<UserFields> = {}): UserFields {
  return {
    name: "Ada Lovelace",
    email: "ada@example.com",
    role: Role.ROLE_ADMIN,
    address: { street: "1 Main St", city: "London", postalCode: "N1", countryCode: "GB" },
    tags: ["math", "poet"],
    labels: { team: "engines" },
    loginCount: 7n,
    ...overrides,
  };
}

const all = normalizeFilter(undefined);

export function describeUsersRepositoryContract(name: string, open: () => Promise<UsersRepository>): void {
  describe(`UsersRepository contract: ${name}`, () => {
    let repo: UsersRepository;
    afterEach(async () => {
      await repo?.close();
    });
    async function fresh() {
      repo = await open();
      return repo;
    }

    it("creates and reads back every field", async () => {
      const r = await fresh();
      const { user, created } = await r.create(fields());
      expect(created).toBe(true);
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(user.etag).not.toBe("");
      expect(user.createTime.getTime()).toBe(user.updateTime.getTime());
      const read = await r.get(user.id);
      expect(read).toEqual(user);
      expect(read?.loginCount).toBe(7n);
      expect(read?.address?.countryCode).toBe("GB");
      expect(await r.get("missing")).toBeUndefined();
    });

    it("keeps a user without an address without one", async () => {
      const r = await fresh();
      const { user } = await r.create(fields({ address: undefined, tags: [], labels: {} }));
      const read = await r.get(user.id);
      expect(read?.address).toBeUndefined();
      expect(read?.tags).toEqual([]);
      expect(read?.labels).toEqual({});
    });

    it("rejects a duplicate email, ignoring case, and stores nothing", async () => {
      const r = await fresh();
      await r.create(fields());
      await expect(r.create(fields({ email: "ADA@Example.com" }))).rejects.toBeInstanceOf(EmailTakenError);
      expect(await r.count(all)).toBe(1);
    });

    it("returns the first user for a repeated request id without writing again", async () => {
      const r = await fresh();
      const first = await r.create(fields(), { requestId: "req-1" });
      const again = await r.create(fields({ name: "Other", email: "other@example.com" }), { requestId: "req-1" });
      expect(again.created).toBe(false);
      expect(again.user.id).toBe(first.user.id);
      expect(again.user.name).toBe("Ada Lovelace");
      expect(await r.count(all)).toBe(1);
      const other = await r.create(fields({ email: "b@example.com" }), { requestId: "req-2" });
      expect(other.created).toBe(true);
    });

    it("returns the snapshot for a repeated request id after the user was deleted", async () => {
      const r = await fresh();
      const first = await r.create(fields(), { requestId: "req-1" });
      await r.delete(first.user.id);
      const again = await r.create(fields(), { requestId: "req-1" });
      expect(again).toEqual({ user: first.user, created: false });
      expect(await r.count(all)).toBe(0);
    });

    it("updates in one step, changing etag and update time but not create time", async () => {
      const r = await fresh();
      const { user } = await r.create(fields());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await r.update(user.id, (current) => ({ ...current, name: "Ada King" }), {
        expectedEtag: user.etag,
      });
      expect(updated.name).toBe("Ada King");
      expect(updated.etag).not.toBe(user.etag);
      expect(updated.createTime).toEqual(user.createTime);
      expect(updated.updateTime.getTime()).toBeGreaterThan(user.updateTime.getTime());
      expect(await r.get(user.id)).toEqual(updated);
    });

    it("refuses a stale etag and leaves the user unchanged", async () => {
      const r = await fresh();
      const { user } = await r.create(fields());
      await r.update(user.id, (current) => ({ ...current, name: "First writer" }));
      await expect(
        r.update(user.id, (current) => ({ ...current, name: "Second writer" }), { expectedEtag: user.etag }),
      ).rejects.toBeInstanceOf(EtagMismatchError);
      expect((await r.get(user.id))?.name).toBe("First writer");
      await expect(r.delete(user.id, { expectedEtag: user.etag })).rejects.toBeInstanceOf(EtagMismatchError);
      expect(await r.get(user.id)).toBeDefined();
    });

    it("rolls back an update whose callback throws", async () => {
      const r = await fresh();
      const { user } = await r.create(fields());
      await expect(
        r.update(user.id, () => {
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      expect(await r.get(user.id)).toEqual(user);
    });

    it("refuses an update to another user's email", async () => {
      const r = await fresh();
      await r.create(fields());
      const { user } = await r.create(fields({ email: "bob@example.com" }));
      await expect(r.update(user.id, (c) => ({ ...c, email: "Ada@example.com" }))).rejects.toBeInstanceOf(EmailTakenError);
      // Changing only the case of one's own email is fine.
      const same = await r.update(user.id, (c) => ({ ...c, email: "BOB@example.com" }));
      expect(same.email).toBe("BOB@example.com");
    });

    it("reports missing users on update and delete", async () => {
      const r = await fresh();
      await expect(r.update("nope", (c) => c)).rejects.toBeInstanceOf(UserNotFoundError);
      await expect(r.delete("nope")).rejects.toBeInstanceOf(UserNotFoundError);
    });

    it("deletes and returns the user as it was", async () => {
      const r = await fresh();
      const { user } = await r.create(fields());
      const deleted = await r.delete(user.id, { expectedEtag: user.etag });
      expect(deleted).toEqual(user);
      expect(await r.get(user.id)).toBeUndefined();
    });

    it("upserts: creates with the given id, then replaces", async () => {
      const r = await fresh();
      const first = await r.upsert("ext-1", fields());
      expect(first.created).toBe(true);
      expect(first.user.id).toBe("ext-1");
      const second = await r.upsert("ext-1", fields({ name: "Replaced", tags: [] }));
      expect(second.created).toBe(false);
      expect(second.user.name).toBe("Replaced");
      expect(second.user.tags).toEqual([]);
      expect(second.user.createTime).toEqual(first.user.createTime);
      await expect(r.upsert("ext-2", fields({ email: "ADA@example.com" }))).rejects.toBeInstanceOf(EmailTakenError);
    });

    it("gets many, ignoring unknown and repeated ids", async () => {
      const r = await fresh();
      const a = (await r.create(fields({ email: "a@example.com" }))).user;
      const b = (await r.create(fields({ email: "b@example.com" }))).user;
      const found = await r.getMany([a.id, "missing", b.id, a.id]);
      expect(found.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
    });

    it("lists oldest first with a keyset cursor, and filters by role, query and tags", async () => {
      const r = await fresh();
      const created = [];
      for (let i = 0; i < 7; i++) {
        created.push(
          (
            await r.create(
              fields({
                name: `User ${i}`,
                email: `u${i}@example.com`,
                role: i % 2 === 0 ? Role.ROLE_VIEWER : Role.ROLE_EDITOR,
                tags: i < 3 ? ["early", "x"] : ["x"],
              }),
            )
          ).user,
        );
      }
      const first = await r.list({ filter: all, limit: 3 });
      expect(first.map((u) => u.name)).toEqual(["User 0", "User 1", "User 2"]);
      const last = first.at(-1);
      if (!last) throw new Error("empty page");
      const second = await r.list({ filter: all, after: { createTimeMs: last.createTime.getTime(), id: last.id }, limit: 10 });
      expect(second.map((u) => u.name)).toEqual(["User 3", "User 4", "User 5", "User 6"]);

      const editors = normalizeFilter({ role: Role.ROLE_EDITOR, query: "", tags: [] });
      expect((await r.list({ filter: editors, limit: 10 })).map((u) => u.name)).toEqual(["User 1", "User 3", "User 5"]);
      expect(await r.count(editors)).toBe(3);
      const query = normalizeFilter({ role: 0, query: "U4@EXAMPLE", tags: [] });
      expect((await r.list({ filter: query, limit: 10 })).map((u) => u.name)).toEqual(["User 4"]);
      const byName = normalizeFilter({ role: 0, query: "user 6", tags: [] });
      expect(await r.count(byName)).toBe(1);
      const tagged = normalizeFilter({ role: 0, query: "", tags: ["x", "early"] });
      expect((await r.list({ filter: tagged, limit: 10 })).map((u) => u.name)).toEqual(["User 0", "User 1", "User 2"]);
      expect(await r.count(normalizeFilter({ role: 0, query: "", tags: ["early", "nope"] }))).toBe(0);
    });

    it("folds case beyond ASCII when filtering", async () => {
      const r = await fresh();
      await r.create(fields({ name: "ÉLODIE Ångström", email: "elodie@example.com" }));
      expect(await r.count(normalizeFilter({ role: 0, query: "ångström", tags: [] }))).toBe(1);
      expect(await r.count(normalizeFilter({ role: 0, query: "élodie", tags: [] }))).toBe(1);
    });

    it("orders users created in the same millisecond by creation", async () => {
      const r = await fresh();
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push((await r.create(fields({ email: `same${i}@example.com` }))).user.id);
      const listed = await r.list({ filter: all, limit: 100 });
      expect(listed.map((u) => u.id)).toEqual(ids);
    });

    it("scans everything in batches", async () => {
      const r = await fresh();
      for (let i = 0; i < 25; i++) await r.create(fields({ email: `s${i}@example.com` }));
      const seen: string[] = [];
      for await (const user of scanUsers(r, all, { batchSize: 4 })) seen.push(user.email);
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect(seen[0]).toBe("s0@example.com");
      expect(seen[24]).toBe("s24@example.com");
    });

    it("publishes every committed change after the commit, and nothing for failed writes", async () => {
      const r = await fresh();
      const changes: UserChange[] = [];
      const unsubscribe = r.subscribe((change) => {
        changes.push(change);
      });
      const { user } = await r.create(fields(), { requestId: "k" });
      await r.create(fields(), { requestId: "k" }); // replay: no change
      await expect(r.create(fields())).rejects.toBeInstanceOf(EmailTakenError);
      await r.update(user.id, (c) => ({ ...c, name: "Renamed" }));
      await r.upsert(user.id, fields({ name: "Upserted" }));
      await r.delete(user.id);
      unsubscribe();
      await r.create(fields({ email: "after@example.com" }));
      expect(changes.map((c) => c.type)).toEqual(["created", "updated", "updated", "deleted"]);
      const update = changes[1];
      expect(update?.type === "updated" && update.previous.name).toBe("Ada Lovelace");
      expect(update?.user.name).toBe("Renamed");
      expect(changes[3]?.user.name).toBe("Upserted");
    });

    it("keeps writing when a change listener throws", async () => {
      const r = await fresh();
      r.subscribe(() => {
        throw new Error("bad listener");
      });
      const { user } = await r.create(fields());
      expect(await r.get(user.id)).toBeDefined();
    });
  });
}
