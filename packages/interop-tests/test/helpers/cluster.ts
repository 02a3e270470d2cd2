// Three users-service processes on one shared SQLite file (WAL, so several processes can use it),
// each with its own /metrics endpoint to count the calls it served.
import { fetchMetrics, sumOf } from "./metrics.js";
import { type ServiceProcess, sharedDbDir, startService } from "./service-process.js";

export interface Cluster extends AsyncDisposable {
  /** Current process per slot (a restart replaces the slot's entry). */
  readonly members: ServiceProcess[];
  readonly targets: string[];
  readonly dbPath: string;
  /** UsersService calls started on the slot's current process (from its /metrics). */
  usersCalls(slot: number): Promise<number>;
}

export async function startCluster(size: number, env: Record<string, string> = {}): Promise<Cluster> {
  const db = sharedDbDir();
  const members: ServiceProcess[] = [];
  try {
    // One after the other: the first creates the schema.
    for (let i = 0; i < size; i++) members.push(await startService({ dbPath: db.dbPath, metrics: true, env }));
  } catch (error) {
    await Promise.all(members.map((m) => m[Symbol.asyncDispose]()));
    db.remove();
    throw error;
  }
  return {
    members,
    targets: members.map((m) => `127.0.0.1:${m.port}`),
    dbPath: db.dbPath,
    async usersCalls(slot) {
      const member = members[slot];
      if (member?.metricsPort === undefined) throw new Error(`no member ${slot}`);
      return sumOf(await fetchMetrics(member.metricsPort), "grpc_server_started_total", { grpc_service: "org.users.v1.UsersService" });
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(members.map((m) => m[Symbol.asyncDispose]()));
      db.remove();
    },
  };
}
