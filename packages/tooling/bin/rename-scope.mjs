#!/usr/bin/env node
// Renames the npm scope of every workspace package (`@org/…` → `@acme/…`) in one step: package
// names, imports, docs, configs and the lockfile, so that `pnpm install --frozen-lockfile` still
// works afterwards. Protobuf packages (`org.users.v1`) are left alone on purpose: they are part of
// the wire contract (the service path), and renaming them is a breaking API change.
//
//   node packages/tooling/bin/rename-scope.mjs @acme [--from @org] [--dry-run] [--root <dir>]
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const SCOPE = /^@[a-z0-9][a-z0-9._~-]*$/;
const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".turbo", ".test-results", "coverage", "data"]);

export function renameScope({ root, from, to, dryRun = false }) {
  if (!SCOPE.test(from)) throw new Error(`--from must be an npm scope like @org, got ${JSON.stringify(from)}`);
  if (!SCOPE.test(to)) throw new Error(`the new scope must be an npm scope like @acme (lower case), got ${JSON.stringify(to)}`);
  if (from === to) throw new Error(`the new scope is the current one (${to})`);
  // `@org` as a whole scope: not `@organisation`, not `@org-tools`.
  const pattern = new RegExp(`${escapeRegExp(from)}(?![\\w-])`, "g");
  const changed = [];
  for (const file of listFiles(root)) {
    const path = join(root, file);
    const bytes = readFileSync(path);
    if (bytes.includes(0)) continue; // binary
    const text = bytes.toString("utf8");
    const next = text.replace(pattern, to);
    if (next === text) continue;
    changed.push({ file, replacements: text.match(pattern)?.length ?? 0 });
    if (!dryRun) writeFileSync(path, next);
  }
  return changed;
}

function listFiles(root) {
  if (existsSync(join(root, ".git"))) {
    try {
      const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root });
      return out
        .toString("utf8")
        .split("\0")
        .filter((f) => f && existsSync(join(root, f)));
    } catch {
      // not a usable git checkout: walk the tree instead
    }
  }
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile()) files.push(relative(root, join(dir, entry.name)));
    }
  };
  walk(root);
  return files;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: "string", default: "@org" },
      root: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.error("usage: rename-scope.mjs <@new-scope> [--from @org] [--dry-run] [--root <repository root>]");
    process.exit(values.help ? 0 : 2);
  }
  const root = resolve(values.root ?? findRoot(process.cwd()));
  const to = positionals[0];
  let changed;
  try {
    changed = renameScope({ root, from: values.from, to, dryRun: values["dry-run"] });
  } catch (error) {
    console.error(`rename-scope: ${error.message}`);
    process.exit(2);
  }
  const total = changed.reduce((n, c) => n + c.replacements, 0);
  for (const c of changed) console.log(`${c.file}: ${c.replacements}`);
  console.log(`${values["dry-run"] ? "would rename" : "renamed"} ${values.from} → ${to}: ${total} occurrences in ${changed.length} files`);
  if (!values["dry-run"] && changed.length > 0) console.log("next: pnpm install (the lockfile was rewritten too), then pnpm test");
}

function findRoot(dir) {
  for (let d = dir; ; d = resolve(d, "..")) {
    if (existsSync(join(d, "pnpm-workspace.yaml"))) return d;
    if (resolve(d, "..") === d) throw new Error("no pnpm-workspace.yaml above the current directory; pass --root");
  }
}

if (process.argv[1] && statSync(process.argv[1]).isFile() && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname))
  main();
