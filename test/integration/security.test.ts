// Credentials pass through and never reach the log; only local agents may use a listener.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'undici';
import type { FakeUpstream } from '../support/fakeUpstream';
import { assertStillServes, startProxyOverFakeUpstream, type Harness } from '../support/proxyHarness';

const SECRET = 'SeCrEt-7f3a9c2e1d';

function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolveResponse, rejectResponse) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => resolveResponse(data));
    socket.on('error', rejectResponse);
  });
}

describe('credentials and who may connect', () => {
  let upstream: FakeUpstream;
  let harness: Harness;
  let close: () => Promise<void>;
  before(async () => {
    ({ upstream, harness, close } = await startProxyOverFakeUpstream());
  });
  after(() => close());

  it('forwards every credential header upstream and writes none of them', async () => {
    const credentials = {
      authorization: `Bearer ${SECRET}-auth`,
      'x-api-key': `${SECRET}-key`,
      cookie: `session=${SECRET}-cookie`,
      'chatgpt-account-id': `${SECRET}-account`,
      'proxy-authorization': `Basic ${SECRET}-proxy`,
      'x-goog-api-key': `${SECRET}-other`,
    };
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { ...credentials, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'accept-encoding': 'gzip, br, zstd' },
      body: JSON.stringify({ model: 'm', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body.text();
    const seen = upstream.requests.at(-1);
    assert.ok(seen);
    for (const [name, value] of Object.entries(credentials)) assert.equal(seen.headers[name], value, `${name} forwarded`);
    assert.equal(seen.headers['accept-encoding'], undefined, 'accept-encoding is stripped so the upstream answers plainly');

    const [record] = await harness.waitForResponses(1);
    const requestRecord = harness.requestRecord(record.id);
    assert.deepEqual(Object.keys(requestRecord.headers_kept).sort(), ['anthropic-version', 'content-type']);
    const log = readFileSync(harness.proxy.logPath as string, 'utf8');
    assert.equal(log.includes(SECRET), false, 'no credential in the log');
  });

  it('refuses a request whose Host is not loopback (DNS rebinding) with 403', async () => {
    const port = Number(new URL(harness.url()).port);
    const before = upstream.requests.length;
    const reply = await rawRequest(port, 'POST /v1/messages HTTP/1.1\r\nHost: evil.example:8788\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    assert.match(reply, /^HTTP\/1\.1 403/);
    assert.match(reply, /not a loopback address/);
    assert.equal(upstream.requests.length, before, 'nothing reached the upstream');
    await assertStillServes(harness);
  });

  it('refuses a request that carries a browser Origin with 403', async () => {
    const before = upstream.requests.length;
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.statusCode, 403);
    assert.match(await response.body.text(), /browser page/);
    assert.equal(upstream.requests.length, before);
  });

  it('accepts localhost and [::1]-style Host authorities', async () => {
    const port = Number(new URL(harness.url()).port);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const reply = await rawRequest(port, `HEAD / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.match(reply, /^HTTP\/1\.1 404/, `Host ${host} is served (the fake answers 404 to HEAD /)`);
    }
  });

  it('binds loopback only, as the OS reports the socket', () => {
    assert.deepEqual(harness.statuses.map((status) => status.address), ['127.0.0.1']);
  });
});
