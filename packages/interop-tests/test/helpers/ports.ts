// Free TCP ports on 127.0.0.1 for child processes that must be told their port up front (and
// restarted on the same one).
import { createServer } from "node:net";

/** Binds 127.0.0.1:0, reads the port the kernel chose, and releases it. */
export async function getFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port bound");
  return address.port;
}
