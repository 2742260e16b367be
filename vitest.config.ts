import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Generous for a JVM-backed engine on a shared CI runner; the engine itself starts once per run.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes rather than threads: tests may spawn servers and use native modules (leveldb).
    pool: 'forks',
    // Quiet by default; the observability tests turn logs and metrics on for themselves.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
