import { describe, expect, it } from 'vitest';
import { answeredOptions, enrolledPasskey, passkeyClient, type SeenAnswer } from '../helpers/passkey-enrolment.js';
import { createTestApp } from '../helpers/test-app.js';
import { loadContract } from './openapi-contract.js';

const contract = loadContract();

describe('the passkey enrolment routes answer as docs/openapi.yaml says (every field documented)', () => {
  it('on the whole journey and its refusals', async () => {
    const app = await createTestApp({ PASSKEYS_PER_USER_MAX: '1' });
    const user = await app.login('+919876543210');
    const seen: SeenAnswer[] = [];
    const check = (answer: SeenAnswer) => {
      seen.push(answer);
      contract.check(answer);
    };
    const client = passkeyClient(app, user.access, check);

    const { created } = await enrolledPasskey(client);
    expect((await client.list()).status).toBe(200);
    const { credential } = await answeredOptions(client);
    expect((await client.register(credential)).status).toBe(409);
    expect((await client.register({ ...credential, id: 'AAAA', rawId: 'AAAA' })).status).toBe(409);
    expect((await client.register('not a credential')).status).toBe(400);
    expect((await client.remove(String(created.id))).status).toBe(204);
    expect((await client.remove(String(created.id))).status).toBe(404);
    expect((await client.remove('a.b')).status).toBe(400);
    expect((await client.register({ ...credential, id: 'AAAA', rawId: 'AAAA' })).status).toBe(400);
    app.clock.advance(301);
    expect((await client.options()).status).toBe(403);
    expect((await app.logoutAll(user.refresh)).status).toBe(204);
    expect((await client.list()).status).toBe(401);

    expect(seen.map((a) => `${a.method} ${a.status}`)).toEqual([
      'POST 200',
      'POST 201',
      'GET 200',
      'POST 200',
      'POST 409',
      'POST 409',
      'POST 400',
      'DELETE 204',
      'DELETE 404',
      'DELETE 400',
      'POST 400',
      'POST 403',
      'GET 401',
    ]);
  });
});
