import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { makeMeHandler } from '../../lambdas/http/me-handler.js';
import { apiEvent, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const ACCESS = { sub: 'user-1', phone_number: '+919876543210', token_use: 'access' };

function withAuthorizer(authorizer: unknown): ApiEvent {
  const event = apiEvent('GET', '/me');
  return { ...event, requestContext: { ...event.requestContext, authorizer } } as ApiEvent;
}

describe('GET /me', () => {
  it('answers the subject and phone number of the verified access token', async () => {
    const response = await invoke(
      makeMeHandler(recordingTelemetry().telemetry),
      apiEvent('GET', '/me', undefined, { claims: ACCESS }),
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: 'user-1', phone_number: '+919876543210', phone_number_verified: true });
  });

  it.each([
    ['no authorizer', undefined],
    ['an authorizer without JWT claims (a Lambda authorizer, say)', { lambda: { sub: 'user-1' } }],
    ['claims of a token that is not an access token', { jwt: { claims: { ...ACCESS, token_use: 'id' } } }],
  ])('answers 401 invalid_token for %s', async (_case, authorizer) => {
    const response = await invoke(makeMeHandler(recordingTelemetry().telemetry), withAuthorizer(authorizer));

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });
});
