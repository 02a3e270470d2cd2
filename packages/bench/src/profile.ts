// Profiles one server configuration under the unary h2load load of the benchmark:
//   pnpm --filter @org/bench profile -- org-server [seconds]
// The server child runs with `node --cpu-prof`; prints where its CPU time goes (idle excluded)
// and leaves the .cpuprofile for Chrome DevTools / speedscope.
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./internal/args.js";
import { startChild } from "./internal/child.js";
import { isServerConfig } from "./internal/configs.js";
import { analyse, type CpuProfile } from "./internal/cpuprofile.js";
import { runH2load } from "./internal/h2load.js";
import { protocolHeaders } from "./internal/preflight.js";
import { benchToken } from "./servers/org-server.js";
import { unaryProtocol, writeUnaryBody } from "./suites/unary-server.js";

async function main() {
  const [config = "", secondsArg = "10"] = process.argv.slice(2).filter((a) => a !== "--");
  if (!isServerConfig(config)) throw new Error(`usage: profile <server config> [seconds]; unknown config "${config}"`);
  const seconds = Number(secondsArg);
  const settings = parseArgs([]);
  const dir = fileURLToPath(new URL(`../profiles/${config}-${Date.now()}/`, import.meta.url));
  await mkdir(dir, { recursive: true });
  const child = await startChild<{ port: number }>({
    script: "server-main.js",
    args: [config],
    cpu: settings.serverCpu,
    nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  });
  const bodyFile = await writeUnaryBody(dir);
  const r = await runH2load(
    {
      url: `http://127.0.0.1:${child.ready.port}/org.users.v1.UsersService/GetUser`,
      bodyFile,
      headers: { ...protocolHeaders(unaryProtocol(config)), authorization: `Bearer ${benchToken()}` },
      connections: settings.unary.connections,
      streamsPerConnection: settings.unary.streamsPerConnection,
      durationSec: seconds,
    },
    settings.loadCpu,
    seconds * 1000 + 30_000,
  );
  await child.stop(20_000);
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error("no profile written");
  const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
  const { functions, packages, samples } = analyse(profile);
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  console.log(`${config}: ${r.reqPerSec.toFixed(0)} calls/s under the profiler; ${samples} busy samples; ${join(dir, file)}\n`);
  console.log("self   total  package");
  for (const p of packages.slice(0, 15)) console.log(`${pct(p.self)} ${pct(p.total)}  ${p.name}`);
  console.log("\nself   total  function");
  for (const f of functions.slice(0, 40)) console.log(`${pct(f.self)} ${pct(f.total)}  ${f.name}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
