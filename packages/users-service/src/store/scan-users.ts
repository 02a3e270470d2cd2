import type { NormalizedFilter, UserCursor, UserRecord, UsersRepository } from "./users-repository.js";

export interface ScanUsersOptions {
  /** Users read per store query. Default 100. */
  batchSize?: number;
  /** Stops the scan (throws the abort reason) before the next batch or user. */
  signal?: AbortSignal;
}

/**
 * Every user matching `filter`, oldest first, read a keyset page at a time: memory stays bounded by
 * one batch, and the consumer's pace (e.g. a gRPC stream's backpressure) sets the pace of reads.
 */
export async function* scanUsers(
  repository: UsersRepository,
  filter: NormalizedFilter,
  options: ScanUsersOptions = {},
): AsyncGenerator<UserRecord, void, undefined> {
  const batchSize = options.batchSize ?? 100;
  let after: UserCursor | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await repository.list({ filter, after, limit: batchSize });
    for (const user of batch) {
      options.signal?.throwIfAborted();
      yield user;
    }
    const last = batch.at(-1);
    if (batch.length < batchSize || !last) return;
    after = { createTimeMs: last.createTime.getTime(), id: last.id };
  }
}
