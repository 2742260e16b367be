import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the two AWS services the Lambdas call besides DynamoDB, on 127.0.0.1: SNS `Publish`
 * (query protocol, XML answer) and the Secrets Manager calls of the key source and the rotation
 * function (JSON 1.1). The SDK finds it through `AWS_ENDPOINT_URL_SNS` and
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or an explicit `endpoint`). Stateless apart from call counts:
 * every run of the rotation function sees a first rotation.
 */
export interface FakeAws {
  /** `http://127.0.0.1:PORT`, for both services. */
  readonly endpoint: string;
  /** `Service.Action` -> how many requests arrived, e.g. `SNS.Publish`, `SecretsManager.GetSecretValue`. */
  readonly calls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export interface FakeAwsOptions {
  /** The JSON document GetSecretValue returns as `SecretString` (AWSCURRENT). */
  readonly secretString: string;
  /** The version id a rotation event must carry: DescribeSecret lists it as AWSPENDING. */
  readonly pendingVersionId: string;
}

const CURRENT_VERSION_ID = 'bench-current-version';

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);

  const server = createServer((req, res) => {
    void readAll(req).then(
      (body) => {
        const target = req.headers['x-amz-target'];
        let reply: Reply;
        if (typeof target === 'string' && target.startsWith('secretsmanager.')) {
          const action = target.slice('secretsmanager.'.length);
          count(`SecretsManager.${action}`);
          reply = answerSecretsManager(action, parseJson(body), options);
        } else {
          count(`SNS.${new URLSearchParams(body).get('Action') ?? 'unknown'}`);
          reply = answerSns(body);
        }
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    calls,
    close: () => {
      closing ??= new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      });
      return closing;
    },
  };
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function answerSns(body: string): Reply {
  const action = new URLSearchParams(body).get('Action') ?? 'unknown';
  if (action !== 'Publish') {
    return {
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body:
        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Not faked: ${action}</Message></Error>` +
        `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() },
    body:
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
      `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
      '</PublishResponse>',
  };
}

function answerSecretsManager(action: string, input: Record<string, unknown>, options: FakeAwsOptions): Reply {
  const secretId = String(input.SecretId ?? 'bench-secret');
  const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}`;
  switch (action) {
    case 'GetSecretValue':
      // The rotation function asks for AWSPENDING first; "not there yet" makes it create the next key set.
      if (input.VersionStage === 'AWSPENDING') {
        return jsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      return json({
        ARN: arn,
        Name: secretId,
        VersionId: CURRENT_VERSION_ID,
        SecretString: options.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    case 'DescribeSecret':
      return json({
        ARN: arn,
        Name: secretId,
        RotationEnabled: true,
        VersionIdsToStages: { [CURRENT_VERSION_ID]: ['AWSCURRENT'], [options.pendingVersionId]: ['AWSPENDING'] },
      });
    case 'PutSecretValue':
      return json({
        ARN: arn,
        Name: secretId,
        VersionId: String(input.ClientRequestToken ?? randomUUID()),
        VersionStages: ['AWSPENDING'],
      });
    case 'UpdateSecretVersionStage':
      return json({ ARN: arn, Name: secretId });
    default:
      return jsonError('InvalidRequestException', `Not faked: ${action}`);
  }
}

function json(body: unknown): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

function jsonError(type: string, message: string): Reply {
  return {
    status: 400,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': type,
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
