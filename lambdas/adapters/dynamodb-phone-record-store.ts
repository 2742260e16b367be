import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HOLDER_CHANGE_ATTRIBUTE, type HolderChange } from '../core/account-events.js';
import type { PendingChangeTarget, PhoneRecord, UserAccount } from '../core/phone-record.js';
import type {
  ConsumeCodeArgs,
  EndSessionsArgs,
  FailedAttemptArgs,
  FailedAttemptOutcome,
  PhoneRecordStore,
  VersionedPhoneRecord,
} from '../core/ports.js';
import { isConditionFailure } from './dynamodb-document-client.js';
import { KEY_PREFIXES, TTL_ATTRIBUTE } from './table-keys.js';

/** The phone record item: `PHONE#<e164>` / `USER`, holding the user and every per-number limit. */
export interface PhoneItem {
  pk: string;
  sk: 'USER';
  version: number;
  phoneNumber: string;
  userId?: string;
  totpSecret?: string;
  status?: 'pending' | 'active';
  createdAt?: number;
  verifiedAt?: number;
  sessionEpoch?: number;
  /** A pending number change to this number: the user it is for and the secret of its code. */
  changeUserId?: string;
  changeSecret?: string;
  /**
   * On a user's record: the numbers change codes went to, and when. A string in items written before
   * a user could have more than one (read as one change requested long ago).
   */
  changeTo?: string | { to: string; at: number }[];
  otpStep?: number;
  otpExpiresAt?: number;
  otpConsumed?: boolean;
  lastStep?: number;
  failedAttempts?: number;
  lastFailedAt?: number;
  sendTimes?: number[];
  ttl?: number;
  /** Why the write that left this item changed its holder: for the account events, never read back. */
  holderChange?: HolderChange;
}

const SK = 'USER';
export const phoneKeyOf = (phoneNumber: string) => ({ pk: `${KEY_PREFIXES.phone}${phoneNumber}`, sk: SK as 'USER' });

export function toRecord(item: PhoneItem): PhoneRecord {
  const user: UserAccount | undefined =
    item.userId && item.totpSecret && item.status
      ? {
          userId: item.userId,
          totpSecret: item.totpSecret,
          status: item.status,
          createdAt: item.createdAt ?? 0,
          ...(item.verifiedAt === undefined ? {} : { verifiedAt: item.verifiedAt }),
          ...(item.sessionEpoch === undefined ? {} : { sessionEpoch: item.sessionEpoch }),
        }
      : undefined;
  return {
    phoneNumber: item.phoneNumber,
    ...(user ? { user } : {}),
    ...(item.changeUserId && item.changeSecret
      ? { change: { userId: item.changeUserId, secret: item.changeSecret } }
      : {}),
    ...(item.changeTo === undefined ? {} : { pendingChanges: pendingChangesOf(item.changeTo) }),
    ...(item.otpStep === undefined || item.otpExpiresAt === undefined
      ? {}
      : { code: { step: item.otpStep, expiresAt: item.otpExpiresAt, consumed: item.otpConsumed === true } }),
    ...(item.lastStep === undefined ? {} : { lastStep: item.lastStep }),
    failedAttempts: item.failedAttempts ?? 0,
    ...(item.lastFailedAt === undefined ? {} : { lastFailedAt: item.lastFailedAt }),
    sendTimes: item.sendTimes ?? [],
    ...(item.ttl === undefined ? {} : { retainUntil: item.ttl }),
  };
}

function pendingChangesOf(changeTo: NonNullable<PhoneItem['changeTo']>): PendingChangeTarget[] {
  if (typeof changeTo === 'string') return [{ phoneNumber: changeTo, requestedAt: 0 }];
  return changeTo.map((c) => ({ phoneNumber: c.to, requestedAt: c.at }));
}

/** The item of a whole record at `version` (also written by the number move's transaction). */
export function phoneItem(record: PhoneRecord, version: number): PhoneItem {
  const { user, code } = record;
  return {
    ...phoneKeyOf(record.phoneNumber),
    version,
    phoneNumber: record.phoneNumber,
    userId: user?.userId,
    totpSecret: user?.totpSecret,
    status: user?.status,
    createdAt: user?.createdAt,
    verifiedAt: user?.verifiedAt,
    sessionEpoch: user?.sessionEpoch,
    changeUserId: record.change?.userId,
    changeSecret: record.change?.secret,
    changeTo: record.pendingChanges?.map((c) => ({ to: c.phoneNumber, at: c.requestedAt })),
    otpStep: code?.step,
    otpExpiresAt: code?.expiresAt,
    otpConsumed: code?.consumed,
    lastStep: record.lastStep,
    failedAttempts: record.failedAttempts,
    lastFailedAt: record.lastFailedAt,
    sendTimes: [...record.sendTimes],
    ttl: record.retainUntil,
    holderChange: record.holderChange,
  };
}

/**
 * Phone records in DynamoDB. Whole-record writes are conditioned on `version`; hot counters use
 * guarded `ADD`s that bump `version` too, so a whole-record write can never overwrite them.
 */
/** A strongly consistent read of a phone record; an item past its retention reads as empty. */
async function readPhoneRecord(
  client: DynamoDBDocumentClient,
  tableName: string,
  phoneNumber: string,
  now: number,
): Promise<VersionedPhoneRecord> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: phoneKeyOf(phoneNumber), ConsistentRead: true }),
  );
  const item = Item as PhoneItem | undefined;
  if (!item) return { record: { phoneNumber, failedAttempts: 0, sendTimes: [] }, version: 0 };
  // TTL deletion runs up to days late: an expired item is treated as gone, but its version still guards writes.
  if (item.ttl !== undefined && item.ttl <= now) {
    return { record: { phoneNumber, failedAttempts: 0, sendTimes: [] }, version: item.version ?? 0, stale: true };
  }
  return { record: toRecord(item), version: item.version ?? 0 };
}

/**
 * Moves the session epoch of the user holding the number on, only if the number still belongs to
 * `userId` at `sessionEpoch`; false when refused.
 */
export async function endUserSessions(
  client: DynamoDBDocumentClient,
  tableName: string,
  phoneNumber: string,
  args: EndSessionsArgs,
): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: phoneKeyOf(phoneNumber),
        // The marker says who asked, for the SessionsRevoked event this write makes.
        UpdateExpression: 'SET #change = :change ADD sessionEpoch :one, #version :one',
        // An absent epoch is epoch 0, as the families created before epochs existed carry none.
        ConditionExpression:
          'userId = :userId AND #status = :active AND (sessionEpoch = :epoch OR (attribute_not_exists(sessionEpoch) AND :epoch = :zero))',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#change': HOLDER_CHANGE_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':change': { kind: 'sessions_revoked', by: args.by } satisfies HolderChange,
          ':one': 1,
          ':zero': 0,
          ':userId': args.userId,
          ':active': 'active',
          ':epoch': args.sessionEpoch,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export class DynamoDbPhoneRecordStore implements PhoneRecordStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  get(phoneNumber: string, now: number): Promise<VersionedPhoneRecord> {
    return readPhoneRecord(this.client, this.tableName, phoneNumber, now);
  }

  async save(record: PhoneRecord, seenVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: phoneItem(record, seenVersion + 1),
          ...(seenVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :seen', ExpressionAttributeNames: { '#version': 'version' } }),
          ...(seenVersion === 0 ? {} : { ExpressionAttributeValues: { ':seen': seenVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async extendCode(phoneNumber: string, step: number, expiresAt: number): Promise<void> {
    await this.updateIgnoringCondition({
      Key: phoneKeyOf(phoneNumber),
      UpdateExpression: 'SET otpExpiresAt = :expiresAt ADD #version :one',
      ConditionExpression: 'otpStep = :step AND otpConsumed = :false',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expiresAt': expiresAt, ':step': step, ':false': false, ':one': 1 },
    });
  }

  async cancelCode(phoneNumber: string, step: number): Promise<void> {
    await this.updateIgnoringCondition({
      Key: phoneKeyOf(phoneNumber),
      UpdateExpression: 'SET otpConsumed = :true ADD #version :one',
      ConditionExpression: 'otpStep = :step',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':true': true, ':step': step, ':one': 1 },
    });
  }

  async consumeCode(phoneNumber: string, args: ConsumeCodeArgs): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: phoneKeyOf(phoneNumber),
          // Success also clears the attempt budget and makes the user permanent (no TTL). A first login
          // is the account's UserCreated: no marker an older write left may describe it.
          UpdateExpression:
            'SET otpConsumed = :true, #status = :active, verifiedAt = if_not_exists(verifiedAt, :now), failedAttempts = :zero REMOVE lastFailedAt, #ttl, #change ADD #version :one',
          // Not locked: budget left, or the lockout that followed the last counted failure is over.
          ConditionExpression:
            'otpStep = :step AND otpConsumed = :false AND otpExpiresAt > :now AND (attribute_not_exists(failedAttempts) OR failedAttempts < :max OR attribute_not_exists(lastFailedAt) OR lastFailedAt <= :lockoutStart)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#ttl': TTL_ATTRIBUTE,
            '#version': 'version',
            '#change': HOLDER_CHANGE_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ':active': 'active',
            ':now': args.now,
            ':zero': 0,
            ':one': 1,
            ':step': args.step,
            ':max': args.maxAttempts,
            ':lockoutStart': args.now - args.lockoutSeconds,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordFailedAttempt(phoneNumber: string, args: FailedAttemptArgs): Promise<FailedAttemptOutcome> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = {
      ':one': 1,
      ':phone': phoneNumber,
      ':now': args.now,
      // The core's ageing rule: a count whose latest failure is at or before this no longer counts.
      ':agedAt': args.now - args.lockoutSeconds,
    };
    const sets = ['phoneNumber = if_not_exists(phoneNumber, :phone)', 'lastFailedAt = :now'];
    const conditions: string[] = [];
    if (args.retainUntil !== undefined) {
      // Only non-active records expire; the condition catches a user activated since our read.
      sets.push('#ttl = :ttl');
      conditions.push('(attribute_not_exists(#status) OR #status <> :active)');
      names['#ttl'] = TTL_ATTRIBUTE;
      names['#status'] = 'status';
      values[':ttl'] = args.retainUntil;
      values[':active'] = 'active';
    }
    let update: string;
    if (args.restart) {
      // The count has aged out: start again at one. The first of concurrent writers moves
      // lastFailedAt past :agedAt, so the others are refused and re-read a live count.
      update = `SET ${[...sets, 'failedAttempts = :one'].join(', ')} ADD #version :one`;
      conditions.push('(attribute_not_exists(lastFailedAt) OR lastFailedAt <= :agedAt)');
    } else {
      // The guard makes the count exact: of N concurrent wrong guesses, only max - attempts pass. It
      // also refuses a count that aged since the read, which must restart instead of growing.
      // lastFailedAt in the same write starts the lockout: nothing can fail between count and lock.
      update = `SET ${sets.join(', ')} ADD failedAttempts :one, #version :one`;
      conditions.push('lastFailedAt > :agedAt', '(attribute_not_exists(failedAttempts) OR failedAttempts < :max)');
      values[':max'] = args.maxAttempts;
    }
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: phoneKeyOf(phoneNumber),
          UpdateExpression: update,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { outcome: 'counted', failedAttempts: Number(Attributes?.failedAttempts ?? 1) };
    } catch (error) {
      if (isConditionFailure(error)) return { outcome: 'refused' };
      throw error;
    }
  }

  endSessions(phoneNumber: string, args: EndSessionsArgs): Promise<boolean> {
    return endUserSessions(this.client, this.tableName, phoneNumber, args);
  }

  async withdrawChange(phoneNumber: string, userId: string): Promise<void> {
    await this.updateIgnoringCondition({
      Key: phoneKeyOf(phoneNumber),
      // The change's secret goes and its code is spent; the number's counters stay.
      UpdateExpression: 'SET otpConsumed = :true REMOVE changeUserId, changeSecret ADD #version :one',
      ConditionExpression: 'changeUserId = :userId',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':true': true, ':userId': userId, ':one': 1 },
    });
  }

  private async updateIgnoringCondition(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>) {
    try {
      await this.client.send(new UpdateCommand({ ...input, TableName: this.tableName }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
