import { describe, expect, it } from 'vitest';
import { tableChangeOf } from '../../lambdas/adapters/dynamodb-stream-records.js';

const keys = { pk: { S: 'PHONE#+919876543210' }, sk: { S: 'USER' } };

describe('tableChangeOf', () => {
  it('reads a record as Pipes and Lambda deliver it: epoch seconds, images unmarshalled', () => {
    expect(
      tableChangeOf({
        eventID: 'e1',
        eventName: 'MODIFY',
        dynamodb: {
          ApproximateCreationDateTime: 1_796_000_000,
          Keys: keys,
          OldImage: { ...keys, status: { S: 'pending' }, sessionEpoch: { N: '2' } },
          NewImage: {
            ...keys,
            status: { S: 'active' },
            sessionEpoch: { N: '3' },
            holderChange: { M: { kind: { S: 'deleted' }, by: { S: 'user' } } },
            sendTimes: { L: [{ N: '5' }] },
          },
        },
      }),
    ).toEqual({
      id: 'e1',
      kind: 'MODIFY',
      at: 1_796_000_000,
      keys: { pk: 'PHONE#+919876543210', sk: 'USER' },
      oldImage: { pk: 'PHONE#+919876543210', sk: 'USER', status: 'pending', sessionEpoch: 2 },
      newImage: {
        pk: 'PHONE#+919876543210',
        sk: 'USER',
        status: 'active',
        sessionEpoch: 3,
        holderChange: { kind: 'deleted', by: 'user' },
        sendTimes: [5],
      },
    });
  });

  it('reads a record as GetRecords returns it, its time a Date, without the images it lacks', () => {
    expect(
      tableChangeOf({
        eventID: 'e2',
        eventName: 'REMOVE',
        dynamodb: { ApproximateCreationDateTime: new Date(1_796_000_000_000), Keys: keys },
      }),
    ).toEqual({ id: 'e2', kind: 'REMOVE', at: 1_796_000_000, keys: { pk: 'PHONE#+919876543210', sk: 'USER' } });
  });

  it.each([
    ['no id', { eventName: 'INSERT', dynamodb: { ApproximateCreationDateTime: 1, Keys: keys } }, /without an id/],
    [
      'an unknown kind',
      { eventID: 'e', eventName: 'UPSERT', dynamodb: { ApproximateCreationDateTime: 1, Keys: keys } },
      /event e\)/,
    ],
    [
      'no keys',
      { eventID: 'e', eventName: 'INSERT', dynamodb: { ApproximateCreationDateTime: 1 } },
      /not a DynamoDB stream record/,
    ],
    ['no time', { eventID: 'e', eventName: 'INSERT', dynamodb: { Keys: keys } }, /not a DynamoDB stream record/],
    [
      'a numeric pk',
      {
        eventID: 'e',
        eventName: 'INSERT',
        dynamodb: { ApproximateCreationDateTime: 1, Keys: { pk: { N: '1' }, sk: { S: 'x' } } },
      },
      /no string pk and sk/,
    ],
  ])('refuses a record with %s rather than publish a guess', (_what, record, message) => {
    expect(() => tableChangeOf(record)).toThrow(message);
  });
});
