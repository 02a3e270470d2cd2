// WatchUsers, kept open: every change goes to `onChange`; when the stream fails or ends (the service
// restarted, the network dropped) it is opened again after a growing pause (0.5 s doubling to 4 s),
// and `onReopen` lets the page read the list again for the changes it missed meanwhile.
import type { UserFilter, WatchUsersResponse } from "@org/api/org/users/v1";
import { isCancelled, type UsersWebClient } from "@org/client-web";

export interface LiveUpdatesOptions {
  client: UsersWebClient;
  /** The filter of the list on screen; read at each (re)open. */
  filter: () => UserFilter;
  onChange: (change: WatchUsersResponse) => void;
  /** The stream failed; it is retried. */
  onDown: (error: unknown) => void;
  /** A stream is about to be opened again after a failure. */
  onReopen: () => void;
  /** The stream delivered its response headers or a change: it is live. Default: none. */
  onLive?: () => void;
}

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 4_000;

export class LiveUpdates {
  private controller: AbortController | undefined;

  constructor(private readonly options: LiveUpdatesOptions) {}

  /** Starts watching, or starts again with the current filter. */
  restart(): void {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  stop(): void {
    this.controller?.abort();
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { client, onChange, onDown, onReopen, onLive } = this.options;
    let pause = FIRST_PAUSE_MS;
    let failed = false;
    while (!signal.aborted) {
      if (failed) onReopen();
      try {
        const stream = client.watchUsers({ filter: this.options.filter() }, { signal, onHeader: () => onLive?.() });
        for await (const change of stream) {
          pause = FIRST_PAUSE_MS;
          onLive?.();
          onChange(change);
        }
      } catch (error) {
        if (signal.aborted || isCancelled(error)) return;
        onDown(error);
      }
      failed = true;
      await sleep(pause * (0.75 + Math.random() * 0.5), signal);
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
