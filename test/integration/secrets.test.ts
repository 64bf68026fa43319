// Secrets through the real proxy: with masking on, the upstream still receives the agent's exact bytes while
// the log holds placeholders, stays valid JSONL, and indexes and analyzes like any other log.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { PLACEHOLDER_PATTERN, secretHash, secretPlaceholder } from '../../src/core/secrets/secretScanner';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { startHarness, type Harness } from '../support/proxyHarness';
import { secretCorpus } from '../support/secretCorpus';

const FIXTURE = 'test/fixtures/agents/claude-code-messages-request.json';

/** Claude Code's real first request, then a Bash tool round trip whose result printed the corpus' credentials. */
function bodyWithSecrets(texts: string[], turn: number, layout: BodyLayout = 'pretty'): string {
  const body = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { messages: unknown[]; stream?: boolean };
  for (let n = 0; n < turn; n += 1) {
    body.messages.push(
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_0${n}`, name: 'Bash', input: { command: 'cat .env deploy/*' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_0${n}`, content: texts.join('\n\n') }] },
    );
  }
  // Pretty-printed, as no serializer would re-create: the upstream must get these bytes, not a re-encoding.
  // Compact, as the agents send it: the recorder then splices the body's own bytes into the line, and the
  // secrets must be found and masked on that path too.
  return layout === 'pretty' ? JSON.stringify(body, null, 1) : JSON.stringify(body);
}

type BodyLayout = 'pretty' | 'compact';

for (const [recordOnWorker, layout] of [[true, 'pretty'], [false, 'pretty'], [true, 'compact'], [false, 'compact']] as const) {
  describe(`secrets masked in the log, exact bytes upstream (recorder ${recordOnWorker ? 'on its worker' : 'inline'}, ${layout} body)`, () => {
    const corpus = secretCorpus(7).filter((sample) => sample.kinds.length);
    let upstream: FakeUpstream;
    let harness: Harness;
    before(async () => {
      upstream = await startFakeUpstream();
      harness = await startHarness(upstream.url, { recordOnWorker, recording: { redact: 'mask' } });
    });
    after(async () => {
      await harness.close();
      await upstream.close();
    });

    it('relays byte for byte and writes placeholders instead of every value', async () => {
      const bodies = [1, 2].map((turn) => bodyWithSecrets(corpus.map((sample) => sample.text), turn, layout));
      for (const body of bodies) {
        const response = await request(`${harness.url()}/v1/messages?beta=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'test' },
          body,
        });
        assert.equal(response.statusCode, 200);
        await response.body.text();
      }
      const seen = upstream.requests.slice(-2);
      for (const [n, body] of bodies.entries()) {
        assert.equal(seen[n].bodySha256, createHash('sha256').update(body).digest('hex'), 'the upstream got the exact bytes');
        assert.ok(seen[n].body?.toString().includes(corpus[0].values[0]), 'the secret went upstream untouched');
      }

      await harness.waitForResponses(2);
      const log = readFileSync(harness.proxy.logPath as string, 'utf8');
      for (const sample of corpus) {
        for (const value of sample.values) {
          assert.ok(!log.includes(value) && !log.includes(JSON.stringify(value).slice(1, -1)), `${sample.name}: value in the log`);
        }
      }
      // Valid JSONL, line for line; the placeholders are stable across turns, so turn 2 repeats turn 1's.
      const requests = harness.records().filter((record) => record.kind === 'request');
      assert.equal(requests.length, 2);
      const placeholders = requests.map((record) => [...JSON.stringify(record).matchAll(PLACEHOLDER_PATTERN)].map((match) => match[0]));
      assert.ok(placeholders[0].length >= corpus.length);
      assert.deepEqual([...new Set(placeholders[1])].sort(), [...new Set(placeholders[0])].sort());
      const anthropic = corpus.find((sample) => sample.kinds.includes('anthropic-api-key'))!.values[0];
      assert.ok(placeholders[0].includes(secretPlaceholder('anthropic-api-key', secretHash(anthropic))));
      assert.deepEqual(harness.problems, []);
    });

    it('the masked log indexes and analyzes, and says what it hid', async () => {
      const index = await LogIndex.open([harness.proxy.logPath as string], { workers: false });
      assert.equal(index.counts().invalid, 0);
      const exchanges = index.exchanges();
      assert.equal(exchanges.length, 2);
      for (const exchange of exchanges) {
        assert.equal(exchange.secrets?.masked, true);
        assert.ok(exchange.secrets.found.some((secret) => secret.kind === 'private-key'));
        assert.ok(exchange.messages && exchange.messages.count > 2, 'messages digested as usual');
      }
      const report = buildAnalysisReport(index.analysisInput());
      assert.equal(report.secrets.exchanges, 2);
      assert.equal(report.secrets.masked, 2);
      const kinds = new Set(report.secrets.distinct.map((secret) => secret.kind));
      for (const sample of corpus) for (const kind of sample.kinds) assert.ok(kinds.has(kind), `${kind} listed`);
      assert.equal(report.agents[0]?.requests, 2, 'still analyzable');
    });
  });
}

describe('secrets flagged (the default)', () => {
  it('keeps the values in the log and notes them in the record', async () => {
    const upstream = await startFakeUpstream();
    const harness = await startHarness(upstream.url);
    try {
      const [sample] = secretCorpus(3);
      const response = await request(`${harness.url()}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'test' },
        body: bodyWithSecrets([sample.text], 1),
      });
      await response.body.text();
      const [answer] = await harness.waitForResponses(1);
      const record = harness.requestRecord(answer.id) as unknown as { secrets: { masked: boolean; found: Array<{ kind: string }> } };
      assert.equal(record.secrets.masked, false);
      assert.deepEqual(record.secrets.found.map((secret) => secret.kind), sample.kinds);
      assert.ok(readFileSync(harness.proxy.logPath as string, 'utf8').includes(sample.values[0]));
    } finally {
      await harness.close();
      await upstream.close();
    }
  });
});
