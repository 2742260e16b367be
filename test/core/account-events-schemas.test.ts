import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_EVENT_TYPES,
  type AccountEvent,
  accountEventsOf,
  type ItemImage,
  type TableChange,
} from '../../lambdas/core/account-events.js';

// docs/events.md is the contract teams build on: its schemas must accept what the code derives, with
// and without the numbers, and refuse anything else (each detail is `additionalProperties: false`).

// ajv-formats is CommonJS with a default export that NodeNext sees as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const DOC = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
const blocks = [...DOC.matchAll(/```json\n([\s\S]*?)\n```/g)].map(
  (match) => JSON.parse(match[1] ?? '') as Record<string, unknown>,
);
const schemas = blocks.filter((block) => '$schema' in block);
const examples = blocks.filter((block) => 'detail-type' in block);

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
for (const schema of schemas) ajv.addSchema(schema);

function validate(id: string, value: unknown): string[] {
  const check = ajv.getSchema(`otp-login/events/${id}`);
  if (!check) throw new Error(`docs/events.md has no schema otp-login/events/${id}`);
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

const AT = 1_796_000_000;
const A = '+919876543210';
const B = '+12015550123';
const SUB = 'user-1';

function change(pk: string, oldImage: ItemImage | undefined, newImage: ItemImage | undefined): TableChange {
  return {
    id: 'b5c1a3e2-4d6f-4a8b-9c0d-1e2f3a4b5c6d',
    kind: newImage ? (oldImage ? 'MODIFY' : 'INSERT') : 'REMOVE',
    at: AT,
    keys: { pk, sk: pk.startsWith('PHONE#') ? 'USER' : 'PASSKEYS' },
    ...(oldImage ? { oldImage } : {}),
    ...(newImage ? { newImage } : {}),
  };
}

const active = (extra: ItemImage = {}) => ({ userId: SUB, status: 'active', totpSecret: 'SECRET', ...extra });
const passkey = (name: string) => ({
  name,
  publicKey: 'pAEC',
  counter: 3,
  createdAt: AT,
  deviceType: 'multiDevice',
  backedUp: true,
});

/** Changes that make every event, each kind of initiator and none. */
const CHANGES: TableChange[] = [
  change(`PHONE#${A}`, { status: 'pending', userId: SUB }, active()),
  change(`PHONE#${A}`, undefined, active({ holderChange: { kind: 'created', by: 'operator' } })),
  change(`PHONE#${B}`, { failedAttempts: 0 }, active({ sessionEpoch: 1, holderChange: { kind: 'moved_in', from: A } })),
  change(`PHONE#+80012345678`, { failedAttempts: 0 }, active({ holderChange: { kind: 'moved_in', from: A } })),
  change(`PHONE#${A}`, active(), { holderChange: { kind: 'deleted', by: 'user' } }),
  change(`PHONE#${A}`, active(), { holderChange: { kind: 'deleted', by: 'operator' } }),
  change(`PHONE#${A}`, active(), undefined),
  change(`PHONE#${A}`, active(), active({ sessionEpoch: 1, holderChange: { kind: 'sessions_revoked', by: 'user' } })),
  change(`PHONE#${A}`, active({ sessionEpoch: 1 }), active({ sessionEpoch: 2 })),
  change(`PASSKEYS#${SUB}`, { phoneNumber: A }, { phoneNumber: A, passkeys: { abc: passkey('Laptop') } }),
  change(
    `PASSKEYS#${SUB}`,
    { phoneNumber: A, passkeys: { abc: passkey('Laptop'), def: passkey('Phone') } },
    { phoneNumber: A, passkeys: {}, passkeysChangedBy: 'operator' },
  ),
  change(`PASSKEYS#${SUB}`, { phoneNumber: A, passkeys: { abc: passkey('Laptop') } }, { phoneNumber: A }),
];

function derived(includePhoneNumber: boolean): AccountEvent[] {
  return CHANGES.flatMap((c) => accountEventsOf(c, { includePhoneNumber }));
}

describe('docs/events.md', () => {
  it('has a schema for the envelope and for every event, and an example of every event', () => {
    expect(schemas.map((schema) => schema.$id)).toEqual([
      'otp-login/events/envelope',
      ...ACCOUNT_EVENT_TYPES.map((type) => `otp-login/events/${type}`),
    ]);
    expect(examples.map((example) => example['detail-type'])).toEqual([...ACCOUNT_EVENT_TYPES]);
  });

  it("documents exactly the events the code derives, with and without the numbers: every type, every field's form", () => {
    for (const includePhoneNumber of [false, true]) {
      const events = derived(includePhoneNumber);
      expect(new Set(events.map((event) => event['detail-type']))).toEqual(new Set(ACCOUNT_EVENT_TYPES));
      for (const event of events) {
        const envelope = { id: 'x', source: 'otp-login', ...event };
        expect(validate('envelope', envelope), event['detail-type']).toEqual([]);
        expect(validate(event['detail-type'], event.detail), JSON.stringify(event.detail)).toEqual([]);
      }
    }
  });

  it('shows examples that are valid events, each its own type', () => {
    for (const example of examples) {
      expect(validate('envelope', example)).toEqual([]);
      expect(validate(String(example['detail-type']), example.detail)).toEqual([]);
    }
  });

  it('refuses a detail with a field it does not document, or without one it requires', () => {
    const [created] = derived(false);
    expect(created?.['detail-type']).toBe('UserCreated');
    expect(validate('UserCreated', { ...created?.detail, totpSecret: 'SECRET' })).toEqual([
      ' must NOT have additional properties',
    ]);
    const { via: _via, ...withoutVia } = { ...created?.detail } as Record<string, unknown>;
    expect(validate('UserCreated', withoutVia)).toEqual([" must have required property 'via'"]);
  });
});
