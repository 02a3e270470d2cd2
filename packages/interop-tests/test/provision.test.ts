// scripts/provision-peers.mjs, the first step of `npm test`: on a machine where it cannot provide a
// peer it must stop at once with one message naming what to install. The real apt-get is kept out
// of reach (PROVISION_NO_APT=1, or a PATH without it; one test puts a stand-in apt-get on PATH).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/service-process.js";

const script = join(repoRoot, "scripts/provision-peers.mjs");
// A PATH holding only node: no apt-get, no h2load, no chromium.
const bareBin = mkdtempSync(join(tmpdir(), "provision-bin-"));
symlinkSync(process.execPath, join(bareBin, "node"));
afterAll(() => rmSync(bareBin, { recursive: true, force: true }));

function provision(env: Record<string, string>) {
  const base: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  const r = spawnSync(process.execPath, [script], { env: { ...base, ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("provision-peers", () => {
  it("passes silently, installing nothing, on a machine that has every peer", () => {
    const r = provision({ PROVISION_NO_APT: "1" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
  });

  it("stops with one message naming Python's packages when INTEROP_PYTHON points at a missing interpreter", () => {
    const r = provision({ INTEROP_PYTHON: "/nonexistent/bin/python3", PROVISION_NO_APT: "1" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("/nonexistent/bin/python3: not found");
    expect(r.stderr).toContain("INTEROP_PYTHON points the tests at a copy that apt-get cannot fix");
    expect(r.stderr).toContain("apt-get install python3-grpcio python3-protobuf\n");
    expect(r.stderr).toContain("pip install grpcio protobuf");
    expect(r.stderr.match(/^provision: /gm)).toHaveLength(1);
  });

  it("names an interpreter that lacks grpcio", () => {
    // node stands in for an interpreter that runs but cannot `import grpc`.
    const r = provision({ INTEROP_PYTHON: process.execPath, PROVISION_NO_APT: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${process.execPath} cannot import grpc and google.protobuf`);
  });

  it("without apt-get on PATH, lists every missing peer and every package in one message", () => {
    const r = provision({ PATH: bareBin, INTEROP_PYTHON: "/nonexistent/python3" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("3 peers that are missing");
    expect(r.stderr).toContain("h2load: not found on PATH");
    expect(r.stderr).toContain("chromium: not found on PATH");
    expect(r.stderr).toContain("apt-get install python3-grpcio python3-protobuf nghttp2-client chromium\n");
  });

  it("without apt-get on PATH and the default interpreter, says apt-get cannot install here", () => {
    const r = provision({ PATH: bareBin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("apt-get cannot install it here (apt-get is not on PATH)");
    expect(r.stderr).toContain("apt-get install nghttp2-client chromium\n");
  });

  it("installs what is missing with apt-get update + install, quietly, then checks again", () => {
    // A stand-in apt-get that logs its arguments and "installs" nghttp2-client as an h2load script
    // and chromium as a chromium script.
    const bin = mkdtempSync(join(tmpdir(), "provision-apt-"));
    try {
      symlinkSync(process.execPath, join(bin, "node"));
      writeFileSync(
        join(bin, "apt-get"),
        `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> ${bin}/apt.log\ncase "$*" in *nghttp2-client*) printf '#!/bin/sh\\n' > ${bin}/h2load; /bin/chmod +x ${bin}/h2load;; esac\ncase "$*" in *chromium*) printf '#!/bin/sh\\n' > ${bin}/chromium; /bin/chmod +x ${bin}/chromium;; esac\n`,
      );
      chmodSync(join(bin, "apt-get"), 0o755);
      const r = provision({ PATH: bin });
      if (process.getuid?.() !== 0) {
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("apt-get cannot install it here (not root)");
        return;
      }
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("provision: installing nghttp2-client chromium with apt-get\nprovision: done\n");
      expect(r.code).toBe(0);
      expect(readFileSync(join(bin, "apt.log"), "utf8")).toBe(
        "noninteractive update -qq\nnoninteractive install -y -qq --no-install-recommends nghttp2-client chromium\n",
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
