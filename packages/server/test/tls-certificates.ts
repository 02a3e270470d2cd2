/*
 * Test certificates made with openssl in a temporary directory: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate from the CA, and one from another CA.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  /** Makes the files (call in beforeAll). */
  make(): void;
  /** Removes them (call in afterAll). */
  remove(): void;
  /** Path of `ca.pem`, `server.pem`, `server.key`, `client.pem`, `rogue-client.pem`, … */
  file(name: string): string;
  read(name: string): Buffer;
}

export function testCertificates(): TestCertificates {
  let dir = "";
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  return {
    file,
    read: (name) => readFileSync(file(name)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
    make() {
      dir = mkdtempSync(join(tmpdir(), "org-server-tls-"));
      for (const ca of ["ca", "rogue-ca"]) {
        openssl(
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          `${ca}.key`,
          "-out",
          `${ca}.pem`,
          "-days",
          "2",
          "-subj",
          `/CN=${ca}`,
        );
      }
      writeFileSync(file("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
      writeFileSync(file("client.ext"), "extendedKeyUsage=clientAuth\n");
      const leaf = (name: string, ca: string, ext: string) => {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
        openssl(
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          `${ca}.pem`,
          "-CAkey",
          `${ca}.key`,
          "-CAcreateserial",
          "-out",
          `${name}.pem`,
          "-days",
          "2",
          "-extfile",
          ext,
        );
      };
      leaf("server", "ca", "server.ext");
      leaf("client", "ca", "client.ext");
      leaf("rogue-client", "rogue-ca", "client.ext");
    },
  };
}
