// The official SDKs, as real clients, through the proxy to a real local upstream,
// over http and over https with a self-signed CA.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { makeTestCertificate, startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { startHarness, type Harness } from '../support/proxyHarness';
import type { ResponseRecord } from '../../src/core/records';

for (const transport of ['http', 'https'] as const) {
  describe(`SDK clients through the proxy (${transport} upstream)`, () => {
    let upstream: FakeUpstream;
    let harness: Harness;

    before(async () => {
      const certificate = transport === 'https' ? makeTestCertificate() : undefined;
      upstream = await startFakeUpstream(certificate ? { tls: certificate } : {});
      harness = await startHarness(upstream.url, {
        listeners: [
          { port: 0, upstream: upstream.url, agent: 'claude' },
          { port: 0, upstream: upstream.url, agent: 'codex' },
        ],
        extraCa: certificate?.ca,
      });
    });
    after(async () => {
      await harness.close();
      await upstream.close();
    });

    it('Anthropic messages.stream: the client gets the reply; both records are logged and reassembled', async () => {
      const client = new Anthropic({ baseURL: harness.url(0), apiKey: 'sk-ant-test-secret-0123456789' });
      const stream = client.messages.stream({
        model: 'claude-interlude-test',
        max_tokens: 64,
        system: [{ type: 'text', text: 'You are a test agent.' }],
        tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'Reply with exactly PONG' }],
      });
      const final = await stream.finalMessage();
      const text = final.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      assert.equal(text, 'PONG');

      const [response] = await harness.waitForResponses(1);
      const requestRecord = harness.requestRecord(response.id);
      assert.equal(requestRecord.wire, 'claude-messages');
      assert.equal(requestRecord.agent, 'claude');
      assert.match(requestRecord.path, /^\/v1\/messages/);
      assert.deepEqual(requestRecord.extract?.system, [{ type: 'text', text: 'You are a test agent.' }]);
      assert.equal((requestRecord.extract?.tools as unknown[]).length, 1);
      assert.equal(response.status, 200);
      assert.equal(response.stream, true);
      assert.equal(response.reconstructed?.text, 'PONG');
      assert.equal(response.reconstructed?.stop_reason, final.stop_reason);
      assert.equal(response.reconstructed?.model, final.model);
      assert.deepEqual(response.reconstructed?.usage, { ...final.usage });
      assert.ok(typeof response.ttfb_ms === 'number' && typeof response.duration_ms === 'number');
    });

    it('Anthropic tool round trip: tool_use input is reassembled from input_json_delta', async () => {
      const client = new Anthropic({ baseURL: harness.url(0), apiKey: 'test' });
      const final = await client.messages
        .stream({
          model: 'claude-interlude-test',
          max_tokens: 64,
          tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
          messages: [{ role: 'user', content: 'USE_BASH_TOOL please' }],
        })
        .finalMessage();
      const toolUse = final.content.find((block) => block.type === 'tool_use');
      assert.ok(toolUse && toolUse.type === 'tool_use');
      const responses = await harness.waitForResponses(2);
      const record = responses.find((candidate) => candidate.reconstructed?.stop_reason === 'tool_use');
      assert.ok(record, 'a response record with stop_reason tool_use');
      const toolUses = record.reconstructed?.tool_uses as Array<{ name: string; input: unknown }>;
      assert.equal(toolUses[0].name, toolUse.name);
      assert.deepEqual(toolUses[0].input, toolUse.input);
    });

    it('OpenAI responses.stream and chat.completions.stream parse unchanged; records reassembled', async () => {
      const client = new OpenAI({ baseURL: `${harness.url(1)}/v1`, apiKey: 'sk-test-secret-0123456789' });
      const before = harness.records().filter((record) => record.kind === 'response').length;

      const responsesStream = client.responses.stream({ model: 'gpt-5', instructions: 'Be terse.', input: 'Reply with exactly PONG' });
      const finalResponse = await responsesStream.finalResponse();
      assert.equal(finalResponse.output_text, 'PONG');

      const chatStream = client.chat.completions.stream({
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Reply with exactly PONG' },
        ],
        stream_options: { include_usage: true },
      });
      const chat = await chatStream.finalChatCompletion();
      assert.equal(chat.choices[0].message.content, 'PONG');

      const responses = (await harness.waitForResponses(before + 2)).slice(before);
      const byWire = (wire: string) => responses.find((record) => record.wire === wire) as ResponseRecord;
      const responsesRecord = byWire('codex-responses');
      assert.equal(responsesRecord.agent, 'codex');
      assert.equal(responsesRecord.reconstructed?.text, 'PONG');
      assert.equal(responsesRecord.reconstructed?.status, 'completed');
      assert.deepEqual(responsesRecord.reconstructed?.usage, JSON.parse(JSON.stringify(finalResponse.usage)));
      assert.equal(harness.requestRecord(responsesRecord.id).extract?.system, 'Be terse.');

      const chatRecord = byWire('codex-chat');
      assert.equal(chatRecord.reconstructed?.text, 'PONG');
      assert.ok(chatRecord.reconstructed?.usage, 'usage from the include_usage chunk');
      assert.deepEqual(harness.requestRecord(chatRecord.id).extract?.system, [{ role: 'system', content: 'Be terse.' }]);
    });
  });
}

describe('byte-exact relay', () => {
  // A deterministic upstream: the same bytes every time, in awkward chunk sizes,
  // so the agent's copy can be compared with the upstream's byte for byte.
  const chunks = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":3}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\u00e9llo \u{1F600}"}}\n',
    '\n: comment line\n\nevent: ping\r\ndata: {"type":"ping"}\r\n\r\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n',
  ].map((chunk) => Buffer.from(chunk));
  // Split the emoji across two writes to prove bytes, not characters, are relayed.
  const emojiAt = chunks[1].indexOf(0xf0);
  const pieces = [chunks[0], chunks[1].subarray(0, emojiAt + 2), chunks[1].subarray(emojiAt + 2), chunks[2], chunks[3]];
  const expected = Buffer.concat(pieces);
  let server: Server;
  let harness: Harness;

  before(async () => {
    server = createServer((_req, res) => {
      _req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-upstream': 'yes' });
      let index = 0;
      const next = () => {
        if (index === pieces.length) return res.end();
        res.write(pieces[index++]);
        setTimeout(next, 5);
      };
      next();
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    harness = await startHarness(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    await harness.close();
    server.close();
  });

  it('the agent receives exactly the upstream bytes, headers included', async () => {
    const response = await request(`${harness.url()}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"stream":true}',
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    assert.equal(response.headers['x-upstream'], 'yes');
    assert.equal(createHash('sha256').update(body).digest('hex'), createHash('sha256').update(expected).digest('hex'));
    const [record] = await harness.waitForResponses(1);
    assert.equal(record.event_count, 4);
    assert.equal(record.reconstructed?.text, 'h\u00e9llo \u{1F600}');
    assert.equal(record.reconstructed?.stop_reason, 'end_turn');
    assert.equal(harness.requestRecord(record.id).path, '/v1/messages?beta=true');
  });

  it('keeps upstream connections alive across requests (pooled)', async () => {
    const sockets = new Set<unknown>();
    server.on('connection', (socket) => sockets.add(socket));
    for (let index = 0; index < 5; index += 1) {
      const response = await request(`${harness.url()}/v1/messages`, { method: 'POST', body: '{}' });
      await response.body.arrayBuffer();
    }
    assert.ok(sockets.size <= 1, `expected one pooled upstream connection, saw ${sockets.size}`);
  });
});
