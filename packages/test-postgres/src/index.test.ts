import pg from "pg";
import { describe, expect, it } from "vitest";
import { startPostgres } from "./index.js";

async function one(url: string, text: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows[0];
  } finally {
    await client.end();
  }
}

describe("startPostgres", () => {
  it("runs a real PostgreSQL on 127.0.0.1 that keeps its data across stop and start, and removes it on destroy", async () => {
    const postgres = await startPostgres();
    try {
      expect(postgres.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
      const url = await postgres.createDatabase();
      await one(url, "CREATE TABLE t (v text)");
      await one(url, "INSERT INTO t VALUES ('kept')");
      await postgres.stop();
      await expect(one(url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
      await postgres.start();
      expect(await one(url, "SELECT v FROM t")).toEqual({ v: "kept" });
      expect(await one(url, "SHOW server_version")).toMatchObject({ server_version: expect.stringMatching(/^\d+/) });
    } finally {
      await postgres.destroy();
    }
    await expect(postgres.createDatabase()).rejects.toThrow();
  });
});
