import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import { type AddressInfo, connect, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCleartextListener } from "./cleartext-listener.js";

const open: Array<{ server: Server; sockets: Set<Socket> }> = [];

async function start(firstBytesTimeoutMs?: number): Promise<{ port: number; served: string[] }> {
  const served: string[] = [];
  const h2 = http2.createServer((_req, res) => {
    served.push("h2");
    res.end("h2");
  });
  const h1 = http.createServer((req, res) => {
    served.push(`h1 ${req.method}`);
    req.resume();
    req.on("end", () => res.end("h1"));
  });
  const server = createCleartextListener({
    http2: h2,
    http1: h1,
    ...(firstBytesTimeoutMs === undefined ? {} : { firstBytesTimeoutMs }),
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => sockets.add(socket));
  open.push({ server, sockets });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, served };
}

afterEach(async () => {
  for (const { server, sockets } of open.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("createCleartextListener", () => {
  it("hands HTTP/2 (prior knowledge) and HTTP/1.1 connections to their servers on one port", async () => {
    const { port, served } = await start();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ":path": "/" });
      stream.setEncoding("utf8");
      let body = "";
      stream.on("data", (chunk: string) => (body += chunk));
      await once(stream, "end");
      expect(body).toBe("h2");
    } finally {
      session.close();
    }
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "x".repeat(100_000) });
    expect(await response.text()).toBe("h1");
    expect(served).toEqual(["h2", "h1 POST"]);
  });

  it("waits for enough bytes when the first ones arrive one at a time", async () => {
    const { port, served } = await start();
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    const request = "PUT / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    socket.write("P"); // could still be the HTTP/2 preface
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(request.slice(1));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    await once(socket, "close");
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nh1$/);
    expect(served).toEqual(["h1 PUT"]);
  });

  it("closes a connection that says nothing within firstBytesTimeoutMs", async () => {
    const { port, served } = await start(100);
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    socket.resume();
    await once(socket, "close");
    expect(served).toEqual([]);
  });
});
