import { describe, expect, it } from 'vitest';
import { createOtpLoginClient, OtpLoginError, refreshTokens, sendOtp } from '../../examples/client/otp-login-client.js';

const BASE = 'http://otp.test';
const PHONE = '+919876543210';
const SENT = { message: 'OTP sent', expires_in: 300 };
const COOLDOWN = { error: 'Too many codes requested; try again later.', code: 'rate_limited' };

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

/** A fetch that answers from a script, recording each request's method, path and body, and the waits. */
function scripted(...answers: Response[]) {
  const requests: { method: string; path: string; body: string }[] = [];
  const waits: number[] = [];
  const fetch = async (request: Request) => {
    requests.push({ method: request.method, path: new URL(request.url).pathname, body: await request.text() });
    const next = answers.shift();
    if (!next) throw new Error('more requests than the script has answers');
    return next;
  };
  const sleep = async (milliseconds: number) => {
    waits.push(milliseconds);
  };
  return { requests, waits, options: { fetch, sleep } };
}

describe('the example client and Retry-After', () => {
  it('waits out a short Retry-After on a 429 (the send cooldown), then sends the same request once more', async () => {
    const script = scripted(answer(429, COOLDOWN, { 'retry-after': '42' }), answer(200, SENT));
    const client = createOtpLoginClient(BASE, script.options);

    expect(await sendOtp(client, PHONE)).toBe(300);
    expect(script.waits).toEqual([42_000]);
    const body = JSON.stringify({ phone_number: PHONE });
    expect(script.requests).toEqual([
      { method: 'POST', path: '/send-otp', body },
      { method: 'POST', path: '/send-otp', body },
    ]);
  });

  it('retries a 503 with Retry-After (a server still starting) the same way, body included', async () => {
    const unavailable = { error: 'Service unavailable; retry shortly.', code: 'service_unavailable' };
    const tokens = { access: 'a.b.c', refresh: 'f.s', token_type: 'Bearer', expires_in: 900 };
    const script = scripted(answer(503, unavailable, { 'retry-after': '1' }), answer(200, tokens));

    expect(await refreshTokens(createOtpLoginClient(BASE, script.options), 'f.s')).toEqual(tokens);
    expect(script.waits).toEqual([1000]);
    expect(script.requests.map((r) => r.body)).toEqual(['{"refresh":"f.s"}', '{"refresh":"f.s"}']);
  });

  it('retries only once: a second refusal is thrown with its Retry-After', async () => {
    const script = scripted(
      answer(429, COOLDOWN, { 'retry-after': '60' }),
      answer(429, COOLDOWN, { 'retry-after': '3' }),
    );
    const error = await sendOtp(createOtpLoginClient(BASE, script.options), PHONE).catch((e: unknown) => e);

    expect(script.waits).toEqual([60_000]);
    expect(script.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(OtpLoginError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 3 });
  });

  it('does not wait longer than 60 s: it throws at once and says how long to wait', async () => {
    const locked = { error: 'Too many attempts; try again later.', code: 'too_many_attempts' };
    const script = scripted(answer(429, locked, { 'retry-after': '61' }));
    const error = await sendOtp(createOtpLoginClient(BASE, script.options), PHONE).catch((e: unknown) => e);

    expect(script.waits).toEqual([]);
    expect(script.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 429, code: 'too_many_attempts', retryAfterSeconds: 61 });
    expect((error as Error).message).toBe('Too many attempts; try again later. Retry after 61 s.');
  });

  it('takes another limit, and 0 never waits', async () => {
    const patient = scripted(answer(429, COOLDOWN, { 'retry-after': '120' }), answer(200, SENT));
    expect(await sendOtp(createOtpLoginClient(BASE, { ...patient.options, maxRetryWaitSeconds: 120 }), PHONE)).toBe(
      300,
    );
    expect(patient.waits).toEqual([120_000]);

    const hasty = scripted(answer(429, COOLDOWN, { 'retry-after': '1' }));
    const client = createOtpLoginClient(BASE, { ...hasty.options, maxRetryWaitSeconds: 0 });
    await expect(sendOtp(client, PHONE)).rejects.toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(hasty.waits).toEqual([]);
  });

  it('does not retry a refusal without Retry-After (API Gateway throttling, sms_unavailable) or another status', async () => {
    const throttled = scripted(answer(429, { message: 'Too Many Requests' }));
    const error = await sendOtp(createOtpLoginClient(BASE, throttled.options), PHONE).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, code: undefined, retryAfterSeconds: undefined });
    expect((error as Error).message).toBe('Too Many Requests');

    const smsDown = scripted(answer(503, { error: 'SMS could not be sent.', code: 'sms_unavailable' }));
    await expect(sendOtp(createOtpLoginClient(BASE, smsDown.options), PHONE)).rejects.toMatchObject({
      status: 503,
      code: 'sms_unavailable',
    });

    const invalid = { error: 'Invalid phone number.', code: 'invalid_phone_number' };
    const badRequest = scripted(answer(400, invalid, { 'retry-after': '5' }));
    await expect(sendOtp(createOtpLoginClient(BASE, badRequest.options), PHONE)).rejects.toMatchObject({
      status: 400,
      code: 'invalid_phone_number',
    });
    expect([throttled, smsDown, badRequest].map((s) => [s.waits, s.requests.length])).toEqual([
      [[], 1],
      [[], 1],
      [[], 1],
    ]);
  });
});
