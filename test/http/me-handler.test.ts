import { describe, expect, it, vi } from 'vitest';
import type { PhoneRecord } from '../../lambdas/core/phone-record.js';
import type { ApiEvent } from '../../lambdas/http/api-event.js';
import { makeMeHandler } from '../../lambdas/http/me-handler.js';
import { apiEvent, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

const PHONE = '+919876543210';
const ACCESS = { sub: 'user-1', phone_number: PHONE, token_use: 'access' };
const HOLDER: PhoneRecord = {
  phoneNumber: PHONE,
  user: { userId: 'user-1', totpSecret: 'S', status: 'active', createdAt: 0 },
  failedAttempts: 0,
  sendTimes: [],
};

function me(record: PhoneRecord = HOLDER) {
  const get = vi.fn(async (_phoneNumber: string, _now: number) => record.user);
  return {
    get,
    handler: makeMeHandler({ holders: { holderOf: get }, clock: { now: () => 0 } }, recordingTelemetry().telemetry),
  };
}

function withAuthorizer(authorizer: unknown): ApiEvent {
  const event = apiEvent('GET', '/me');
  return { ...event, requestContext: { ...event.requestContext, authorizer } } as ApiEvent;
}

describe('GET /me', () => {
  it('answers the subject and phone number of the verified access token, reading its number once', async () => {
    const { get, handler } = me();
    const response = await invoke(handler, apiEvent('GET', '/me', undefined, { claims: ACCESS }));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: 'user-1', phone_number: PHONE, phone_number_verified: true });
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledWith(PHONE, 0);
  });

  it.each([
    ['the number has no user (account deleted)', { ...HOLDER, user: undefined }],
    [
      'the number belongs to another user (moved, then taken)',
      { ...HOLDER, user: { ...HOLDER.user, userId: 'user-2' } },
    ],
    ['the user never finished a login', { ...HOLDER, user: { ...HOLDER.user, status: 'pending' } }],
    ['the user signed out everywhere since', { ...HOLDER, user: { ...HOLDER.user, sessionEpoch: 1 } }],
  ] as [string, PhoneRecord][])('answers 401 invalid_token when %s', async (_case, record) => {
    const response = await invoke(me(record).handler, apiEvent('GET', '/me', undefined, { claims: ACCESS }));

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
  });

  it.each([
    ['absent (a token from before the claim): epoch 0', {}, undefined, 200],
    ['a decimal string, as the authorizer passes claims', { session_epoch: '2' }, 2, 200],
    ['another epoch than the user holds', { session_epoch: '1' }, 2, 401],
    ['not a number', { session_epoch: 'abc' }, undefined, 401],
    ['negative', { session_epoch: '-1' }, undefined, 401],
    ['a fraction', { session_epoch: '0.5' }, undefined, 401],
  ] as const)('reads the session_epoch claim %s', async (_case, claim, userEpoch, status) => {
    const record: PhoneRecord = {
      ...HOLDER,
      user: { ...HOLDER.user, ...(userEpoch === undefined ? {} : { sessionEpoch: userEpoch }) } as PhoneRecord['user'],
    };
    const response = await invoke(
      me(record).handler,
      apiEvent('GET', '/me', undefined, { claims: { ...ACCESS, ...claim } }),
    );

    expect(response.status).toBe(status);
    if (status === 401) expect(response.body.code).toBe('invalid_token');
  });

  it.each([
    ['no authorizer', undefined],
    ['an authorizer without JWT claims (a Lambda authorizer, say)', { lambda: { sub: 'user-1' } }],
    ['claims of a token that is not an access token', { jwt: { claims: { ...ACCESS, token_use: 'id' } } }],
  ])('answers 401 invalid_token for %s, reading nothing', async (_case, authorizer) => {
    const { get, handler } = me();
    const response = await invoke(handler, withAuthorizer(authorizer));

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_token');
    expect(get).not.toHaveBeenCalled();
  });
});
