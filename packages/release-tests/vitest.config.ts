import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs from a real (local) registry and copies of the repository: slow by nature.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The two files are independent, but each is heavy on 2 cores; run them one after the other.
    fileParallelism: false,
  },
});
