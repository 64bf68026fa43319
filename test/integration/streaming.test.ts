// Stream-through, proved with upstreams and clients that wait on each other: a proxy
// that buffered a body, a response or a slow reader's backlog would stall these tests.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startHarness, startProxyOverFakeUpstream, type Harness } from '../support/proxyHarness';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function waitFor(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveWait, rejectWait) => {
    const poll = () => {
      if (condition()) return resolveWait();
      if (Date.now() > deadline) return rejectWait(new Error(`timed out waiting: ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

describe('stream-through', function () {
  this.timeout(20_000);
  let server: Server;
  let harness: Harness;
  let onRequest: (req: IncomingMessage, res: import('node:http').ServerResponse) => void = () => undefined;

  before(async () => {
    server = createServer((req, res) => onRequest(req, res));
    harness = await startHarness(await listen(server));
  });
  after(async () => {
    await harness.close();
    server.closeAllConnections();
    server.close();
  });

  it('forwards the request body as it arrives, before the agent has finished sending it', async () => {
    let upstreamBytes = 0;
    onRequest = (req, res) => {
      req.on('data', (chunk: Buffer) => (upstreamBytes += chunk.length));
      req.on('end', () => res.end(JSON.stringify({ received: upstreamBytes })));
    };
    const agentRequest = httpRequest(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    const response = once(agentRequest, 'response') as Promise<[IncomingMessage]>;
    agentRequest.write('{"messages":[{"role":"user","content":"first half');
    // The second half is only sent once the upstream has seen the first.
    await waitFor(() => upstreamBytes > 0, 'the upstream to receive the first half');
    agentRequest.end(' and second half"}]}');
    const [res] = await response;
    let text = '';
    for await (const chunk of res) text += chunk;
    assert.equal(JSON.parse(text).received, 69);
    const [record] = await harness.waitForResponses(1);
    assert.deepEqual(harness.requestRecord(record.id).extract?.messages, [
      { role: 'user', content: 'first half and second half' },
    ]);
  });

  it('relays each response event as it arrives, before the upstream sends the next', async () => {
    let agentSawFirst = false;
    onRequest = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"one"}}\n\n');
      // The rest is only sent once the agent has seen the first event through the proxy.
      waitFor(() => agentSawFirst, 'the agent to see the first event').then(
        () => res.end('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" two"}}\n\n'),
        () => res.destroy(),
      );
    };
    const before = harness.records().filter((record) => record.kind === 'response').length;
    const response = await request(`${harness.url()}/v1/messages`, { method: 'POST', body: '{}' });
    let text = '';
    for await (const chunk of response.body) {
      text += String(chunk);
      if (text.includes('"one"')) agentSawFirst = true;
    }
    assert.match(text, /" two"/);
    const record = (await harness.waitForResponses(before + 1))[before];
    assert.equal(record.reconstructed?.text, 'one two');
  });

  it('respects backpressure: a slow agent slows the upstream instead of filling the proxy memory', async () => {
    let upstreamWritten = 0;
    let upstreamDone = false;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    onRequest = (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (upstreamWritten < 64 * 1024 * 1024) {
          upstreamWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        upstreamDone = true;
        res.end();
      };
      res.on('close', () => (upstreamDone = true));
      pump();
    };
    const agentRequest = httpRequest(`${harness.url()}/download`, { method: 'GET' });
    agentRequest.end();
    const [res] = (await once(agentRequest, 'response')) as [IncomingMessage];
    res.pause();
    // The agent reads nothing for a second: what the upstream managed to write is bounded
    // by socket buffers on the way, not by the 64 MiB it wants to send.
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    const writtenWhilePaused = upstreamWritten;
    assert.ok(!upstreamDone, 'the upstream could not finish while the agent was not reading');
    assert.ok(writtenWhilePaused < 24 * 1024 * 1024, `upstream wrote ${writtenWhilePaused} bytes to a paused agent`);
    let received = 0;
    res.on('data', (data: Buffer) => (received += data.length));
    res.resume();
    await once(res, 'end');
    assert.equal(received, 64 * 1024 * 1024);
  });
});

describe('bounded log copy of a large response', function () {
  this.timeout(30_000);
  let harness: Harness;
  let close: () => Promise<void>;
  before(async () => {
    ({ harness, close } = await startProxyOverFakeUpstream());
  });
  after(() => close());

  it('a 20 MiB stream reaches the agent whole; the record is marked truncated with capped text', async () => {
    const total = 20 * 1024 * 1024;
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': `bytes:${total}` },
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    });
    let received = 0;
    for await (const chunk of response.body) received += (chunk as Buffer).length;
    assert.ok(received > total, `the agent got every byte (${received})`);
    const [record] = await harness.waitForResponses(1);
    assert.equal(record.truncated, true);
    assert.equal(record.response_bytes, received);
    const text = String(record.reconstructed?.text);
    assert.match(text, /…\(\+\d+ chars\)$/);
    assert.ok(text.length < 20_100);
  });
});
