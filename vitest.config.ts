import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fault tests restart PostgreSQL: they run alone, after the rest (vitest.faults.config.ts).
    exclude: ["test/faults/**", "**/node_modules/**"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    // Three files at a time on two cores: most tests wait on PostgreSQL, child processes or the
    // browser, not the CPU (vitest's default here is one: 10.4 min for the suite, 7.0 with three).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
