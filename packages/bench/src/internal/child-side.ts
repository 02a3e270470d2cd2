// The child's half of the IPC protocol of child.ts: answer each request, report failures as
// { type: "error" } instead of crashing silently, and exit when the harness goes away.

export type Handler = (message: { type: string } & Record<string, unknown>) => Promise<object | "stop">;

export function send(message: object): void {
  process.send?.(message);
}

export function fail(err: unknown): void {
  send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}

/** Serves requests until "stop" (handler returns "stop") or the harness disconnects. */
export function serveRequests(handler: Handler, onStop: () => Promise<void>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3_000);
    force.unref();
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.on("disconnect", () => void stop());
  process.on("message", (message: { type: string } & Record<string, unknown>) => {
    if (message.type === "stop") {
      void stop();
      return;
    }
    handler(message).then(
      (reply) => (reply === "stop" ? void stop() : send(reply)),
      (err: unknown) => fail(err),
    );
  });
}
