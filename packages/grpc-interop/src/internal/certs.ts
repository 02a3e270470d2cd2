// The committed test-only certificates (certs/README.md): a CA and a server certificate for
// localhost, 127.0.0.1 and *.test.google.fr (the host override the interop cases use).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// This module runs from src/internal (tests) or bundled into dist/ (the commands).
const dir = ["../../certs/", "../certs/"].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((d) => existsSync(`${d}ca.pem`));

function read(name: string): Buffer {
  if (dir === undefined) throw new Error("the test certificates (packages/grpc-interop/certs) are missing");
  return readFileSync(`${dir}${name}`);
}

export const testCerts = {
  ca: () => read("ca.pem"),
  cert: () => read("server.pem"),
  key: () => read("server.key"),
  /** Directory holding the certificates, for peers that read files. */
  dir: () => dir,
};
