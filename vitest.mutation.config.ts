import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// What `npm run mutation` runs against each mutant: the tests that exercise lambdas/core and
// lambdas/http (DynamoDB Local included), not the slow infra and end-to-end suites.
export default mergeConfig(
  base,
  defineConfig({ test: { include: ['test/core/**/*.test.ts', 'test/http/**/*.test.ts'] } }),
);
