import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/postgres.js";
import { PostgresUsersRepository } from "./postgres-users-repository.js";
import { describeUsersRepositoryContract } from "./users-repository.contract.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.destroy();
});

describeUsersRepositoryContract("postgresql", async () => PostgresUsersRepository.open({ url: await postgres.createDatabase() }));

describe("PostgresUsersRepository", () => {
  it("starts", async () => {
    const repo = await PostgresUsersRepository.open({ url: await postgres.createDatabase() });
    expect(await repo.get("x")).toBeUndefined();
    await repo.close();
  });
});
