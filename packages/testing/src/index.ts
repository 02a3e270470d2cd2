export type { TestServer, TestServerOptions } from "./start-test-server.js";
export { startTestServer } from "./start-test-server.js";
