#!/usr/bin/env node
// The users service: `node dist/main.js` (or the `users-service` bin). Settings come from the
// environment (see README.md and src/config.ts).
import { loadConfig, type UsersServiceConfig } from "./config.js";
import { startUsersService } from "./start-users-service.js";
import { startTelemetry } from "./telemetry.js";

let config: UsersServiceConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(`users-service: bad configuration: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}

const telemetry = startTelemetry("users-service");
try {
  const running = await startUsersService({ config, handleSignals: telemetry === undefined });
  // The one line for a person (stdout carries JSON log lines only).
  if (running.consoleUrl !== undefined) process.stderr.write(`users-service: open the users console at ${running.consoleUrl}\n`);
  if (telemetry !== undefined) {
    // With traces on, the spans of the last calls must leave before the process does: drain the
    // server, then flush the exporter, then exit (a second signal exits at once).
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      running.server.logger.info({ signal }, "signal received: shutting down");
      void running
        .close()
        .then(() => telemetry.shutdown())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  }
} catch (error) {
  console.error(`users-service: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
