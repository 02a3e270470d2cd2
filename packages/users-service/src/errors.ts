// The gRPC errors the handlers raise come from @org/server, so every service in the organisation
// encodes rich details (BadRequest in grpc-status-details-bin) the same way.

export type { FieldViolation } from "@org/server";
export {
  aborted,
  alreadyExists,
  invalidArgument,
  notFound,
  resourceExhausted,
  unavailable,
} from "@org/server";
