// Servers that accept and then never answer: the cases where only a deadline can end a call.
import http2 from "node:http2";
import { createServer, type Socket } from "node:net";

export interface SilentServer extends AsyncDisposable {
  readonly port: number;
  /** TCP connections accepted. */
  readonly connections: number;
  /** HTTP/2 streams received (h2 flavour only). */
  readonly streams: number;
  close(): Promise<void>;
}

/**
 * `tcp`: accepts TCP and never writes a byte (no HTTP/2 preface, no SETTINGS).
 * `h2`: completes the HTTP/2 handshake, accepts every stream, and never sends headers or data.
 */
export async function startSilentServer(flavour: "tcp" | "h2"): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let streams = 0;
  const heldStreams = new Set<http2.ServerHttp2Stream>();
  const server =
    flavour === "tcp"
      ? createServer()
      : http2.createServer().on("stream", (stream) => {
          streams++;
          heldStreams.add(stream);
          stream.on("close", () => heldStreams.delete(stream));
          stream.on("error", () => {});
          stream.resume(); // read and discard the request, answer nothing
        });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  if (flavour === "h2") (server as http2.Http2Server).on("session", (session) => session.on("error", () => {}));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("silent server did not bind");
  const close = async () => {
    for (const stream of heldStreams) stream.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get streams() {
      return streams;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
