// nice-grpc-common's `ClientError`, `Metadata` and `Status`, each from its own module. The package
// is CommonJS only and its index also loads the server half and the middleware composition, which
// a bundler cannot drop (1.2 kB gzip of a browser page, packages/bench "Browser bundle size"). The
// files are the ones the index loads, so `ClientError` is the same class `nice-grpc` throws and
// `@org/client`'s errors pass the same checks. The version is pinned exactly (2.0.4);
// test/core.test.ts checks these are the index's own objects.
export { ClientError } from "nice-grpc-common/lib/client/ClientError.js";
export { Metadata } from "nice-grpc-common/lib/Metadata.js";
export { Status } from "nice-grpc-common/lib/Status.js";
