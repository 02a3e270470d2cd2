import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { Status } from "nice-grpc-common";
import { ErrorInfo, RetryInfo } from "nice-grpc-error-details";
import { describe, expect, it } from "vitest";
import {
  aborted,
  alreadyExists,
  failedPrecondition,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
} from "../src/index.js";
import { rejection, startServer } from "./helpers.js";

const info = { info: { reason: "REASON", domain: "users.test", metadata: { k: "v" } } };
const helpers: Record<string, [() => Error, Status]> = {
  notFound: [() => notFound("nf", info), Status.NOT_FOUND],
  alreadyExists: [() => alreadyExists("ae", info), Status.ALREADY_EXISTS],
  failedPrecondition: [() => failedPrecondition("fp", info), Status.FAILED_PRECONDITION],
  aborted: [() => aborted("ab", info), Status.ABORTED],
  permissionDenied: [() => permissionDenied("pd", info), Status.PERMISSION_DENIED],
  unauthenticated: [() => unauthenticated("ua", info), Status.UNAUTHENTICATED],
  resourceExhausted: [() => resourceExhausted("re", 1500, info), Status.RESOURCE_EXHAUSTED],
  unavailable: [() => unavailable("un", 250, info), Status.UNAVAILABLE],
};

describe("error helpers over the wire", () => {
  it("carry their code, message and details in grpc-status-details-bin", async () => {
    const t = await startServer({}, (server) =>
      server.add(UsersServiceDefinition, {
        async getUser({ id }) {
          throw helpers[id]![0]();
        },
      }),
    );
    for (const [name, [, code]] of Object.entries(helpers)) {
      const err = await rejection(() => t.client.getUser({ id: name }));
      expect(err.code, name).toBe(code);
      const errorInfo = err.extra.find((d: any) => d.$type === ErrorInfo.$type);
      expect(errorInfo, name).toMatchObject({ reason: "REASON", domain: "users.test", metadata: { k: "v" } });
      const retry = err.extra.find((d: any) => d.$type === RetryInfo.$type);
      if (name === "resourceExhausted") expect(retry.retryDelay).toMatchObject({ seconds: 1, nanos: 500_000_000 });
      else if (name === "unavailable") expect(retry.retryDelay).toMatchObject({ seconds: 0, nanos: 250_000_000 });
      else expect(retry, name).toBeUndefined();
    }
  });
});
