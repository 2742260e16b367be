import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbNumberMoves, shouldReadAgain } from '../../lambdas/adapters/dynamodb-number-moves.js';
import { emptyRecord } from '../../lambdas/core/phone-record.js';

// The transaction itself runs against DynamoDB Local in test/http/account*.test.ts; DynamoDB Local
// serializes transactions, so the cancellation reasons of a real conflict are built here.
const cancelled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

function movesFailingWith(error: Error): DynamoDbNumberMoves {
  const client = { send: async () => Promise.reject(error) } as unknown as DynamoDBDocumentClient;
  return new DynamoDbNumberMoves(client, 'table');
}

const ARGS = {
  vacated: emptyRecord('+919876543210'),
  fromVersion: 1,
  moved: emptyRecord('+919876543211'),
  toVersion: 1,
  family: {
    familyId: 'f',
    userId: 'u',
    phoneNumber: '+919876543211',
    familyExpiresAt: 2,
    createdAt: 1,
    headHash: 'h',
    generation: 0,
  },
};

describe('DynamoDbNumberMoves', () => {
  it.each([
    ['a failed condition', ['None', 'ConditionalCheckFailed', 'None']],
    ['a conflicting write in flight', ['TransactionConflict', 'None', 'None']],
  ])('answers false (read again) for %s', async (_case, codes) => {
    expect(await movesFailingWith(cancelled(...codes)).moveUser(ARGS)).toBe(false);
  });

  it.each([
    ['a validation error of an item', cancelled('None', 'ValidationError', 'None')],
    ['an error that is no cancellation', Object.assign(new Error('x'), { name: 'AccessDeniedException' })],
  ])('throws %s', async (_case, error) => {
    await expect(movesFailingWith(error).moveUser(ARGS)).rejects.toBe(error);
    expect(shouldReadAgain(error)).toBe(false);
  });
});
