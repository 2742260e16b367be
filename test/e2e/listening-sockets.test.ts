import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, listeningSockets } from './listening-sockets.js';

// The e2e tests rely on this to prove `npm start` listens on loopback only, so it must see a
// wildcard listener for what it is. Linux only: it reads /proc.
describe.runIf(process.platform === 'linux')('listeningSockets', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
  });

  async function listen(host: string): Promise<number> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, host, done);
    });
    return (server.address() as { port: number }).port;
  }

  it.each([
    ['0.0.0.0', false],
    ['127.0.0.1', true],
    ['::', false],
    ['::1', true],
  ])('reports a listener of this process on %s, loopback: %s', async (host, loopback) => {
    const port = await listen(host);

    const sockets = (await listeningSockets(process.pid)).filter((s) => s.port === port);

    expect(sockets).toEqual([{ pid: process.pid, address: host, port }]);
    expect(isLoopback(host)).toBe(loopback);
  });

  it('counts an IPv4-mapped 127.0.0.1 as loopback, as the JVM binds it', () => {
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
  });
});
