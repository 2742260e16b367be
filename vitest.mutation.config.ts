import { relative } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

// Seconds per test, not milliseconds: replays of 100-step sequences on three apps.
const SLOWEST = ['test/http/enumeration.test.ts'];

/**
 * Cheapest first. Stryker stops a mutant's run at its first failing test, so a mutant that a pure
 * unit test (test/core) kills never starts a file over DynamoDB Local, and the slowest files run only
 * for mutants nothing quicker kills. Within a tier: the file that failed last (it killed the previous
 * mutant, most likely of the same code), then the shortest. Vitest's own order is longest first.
 */
class CheapestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const path = (file: TestSpecification) => relative(config.root, file.moduleId);
    const tier = (file: TestSpecification) =>
      path(file).startsWith('test/core/') ? 0 : SLOWEST.includes(path(file)) ? 2 : 1;
    const last = (file: TestSpecification) => cache.getFileTestResults(`${file.project.name}:${path(file)}`);
    return [...files].sort(
      (a, b) =>
        tier(a) - tier(b) ||
        Number(last(b)?.failed ?? false) - Number(last(a)?.failed ?? false) ||
        (last(a)?.duration ?? 0) - (last(b)?.duration ?? 0),
    );
  }
}

// What `npm run mutation` runs against each mutant: the tests that exercise lambdas/core and
// lambdas/http (DynamoDB Local included), not the slow infra and end-to-end suites.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/core/**/*.test.ts', 'test/http/**/*.test.ts'],
      sequence: { sequencer: CheapestFirst },
    },
  }),
);
