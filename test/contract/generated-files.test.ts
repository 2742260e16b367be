import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { EVENTS_DIR, HAND_WRITTEN_EVENT_FILES, renderEvents } from '../../scripts/generate-events.js';
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

describe('the sam local sample events generated from the route table (run npm run generate:events after changing a route)', () => {
  it('holds in events/ exactly the generated events, each as generated, besides the hand-written files', () => {
    const events = renderEvents();
    const onDisk = readdirSync(EVENTS_DIR).filter((name) => name.endsWith('.json'));
    expect(onDisk.sort()).toEqual([...events.keys(), ...HAND_WRITTEN_EVENT_FILES].sort());
    for (const [name, text] of events) expect(readFileSync(join(EVENTS_DIR, name), 'utf8'), name).toBe(text);
  });

  it('generates one event per route key, and one for $default', () => {
    const keys = [...renderEvents().values()].map((text) => (JSON.parse(text) as { routeKey: string }).routeKey);
    const routeKeys = ROUTES.filter((r) => !r.path.endsWith('/')).map((r) => `${r.method} ${r.path}`);
    expect(keys.sort()).toEqual([...routeKeys, '$default'].sort());
  });
});
