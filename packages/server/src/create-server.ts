import type { Server as HttpServer } from "node:http";
import { setImmediate as nextMacrotask, setTimeout as sleep } from "node:timers/promises";
import { loadDescriptorSet } from "@org/api/descriptor-set";
import { normalizeServiceDefinition } from "@org/api/service-definition";
import type { CompatServiceDefinition, ServiceImplementation } from "nice-grpc";
import { ServerError, type ServerMiddleware, Status } from "nice-grpc-common";
import { HealthDefinition, HealthServiceImpl } from "nice-grpc-server-health";
import { type Logger, pino } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { OrgCallContext } from "./context.js";
import { HealthStatuses } from "./health.js";
import { splitHostPort } from "./internal/address.js";
import { CallControl } from "./internal/call-control.js";
import { createGrpcServer, type GrpcServer } from "./internal/grpc-server.js";
import { batchedStdout } from "./internal/log-destination.js";
import { ServerMetrics } from "./internal/metrics.js";
import { serveMetrics } from "./internal/metrics-http.js";
import { withStrictDecoding } from "./internal/request-decoding.js";
import { type BuiltInMiddlewareName, builtInMiddleware } from "./middleware-order.js";
import { defaults, type ServerOptions } from "./options.js";
import { reflectionServices } from "./reflection.js";
import { transportOptions } from "./transport-options.js";

/** Middleware a team adds, server-wide or per service; sees `OrgCallContext`. */
// biome-ignore lint/complexity/noBannedTypes: `{}` (no extension) is nice-grpc's own default for `Ext`
export type OrgServerMiddleware<Ext = {}> = ServerMiddleware<Ext, OrgCallContext>;

/** Options of `server.add()`. */
export interface AddServiceOptions {
  /** Middleware for this service only, outermost first; runs after the server-wide ones. Default `[]`. */
  middleware?: OrgServerMiddleware<any>[];
}

/** Lifecycle of an {@link OrgServer}. */
export type ServerState = "created" | "serving" | "draining" | "stopped";

/**
 * A production gRPC server; see {@link createServer}. `ServerExt` is the context that
 * server-wide middleware added so far gives every handler (as nice-grpc's `Server<CallContextExt>`).
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` (no extension) is nice-grpc's own default for `Ext`
export interface OrgServer<ServerExt = {}> {
  /**
   * Adds server-wide middleware; it runs after the built-ins, in registration order. Before
   * `listen()`. The context fields it adds (`Ext`) are typed for every service added afterwards.
   */
  // biome-ignore lint/complexity/noBannedTypes: `{}` (no extension) is nice-grpc's own default for `Ext`
  use<Ext = {}>(middleware: ServerMiddleware<Ext, OrgCallContext & ServerExt>): OrgServer<ServerExt & Ext>;
  /**
   * Registers a service implementation (any nice-grpc definition). Methods left out answer
   * UNIMPLEMENTED. Before `listen()`.
   */
  // biome-ignore lint/complexity/noBannedTypes: `{}` (no extension) is nice-grpc's own default for `Ext`
  add<Service extends CompatServiceDefinition, Ext = {}>(
    definition: Service,
    implementation: Partial<ServiceImplementation<Service, OrgCallContext & ServerExt & Ext>>,
    options?: AddServiceOptions,
  ): OrgServer<ServerExt>;
  /** Health statuses served by `grpc.health.v1.Health`; set your own per service. */
  readonly health: HealthStatuses;
  /** The pino logger (one line per call goes here). */
  readonly logger: Logger;
  /** The registry holding the server's Prometheus metrics. */
  readonly metricsRegistry: Registry;
  /** Names of the enabled built-in middleware, outermost first. */
  readonly middleware: readonly BuiltInMiddlewareName[];
  /** Current lifecycle state. */
  readonly state: ServerState;
  /** Port of the `/metrics` endpoint once listening with `metricsListen`, else `undefined`. */
  readonly metricsPort: number | undefined;
  /** Binds `address` (default `listenAddress`), starts serving; resolves the bound port. */
  listen(address?: string): Promise<number>;
  /**
   * Graceful shutdown: health NOT_SERVING, new calls refused, streams ended with UNAVAILABLE,
   * unary calls given `shutdownGraceMs` to finish, then the rest is cut. Idempotent.
   */
  shutdown(): Promise<void>;
  /** Same as `shutdown()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface ServiceEntry {
  name: string;
  definition: CompatServiceDefinition;
  implementation: unknown;
  middleware: OrgServerMiddleware<any>[];
}

/** The implementation with an UNIMPLEMENTED answer for every method it leaves out. */
function completeImplementation(names: readonly string[], implementation: object): object {
  const impl = implementation as Record<string, unknown>;
  const missing = names.filter((name) => typeof impl[name] !== "function");
  if (missing.length === 0) return implementation;
  const filled: Record<string, unknown> = {};
  for (const name of missing) {
    filled[name] = () => {
      throw new ServerError(Status.UNIMPLEMENTED, `${name} is not implemented`);
    };
  }
  // Keep the implementation's own methods bound to it.
  for (const name of names)
    if (!missing.includes(name)) filled[name] = (impl[name] as (...args: unknown[]) => unknown).bind(implementation);
  return filled;
}

/** Flush period of the default stdout destination, ms: the most a log line waits. */
const LOG_FLUSH_MS = 200;

function createLogger(options: ServerOptions): { logger: Logger; flusher: (() => void) | undefined } {
  if (options.logger) return { logger: options.logger, flusher: undefined };
  let flusher: (() => void) | undefined;
  let destination = options.logDestination;
  if (destination === undefined) {
    const stdout = batchedStdout();
    flusher = () => stdout.flush();
    destination = stdout;
  }
  const logger = pino({ level: options.logLevel ?? defaults.logLevel, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return { logger, flusher };
}

/**
 * Creates a gRPC server with every production default: health, reflection, graceful shutdown,
 * leak-free errors, deadlines, request ids, logging, metrics, tracing, and (when configured) auth,
 * rate limiting and TLS.
 */
export function createServer(options: ServerOptions = {}): OrgServer {
  const { logger, flusher } = createLogger(options);
  let flushTimer: NodeJS.Timeout | undefined;
  const health = new HealthStatuses();
  const control = new CallControl({
    maxDeadlineMs: options.maxDeadlineMs ?? defaults.maxDeadlineMs,
    maxStreamDeadlineMs: options.maxStreamDeadlineMs ?? defaults.maxStreamDeadlineMs,
    maxMetadataBytes: options.maxMetadataBytes ?? defaults.maxMetadataBytes,
  });
  const registry = options.metricsRegistry ?? new Registry();
  const metrics = (options.metrics ?? true) ? ServerMetrics.for(registry, control) : undefined;
  const chain = builtInMiddleware(options, logger, metrics, options.logger === undefined);
  const transport = transportOptions(options); // fail at creation on bad TLS material
  const reflection = options.reflection ?? process.env.NODE_ENV !== "production";
  const graceMs = options.shutdownGraceMs ?? defaults.shutdownGraceMs;
  const drainDelayMs = options.drainDelayMs ?? defaults.drainDelayMs;

  const userMiddleware: OrgServerMiddleware<any>[] = [];
  const services: ServiceEntry[] = [];
  let state: ServerState = "created";
  let nice: GrpcServer | undefined;
  let metricsHttp: HttpServer | undefined;
  let metricsPort: number | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let forceNow: (() => void) | undefined;
  let signalHandler: ((signal: NodeJS.Signals) => void) | undefined;

  function assertNotListening(what: string) {
    if (state !== "created" || nice !== undefined) throw new Error(`server.${what}() must be called before listen()`);
  }

  function installSignalHandlers() {
    signalHandler = (signal) => {
      if (shutdownPromise !== undefined) {
        logger.warn({ signal }, "second signal: closing now");
        forceNow?.();
        return;
      }
      logger.info({ signal }, "signal received: shutting down");
      void server.shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", signalHandler);
    process.on("SIGINT", signalHandler);
  }

  function removeSignalHandlers() {
    if (signalHandler === undefined) return;
    process.off("SIGTERM", signalHandler);
    process.off("SIGINT", signalHandler);
    signalHandler = undefined;
  }

  async function drain(): Promise<void> {
    const names = services.map((s) => s.name);
    state = "draining";
    const started = Date.now();
    logger.info({ graceMs }, "shutting down: health NOT_SERVING");
    health.drain(names);
    if (drainDelayMs > 0) await sleep(drainDelayMs);
    const closed = nice!.shutdown(); // no new connections; GOAWAY on existing ones
    await nextMacrotask(); // let open health Watch streams send NOT_SERVING first
    const streams = control.endStreams();
    const forced = new Promise<boolean>((resolve) => {
      forceNow = () => resolve(true);
      const timer = setTimeout(() => resolve(true), graceMs);
      timer.unref(); // a programmatic shutdown must not hold the process open by itself
      void closed.finally(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (await forced) {
      const cut = control.endAll();
      nice!.forceShutdown();
      logger.warn({ cut }, "grace period over: remaining calls cut");
    }
    await Promise.race([closed.catch(() => undefined), sleep(1000, undefined, { ref: false })]);
    logger.info({ streamsEnded: streams, durationMs: Date.now() - started }, "server stopped");
  }

  const server: OrgServer<any> = {
    use(middleware) {
      assertNotListening("use");
      if (services.length > 0) throw new Error("server.use() must be called before add()");
      userMiddleware.push(middleware as OrgServerMiddleware<any>);
      return server;
    },
    add(definition, implementation, addOptions) {
      assertNotListening("add");
      const service = normalizeServiceDefinition(definition);
      services.push({
        name: service.name,
        definition,
        implementation: completeImplementation(
          service.methods.map((m) => m.key),
          implementation,
        ),
        middleware: addOptions?.middleware ?? [],
      });
      return server;
    },
    health,
    logger,
    metricsRegistry: registry,
    middleware: chain.steps,
    get state() {
      return state;
    },
    get metricsPort() {
      return metricsPort;
    },
    async listen(address = options.listenAddress ?? defaults.listenAddress) {
      assertNotListening("listen");
      control.onRefused = chain.core.refused;
      let s: any = createGrpcServer({ transport, control, core: chain.core });
      for (const middleware of userMiddleware) s = s.use(middleware);
      for (const service of services) {
        let builder: any = s;
        for (const middleware of service.middleware) builder = builder.with(middleware);
        builder.add(withStrictDecoding(service.definition), service.implementation);
      }
      s.add(withStrictDecoding(HealthDefinition), HealthServiceImpl(health.state));
      if (reflection) {
        const descriptorSet = options.reflectionDescriptorSet ?? loadDescriptorSet();
        for (const r of reflectionServices(
          descriptorSet,
          services.map((e) => e.name),
        ))
          s.add(withStrictDecoding(r.definition), r.implementation);
      }
      nice = s;
      let port: number;
      try {
        port = await s.listen(address);
      } catch (err) {
        nice = undefined;
        throw err;
      }
      state = "serving";
      control.start();
      if (flusher !== undefined) {
        flushTimer = setInterval(flusher, LOG_FLUSH_MS);
        flushTimer.unref();
      }
      if (metrics && (options.processMetrics ?? true) && registry.getSingleMetric("process_cpu_user_seconds_total") === undefined) {
        collectDefaultMetrics({ register: registry });
      }
      if (options.metricsListen !== undefined) {
        try {
          ({ server: metricsHttp, port: metricsPort } = await serveMetrics(registry, options.metricsListen));
        } catch (err) {
          await server.shutdown();
          throw err;
        }
      }
      health.serving(services.map((e) => e.name));
      if (options.handleSignals ?? true) installSignalHandlers();
      logger.info(
        {
          host: splitHostPort(address, "listenAddress").host,
          port,
          metricsPort,
          services: services.map((e) => e.name),
          reflection,
          tls: options.tls !== undefined,
        },
        "grpc server listening",
      );
      return port;
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        try {
          if (nice !== undefined) await drain();
        } finally {
          state = "stopped";
          control.stop();
          if (flushTimer !== undefined) clearInterval(flushTimer);
          removeSignalHandlers();
          if (metricsHttp) {
            const http = metricsHttp;
            http.closeAllConnections();
            await new Promise<void>((resolve) => http.close(() => resolve()));
          }
          await new Promise<void>((resolve) => logger.flush(() => resolve()));
        }
      })();
      return shutdownPromise;
    },
    [Symbol.asyncDispose]() {
      return server.shutdown();
    },
  };

  return server;
}
