// consoleHttpHandler in Node, behind a real node:http server: the files of the built page with
// their content types and headers, nothing else (no path reaches the file system), GET/HEAD only.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type ConsoleHttpHandlerOptions, consoleHttpHandler } from "../src/index.js";

const builtApp = fileURLToPath(new URL("../dist/app/", import.meta.url));
const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function serve(options: ConsoleHttpHandlerOptions = {}): Promise<string> {
  const server = http.createServer(consoleHttpHandler({ root: builtApp, ...options }));
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A request with the path sent exactly as written (fetch would normalise `..`). */
async function raw(
  host: string,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const [hostname, port] = host.split(":");
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port: Number(port), path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("consoleHttpHandler", () => {
  it("serves the page, its script and its styles with their content types", async () => {
    const host = await serve();
    const page = await raw(host, "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain("<title>Users console</title>");
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self';");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect((await raw(host, "/index.html?from=bookmark")).body).toBe(page.body);
    const script = await raw(host, "/console.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(Number(script.headers["content-length"])).toBe(Buffer.byteLength(script.body));
    expect((await raw(host, "/styles.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("answers 404 for anything else, including paths that climb out of the folder", async () => {
    const host = await serve();
    for (const path of ["/nope.js", "/../package.json", "/..%2fpackage.json", "/%2e%2e/%2e%2e/package.json", "//etc/passwd", "/app/"]) {
      const response = await raw(host, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).toBe("not found");
    }
  });

  it("answers GET and HEAD only", async () => {
    const host = await serve();
    const post = await raw(host, "/", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    const head = await raw(host, "/console.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(Number(head.headers["content-length"])).toBeGreaterThan(1000);
  });

  it("points a page served elsewhere at the API, and allows it in the page's CSP", async () => {
    const host = await serve({ apiBaseUrl: "https://api.example.com" });
    const page = await raw(host, "/");
    expect(page.body).toContain('<meta name="users-api-base-url" content="https://api.example.com">');
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self' https://api.example.com;");
  });

  it("refuses an apiBaseUrl that is not an origin, and a folder without the page", () => {
    expect(() => consoleHttpHandler({ root: builtApp, apiBaseUrl: "https://api.example.com/v1" })).toThrow(/apiBaseUrl/);
    expect(() => consoleHttpHandler({ root: builtApp, apiBaseUrl: "javascript:alert(1)" })).toThrow(/apiBaseUrl/);
    expect(() => consoleHttpHandler({ root: fileURLToPath(new URL(".", import.meta.url)) })).toThrow(/index\.html is missing/);
  });
});
