import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAws {
  /** `http://127.0.0.1:PORT`, for both services. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const CURRENT_VERSION_ID = 'bench-current-version';

/**
 * A stand-in on 127.0.0.1 for the services the Lambdas call besides DynamoDB: SNS `Publish`
 * (query protocol, XML), End User Messaging `SendTextMessage` (JSON 1.0) and the Secrets Manager calls of the key source and of the rotation's
 * createSecret step (JSON 1.1). Stateless: every rotation finds no AWSPENDING version yet.
 */
export async function startFakeAws(options: { secretString: string; pendingVersionId: string }): Promise<FakeAws> {
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = req.headers['x-amz-target'];
    const reply = (status: number, type: string, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID(), ...extra });
      res.end(text);
    };
    if (typeof target !== 'string') {
      // SNS: only Publish is ever sent.
      return reply(
        200,
        'text/xml',
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    }
    if (target === 'PinpointSMSVoiceV2.SendTextMessage') {
      return reply(200, 'application/x-amz-json-1.0', JSON.stringify({ MessageId: randomUUID() }));
    }
    const input = JSON.parse(body || '{}') as Record<string, string | undefined>;
    const secret = {
      ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${input.SecretId}`,
      Name: input.SecretId,
    };
    const json = (value: unknown, status = 200, errorType?: string) =>
      reply(
        status,
        'application/x-amz-json-1.1',
        JSON.stringify(value),
        errorType ? { 'x-amzn-errortype': errorType } : {},
      );
    const error = (type: string) => json({ __type: type }, 400, type);
    switch (target.replace('secretsmanager.', '')) {
      case 'GetSecretValue':
        // The rotation asks for AWSPENDING first; "not there yet" makes it create the next key set.
        if (input.VersionStage === 'AWSPENDING') return error('ResourceNotFoundException');
        return json({
          ...secret,
          VersionId: CURRENT_VERSION_ID,
          SecretString: options.secretString,
          VersionStages: ['AWSCURRENT'],
        });
      case 'DescribeSecret':
        return json({
          ...secret,
          RotationEnabled: true,
          VersionIdsToStages: { [CURRENT_VERSION_ID]: ['AWSCURRENT'], [options.pendingVersionId]: ['AWSPENDING'] },
        });
      case 'PutSecretValue':
        return json({ ...secret, VersionId: input.ClientRequestToken, VersionStages: ['AWSPENDING'] });
      default:
        return error('InvalidRequestException');
    }
  };
  const server = createServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
