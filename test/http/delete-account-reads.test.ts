import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-document-client.js';
import { phoneKeyOf } from '../../lambdas/adapters/dynamodb-phone-record-store.js';
import { composeDeleteAccount } from '../../lambdas/compose.js';
import { createTelemetry } from '../../lambdas/http/telemetry.js';
import { randomPhoneNumber } from '../helpers/fixtures.js';
import { apiEvent, authorizerClaimsOf, createTestApp, invoke, type TestApp } from '../helpers/test-app.js';

// IAM lets delete-account read only DELETION_ATTRIBUTES of a phone record; this checks the function,
// as composed for Lambda, asks for no more, so the grant cannot break it and no secret reaches it.
describe('DELETE /me, as composed', () => {
  let app: TestApp;
  const received: unknown[] = [];
  let deleteMe: ReturnType<typeof composeDeleteAccount>;

  beforeAll(async () => {
    app = await createTestApp();
    const watched = createDocumentClient(app.client);
    watched.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        received.push(result.output);
        return result;
      },
      { step: 'initialize', name: 'captureOutputs' },
    );
    deleteMe = composeDeleteAccount({
      env: { TABLE_NAME: app.tableName, ISSUER: 'https://auth.test', SEND_COOLDOWN_SECONDS: '0' },
      clock: app.clock,
      telemetry: createTelemetry(),
      documents: watched,
    });
  });

  it('deletes the account and withdraws its number change without receiving a secret or a code', async () => {
    const phone = randomPhoneNumber();
    const target = randomPhoneNumber();
    const { access } = await app.login(phone);
    const change = await app.changeNumber(access, target);
    expect(change.status).toBe(200);
    const before = await app.records.get(target, app.clock.seconds);
    expect(before.record.change?.secret).toEqual(expect.any(String));
    received.length = 0;

    const response = await invoke(
      deleteMe,
      apiEvent('DELETE', '/me', undefined, { claims: authorizerClaimsOf(access) }),
    );

    expect(response.status).toBe(204);
    const text = JSON.stringify(received);
    for (const withheld of ['totpSecret', 'changeSecret', 'changeUserId', 'otpStep', 'otpExpiresAt', 'otpConsumed']) {
      expect(text, withheld).not.toContain(withheld);
    }
    expect(text).not.toContain(String(before.record.change?.secret));
    const targetItem = await createDocumentClient(app.client).send(
      new GetCommand({ TableName: app.tableName, Key: phoneKeyOf(target) }),
    );
    expect(targetItem.Item).not.toHaveProperty('changeSecret');
    expect(await app.me(access)).toMatchObject({ status: 401 });
  });
});
