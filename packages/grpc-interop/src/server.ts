// The interop server: grpc.testing.TestService on @org/server, started the way every gRPC
// implementation's interop server is:
//   node dist/server.js --port=N [--use_tls=true]
// It prints "PORT <n>" once listening (useful with --port=0) and stops on SIGTERM/SIGINT.
import { createServer } from "@org/server";
import { TestServiceDefinition } from "./gen/grpc/testing/test.js";
import { boolFlag, parseFlags, portFlag } from "./internal/args.js";
import { testCerts } from "./internal/certs.js";
import { testService } from "./test-service.js";

try {
  const flags = parseFlags(process.argv.slice(2), ["port", "use_tls"]);
  const port = portFlag(flags, "port");
  const tls = boolFlag(flags, "use_tls");
  const server = createServer({
    logLevel: "warn",
    reflection: false,
    // The cases send and ask for payloads of up to ~320 KB; the defaults (4 MiB) fit.
    ...(tls ? { tls: { cert: testCerts.cert(), key: testCerts.key() } } : {}),
  });
  server.add(TestServiceDefinition, testService());
  const bound = await server.listen(`127.0.0.1:${port}`);
  process.stdout.write(`PORT ${bound}\n`);
} catch (error) {
  process.stderr.write(`interop server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
