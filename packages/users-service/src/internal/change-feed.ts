// The in-process change feed behind WatchUsers: stores call `publish` after a commit, and `lose`
// when they can no longer see every change (a PostgreSQL replica that lost its LISTEN connection).
import type { UserChange } from "../store/users-repository.js";

interface Subscription {
  listener: (change: UserChange) => void;
  onLost: ((error: Error) => void) | undefined;
}

export class ChangeFeed {
  readonly #subscriptions = new Set<Subscription>();

  subscribe(listener: (change: UserChange) => void, onLost?: (error: Error) => void): () => void {
    // One entry per call, so subscribing the same function twice yields two independent subscriptions.
    const entry: Subscription = { listener, onLost };
    this.#subscriptions.add(entry);
    return () => {
      this.#subscriptions.delete(entry);
    };
  }

  publish(change: UserChange): void {
    for (const { listener } of this.#subscriptions) {
      try {
        listener(change);
      } catch {
        // A faulty listener must not turn a committed write into a failed call.
      }
    }
  }

  /** Changes may have been missed: every current subscriber is told and dropped. */
  lose(error: Error): void {
    const lost = [...this.#subscriptions];
    this.#subscriptions.clear();
    for (const { onLost } of lost) {
      try {
        onLost?.(error);
      } catch {
        // as in publish
      }
    }
  }

  get size(): number {
    return this.#subscriptions.size;
  }
}
