// Makes sure the real peers the test suite talks to are on this machine, before anything else
// of `npm test` runs. Node-only (no dependencies), so it runs before `pnpm install`.
//
// Each peer says how to find it and which Debian packages provide it. Missing peers are
// installed with apt-get when that can work (root, apt-get on PATH, PROVISION_NO_APT unset);
// otherwise the script stops at once with one message naming everything to install, instead of
// letting dozens of tests fail later. To add a peer (chromium, postgresql, ...) add one entry to
// PEERS. Protobuf code for the Python peers needs no protoc: the tests build descriptor sets with
// buf from node_modules.
//
//   node scripts/provision-peers.mjs           check, install what is missing (when it can)
//   PROVISION_NO_APT=1 node scripts/...        check only; never calls apt-get
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

const env = process.env;
const python = env.INTEROP_PYTHON ?? "/usr/bin/python3";

/**
 * @typedef {object} Peer
 * @property {string} name What the tests use it for.
 * @property {() => string | undefined} missing Why it is not usable, or undefined when it is.
 * @property {string[]} apt Debian packages that provide it.
 * @property {string} elsewhere How to get it on a machine without apt-get.
 * @property {string} [override] An environment variable that points the tests at another copy;
 *   when it is set, apt-get cannot help (the tests use that copy), so the script only reports.
 */

/** @type {Peer[]} */
const PEERS = [
  {
    name: "Python 3 with grpcio and protobuf (the independent gRPC peer of packages/interop-tests and packages/server)",
    missing: () => {
      const r = spawnSync(python, ["-c", "import grpc, google.protobuf"], { encoding: "utf8", timeout: 30_000 });
      if (r.error) return `${python}: ${r.error.code === "ENOENT" ? "not found" : r.error.message}`;
      if (r.status !== 0) return `${python} cannot import grpc and google.protobuf: ${lastLine(r.stderr)}`;
      return undefined;
    },
    apt: ["python3-grpcio", "python3-protobuf"],
    elsewhere: "Python 3 with the grpcio and protobuf modules (pip install grpcio protobuf), then INTEROP_PYTHON=/path/to/python3",
    override: "INTEROP_PYTHON",
  },
  commandPeer({
    name: "h2load (the load generator of packages/bench)",
    command: "h2load",
    apt: ["nghttp2-client"],
    elsewhere: "h2load from nghttp2 (nghttp2-client on Debian/Ubuntu, nghttp2 on Homebrew)",
  }),
  commandPeer({
    name: "Chromium (the browser tests of packages/users-console, driven by playwright-core)",
    command: "chromium",
    apt: ["chromium"],
    elsewhere: "a Chromium or Chrome binary named chromium on PATH (apt-get install chromium on Debian, chromium-browser on Ubuntu)",
  }),
];

/**
 * A peer that is a command on PATH, e.g. commandPeer({ name: "Chromium (browser tests)",
 * command: "chromium", apt: ["chromium", "chromium-driver"], elsewhere: "..." }).
 * @param {{ name: string, command: string, apt: string[], elsewhere: string }} peer
 * @returns {Peer}
 */
function commandPeer({ name, command, apt, elsewhere }) {
  return { name, apt, elsewhere, missing: () => (onPath(command) ? undefined : `${command}: not found on PATH`) };
}

function lastLine(text) {
  return (text ?? "").trim().split("\n").pop() ?? "";
}

function onPath(command) {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** @returns {{ peer: Peer, reason: string }[]} */
function check() {
  return PEERS.flatMap((peer) => {
    const reason = peer.missing();
    return reason === undefined ? [] : [{ peer, reason }];
  });
}

function aptUsable() {
  if (env.PROVISION_NO_APT === "1") return "PROVISION_NO_APT=1";
  if (process.platform !== "linux") return `${process.platform} has no apt-get`;
  if (!onPath("apt-get")) return "apt-get is not on PATH";
  if (process.getuid?.() !== 0) return "not root";
  return undefined;
}

function apt(args) {
  const r = spawnSync("apt-get", args, {
    env: { ...env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed:\n${r.stdout ?? ""}${r.stderr ?? ""}`);
}

function fail(missing, why) {
  const lines = [
    `provision: the tests need ${missing.length === 1 ? "a peer that is" : `${missing.length} peers that are`} missing, and ${why}.`,
    ...missing.map(({ peer, reason }) => `  - ${peer.name}\n      ${reason}`),
    "Install, then run the test command again:",
    `  Debian/Ubuntu (as root): apt-get install ${[...new Set(missing.flatMap(({ peer }) => peer.apt))].join(" ")}`,
    ...missing.map(({ peer }) => `  elsewhere: ${peer.elsewhere}`),
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(1);
}

let missing = check();
if (missing.length === 0) process.exit(0);

const overridden = missing.filter(({ peer }) => peer.override && env[peer.override] !== undefined);
if (overridden.length > 0) {
  fail(missing, `${overridden.map(({ peer }) => peer.override).join(", ")} points the tests at a copy that apt-get cannot fix`);
}
const noApt = aptUsable();
if (noApt) fail(missing, `apt-get cannot install it here (${noApt})`);

const packages = [...new Set(missing.flatMap(({ peer }) => peer.apt))];
process.stdout.write(`provision: installing ${packages.join(" ")} with apt-get\n`);
try {
  apt(["update", "-qq"]);
  apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
} catch (error) {
  fail(missing, `apt-get failed: ${error instanceof Error ? error.message : String(error)}`);
}
missing = check();
if (missing.length > 0) fail(missing, "they are still missing after apt-get install");
process.stdout.write("provision: done\n");
