import { defineConfig } from "vitest/config";

// Files run one at a time: they start real server processes and measure memory, deadlines and
// handle counts, which parallel files on two cores would blur.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
