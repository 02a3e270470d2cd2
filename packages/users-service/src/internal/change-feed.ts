// The in-process change feed behind WatchUsers: stores call `publish` after a commit.
import type { UserChange } from "../store/users-repository.js";

export class ChangeFeed {
  readonly #listeners = new Set<(change: UserChange) => void>();

  subscribe(listener: (change: UserChange) => void): () => void {
    // Wrap so that subscribing the same function twice still yields two independent subscriptions.
    const entry = (change: UserChange) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  publish(change: UserChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A faulty listener must not turn a committed write into a failed call.
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
