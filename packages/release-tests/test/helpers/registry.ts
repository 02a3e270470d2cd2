// A throwaway npm registry: Verdaccio in a child process on 127.0.0.1, with its config, storage
// and htpasswd in a temporary folder. Packages in the workspace's scope are served only from that
// storage (never proxied), everything else is proxied to the public registry so installs work.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface LocalRegistry extends AsyncDisposable {
  /** Registry URL with a trailing slash, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Bearer token of the user created through the registry's adduser API. */
  token: string;
  /** An npmrc (for `--userconfig` / `npm_config_userconfig`) that points the scope and auth at the registry. */
  npmrc: string;
  /** Everything Verdaccio logged, for failure messages. */
  log(): string;
}

export interface LocalRegistryOptions {
  /** npm scope served only from the local storage. Default `@org`. */
  scope?: string;
  /** Upstream for every other package. Default `https://registry.npmjs.org/`. */
  uplink?: string;
}

export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const scope = options.scope ?? "@org";
  const uplink = options.uplink ?? "https://registry.npmjs.org/";
  const dir = mkdtempSync(join(tmpdir(), "org-registry-"));
  let child: ChildProcess | undefined;
  let output = "";
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      [
        `storage: ${JSON.stringify(join(dir, "storage"))}`,
        "auth:",
        "  htpasswd:",
        `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
        "    max_users: 10",
        "uplinks:",
        "  npmjs:",
        `    url: ${uplink}`,
        "    timeout: 60s",
        "packages:",
        // No `proxy` for the scope: a name that is not published here is a 404, never a public package.
        `  "${scope}/*":`,
        "    access: $all",
        "    publish: $authenticated",
        "    unpublish: $authenticated",
        '  "**":',
        "    access: $all",
        "    publish: $authenticated",
        "    proxy: npmjs",
        "server:",
        "  keepAliveTimeout: 60",
        "web:",
        "  enable: false",
        "log: { type: stdout, format: pretty, level: warn }",
        "publish:",
        "  allow_offline: true",
        "",
      ].join("\n"),
    );
    const bin = join(dirname(createRequire(import.meta.url).resolve("verdaccio/package.json")), "bin/verdaccio");
    child = spawn(process.execPath, [bin, "--config", config, "--listen", `127.0.0.1:${port}`], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production" },
    });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await waitUntilUp(url, child, () => output);

    const user = "release-test";
    const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: user, password: "release-test-password", email: "release@test.invalid" }),
    });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 201 || !body.token) throw new Error(`adduser failed: ${res.status} ${JSON.stringify(body)}`);
    const host = url.replace(/^http:/, "");
    const npmrc = join(dir, "npmrc");
    writeFileSync(npmrc, [`registry=${url}`, `${scope}:registry=${url}`, `${host}:_authToken=${body.token}`, ""].join("\n"));
    return { url, token: body.token, npmrc, log: () => output, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not start within 30 s:\n${log()}`);
}
