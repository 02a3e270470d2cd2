// The GitHub Actions workflows that adopting teams get: parsed and checked against what this
// repository really runs, so they cannot drift from the README's test command and release scripts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./helpers.js";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(readFileSync(join(repoRoot, ".github/workflows", name), "utf8")) as Workflow;
const rootScripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const uses = (job: Job) => job.steps.map((s) => s.uses ?? "");

describe("ci.yml", () => {
  const ci = workflow("ci.yml");

  it("runs on pull requests and on main", () => {
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["pull_request", "push"]));
  });

  it("tests on the maintained Node lines, 22, 24 and 26, with the README's checks", () => {
    const test = ci.jobs.test as Job;
    expect(test.strategy?.matrix?.node).toEqual([22, 24, 26]);
    // `npm test` is `npm run bootstrap && pnpm run check`; CI installs with pnpm, then runs the same check.
    expect(rootScripts.test).toContain("pnpm run check");
    expect(runs(test)).toContain("pnpm install --frozen-lockfile");
    expect(runs(test)).toContain("pnpm run check");
    expect(runs(test)).toContain("git diff --exit-code");
  });

  it("gives the tests their real peers, checked by the README's provisioning script before anything runs", () => {
    const test = ci.jobs.test as Job;
    const steps = test.steps.map((s) => s.run ?? s.uses ?? "");
    const provision = steps.findIndex((s) => s.includes("node scripts/provision-peers.mjs"));
    expect(provision).toBeGreaterThanOrEqual(0);
    expect(provision).toBeLessThan(steps.findIndex((s) => s.includes("pnpm run check")));
    // Chromium for the browser tests; protoc is not a peer (buf builds the Python tests' descriptors).
    expect(runs(test)).toMatch(/\/usr\/local\/bin\/chromium/);
    expect(runs(test)).not.toContain("protobuf-compiler");
  });

  it("caches the pnpm store and turbo's cache", () => {
    for (const job of [ci.jobs.test as Job, ci.jobs.proto as Job]) {
      const setupNode = job.steps.find((s) => s.uses?.startsWith("actions/setup-node"));
      expect(setupNode?.with?.cache).toBe("pnpm");
    }
    const turbo = (ci.jobs.test as Job).steps.find((s) => s.uses?.startsWith("actions/cache"));
    expect(turbo?.with?.path).toBe(".turbo/cache");
  });

  it("runs buf lint, format and breaking, against the release baseline and the pull request's base", () => {
    const proto = ci.jobs.proto as Job;
    expect(rootScripts["proto:lint"]).toBe("buf lint && buf format --diff --exit-code");
    expect(runs(proto)).toContain("pnpm run proto:lint");
    expect(runs(proto)).toContain("pnpm run proto:breaking");
    const base = proto.steps.find((s) => s.run?.includes("github.event.pull_request.base.sha"));
    expect(base?.run).toMatch(/buf breaking proto --against "\.git#ref=.*,subdir=proto"/);
    expect(base?.if).toContain("pull_request");
  });
});

describe("release.yml", () => {
  const release = workflow("release.yml");

  it("versions and publishes with the changesets action and the repository's release scripts", () => {
    const job = release.jobs.release as Job;
    const step = job.steps.find((s) => s.uses?.startsWith("changesets/action"));
    expect(step?.with?.version).toBe("pnpm run release:version");
    expect(step?.with?.publish).toBe("pnpm run release:publish");
    expect(rootScripts["release:version"]).toContain("release-baseline.mjs");
    expect(rootScripts["release:publish"]).toContain("changeset publish");
    expect(uses(job)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^actions\/cache/), expect.stringMatching(/^pnpm\/action-setup/)]),
    );
  });
});
