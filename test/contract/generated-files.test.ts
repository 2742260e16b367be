import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_TYPES_FILE,
  renderClientTypes,
  renderServedModule,
  SERVED_MODULE_FILE,
  servedJson,
} from '../../scripts/generate-openapi.js';

describe('the files generated from docs/openapi.yaml (run npm run generate:openapi after editing it)', () => {
  it('serves the document as it stands: the module GET /openapi.json returns holds the YAML as JSON', async () => {
    expect(readFileSync(SERVED_MODULE_FILE, 'utf8')).toBe(renderServedModule());
    const { OPENAPI_JSON } = await import('../../lambdas/http/openapi-document.generated.js');
    expect(OPENAPI_JSON).toBe(servedJson());
    expect(JSON.parse(OPENAPI_JSON)).toMatchObject({ openapi: '3.1.0', info: { title: 'otp-login' } });
  });

  it('gives the example client the types openapi-typescript generates from it today', async () => {
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8')).toBe(await renderClientTypes());
  }, 60_000);
});
