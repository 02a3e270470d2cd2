export type {
  ConsoleHttpHandler,
  ConsoleHttpHandlerOptions,
  ConsoleRequest,
  ConsoleResponse,
} from "./console-http-handler.js";
export { consoleHttpHandler } from "./console-http-handler.js";
