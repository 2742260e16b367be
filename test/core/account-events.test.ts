import { describe, expect, it } from 'vitest';
import { KEY_PREFIXES } from '../../lambdas/adapters/table-keys.js';
import {
  type AccountEvent,
  accountEventsOf,
  EVENT_ITEM_PREFIXES,
  type ItemImage,
  MAX_EVENTS_PER_CHANGE,
  type TableChange,
  timeOf,
} from '../../lambdas/core/account-events.js';

const AT = 1_796_000_000; // 2026-11-30T00:53:20Z
const PHONE = '+919876543210';
const OTHER = '+14155550123';
const SECRETS = {
  totpSecret: 'TOTPSECRETVALUE234567',
  changeSecret: 'CHANGESECRETVALUE2345',
  otpStep: 5_986_666,
  changeUserId: 'user-pending-change',
};

const hidden = { includePhoneNumber: false };
const shown = { includePhoneNumber: true };

function phoneChange(
  oldImage: ItemImage | undefined,
  newImage: ItemImage | undefined,
  phone = PHONE,
  kind: TableChange['kind'] = newImage ? (oldImage ? 'MODIFY' : 'INSERT') : 'REMOVE',
): TableChange {
  return {
    id: 'rec-1',
    kind,
    at: AT,
    keys: { pk: `PHONE#${phone}`, sk: 'USER' },
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
  };
}

const active = (userId: string, extra: ItemImage = {}): ItemImage => ({
  phoneNumber: PHONE,
  userId,
  status: 'active',
  ...SECRETS,
  ...extra,
});
const pending = (userId: string): ItemImage => ({ phoneNumber: PHONE, userId, status: 'pending', ...SECRETS });
const vacant: ItemImage = { phoneNumber: PHONE, failedAttempts: 0, sendTimes: [AT - 60] };

function passkeyChange(oldImage: ItemImage | undefined, newImage: ItemImage | undefined): TableChange {
  return {
    id: 'rec-2',
    kind: newImage ? (oldImage ? 'MODIFY' : 'INSERT') : 'REMOVE',
    at: AT,
    keys: { pk: 'PASSKEYS#user-1', sk: 'PASSKEYS' },
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
  };
}

const passkey = (name: string, extra: ItemImage = {}) => ({
  publicKey: 'pQECAyYgASFYIPUBLICKEYBYTES',
  counter: 7,
  transports: ['internal'],
  backedUp: true,
  deviceType: 'multiDevice',
  name,
  createdAt: AT - 3600,
  aaguid: '00000000-0000-0000-0000-000000000000',
  ...extra,
});

describe('accountEventsOf: phone records', () => {
  it('makes UserCreated (via login) when a code first activates a pending user, with no number by default', () => {
    expect(accountEventsOf(phoneChange(pending('user-1'), active('user-1')), hidden)).toEqual([
      {
        'detail-type': 'UserCreated',
        time: '2026-11-30T00:53:20Z',
        detail: {
          event_id: 'rec-1:UserCreated',
          sub: 'user-1',
          time: '2026-11-30T00:53:20Z',
          country: 'IN',
          via: 'login',
        },
      },
    ]);
  });

  it('adds the number only with EVENTS_INCLUDE_PHONE_NUMBER', () => {
    const [created] = accountEventsOf(phoneChange(pending('user-1'), active('user-1')), shown);
    expect(created?.detail).toMatchObject({ phone_number: PHONE, country: 'IN' });
  });

  it('makes UserCreated (via operator) for an operator add', () => {
    const change = phoneChange(undefined, active('user-1', { holderChange: { kind: 'created', by: 'operator' } }));
    expect(accountEventsOf(change, hidden).map((e) => [e['detail-type'], e.detail])).toEqual([
      ['UserCreated', expect.objectContaining({ via: 'operator', sub: 'user-1' })],
    ]);
  });

  it('makes nothing for a login of a known user, a code sent or a wrong guess', () => {
    const known = active('user-1', { sessionEpoch: 3 });
    expect(accountEventsOf(phoneChange(known, { ...known, otpConsumed: true }), hidden)).toEqual([]);
    expect(accountEventsOf(phoneChange(known, { ...known, failedAttempts: 1 }), hidden)).toEqual([]);
    expect(accountEventsOf(phoneChange(undefined, pending('user-2')), hidden)).toEqual([]);
    expect(
      accountEventsOf(phoneChange(pending('user-2'), { ...pending('user-2'), failedAttempts: 2 }), hidden),
    ).toEqual([]);
    expect(accountEventsOf(phoneChange(vacant, { ...vacant, sendTimes: [AT] }), hidden)).toEqual([]);
  });

  it('makes PhoneNumberChanged from the record moved onto, and nothing from the record left', () => {
    const moved = phoneChange(
      vacant,
      active('user-1', { phoneNumber: OTHER, sessionEpoch: 4, holderChange: { kind: 'moved_in', from: PHONE } }),
      OTHER,
    );
    expect(accountEventsOf(moved, shown)).toEqual([
      {
        'detail-type': 'PhoneNumberChanged',
        time: '2026-11-30T00:53:20Z',
        detail: {
          event_id: 'rec-1:PhoneNumberChanged',
          sub: 'user-1',
          time: '2026-11-30T00:53:20Z',
          country: 'US',
          phone_number: OTHER,
          previous_country: 'IN',
          previous_phone_number: PHONE,
        },
      },
    ]);
    expect(accountEventsOf(moved, hidden)[0]?.detail).not.toHaveProperty('previous_phone_number');
    const left = phoneChange(active('user-1', { sessionEpoch: 3 }), {
      ...vacant,
      holderChange: { kind: 'moved_out' },
    });
    expect(accountEventsOf(left, shown)).toEqual([]);
  });

  it.each([
    ['user', { holderChange: { kind: 'deleted', by: 'user' } }, { initiator: 'user' }],
    ['operator', { holderChange: { kind: 'deleted', by: 'operator' } }, { initiator: 'operator' }],
    ['nobody the table names', {}, {}],
  ])('makes UserDeleted when the holder goes, asked by %s', (_who, marker, initiator) => {
    const [deleted, ...rest] = accountEventsOf(phoneChange(active('user-1'), { ...vacant, ...marker }), hidden);
    expect(rest).toEqual([]);
    expect(deleted).toEqual({
      'detail-type': 'UserDeleted',
      time: '2026-11-30T00:53:20Z',
      detail: {
        event_id: 'rec-1:UserDeleted',
        sub: 'user-1',
        time: '2026-11-30T00:53:20Z',
        country: 'IN',
        ...initiator,
      },
    });
  });

  it('makes UserDeleted for an active record removed outright', () => {
    expect(accountEventsOf(phoneChange(active('user-1'), undefined), hidden).map((e) => e['detail-type'])).toEqual([
      'UserDeleted',
    ]);
  });

  it('makes SessionsRevoked when the epoch of the same user moves on, saying who asked', () => {
    const change = phoneChange(
      active('user-1', { sessionEpoch: 2 }),
      active('user-1', { sessionEpoch: 3, holderChange: { kind: 'sessions_revoked', by: 'operator' } }),
    );
    expect(accountEventsOf(change, hidden)).toEqual([
      {
        'detail-type': 'SessionsRevoked',
        time: '2026-11-30T00:53:20Z',
        detail: {
          event_id: 'rec-1:SessionsRevoked',
          sub: 'user-1',
          time: '2026-11-30T00:53:20Z',
          country: 'IN',
          initiator: 'operator',
          session_epoch: 3,
        },
      },
    ]);
    // An absent epoch is epoch 0, as the stores read it.
    const first = phoneChange(active('user-1'), active('user-1', { sessionEpoch: 1 }));
    expect(accountEventsOf(first, hidden)[0]?.detail).toMatchObject({ session_epoch: 1 });
    expect(accountEventsOf(first, hidden)[0]?.detail).not.toHaveProperty('initiator');
  });

  it('does not read a stale marker as the reason of a write that did not set it', () => {
    // A login's activation removes the marker; were one left, only moved_in/created change the event.
    const change = phoneChange(pending('user-1'), active('user-1', { holderChange: { kind: 'deleted', by: 'user' } }));
    expect(accountEventsOf(change, hidden)[0]?.detail).toMatchObject({ via: 'login' });
    const badMarker = phoneChange(pending('user-1'), active('user-1', { holderChange: { kind: 'moved_in' } }));
    expect(accountEventsOf(badMarker, hidden)[0]?.['detail-type']).toBe('UserCreated');
  });

  it('makes UserDeleted then UserCreated when one write replaces one user by another', () => {
    const change = phoneChange(active('user-1'), active('user-2'));
    expect(accountEventsOf(change, hidden).map((e) => [e['detail-type'], e.detail.sub])).toEqual([
      ['UserDeleted', 'user-1'],
      ['UserCreated', 'user-2'],
    ]);
  });

  it('holds no one to be a user without a string id, and reads a null marker as none', () => {
    const { userId: _id, ...nameless } = active('user-1');
    expect(accountEventsOf(phoneChange(vacant, nameless), hidden)).toEqual([]);
    expect(accountEventsOf(phoneChange(vacant, { ...nameless, userId: 7 }), hidden)).toEqual([]);
    const unmarked = phoneChange(pending('user-1'), active('user-1', { holderChange: null }));
    expect(accountEventsOf(unmarked, hidden).map((e) => e.detail)).toEqual([
      expect.objectContaining({ sub: 'user-1', via: 'login' }),
    ]);
  });

  it('gives a non-geographic number the country null', () => {
    const global = '+80012345678';
    const change = phoneChange(pending('user-1'), active('user-1', { phoneNumber: global }), global);
    expect(accountEventsOf(change, hidden)[0]?.detail.country).toBeNull();
  });
});

describe('accountEventsOf: passkey items', () => {
  it('makes PasskeyAdded for a passkey enrolled, without its key or counter', () => {
    const before = { userId: 'user-1', phoneNumber: PHONE, passkeys: { 'cred-a': passkey('Phone') } };
    const after = { ...before, passkeys: { ...before.passkeys, 'cred-b': passkey('Laptop', { createdAt: AT }) } };
    expect(accountEventsOf(passkeyChange(before, after), hidden)).toEqual([
      {
        'detail-type': 'PasskeyAdded',
        time: '2026-11-30T00:53:20Z',
        detail: {
          event_id: 'rec-2:PasskeyAdded',
          sub: 'user-1',
          time: '2026-11-30T00:53:20Z',
          country: 'IN',
          passkeys: [
            { id: 'cred-b', name: 'Laptop', created_at: timeOf(AT), device_type: 'multi_device', backed_up: true },
          ],
        },
      },
    ]);
  });

  it('makes PasskeyAdded for the first passkey, on a new item or on the bare item a number change made', () => {
    const bare = { userId: 'user-1', phoneNumber: PHONE };
    const first = { ...bare, passkeys: { 'cred-a': passkey('Key', { deviceType: 'singleDevice', backedUp: false }) } };
    for (const change of [passkeyChange(undefined, first), passkeyChange(bare, first)]) {
      expect(accountEventsOf(change, hidden)[0]?.detail).toMatchObject({
        passkeys: [{ id: 'cred-a', device_type: 'single_device', backed_up: false }],
      });
    }
  });

  it('makes PasskeyRemoved with every passkey one write removed, and who removed them', () => {
    const before = { userId: 'user-1', phoneNumber: PHONE, passkeys: { a: passkey('A'), b: passkey('B') } };
    const after = { userId: 'user-1', phoneNumber: PHONE, passkeys: {}, passkeysChangedBy: 'operator' };
    expect(accountEventsOf(passkeyChange(before, after), shown)).toEqual([
      {
        'detail-type': 'PasskeyRemoved',
        time: '2026-11-30T00:53:20Z',
        detail: {
          event_id: 'rec-2:PasskeyRemoved',
          sub: 'user-1',
          time: '2026-11-30T00:53:20Z',
          country: 'IN',
          phone_number: PHONE,
          passkeys: [
            { id: 'a', name: 'A' },
            { id: 'b', name: 'B' },
          ],
          initiator: 'operator',
        },
      },
    ]);
  });

  it('makes nothing for a sign-in (counter, last use), a number change, or the item deleted with its account', () => {
    const item = { userId: 'user-1', phoneNumber: PHONE, passkeys: { a: passkey('A') } };
    const used = { ...item, passkeys: { a: passkey('A', { counter: 8, lastUsedAt: AT }) } };
    expect(accountEventsOf(passkeyChange(item, used), hidden)).toEqual([]);
    expect(accountEventsOf(passkeyChange(item, { ...item, phoneNumber: OTHER }), hidden)).toEqual([]);
    expect(accountEventsOf(passkeyChange(undefined, { userId: 'user-1', phoneNumber: OTHER }), hidden)).toEqual([]);
    expect(accountEventsOf(passkeyChange(item, undefined), hidden)).toEqual([]);
  });
});

describe('accountEventsOf: what may leave', () => {
  it('ignores every other item: families, windows, challenges, keys', () => {
    for (const pk of ['FAM#f1', 'IP#203.0.113.7', 'CTRY#IN#3', 'CHAL#abc', 'JWKS#current']) {
      const change = { ...phoneChange(pending('u'), active('u')), keys: { pk, sk: 'X' } };
      expect(accountEventsOf(change, shown)).toEqual([]);
    }
  });

  it('uses the key prefixes the stores write', () => {
    expect(EVENT_ITEM_PREFIXES).toEqual({ phone: KEY_PREFIXES.phone, passkeys: KEY_PREFIXES.passkeys });
  });

  it('never lets a secret, a hash or a public key of an image into an event, even with numbers shown', () => {
    const family = { headHash: 'HEADHASHVALUE', previousHash: 'PREVIOUSHASHVALUE' };
    const changes = [
      phoneChange(pending('user-1'), active('user-1', family)),
      phoneChange(active('user-1', { sessionEpoch: 1 }), active('user-1', { sessionEpoch: 2, ...family })),
      phoneChange(active('user-1'), { ...vacant, ...SECRETS, holderChange: { kind: 'deleted', by: 'user' } }),
      phoneChange(vacant, active('user-1', { holderChange: { kind: 'moved_in', from: OTHER } })),
      passkeyChange(
        { userId: 'user-1', phoneNumber: PHONE, passkeys: { a: passkey('A') } },
        { userId: 'user-1', phoneNumber: PHONE, passkeys: { b: passkey('B') } },
      ),
    ];
    const events: AccountEvent[] = changes.flatMap((change) => accountEventsOf(change, shown));
    expect(events.map((e) => e['detail-type']).sort()).toEqual([
      'PasskeyAdded',
      'PasskeyRemoved',
      'PhoneNumberChanged',
      'SessionsRevoked',
      'UserCreated',
      'UserDeleted',
    ]);
    const text = JSON.stringify(events);
    for (const secret of [
      SECRETS.totpSecret,
      SECRETS.changeSecret,
      String(SECRETS.otpStep),
      SECRETS.changeUserId,
      'HEADHASHVALUE',
      'PREVIOUSHASHVALUE',
      'PUBLICKEYBYTES',
      'aaguid',
      'counter',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('makes at most MAX_EVENTS_PER_CHANGE events of a change, each id unique', () => {
    const both = passkeyChange(
      { userId: 'user-1', phoneNumber: PHONE, passkeys: { a: passkey('A') } },
      { userId: 'user-1', phoneNumber: PHONE, passkeys: { b: passkey('B') } },
    );
    const events = accountEventsOf(both, hidden);
    expect(events).toHaveLength(MAX_EVENTS_PER_CHANGE);
    expect(new Set(events.map((e) => e.detail.event_id)).size).toBe(2);
  });
});

describe('timeOf', () => {
  it('writes RFC 3339 UTC to the second, dropping a fraction', () => {
    expect(timeOf(0)).toBe('1970-01-01T00:00:00Z');
    expect(timeOf(AT + 0.999)).toBe('2026-11-30T00:53:20Z');
  });
});
