import { defineConfig } from "vitest/config";

// Browser tests start a users service and Chromium per file: generous timeouts, files one at a time
// (the machine is shared and each file runs its own browser).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
