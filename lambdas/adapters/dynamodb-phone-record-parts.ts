import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PhoneRecordStore, VersionedPhoneRecord } from '../core/ports.js';
import { endUserSessions, readPhoneRecord } from './dynamodb-phone-record-store.js';

// One operation each of the phone record store, for the functions that need only that one: a class's
// methods all ship with it, and the store's writes and conditions cost every bundle that builds it.

/**
 * Reads phone records and nothing else: for the functions that only check who holds a number
 * (refresh-token, /me), so their bundles leave out the store's writes and their long conditions.
 */
export class DynamoDbPhoneRecordReader implements Pick<PhoneRecordStore, 'get'> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(phoneNumber: string, now: number): Promise<VersionedPhoneRecord> {
    return readPhoneRecord(this.client, this.tableName, phoneNumber, now);
  }
}

/** Ends every session of a number's user and nothing else: for logout, whose bundle stays as small. */
export class DynamoDbSessionEnder implements Pick<PhoneRecordStore, 'endSessions'> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  endSessions(phoneNumber: string, args: { userId: string; sessionEpoch: number }): Promise<boolean> {
    return endUserSessions(this.client, this.tableName, phoneNumber, args);
  }
}
