#!/usr/bin/env node
// The users service: `node dist/main.js` (or the `users-service` bin). Settings come from the
// environment (see README.md and src/config.ts).
import { loadConfig, type UsersServiceConfig } from "./config.js";
import { startUsersService } from "./start-users-service.js";

let config: UsersServiceConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(`users-service: bad configuration: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}

try {
  await startUsersService({ config });
} catch (error) {
  console.error(`users-service: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
