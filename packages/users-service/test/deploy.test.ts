// There is no Docker engine or cluster here, so the deployment files are checked for shape against
// the code's own defaults: ports, health service names, shutdown timings, probes, non-root image.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import pkg from "../package.json" with { type: "json" };
import { DEFAULT_GRPC_LISTEN, DEFAULT_SHUTDOWN_GRACE_MS, loadConfig, USERS_SERVICE_NAME } from "../src/config.js";

const deployDir = fileURLToPath(new URL("../deploy/", import.meta.url));

// Parsed YAML, checked field by field below.
type Doc = any;

const docs: Doc[] = readdirSync(`${deployDir}k8s`)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${deployDir}k8s/${f}`, "utf8")).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS();
    }),
  );

const deployment = docs.find((d) => d.kind === "Deployment");
const service = docs.find((d) => d.kind === "Service");
const pod = deployment?.spec.template.spec;
const container = pod?.containers.find((c: Doc) => c.name === "users-service");
const env: Record<string, string> = Object.fromEntries(
  (container?.env ?? []).filter((e: Doc) => typeof e.value === "string").map((e: Doc) => [e.name, e.value]),
);
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));
const containerPort = (name: string) => container.ports.find((p: Doc) => p.name === name)?.containerPort;

describe("Kubernetes manifests", () => {
  it("every document has a kind, a name and the app label", () => {
    expect(docs.length).toBeGreaterThanOrEqual(3);
    for (const doc of docs) {
      expect(doc.apiVersion).toBeTruthy();
      expect(doc.metadata.name).toMatch(/^users-service/);
      expect(doc.metadata.labels["app.kubernetes.io/name"]).toBe("users-service");
    }
  });

  it("the container's env is accepted by the service's own config parser, and listens on the default port on all interfaces", () => {
    const config = loadConfig({ ...env, USERS_PAGE_TOKEN_SECRET: "x".repeat(32) }, "/app");
    expect(config.production).toBe(true);
    expect(config.server.reflection).toBe(false);
    expect(config.grpcListen).toBe(`0.0.0.0:${portOf(DEFAULT_GRPC_LISTEN)}`);
    expect(containerPort("grpc")).toBe(portOf(DEFAULT_GRPC_LISTEN));
    expect(containerPort("metrics")).toBe(portOf(config.server.metricsListen ?? ""));
    expect(config.usersDb).toBe("/data/users.db");
    expect(container.volumeMounts.map((m: Doc) => m.mountPath)).toContain("/data");
    const secret = container.env.find((e: Doc) => e.name === "USERS_PAGE_TOKEN_SECRET");
    expect(secret.valueFrom.secretKeyRef.name).toBe("users-service");
  });

  it("probes use native gRPC health on the gRPC port: readiness for the users service, liveness for the server", () => {
    const grpcPort = portOf(DEFAULT_GRPC_LISTEN);
    expect(container.readinessProbe.grpc).toEqual({ port: grpcPort, service: USERS_SERVICE_NAME });
    expect(container.livenessProbe.grpc.port).toBe(grpcPort);
    expect(container.livenessProbe.grpc.service ?? "").toBe(""); // "" = the whole server
    expect(container.startupProbe.grpc.port).toBe(grpcPort);
  });

  it("preStop plus the server's shutdown grace fit in terminationGracePeriodSeconds", () => {
    const config = loadConfig(env, "/app");
    expect(config.shutdownGraceMs).toBe(DEFAULT_SHUTDOWN_GRACE_MS);
    const command: string[] = container.lifecycle.preStop.exec.command;
    expect(command[0]).toBe("sleep");
    const preStopMs = Number(command[1]) * 1000;
    expect(preStopMs).toBeGreaterThanOrEqual(3000); // long enough for endpoints to drop the pod
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(preStopMs + config.shutdownGraceMs + 1000);
  });

  it("requests resources, runs as non-root, and never runs two SQLite writers at once", () => {
    expect(container.resources.requests.cpu).toBeTruthy();
    expect(container.resources.requests.memory).toBeTruthy();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    // SQLite on a ReadWriteOnce volume: one replica, and no overlap during rollouts.
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    expect(deployment.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "users-service" });
  });

  it("the Service is headless, selects the pods and exposes the gRPC port by name", () => {
    expect(service.spec.clusterIP).toBe("None");
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(deployment.spec.template.metadata.labels[key]).toBe(value);
    }
    const grpc = service.spec.ports.find((p: Doc) => p.name === "grpc");
    expect(grpc.port).toBe(portOf(DEFAULT_GRPC_LISTEN));
    expect(containerPort(grpc.targetPort)).toBe(portOf(DEFAULT_GRPC_LISTEN));
    expect(grpc.appProtocol).toBe("grpc");
  });
});

describe("Kubernetes manifests for replicas on PostgreSQL (deploy/k8s-postgres)", () => {
  const pgDocs: Doc[] = readdirSync(`${deployDir}k8s-postgres`)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(`${deployDir}k8s-postgres/${f}`, "utf8")).map((d) => {
        expect(d.errors, f).toEqual([]);
        return d.toJS();
      }),
    );
  const replicated = pgDocs.find((d) => d.kind === "Deployment");
  const pdb = pgDocs.find((d) => d.kind === "PodDisruptionBudget");
  const statefulSet = pgDocs.find((d) => d.kind === "StatefulSet");
  const dbService = pgDocs.find((d) => d.kind === "Service");
  const dbSecret = pgDocs.find((d) => d.kind === "Secret");
  const replicaContainer = replicated?.spec.template.spec.containers.find((c: Doc) => c.name === "users-service");

  it("runs three replicas, rolled one at a time without losing capacity, with no volume for data", () => {
    expect(replicated.spec.replicas).toBe(3);
    expect(replicated.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(replicated.spec.template.spec.volumes.map((v: Doc) => v.name)).toEqual(["tmp"]);
    expect(replicaContainer.volumeMounts.map((m: Doc) => m.mountPath)).toEqual(["/tmp"]);
  });

  it("takes DATABASE_URL from a Secret, and the service's config accepts the example's URL", () => {
    const url = replicaContainer.env.find((e: Doc) => e.name === "DATABASE_URL");
    expect(url.valueFrom.secretKeyRef).toEqual({ name: dbSecret.metadata.name, key: "database-url" });
    const plain = Object.fromEntries(
      replicaContainer.env.filter((e: Doc) => typeof e.value === "string").map((e: Doc) => [e.name, e.value]),
    );
    const config = loadConfig({ ...plain, DATABASE_URL: dbSecret.stringData["database-url"] }, "/app");
    expect(config.databaseUrl).toBe(dbSecret.stringData["database-url"]);
    // The example URL names the example PostgreSQL's Service and port.
    const target = new URL(dbSecret.stringData["database-url"]);
    expect(target.hostname).toBe(dbService.metadata.name);
    expect(Number(target.port)).toBe(dbService.spec.ports[0].port);
    expect(replicaContainer.env.find((e: Doc) => e.name === "USERS_PAGE_TOKEN_SECRET").valueFrom.secretKeyRef.name).toBe("users-service");
  });

  it("is the single-replica container otherwise: same image, ports, probes, shutdown timing and limits", () => {
    const strip = (c: Doc) => ({ ...c, env: undefined, volumeMounts: undefined });
    expect(strip(replicaContainer)).toEqual(strip(container));
    expect(replicated.spec.template.spec.terminationGracePeriodSeconds).toBe(pod.terminationGracePeriodSeconds);
    expect(replicated.spec.template.spec.securityContext).toEqual(pod.securityContext);
  });

  it("keeps two replicas through voluntary disruptions, and the headless Service of deploy/k8s selects them", () => {
    expect(pdb.spec.minAvailable).toBeLessThan(replicated.spec.replicas);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(2);
    for (const [key, value] of Object.entries(pdb.spec.selector.matchLabels)) {
      expect(replicated.spec.template.metadata.labels[key]).toBe(value);
    }
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(replicated.spec.template.metadata.labels[key]).toBe(value);
    }
  });

  it("has an example PostgreSQL: a StatefulSet with a volume, its password from the same Secret", () => {
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(["ReadWriteOnce"]);
    const postgres = statefulSet.spec.template.spec.containers[0];
    expect(postgres.env.find((e: Doc) => e.name === "POSTGRES_PASSWORD").valueFrom.secretKeyRef).toEqual({
      name: dbSecret.metadata.name,
      key: "password",
    });
    expect(dbService.spec.selector).toEqual(statefulSet.spec.template.metadata.labels);
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(`${deployDir}Dockerfile`, "utf8");
  const lines = dockerfile.split("\n").filter((l) => !l.trimStart().startsWith("#"));

  it("is multi-stage, installs production dependencies only, and runs as a non-root user", () => {
    expect(lines.filter((l) => l.startsWith("FROM ")).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/pnpm --filter @org\/users-service deploy .*--prod/);
    const users = lines.filter((l) => l.startsWith("USER "));
    expect(users.at(-1)).toMatch(/^USER (node|[1-9]\d*)$/);
    const lastFrom =
      lines
        .map((l, i) => (l.startsWith("FROM ") ? i : -1))
        .filter((i) => i >= 0)
        .at(-1) ?? 0;
    expect(lines.slice(lastFrom).some((l) => /pnpm install|npm install/.test(l))).toBe(false); // nothing installed at run time
  });

  it("starts the package's bin with node, on the default port", () => {
    expect(dockerfile).toContain(`CMD ["node", "${pkg.bin["users-service"]}"]`);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${portOf(DEFAULT_GRPC_LISTEN)}\\b`));
    expect(dockerfile).toContain("GRPC_LISTEN=0.0.0.0:");
  });
});
