// nice-grpc gives grpc-js no call options, so grpc-js would neither enforce a deadline nor send
// `grpc-timeout`. The client's channel is wrapped so that the deadline of the attempt being
// started reaches `createCall`: the attempt middleware sets it, and nice-grpc calls `createCall`
// synchronously from the first step of the method's generator, before anything else can run.
import type { Channel } from "nice-grpc";

let pendingDeadline: number | undefined;

/** Sets the deadline (epoch ms) of the next call created on a `DeadlineChannel`; cleared by it. */
export function setPendingDeadline(deadlineAt: number | undefined): void {
  pendingDeadline = deadlineAt;
}

type CreateCall = Channel["createCall"];

/** A channel that applies the pending deadline to the calls it creates. */
export class DeadlineChannel {
  readonly #inner: Channel;

  constructor(inner: Channel) {
    this.#inner = inner;
  }

  createCall(...args: Parameters<CreateCall>): ReturnType<CreateCall> {
    const deadlineAt = pendingDeadline;
    pendingDeadline = undefined;
    if (deadlineAt !== undefined) args[1] = deadlineAt;
    return this.#inner.createCall(...args);
  }

  close(): void {
    this.#inner.close();
  }

  getTarget(): string {
    return this.#inner.getTarget();
  }

  getConnectivityState(tryToConnect: boolean): ReturnType<Channel["getConnectivityState"]> {
    return this.#inner.getConnectivityState(tryToConnect);
  }

  watchConnectivityState(...args: Parameters<Channel["watchConnectivityState"]>): void {
    this.#inner.watchConnectivityState(...args);
  }

  getChannelzRef(): ReturnType<Channel["getChannelzRef"]> {
    return this.#inner.getChannelzRef();
  }
}
