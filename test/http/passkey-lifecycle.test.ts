import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { checkHolder, failedParts, passkeysKeyOf } from '../../lambdas/adapters/dynamodb-passkey-items.js';
import { makeDeleteAccountHandler } from '../../lambdas/http/delete-account-handler.js';
import { seedPasskeys, storedPasskey } from '../helpers/passkey-items.js';
import { readPasskeysItem } from '../helpers/passkeys.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, wrongCode } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

// A user's passkeys through the account's life: DELETE /me deletes them, the number change moves them
// to the new number, signing out everywhere leaves them. The passkeys are written as the enrolment
// route leaves them (test/helpers/passkey-items.ts), so these tests stand without the ceremonies.

const A = '+919876543210';
const B = '+919876543211';

const LAPTOP = storedPasskey({ id: 'bGFwdG9w', name: 'Laptop', createdAt: 1_800_000_000, counter: 7, backedUp: false });
const PHONE = storedPasskey({ id: 'cGhvbmU', name: 'Phone', createdAt: 1_800_000_100, lastUsedAt: 1_800_000_200 });

describe('DELETE /me and passkeys', () => {
  it("deletes the user's passkey item, and no other user's", async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    const other = await app.login(B);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);
    await seedPasskeys(app, other.sub, B, [PHONE]);
    expect(await readPasskeysItem(app, user.sub)).toMatchObject({ userId: user.sub, phoneNumber: A });

    expect((await app.deleteAccount(user.access)).status).toBe(204);

    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
    expect(await readPasskeysItem(app, other.sub)).toMatchObject({ userId: other.sub, phoneNumber: B });
  });

  it('deletes a user without passkeys as before: nothing to delete is no error', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect((await app.deleteAccount(user.access)).status).toBe(204);
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
    expect(await app.me(user.access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
  });

  it('leaves no window for an enrolment: once the record is vacated, its holder check fails', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect((await app.deleteAccount(user.access)).status).toBe(204);
    const documents = createDocumentClient(app.client);

    // The enrolment's transaction as the design writes it: the holder check and the first passkey.
    let failed: number[] | undefined = [];
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            checkHolder(app.tableName, A, { userId: user.sub, sessionEpoch: 0 }),
            {
              Update: {
                TableName: app.tableName,
                Key: passkeysKeyOf(user.sub),
                UpdateExpression: 'SET passkeys = :map, userId = :sub, phoneNumber = :phone',
                ConditionExpression: 'attribute_not_exists(passkeys)',
                ExpressionAttributeValues: { ':map': {}, ':sub': user.sub, ':phone': A },
              },
            },
          ],
        }),
      );
    } catch (error) {
      failed = failedParts(error);
    }
    expect(failed).toEqual([0]);
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
  });

  it('answers 204 when the passkey item cannot be deleted, counting PasskeyCleanupFailed and naming the user', async () => {
    const recorded = recordingTelemetry();
    const app = await createTestApp({}, { telemetry: recorded.telemetry });
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    const denied = Object.assign(new Error(`not authorized on PASSKEYS#${user.sub} for ${A}`), {
      name: 'AccessDeniedException',
    });
    const handler = makeDeleteAccountHandler(
      {
        records: app.records,
        families: { familyIdsOf: async () => [], deleteFamilies: async () => {} },
        passkeys: { deletePasskeysOf: async () => Promise.reject(denied) },
        clock: app.clock,
        policy: app.policy,
        recentLoginMaxAgeSeconds: 300,
      },
      recorded.telemetry,
    );

    const response = await invoke(
      handler,
      apiEvent('DELETE', '/me', undefined, { claims: authorizerClaimsOf(user.access) }),
    );

    expect(response.status).toBe(204);
    expect(recorded.counted).toEqual(expect.arrayContaining(['AccountDeleted', 'PasskeyCleanupFailed']));
    expect(recorded.counted).not.toContain('SessionCleanupFailed');
    const warning = recorded.lines.find((line) => line.message === 'passkeys left after account deletion');
    expect(warning?.level).toBe('warn');
    expect(warning?.attributes).toMatchObject({ sub: user.sub });
    expect(JSON.stringify(warning)).toContain('AccessDeniedException');
    expect(JSON.stringify(warning)).not.toContain(A);
    // The account is gone; the item is left (the operator removes it by the user id).
    expect(await app.me(user.access)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect(await readPasskeysItem(app, user.sub)).toMatchObject({ phoneNumber: A });
  });
});

describe('the number change and passkeys', () => {
  it('points the passkey item at the new number, keeping every passkey as it was', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);
    const before = await readPasskeysItem(app, user.sub);

    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    // Asking is no move: the item still names the number the user holds.
    expect(await readPasskeysItem(app, user.sub)).toEqual(before);
    const moved = await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));
    expect(moved.status).toBe(200);

    expect(await readPasskeysItem(app, user.sub)).toEqual({ ...before, phoneNumber: B, userId: user.sub });
  });

  it('creates the item bare (no passkeys) for a user who has none, naming the new number', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();

    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    expect((await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B))).status).toBe(200);

    expect(await readPasskeysItem(app, user.sub)).toEqual({
      ...passkeysKeyOf(user.sub),
      userId: user.sub,
      phoneNumber: B,
    });
  });

  it('writes nothing to the passkeys when the move is refused', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    const before = await readPasskeysItem(app, user.sub);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    const wrong = wrongCode(app.sms.lastCodeFor(B));

    expect(await app.verifyNumberChange(user.access, B, wrong)).toMatchObject({
      status: 400,
      body: { code: 'invalid_otp' },
    });
    expect(await readPasskeysItem(app, user.sub)).toEqual(before);
  });

  it('then lets DELETE /me, under the new number, delete the moved item', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP]);
    expect((await app.changeNumber(user.access, B)).status).toBe(200);
    const moved = await app.verifyNumberChange(user.access, B, app.sms.lastCodeFor(B));
    expect(moved.status).toBe(200);

    expect((await app.deleteAccount(String(moved.body.access))).status).toBe(204);
    expect(await readPasskeysItem(app, user.sub)).toBeUndefined();
  });
});

describe('signing out everywhere and passkeys', () => {
  it('ends the sessions and leaves every passkey as it was', async () => {
    const app = await createTestApp();
    const user = await app.login(A);
    await seedPasskeys(app, user.sub, A, [LAPTOP, PHONE]);
    const before = await readPasskeysItem(app, user.sub);

    expect((await app.logoutAll(user.refresh)).status).toBe(204);

    expect(await app.refresh(user.refresh)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    expect(await readPasskeysItem(app, user.sub)).toEqual(before);
  });
});
