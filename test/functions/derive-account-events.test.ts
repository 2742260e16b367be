import { afterEach, describe, expect, it, vi } from 'vitest';
import { PUT_EVENTS_MAX_ENTRIES } from '../../lambdas/adapters/eventbridge-pipe-enrichment.js';
import { MAX_EVENTS_PER_CHANGE } from '../../lambdas/core/account-events.js';
import { ACCOUNT_EVENTS_BATCH_SIZE } from '../../lib/constructs/account-events.js';
import { STREAM_RECORD_SCENARIOS, streamRecordScenario } from '../helpers/stream-record-scenarios.js';

const SCENARIOS = STREAM_RECORD_SCENARIOS;
const scenario = streamRecordScenario;

/** The entry as deployed, with the environment the stack gives it. */
async function loadEntry(includePhoneNumber: '' | 'true' = '') {
  vi.stubEnv('EVENTS_INCLUDE_PHONE_NUMBER', includePhoneNumber);
  vi.resetModules();
  return (await import('../../lambdas/functions/derive-account-events.js')).handler;
}
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the derive-account-events entry (the pipe enrichment)', () => {
  it('answers a batch with the flat list of its events, in the records’ order, for the bus target', async () => {
    const handler = await loadEntry();
    const batch = [
      scenario('a code sent to a new number'),
      scenario('the first login of a number'),
      scenario('a login of a known user'),
      scenario('one write replacing one user by another'),
      scenario('a first passkey enrolled'),
    ].map((s) => s.record);

    const events = await handler(batch);

    expect(events.map((e) => e['detail-type'])).toEqual(['UserCreated', 'UserDeleted', 'UserCreated', 'PasskeyAdded']);
    const first = scenario('the first login of a number').record;
    expect(events[0]).toEqual({
      'detail-type': 'UserCreated',
      time: '2026-11-30T00:55:02Z',
      detail: {
        event_id: `${first.eventID}:UserCreated`,
        sub: 'b5f0c3e6-6f5e-4c35-9a55-0b2a9d6c1e01',
        time: '2026-11-30T00:55:02Z',
        country: 'IN',
        via: 'login',
      },
    });
    // Exactly what the target's paths read: nothing else of the record travels.
    for (const event of events) expect(Object.keys(event).sort()).toEqual(['detail', 'detail-type', 'time']);
  });

  it('makes of every lifecycle path exactly the events the core makes, and nothing of the other items', async () => {
    const handler = await loadEntry();
    for (const { name, events, record } of SCENARIOS) {
      expect(
        (await handler([record])).map((e) => e['detail-type']),
        name,
      ).toEqual(events);
    }
  });

  it('answers [] for a batch without events, so the pipe skips the target', async () => {
    const handler = await loadEntry();
    expect(
      await handler([scenario('a login of a known user').record, scenario('a passkey sign-in (counter)').record]),
    ).toEqual([]);
    expect(await handler([])).toEqual([]);
  });

  it('adds the numbers only with EVENTS_INCLUDE_PHONE_NUMBER=true', async () => {
    const moved = scenario('a number change: the record moved onto').record;
    const hidden = await (await loadEntry())([moved]);
    expect(hidden[0]?.detail).toEqual({
      event_id: `${moved.eventID}:PhoneNumberChanged`,
      sub: 'b5f0c3e6-6f5e-4c35-9a55-0b2a9d6c1e01',
      time: expect.stringMatching(/^2026-11-30T00:5\d:\d\dZ$/),
      country: 'US',
      previous_country: 'IN',
    });
    const shown = await (await loadEntry('true'))([moved]);
    expect(shown[0]?.detail).toMatchObject({ phone_number: '+14155550123', previous_phone_number: '+919876543210' });
  });

  it('never answers a secret, hash or public key of an image, even with the numbers shown', async () => {
    const handler = await loadEntry('true');
    const text = JSON.stringify(await Promise.all(SCENARIOS.map((s) => handler([s.record]))));
    for (const secret of [
      'JBSWY3DPEHPK3PXP', // TOTP secret
      '59866666', // code step
      'q5xTLrPq2AlbmZ3YKJbZ3YH0lDnc6I6Cj8aPJ0s6hVo', // refresh-token hash
      'PUBLICKEYBYTES',
      'fbfc3007', // aaguid
      'SequenceNumber',
      'eventSourceARN',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it(`never answers more than the bus takes in one PutEvents (${PUT_EVENTS_MAX_ENTRIES}) for a batch of the pipe's size`, async () => {
    expect(ACCOUNT_EVENTS_BATCH_SIZE).toBe(5);
    expect(ACCOUNT_EVENTS_BATCH_SIZE * MAX_EVENTS_PER_CHANGE).toBe(PUT_EVENTS_MAX_ENTRIES);
    const handler = await loadEntry();
    // The worst batch: every record makes two events.
    const worst = SCENARIOS.filter((s) => s.events.length === MAX_EVENTS_PER_CHANGE);
    expect(worst.length).toBeGreaterThanOrEqual(2);
    const batch = Array.from({ length: ACCOUNT_EVENTS_BATCH_SIZE }, (_, i) => worst[i % worst.length]?.record);
    expect(await handler(batch)).toHaveLength(PUT_EVENTS_MAX_ENTRIES);
    // One record more could not go in one call: the batch fails, and the pipe halves it.
    await expect(handler([...batch, worst[0]?.record])).rejects.toThrow(
      /6 stream records made 12 events, more than one PutEvents takes \(10\)/,
    );
  });

  it.each([
    ['an object instead of a batch', { Records: [] }, /takes an array of stream records, got object/],
    ['null', null, /got null/],
    ['a record that is not an object', ['INSERT'], /not an object/],
    [
      'a record without keys',
      [{ eventID: 'e1', eventName: 'MODIFY', dynamodb: { ApproximateCreationDateTime: 1 } }],
      /event e1/,
    ],
    [
      'a record of another shape (a reshaped filter)',
      [
        {
          eventID: 'e2',
          eventName: 'MODIFY',
          dynamodb: { ApproximateCreationDateTime: 1, Keys: { pk: { N: '1' }, sk: { S: 'x' } } },
        },
      ],
      /stream record e2 has no string pk and sk/,
    ],
  ])(
    'throws for %s, so the pipe retries, halves the batch and dead-letters the bad record',
    async (_case, input, message) => {
      const handler = await loadEntry();
      await expect(handler(input)).rejects.toThrow(message);
    },
  );
});
