import type { TestProject } from 'vitest/node';
import {
  type DynamoDbEngineName,
  detectJavaMajorVersion,
  MIN_JAVA_VERSION,
  startDynamoDbEngine,
} from '../../scripts/dynamodb-engine.js';

const ENGINES: readonly DynamoDbEngineName[] = ['dynamodb-local', 'dynalite'];

/** Starts one in-memory engine for the whole run; every test file makes its own tables in it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = engineFromEnv(process.env.TEST_DYNAMODB_ENGINE);
  if (engine === 'dynamodb-local') {
    // Tests must run against the engine CI uses, so a missing Java fails the run rather than
    // quietly switching to dynalite.
    const java = await detectJavaMajorVersion();
    if (java === undefined || java < MIN_JAVA_VERSION) {
      throw new Error(
        `The tests run against DynamoDB Local, which needs Java ${MIN_JAVA_VERSION}+ on PATH (found ${java ?? 'none'}). ` +
          'Install Java 17 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; the suite runs on Linux, as some tests read /proc), ' +
          'or run against dynalite on purpose with TEST_DYNAMODB_ENGINE=dynalite.',
      );
    }
  }
  const started = await startDynamoDbEngine({ engine });
  project.provide('dynamodbEndpoint', started.endpoint);
  return () => started.stop();
}

function engineFromEnv(value: string | undefined): DynamoDbEngineName {
  if (value === undefined || value === '') return 'dynamodb-local';
  const engine = ENGINES.find((name) => name === value);
  if (!engine) throw new Error(`TEST_DYNAMODB_ENGINE must be one of ${ENGINES.join(', ')}; got '${value}'`);
  return engine;
}
