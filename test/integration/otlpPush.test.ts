// Live OpenTelemetry push from the recorder: the official OTLP/HTTP exporter sends each exchange to a local
// receiver (a real node:http server speaking OTLP/HTTP JSON, answering ExportTraceServiceResponse as a
// collector does), which decodes every span; checked attribute by attribute against the log. Receiver down:
// the queue stays bounded, drops are counted, the relay and the log are unaffected.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { OtlpPusher } from '../../src/core/export/otlpPush';
import { exchangeSpan } from '../../src/core/export/otelSpans';
import type { ResponseRecord } from '../../src/core/records';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { assertStillServes, startHarness, type Harness } from '../support/proxyHarness';
import { secretCorpus } from '../support/secretCorpus';
import { otlpAttributes } from '../support/otlpDecode';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  spans: Array<Parameters<typeof otlpAttributes>[0] & { status?: { code?: number } }>;
}

interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Received['spans'] }> }> };
      received.push({ path: req.url, headers: req.headers, spans: body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolveListen) => server.listen(port, '127.0.0.1', () => resolveListen()));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    received,
    close: () => new Promise((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    }),
  };
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}

describe('OpenTelemetry push over OTLP/HTTP', () => {
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startFakeUpstream();
  });
  after(() => upstream.close());

  it('pushes each exchange as it lands, in the GenAI conventions, content masked', async () => {
    const receiver = await startReceiver();
    const harness = await startHarness(upstream.url, { recording: { otlp: { endpoint: receiver.url, headers: { 'x-team-key': 'k-123' }, content: true } } });
    try {
      const body = JSON.parse(readFileSync('test/fixtures/agents/claude-code-messages-request.json', 'utf8')) as { messages: Array<{ content: unknown }> };
      const [secret] = secretCorpus(9);
      body.messages.push({ content: secret.text, role: 'user' } as never);
      const response = await request(`${harness.url()}/v1/messages?beta=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'test' },
        body: JSON.stringify(body),
      });
      await response.body.text();
      await until(() => receiver.received.some((batch) => batch.spans.length > 0));
      const [answer] = await harness.waitForResponses(1);
      const logged = harness.responseRecord(answer.id) as ResponseRecord;

      const [batch] = receiver.received;
      assert.equal(batch.path, '/v1/traces');
      assert.equal(batch.headers['x-team-key'], 'k-123');
      const [span] = batch.spans;
      const attributes = otlpAttributes(span);
      const usage = logged.reconstructed!.usage as Record<string, number>;
      assert.equal(span.name, 'chat claude-opus-5-5');
      assert.equal(span.kind, 3);
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.match(span.spanId, /^[0-9a-f]{16}$/);
      assert.equal(attributes['gen_ai.operation.name'], 'chat');
      assert.equal(attributes['gen_ai.provider.name'], 'anthropic');
      assert.equal(attributes['gen_ai.request.model'], 'claude-opus-5-5');
      assert.equal(attributes['gen_ai.request.stream'], true);
      assert.equal(attributes['gen_ai.response.model'], logged.reconstructed!.model);
      assert.equal(attributes['gen_ai.response.id'], logged.reconstructed!.id);
      assert.deepEqual(attributes['gen_ai.response.finish_reasons'], [logged.reconstructed!.stop_reason]);
      assert.equal(attributes['gen_ai.conversation.id'], '8a4cac0c-8aca-4385-9f7b-53d8f16a61af');
      assert.equal(
        attributes['gen_ai.usage.input_tokens'],
        usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
      );
      assert.equal(attributes['gen_ai.usage.output_tokens'], usage.output_tokens);
      assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], usage.cache_read_input_tokens ?? 0);
      assert.equal(attributes['http.response.status_code'], 200);
      assert.equal(attributes['gen_ai.response.time_to_first_chunk'], (logged.first_byte_ms ?? logged.ttfb_ms!) / 1000);
      assert.equal(attributes['agent_interlude.exchange.id'], answer.id);
      assert.equal(attributes['agent_interlude.secrets'], 1);
      const input = String(attributes['gen_ai.input.messages']);
      assert.ok(input.includes('Reply with exactly PONG'), 'content when asked for');
      assert.ok(!input.includes(secret.values[0]), 'the secret is masked in the pushed content');
      assert.match(input, /‹redacted:anthropic-api-key:[0-9a-f]{8}›/);
      assert.ok(String(attributes['gen_ai.output.messages']).includes('PONG'));
      assert.ok(String(attributes['gen_ai.system_instructions']).length > 1000);
      // The log itself only flags (the default): the push masked on its own.
      assert.ok(readFileSync(harness.proxy.logPath as string, 'utf8').includes(secret.values[0]));
    } finally {
      await harness.close();
      await receiver.close();
    }
  });

  it('receiver down: the queue stays bounded and counts drops; backs off and delivers once it is back', async () => {
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close();
    const problems: string[] = [];
    const pusher = new OtlpPusher({ endpoint: `http://127.0.0.1:${port}`, queueLimit: 16 }, (message) => problems.push(message));
    const span = (n: number) =>
      exchangeSpan({ id: `e${n}`, agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', pending: false, requestTime: Date.now(), durationMs: 5 }, undefined, undefined);
    for (let n = 0; n < 100; n += 1) pusher.enqueue(span(n));
    await until(() => pusher.stats.failedAttempts >= 1);
    assert.ok(pusher.stats.queued <= 16, `queued ${pusher.stats.queued}`);
    assert.equal(pusher.stats.dropped + pusher.stats.queued + pusher.stats.sent, 100);
    assert.ok(pusher.stats.dropped >= 84);
    assert.equal(problems.length, 1, 'reported once, not per span');
    assert.match(problems[0], /cannot push to the OpenTelemetry endpoint/);

    const receiver = await startReceiver(port);
    try {
      await until(() => pusher.stats.sent === 16, 20_000);
      assert.equal(pusher.stats.queued, 0);
      assert.equal(receiver.received.flatMap((batch) => batch.spans).length, 16);
      assert.match(problems.at(-1)!, /reachable again \(84 spans dropped/);
    } finally {
      await pusher.close();
      await receiver.close();
    }
  });

  it('receiver down: the proxy relays and logs every exchange as usual', async () => {
    const probe = await startReceiver();
    await probe.close();
    let harness: Harness | undefined;
    try {
      harness = await startHarness(upstream.url, { recording: { otlp: { endpoint: probe.url } } });
      const started = Date.now();
      for (let n = 0; n < 10; n += 1) await assertStillServes(harness);
      const elapsed = Date.now() - started;
      console.log(`      10 exchanges with the OTLP endpoint down: ${elapsed} ms`);
      assert.equal(harness.records().filter((record) => record.kind === 'response').length, 10);
      assert.ok(elapsed < 10_000, `10 exchanges took ${elapsed} ms`);
      await until(() => harness!.problems.some((problem) => /OpenTelemetry endpoint/.test(problem)));
      assert.equal(harness.problems.filter((problem) => /OpenTelemetry endpoint/.test(problem)).length, 1);
    } finally {
      await harness?.close();
    }
  });
});
