import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { OtpPolicy } from '../../lambdas/core/login.js';
import { codeAtStep, totpStepAt } from '../../lambdas/core/otp-code.js';
import { emptyRecord, type PhoneRecord } from '../../lambdas/core/phone-record.js';
import type { PhoneRecordStore, RefreshFamily, RefreshFamilyStore } from '../../lambdas/core/ports.js';
import { importKeySet, type KeySet } from '../../lambdas/core/signing-keys.js';
import { hashRefreshToken, newFamilyId, newRefreshToken } from '../../lambdas/core/tokens.js';
import { makeRefreshTokenHandler } from '../../lambdas/http/refresh-token-handler.js';
import { makeSendOtpHandler } from '../../lambdas/http/send-otp-handler.js';
import { makeVerifyOtpHandler } from '../../lambdas/http/verify-otp-handler.js';
import { TEST_OTP_POLICY } from '../helpers/fixtures.js';
import { firstKeySetDocument } from '../helpers/keys.js';
import { apiEvent, invoke } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

// What each handler logs and counts on success, over stub ports: the outcomes themselves are tested
// through DynamoDB Local (login.test.ts, tokens.test.ts) and in test/core.

const T0 = 1_800_000_000;
const PHONE = '+919876543210';
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const clock = { now: () => T0 * 1000 };
const POLICY: OtpPolicy = { ...TEST_OTP_POLICY, sendCooldownSeconds: 0 };
const SESSIONS = {
  issuer: 'https://auth.test',
  audience: 'otp-login',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 86_400,
  refreshReuseGraceSeconds: 10,
};

let keySet: KeySet;
beforeAll(async () => {
  keySet = await importKeySet(await firstKeySetDocument(T0 - 60), T0);
});

function records(record: PhoneRecord): PhoneRecordStore {
  return {
    get: async () => ({ record, version: 1 }),
    save: async () => true,
    extendCode: async () => {},
    cancelCode: async () => {},
    consumeCode: async () => true,
    recordFailedAttempt: async () => ({ outcome: 'refused' }),
    endSessions: async () => true,
    withdrawChange: async () => {},
  };
}

function families(family?: RefreshFamily): RefreshFamilyStore {
  return {
    get: async () => family,
    create: async () => {},
    rotate: async () => true,
    revoke: async () => true,
  };
}

function sendOtp(signupMode: OtpPolicy['signupMode']) {
  const recorded = recordingTelemetry();
  const handler = makeSendOtpHandler(
    {
      records: records(emptyRecord(PHONE)),
      ipLimiter: { tryConsume: async () => true, refund: async () => {} },
      countryLimiter: {
        tryConsume: async () => ({ country: 'IN', windowStart: 0, shard: 0 }),
        refund: async () => {},
        hasRoom: async () => true,
        countSent: async () => {},
      },
      sms: { send: vi.fn(async () => {}) },
      clock,
      policy: { ...POLICY, signupMode },
    },
    recorded.telemetry,
  );
  return { ...recorded, response: invoke(handler, apiEvent('POST', '/send-otp', { phone_number: PHONE })) };
}

describe('POST /send-otp', () => {
  it('counts OtpSent and logs the masked number when a code was texted', async () => {
    const { response, counted, lines } = sendOtp('open');

    expect((await response).body).toEqual({ message: 'OTP sent', expires_in: 300 });
    expect(counted).toEqual(['OtpSent']);
    expect(lines).toEqual([
      { level: 'info', message: 'otp requested', attributes: { phone: '+91******3210', outcome: 'sent' } },
    ]);
  });

  it('answers an unknown number under closed signup alike, but counts no OtpSent: nothing was texted', async () => {
    const { response, counted, lines } = sendOtp('closed');

    expect((await response).body).toEqual({ message: 'OTP sent', expires_in: 300 });
    expect(counted).toEqual([]);
    expect(lines[0]?.attributes).toEqual({ phone: '+91******3210', outcome: 'unknown_number' });
  });
});

describe('POST /verify-otp', () => {
  it('counts OtpVerified and logs the masked number and the subject', async () => {
    const step = totpStepAt(T0);
    const pending: PhoneRecord = {
      ...emptyRecord(PHONE),
      user: { userId: 'user-1', totpSecret: SECRET, status: 'pending', createdAt: T0 - 60 },
      code: { step, expiresAt: T0 + 300, consumed: false },
    };
    const { telemetry, counted, lines } = recordingTelemetry();
    const handler = makeVerifyOtpHandler(
      {
        records: records(pending),
        refreshFamilies: families(),
        keys: { load: async () => keySet },
        clock,
        sessions: SESSIONS,
        policy: POLICY,
      },
      telemetry,
    );

    const response = await invoke(
      handler,
      apiEvent('POST', '/verify-otp', { phone_number: PHONE, otp: codeAtStep(SECRET, step) }),
    );

    expect(response.status).toBe(200);
    expect(counted).toEqual(['OtpVerified']);
    expect(lines).toEqual([
      { level: 'info', message: 'otp verified', attributes: { phone: '+91******3210', sub: 'user-1' } },
    ]);
  });
});

describe('POST /token/refresh', () => {
  it('counts TokenRefreshed and logs the subject and the outcome', async () => {
    const token = newRefreshToken(newFamilyId());
    const family: RefreshFamily = {
      familyId: token.split('.')[0] ?? '',
      userId: 'user-1',
      phoneNumber: PHONE,
      familyExpiresAt: T0 + 86_400,
      createdAt: T0 - 60,
      headHash: hashRefreshToken(token),
      generation: 0,
    };
    const { telemetry, counted, lines } = recordingTelemetry();
    const handler = makeRefreshTokenHandler(
      {
        refreshFamilies: families(family),
        holders: { holderOf: async () => ({ userId: 'user-1', status: 'active' as const }) },
        keys: { load: async () => keySet },
        clock,
        sessions: SESSIONS,
      },
      telemetry,
    );

    const response = await invoke(handler, apiEvent('POST', '/token/refresh', { refresh: token }));

    expect(response.status).toBe(200);
    expect(counted).toEqual(['TokenRefreshed']);
    expect(lines).toEqual([
      { level: 'info', message: 'tokens refreshed', attributes: { sub: 'user-1', outcome: 'rotated' } },
    ]);
  });
});
