// The interop client: runs standard interop cases on @org/client against any interop server,
//   node dist/client.js --server_host=127.0.0.1 --server_port=N --test_case=NAME [--use_tls=true]
//     [--use_test_ca=true] [--server_host_override=foo.test.google.fr] [--transport=grpc|grpc-web]
// --transport=grpc-web runs the cases gRPC-Web can carry (WEB_CASES; "all" means those) with
// @org/client-web over fetch; with TLS the process re-runs itself trusting the test CA
// (NODE_EXTRA_CA_CERTS), the only way to give Node's fetch a root.
// --test_case takes one case, a comma-separated list, or "all". One line per case
// ("PASS name" / "FAIL name: why"); exit 0 when every case passed, 1 when one failed, 2 on bad usage.
import { spawnSync } from "node:child_process";
import { CASES, type CaseName, runCase, WEB_CASES } from "./cases.js";
import { boolFlag, parseFlags, portFlag } from "./internal/args.js";
import { testCerts } from "./internal/certs.js";

function usage(message: string): never {
  process.stderr.write(`interop client: ${message}\n`);
  process.exit(2);
}

let names: CaseName[] = [];
let target: Parameters<typeof runCase>[1] = { host: "", port: 0 };
try {
  const flags = parseFlags(process.argv.slice(2), [
    "server_host",
    "server_port",
    "test_case",
    "use_tls",
    "use_test_ca",
    "server_host_override",
    "transport",
  ]);
  const transport = flags.get("transport") ?? "grpc";
  if (transport !== "grpc" && transport !== "grpc-web") usage(`--transport: expected grpc or grpc-web, got "${transport}"`);
  const testCase = flags.get("test_case") ?? usage("--test_case is required");
  names = testCase === "all" ? [...(transport === "grpc-web" ? WEB_CASES : CASES)] : (testCase.split(",") as CaseName[]);
  const unknown = names.filter((n) => !(CASES as readonly string[]).includes(n));
  if (unknown.length > 0) usage(`unknown test case ${unknown.join(", ")}; known: ${CASES.join(", ")}`);
  const tls = boolFlag(flags, "use_tls");
  if (tls && !boolFlag(flags, "use_test_ca")) {
    // The only CA a server under test here has is ours; system roots would never verify it.
    flags.set("use_test_ca", "true");
  }
  const caFile = `${testCerts.dir() ?? ""}ca.pem`;
  if (transport === "grpc-web" && tls && process.env.NODE_EXTRA_CA_CERTS !== caFile) {
    const again = spawnSync(process.execPath, process.argv.slice(1), {
      stdio: "inherit",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    });
    process.exit(again.status ?? 1);
  }
  target = {
    host: flags.get("server_host") ?? "127.0.0.1",
    port: portFlag(flags, "server_port", 8080),
    tls: tls ? { ca: testCerts.ca(), serverNameOverride: flags.get("server_host_override") } : undefined,
    protocol: transport,
  };
} catch (error) {
  usage(error instanceof Error ? error.message : String(error));
}

let failed = 0;
for (const name of names) {
  try {
    await runCase(name, target);
    process.stdout.write(`PASS ${name}\n`);
  } catch (error) {
    failed++;
    process.stdout.write(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
