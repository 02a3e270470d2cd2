// A TCP proxy on node:net placed between a client and a server so a test can cut connections
// at chosen moments (mid-call, mid-stream) and count what passed through.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxyOptions {
  /** Port of the upstream server on 127.0.0.1. */
  targetPort: number;
  /** Port to listen on (default 0: any free port). */
  listenPort?: number;
  /**
   * Cut a connection (both sides) once this many bytes went downstream (server → client)
   * on it; undefined never cuts by count.
   */
  cutAfterDownstreamBytes?: number;
}

export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections cut by the proxy (cutAll or the byte budget). */
  readonly cut: number;
  /** Connections currently open. */
  readonly open: number;
  /** Bytes passed server → client since start (what the server managed to send). */
  readonly downstreamBytes: number;
  /** Destroys every open connection pair now (an abrupt TCP close, as a dying middlebox would). */
  cutAll(): number;
  /** Changes the byte budget for connections accepted from now on. */
  setCutAfterDownstreamBytes(bytes: number | undefined): void;
  /**
   * One shot: cuts the connection on which the `bytes`-th downstream byte from now passes (on
   * whichever connection), then disarms. For cutting a call already on an open connection mid-way.
   */
  cutAfterNextBytes(bytes: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let accepted = 0;
  let cut = 0;
  let budget = options.cutAfterDownstreamBytes;
  let downstreamBytes = 0;
  let armed: { remaining: number } | undefined;

  const destroyPair = (pair: { client: Socket; upstream: Socket }, counted: boolean) => {
    if (!pairs.delete(pair)) return;
    if (counted) {
      cut++;
      // resetAndDestroy sends RST: the peer sees the connection die, not a polite FIN.
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    } else {
      pair.client.destroy();
      pair.upstream.destroy();
    }
  };

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect({ host: "127.0.0.1", port: options.targetPort, noDelay: true });
    // Without TCP_NODELAY, Nagle holds back small frames (HTTP/2 WINDOW_UPDATEs) behind delayed
    // ACKs: 40 ms per flow-control window, a 60-fold slowdown of large streams.
    client.setNoDelay(true);
    const pair = { client, upstream };
    pairs.add(pair);
    const limit = budget;
    let downstream = 0;
    client.on("error", () => destroyPair(pair, false));
    upstream.on("error", () => destroyPair(pair, false));
    client.on("close", () => destroyPair(pair, false));
    upstream.on("close", () => destroyPair(pair, false));
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (armed !== undefined && chunk.length >= armed.remaining) {
        if (armed.remaining > 0) client.write(chunk.subarray(0, armed.remaining));
        downstreamBytes += armed.remaining;
        armed = undefined;
        destroyPair(pair, true);
        return;
      }
      if (armed !== undefined) armed.remaining -= chunk.length;
      downstreamBytes += chunk.length;
      if (limit !== undefined && downstream + chunk.length > limit) {
        const allowed = Math.max(0, limit - downstream);
        if (allowed > 0) client.write(chunk.subarray(0, allowed));
        downstream = limit;
        destroyPair(pair, true);
        return;
      }
      downstream += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort ?? 0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy did not bind");

  const close = async () => {
    for (const pair of [...pairs]) destroyPair(pair, false);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    get cut() {
      return cut;
    },
    get open() {
      return pairs.size;
    },
    get downstreamBytes() {
      return downstreamBytes;
    },
    cutAfterNextBytes(bytes) {
      armed = { remaining: bytes };
    },
    cutAll() {
      const n = pairs.size;
      for (const pair of [...pairs]) destroyPair(pair, true);
      return n;
    },
    setCutAfterDownstreamBytes(bytes) {
      budget = bytes;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
