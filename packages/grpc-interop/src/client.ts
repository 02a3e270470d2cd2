// The interop client: runs standard interop cases on @org/client against any interop server,
//   node dist/client.js --server_host=127.0.0.1 --server_port=N --test_case=NAME [--use_tls=true]
//     [--use_test_ca=true] [--server_host_override=foo.test.google.fr]
// --test_case takes one case, a comma-separated list, or "all". One line per case
// ("PASS name" / "FAIL name: why"); exit 0 when every case passed, 1 when one failed, 2 on bad usage.
import { CASES, type CaseName, runCase } from "./cases.js";
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
  ]);
  const testCase = flags.get("test_case") ?? usage("--test_case is required");
  names = testCase === "all" ? [...CASES] : (testCase.split(",") as CaseName[]);
  const unknown = names.filter((n) => !(CASES as readonly string[]).includes(n));
  if (unknown.length > 0) usage(`unknown test case ${unknown.join(", ")}; known: ${CASES.join(", ")}`);
  const tls = boolFlag(flags, "use_tls");
  if (tls && !boolFlag(flags, "use_test_ca")) {
    // The only CA a server under test here has is ours; system roots would never verify it.
    flags.set("use_test_ca", "true");
  }
  target = {
    host: flags.get("server_host") ?? "127.0.0.1",
    port: portFlag(flags, "server_port", 8080),
    tls: tls ? { ca: testCerts.ca(), serverNameOverride: flags.get("server_host_override") } : undefined,
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
