/*
 * Connection management for one HTTP/2 session (grpc/grpc doc/keepalive.md, and what grpc-go and
 * grpc-js servers do): keepalive pings with a timeout, enforcement of the client's ping rate
 * (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), max connection idle, max connection age with a
 * grace, a deadline for finishing the connection preface (slowloris), and graceful close
 * (GOAWAY, then the connection closes as soon as its last stream ends).
 */
import { constants, type Http2Session } from "node:http2";
import type { Socket } from "node:net";

export interface SessionOptions {
  /** Interval of server keepalive pings, ms (`0`: none). */
  keepaliveTimeMs: number;
  /** Time to wait for a ping ack before closing the connection, ms. */
  keepaliveTimeoutMs: number;
  /** Shortest interval between client pings that is not a strike, ms. */
  minPingIntervalMs: number;
  /** Strikes allowed before GOAWAY too_many_pings. */
  maxPingStrikes: number;
  /** Close a connection with no calls for this long, ms (`0`: never). */
  maxConnectionIdleMs: number;
  /** GOAWAY a connection after this age, ms (`0`: never). */
  maxConnectionAgeMs: number;
  /** After the age GOAWAY, cut the connection after this long, ms (`0`: wait for its calls). */
  maxConnectionAgeGraceMs: number;
  /** Close a connection that has not finished the HTTP/2 preface (client SETTINGS) in this time, ms. */
  handshakeTimeoutMs: number;
}

const SESSION = Symbol("session state");
type Session = Http2Session & { [SESSION]?: SessionState };

function onPing(this: Session): void {
  this[SESSION]!.pingReceived();
}
function onRemoteSettings(this: Session): void {
  this[SESSION]!.handshakeDone();
}
function onSessionClose(this: Session): void {
  this[SESSION]!.dispose();
}
function onSessionError(): void {
  // 'close' follows.
}
function onHandshakeTimeout(state: SessionState): void {
  // Cut the socket as well, whatever state the unfinished session is in.
  state.session.destroy();
  state.socket?.destroy();
}
function onIdle(state: SessionState): void {
  if (state.streams === 0) state.close();
}
function onAge(state: SessionState): void {
  state.close();
  const grace = state.options.maxConnectionAgeGraceMs;
  if (grace > 0) state.graceTimer = setTimeout(onAgeGraceOver, grace, state).unref();
}
function onAgeGraceOver(state: SessionState): void {
  state.session.destroy();
}
function onKeepalive(state: SessionState): void {
  state.sendKeepalive();
}
function onKeepaliveTimeout(state: SessionState): void {
  state.session.destroy();
}

/** Per-connection state; one object per session, found through a symbol on the session. */
export class SessionState {
  streams = 0;
  /** Client pings that came too soon since the server last sent data. */
  pingStrikes = 0;
  private lastPingAt = 0;
  private handshakeTimer: NodeJS.Timeout | undefined = undefined;
  private idleTimer: NodeJS.Timeout | undefined = undefined;
  private ageTimer: NodeJS.Timeout | undefined = undefined;
  graceTimer: NodeJS.Timeout | undefined = undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined = undefined;
  private keepaliveDeadline: NodeJS.Timeout | undefined = undefined;
  private closing = false;
  private peerName: string | undefined = undefined;
  /** The connection's socket (Node hides it behind a proxy on the session). */
  socket: Socket | undefined = undefined;

  constructor(
    readonly session: Http2Session,
    readonly options: SessionOptions,
    private readonly onGone: (state: SessionState) => void,
  ) {
    (session as Session)[SESSION] = this;
    session.on("ping", onPing);
    session.on("close", onSessionClose);
    session.on("error", onSessionError);
    if (options.handshakeTimeoutMs > 0) {
      session.once("remoteSettings", onRemoteSettings);
      this.handshakeTimer = setTimeout(onHandshakeTimeout, options.handshakeTimeoutMs, this).unref();
    }
    if (options.maxConnectionAgeMs > 0) {
      // ±10 % jitter, as gRPC core: connections opened together do not all go away together.
      const age = options.maxConnectionAgeMs * (0.9 + Math.random() * 0.2);
      this.ageTimer = setTimeout(onAge, age, this).unref();
    }
    if (options.keepaliveTimeMs > 0) this.keepaliveTimer = setInterval(onKeepalive, options.keepaliveTimeMs, this).unref();
    this.armIdle();
  }

  /** `address:port` of the client, read once per connection (the session's socket is a Proxy). */
  get peer(): string {
    if (this.peerName === undefined) {
      const socket = this.session.socket;
      this.peerName = socket?.remoteAddress === undefined ? "unknown" : `${socket.remoteAddress}:${socket.remotePort}`;
    }
    return this.peerName;
  }

  /** The state of `session`, if it is one of ours. */
  static of(session: Http2Session): SessionState | undefined {
    return (session as Session)[SESSION];
  }

  streamOpened(): void {
    this.streams++;
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }

  streamClosed(): void {
    this.streams--;
    // After GOAWAY, Node closes the connection itself once its last stream is gone.
    if (this.streams === 0 && !this.closing) this.armIdle();
  }

  private armIdle(): void {
    if (this.options.maxConnectionIdleMs > 0 && this.idleTimer === undefined) {
      this.idleTimer = setTimeout(onIdle, this.options.maxConnectionIdleMs, this).unref();
    }
  }

  handshakeDone(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  pingReceived(): void {
    const now = Date.now();
    const tooSoon = now - this.lastPingAt < this.options.minPingIntervalMs;
    this.lastPingAt = now;
    if (!tooSoon) return;
    this.pingStrikes++;
    if (this.pingStrikes > this.options.maxPingStrikes && !this.session.destroyed) {
      this.session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from("too_many_pings"));
      this.session.destroy();
    }
  }

  sendKeepalive(): void {
    if (this.keepaliveDeadline !== undefined || this.session.destroyed) return;
    this.keepaliveDeadline = setTimeout(onKeepaliveTimeout, this.options.keepaliveTimeoutMs, this).unref();
    try {
      this.session.ping((err) => {
        if (this.keepaliveDeadline !== undefined) clearTimeout(this.keepaliveDeadline);
        this.keepaliveDeadline = undefined;
        if (err !== null && !this.session.destroyed) this.session.destroy();
      });
    } catch {
      this.session.destroy();
    }
  }

  /** Graceful close: GOAWAY; the connection ends when its last stream does (at once if none). */
  close(): void {
    if (this.closing || this.session.destroyed) return;
    this.closing = true;
    this.session.close();
  }

  dispose(): void {
    for (const timer of [
      this.handshakeTimer,
      this.idleTimer,
      this.ageTimer,
      this.graceTimer,
      this.keepaliveTimer,
      this.keepaliveDeadline,
    ]) {
      if (timer !== undefined) clearTimeout(timer);
    }
    this.onGone(this);
  }
}
