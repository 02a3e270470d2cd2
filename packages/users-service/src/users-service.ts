// The handlers of org.users.v1.UsersService. Transport-agnostic: they take a UsersRepository and
// need only nice-grpc's CallContext (signal), so they run on @org/server or a bare nice-grpc server.
import {
  type BulkCreateUsersRequest,
  type BulkCreateUsersResponse_Failure,
  ChangeType,
  type SyncUsersRequest,
  type SyncUsersResponse,
  SyncUsersResponse_Outcome,
  type User,
  type UsersServiceDefinition,
  type WatchUsersResponse,
} from "@org/api/org/users/v1";
import type { ServiceImplementation } from "nice-grpc";
import { ServerError, Status } from "nice-grpc-common";
import { type FieldViolation, invalidArgument, resourceExhausted, unavailable } from "./errors.js";
import { applyMask, resolveMask } from "./field-mask.js";
import { mapStoreError } from "./internal/map-store-error.js";
import { InvalidPageTokenError, PageTokenCodec } from "./page-token.js";
import { UserNotFoundError } from "./store/errors.js";
import { matchesFilter, normalizeFilter } from "./store/filter.js";
import { scanUsers } from "./store/scan-users.js";
import type { UserChange, UserCursor, UserFields, UsersRepository } from "./store/users-repository.js";
import {
  fieldsForCreate,
  validateFilter,
  validateId,
  validateIds,
  validatePageSize,
  validateRequestId,
  validateUserFields,
} from "./validation.js";

export interface UsersServiceOptions {
  repository: UsersRepository;
  /** HMAC key for ListUsers page tokens, at least 32 bytes. Default: random per process. */
  pageTokenSecret?: Uint8Array;
  /** ListUsers page size when the request says 0. Default 50 users. */
  defaultPageSize?: number;
  /** Users read from the store per query while streaming. Default 100 users. */
  streamBatchSize?: number;
  /**
   * Changes a WatchUsers call may have queued but not yet sent; one more ends the call with
   * RESOURCE_EXHAUSTED so a slow watcher cannot grow memory without bound. Default 1000 changes.
   */
  watchBufferSize?: number;
}

export interface UsersService {
  /** The handlers, for `server.add(UsersServiceDefinition, service.implementation)`. */
  implementation: ServiceImplementation<UsersServiceDefinition>;
  /** Ends every WatchUsers call with UNAVAILABLE and refuses new ones. Idempotent. */
  shutdown(): void;
  /** Number of WatchUsers calls running. */
  readonly activeWatchers: number;
}

function reject(message: string, violations: FieldViolation[]): void {
  if (violations.length > 0) throw invalidArgument(message, violations);
}

function toChangeType(type: UserChange["type"]): ChangeType {
  return type === "created"
    ? ChangeType.CHANGE_TYPE_CREATED
    : type === "updated"
      ? ChangeType.CHANGE_TYPE_UPDATED
      : ChangeType.CHANGE_TYPE_DELETED;
}

type Handler = (request: unknown, context: unknown) => unknown;

function isAsyncGenerator(value: unknown): value is AsyncGenerator<unknown> {
  return (
    typeof (value as AsyncGenerator | undefined)?.[Symbol.asyncIterator] === "function" &&
    typeof (value as AsyncGenerator).throw === "function"
  );
}

async function* streamWithStoreErrors(stream: AsyncGenerator<unknown>): AsyncGenerator<unknown> {
  try {
    yield* stream;
  } catch (error) {
    mapStoreError(error);
  }
}

/**
 * Every handler with the store's own failures (database unreachable, out of time, …) turned into
 * their gRPC statuses, wherever in the handler they surface; other errors pass through unchanged.
 */
function withStoreErrors(implementation: ServiceImplementation<UsersServiceDefinition>): ServiceImplementation<UsersServiceDefinition> {
  const wrapped: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(implementation as Record<string, Handler>)) {
    wrapped[name] = (request, context) => {
      const result = handler(request, context);
      if (isAsyncGenerator(result)) return streamWithStoreErrors(result);
      return (result as Promise<unknown>).catch(mapStoreError);
    };
  }
  return wrapped as unknown as ServiceImplementation<UsersServiceDefinition>;
}

/** Code and message of a failed item, for BulkCreateUsers and SyncUsers outcomes. */
function itemFailure(error: unknown): { code: number; message: string } {
  if (error instanceof ServerError) {
    return { code: error.code, message: error.details };
  }
  try {
    mapStoreError(error);
  } catch (mapped) {
    if (mapped instanceof ServerError) return { code: mapped.code, message: mapped.details };
  }
  return { code: Status.INTERNAL, message: "internal error" };
}

export function createUsersService(options: UsersServiceOptions): UsersService {
  const repo = options.repository;
  const tokens = new PageTokenCodec(options.pageTokenSecret);
  const defaultPageSize = options.defaultPageSize ?? 50;
  const streamBatchSize = options.streamBatchSize ?? 100;
  const watchBufferSize = options.watchBufferSize ?? 1000;
  const watchers = new Set<() => void>();
  let shuttingDown = false;

  async function createOne(user: User | undefined, requestId: string, prefix: string) {
    if (!user) throw invalidArgument("user is required", [{ field: prefix, description: "is required" }]);
    const fields = fieldsForCreate(user);
    reject("invalid user", [...validateUserFields(fields, prefix), ...validateRequestId(requestId, "request_id")]);
    try {
      return await repo.create(fields, { requestId: requestId || undefined });
    } catch (error) {
      mapStoreError(error);
    }
  }

  async function syncOne(request: SyncUsersRequest): Promise<SyncUsersResponse> {
    const operation = request.operation;
    try {
      if (!operation) throw invalidArgument("operation is required: upsert or delete");
      if (operation.$case === "delete") {
        const id = operation.value.id;
        reject("invalid delete", validateId(id, "delete.id"));
        await repo.delete(id);
        return { id, outcome: SyncUsersResponse_Outcome.OUTCOME_DELETED, code: Status.OK, message: "" };
      }
      const fields = fieldsForCreate(operation.value);
      const id = operation.value.id;
      reject("invalid user", [...(id === "" ? [] : validateId(id, "upsert.id")), ...validateUserFields(fields, "upsert")]);
      const { user, created } = id === "" ? await repo.create(fields) : await repo.upsert(id, fields);
      return {
        id: user.id,
        outcome: created ? SyncUsersResponse_Outcome.OUTCOME_CREATED : SyncUsersResponse_Outcome.OUTCOME_UPDATED,
        code: Status.OK,
        message: "",
      };
    } catch (error) {
      const id = operation?.$case === "delete" ? operation.value.id : (operation?.value.id ?? "");
      return { id, outcome: SyncUsersResponse_Outcome.OUTCOME_FAILED, ...itemFailure(error) };
    }
  }

  const implementation: ServiceImplementation<UsersServiceDefinition> = {
    async getUser(request) {
      reject("invalid request", validateId(request.id, "id"));
      const user = await repo.get(request.id);
      if (!user) mapStoreError(new UserNotFoundError(request.id));
      return { user };
    },

    async batchGetUsers(request) {
      reject("invalid request", validateIds(request.ids, "ids"));
      const found = await repo.getMany(request.ids);
      const users = Object.fromEntries(found.map((user) => [user.id, user]));
      const notFound = [...new Set(request.ids)].filter((id) => !(id in users));
      return { users, notFound };
    },

    async listUsers(request) {
      const filter = normalizeFilter(request.filter);
      reject("invalid request", [...validatePageSize(request.pageSize, "page_size"), ...validateFilter(request.filter, "filter")]);
      let after: UserCursor | undefined;
      if (request.pageToken !== "") {
        try {
          after = tokens.decode(request.pageToken, filter);
        } catch (error) {
          if (!(error instanceof InvalidPageTokenError)) throw error;
          throw invalidArgument(`invalid page_token: ${error.message}`, [{ field: "page_token", description: error.message }]);
        }
      }
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const [page, totalSize] = await Promise.all([repo.list({ filter, after, limit: pageSize + 1 }), repo.count(filter)]);
      const users = page.slice(0, pageSize);
      const last = users.at(-1);
      const nextPageToken =
        page.length > pageSize && last ? tokens.encode(filter, { createTimeMs: last.createTime.getTime(), id: last.id }) : "";
      return { users, nextPageToken, totalSize };
    },

    async *streamUsers(request, context) {
      reject("invalid request", validateFilter(request.filter, "filter"));
      // Each yield waits until nice-grpc has handed the message to the transport, so a slow client
      // slows the store reads; the signal (client cancel, server shutdown) stops the scan.
      for await (const user of scanUsers(repo, normalizeFilter(request.filter), {
        batchSize: streamBatchSize,
        signal: context.signal,
      })) {
        yield { user };
      }
    },

    async *watchUsers(request, context) {
      reject("invalid request", validateFilter(request.filter, "filter"));
      if (shuttingDown) throw unavailable("server is shutting down");
      const filter = normalizeFilter(request.filter);
      const queue: WatchUsersResponse[] = [];
      let overflowed = false;
      let lost: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => wake?.();
      const unsubscribe = repo.subscribe(
        (change) => {
          const relevant = matchesFilter(change.user, filter) || (change.type === "updated" && matchesFilter(change.previous, filter));
          if (!relevant) return;
          if (queue.length >= watchBufferSize) overflowed = true;
          else queue.push({ changeType: toChangeType(change.type), user: change.user, changeTime: change.changeTime });
          notify();
        },
        (error) => {
          // The store may miss changes from now on: end the watch; the client resumes it.
          lost = error;
          notify();
        },
      );
      watchers.add(notify);
      context.signal.addEventListener("abort", notify);
      // Subscribed: the response headers go out now, so a client knows the watch is live before
      // the first change (a browser's fetch resolves only then).
      context.sendHeader();
      try {
        for (;;) {
          context.signal.throwIfAborted();
          if (overflowed) {
            throw resourceExhausted(`watcher fell more than ${watchBufferSize} changes behind; read the users again and start a new watch`);
          }
          if (shuttingDown) throw unavailable("server is shutting down");
          if (lost !== undefined && queue.length === 0) {
            throw unavailable(`this replica can no longer see every change (${lost.message}); watch again`);
          }
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        unsubscribe();
        watchers.delete(notify);
        context.signal.removeEventListener("abort", notify);
      }
    },

    async createUser(request) {
      const result = await createOne(request.user, request.requestId, "user");
      return { user: result.user };
    },

    async updateUser(request) {
      const patch = request.user;
      if (!patch) throw invalidArgument("user is required", [{ field: "user", description: "is required" }]);
      const { paths, violations } = resolveMask(request.updateMask, patch);
      reject("invalid update", [...validateId(patch.id, "user.id"), ...violations]);
      if (paths.length === 0) {
        throw invalidArgument("nothing to update", [
          { field: "update_mask", description: "is empty and the user sets no updatable field" },
        ]);
      }
      try {
        const user = await repo.update(
          patch.id,
          (current) => {
            const next: UserFields = applyMask(current, patch, paths);
            reject("invalid update", validateUserFields(next, "user"));
            return next;
          },
          { expectedEtag: request.etag || patch.etag || undefined },
        );
        return { user };
      } catch (error) {
        mapStoreError(error);
      }
    },

    async deleteUser(request) {
      reject("invalid request", validateId(request.id, "id"));
      try {
        await repo.delete(request.id, { expectedEtag: request.etag || undefined });
      } catch (error) {
        mapStoreError(error);
      }
      return {};
    },

    async bulkCreateUsers(requests: AsyncIterable<BulkCreateUsersRequest>) {
      const createdIds: string[] = [];
      const failures: BulkCreateUsersResponse_Failure[] = [];
      let index = 0;
      for await (const item of requests) {
        try {
          const { user } = await createOne(item.user, item.requestId, "user");
          createdIds.push(user.id);
        } catch (error) {
          failures.push({ index, ...itemFailure(error) });
        }
        index++;
      }
      return { createdCount: createdIds.length, createdIds, failures };
    },

    async *syncUsers(requests) {
      for await (const request of requests) {
        yield await syncOne(request);
      }
    },
  };

  return {
    implementation: withStoreErrors(implementation),
    shutdown() {
      shuttingDown = true;
      for (const notify of watchers) notify();
    },
    get activeWatchers() {
      return watchers.size;
    },
  };
}
