declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the one in-memory DynamoDB engine that test/helpers/global-setup.ts starts for the run. */
    dynamodbEndpoint: string;
  }
}

// A module, so the declaration above augments vitest instead of replacing it.
export {};
