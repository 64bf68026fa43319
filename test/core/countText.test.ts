// Counts read in the right number where the UI and the CLI print them: the shared helper (src/shared/countText.ts)
// and the texts built with it, for one of a thing ("1 token", "1 exchange", "1 response") and for more.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as l10n from '@vscode/l10n';
import { analyzeOutput, renderReport } from '../../src/cli/analyze';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { countOf, countWith, exchangesText, nounOf, tokensOf } from '../../src/shared/countText';
import { partText } from '../../src/webview/explainFormat';

describe('counts in the right number', () => {
  it('the helpers: singular for one, plural otherwise, numbers grouped', () => {
    assert.equal(countOf(1, 'exchange'), '1 exchange');
    assert.equal(countOf(0, 'exchange'), '0 exchanges');
    assert.equal(countOf(1, 'retry', 'retries'), '1 retry');
    assert.equal(countOf(3, 'retry', 'retries'), '3 retries');
    assert.equal(nounOf(1, 'token'), 'token');
    assert.equal(nounOf(2, 'token'), 'tokens');
    assert.equal(tokensOf(1), '1 token');
    assert.equal(tokensOf(1.2), '1 token', 'rounded before the noun is chosen');
    assert.equal(tokensOf(2048), '2,048 tokens');
  });

  it('UI counts are whole localized phrases: English without a bundle, zh-TW phrases with it', () => {
    assert.equal(exchangesText(1), '1 exchange');
    assert.equal(exchangesText(1024), '1,024 exchanges');
    const tools = (count: number) => countWith(count, (n) => l10n.t('{0} tool', n), (n) => l10n.t('{0} tools', n));
    assert.equal(tools(1), '1 tool');
    assert.equal(tools(20), '20 tools');
    const bundle = JSON.parse(readFileSync(join(__dirname, '../../l10n/bundle.l10n.zh-tw.json'), 'utf8')) as Record<string, string>;
    try {
      l10n.config({ contents: bundle });
      assert.equal(exchangesText(12), '12 筆交換');
      assert.equal(exchangesText(1), '1 筆交換');
      assert.equal(tools(3), '3 個工具');
      assert.equal(tokensOf(2048), '2,048 個權杖');
    } finally {
      l10n.config({ contents: {} });
    }
    assert.equal(exchangesText(2), '2 exchanges', 'English again once the bundle is gone');
  });

  it('a composition part of one token', () => {
    assert.equal(partText('system', 1, 10), 'System prompt 1 token (10%)');
    assert.equal(partText('system', 3100, 10_000), 'System prompt 3,100 tokens (31%)');
  });

  it('analyze on a log of one exchange: one session, one exchange, one response, one output token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interlude-plural-'));
    const log = join(dir, 'one.jsonl');
    const body = { model: 'claude-sonnet-4-5', max_tokens: 8, stream: true, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] };
    const extract = { system: 'Be brief.', tools: [], messages: body.messages };
    writeFileSync(
      log,
      `${JSON.stringify({ id: 'a1', kind: 'request', ts: '2026-11-14T08:00:00.000Z', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', request: body, extract, schema: 1, request_bytes: 120 })}\n` +
        `${JSON.stringify({ id: 'a1', kind: 'response', ts: '2026-11-14T08:00:01.000Z', agent: 'claude', wire: 'claude-messages', status: 200, stream: true, reconstructed: { model: 'claude-sonnet-4-5', text: 'Hi', tool_uses: [], stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }, content_type: 'text/event-stream', schema: 1, ttfb_ms: 100, duration_ms: 1000, response_bytes: 300 })}\n`,
    );
    const index = await LogIndex.open([log]);
    const report = buildAnalysisReport(index.analysisInput(), {});
    const text = renderReport(analyzeOutput(index, report));
    assert.match(text, /- 1 session, 1 thread: 0 continuations, 0 retries, 0 new starts within a session/);
    assert.match(text, /\(1 response\)/);
    assert.match(text, /with 1 request\b/);
    assert.match(text, /: 1 exchange, 1 thread, claude, 1 output token\b/);
    assert.doesNotMatch(text, /\b1 (exchanges|responses|requests|tokens|sessions)\b/);
  });
});
