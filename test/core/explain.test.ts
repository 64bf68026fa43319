// The explainer and its pieces over the fixture logs: re-extraction of the original's Codex records,
// composition summing to the reported input, and prices (hand-computed, unknown models unpriced).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import { compositionOf, exchangeCost, explainLog } from '../../src/core/analysis/explain';
import { DEFAULT_PRICING, parsePricingOverride, PricingError, pricingFromSetting, withOverride } from '../../src/core/analysis/pricing';
import type { ExchangeSummary } from '../../src/core/logIndex/indexModel';
import { LogIndex } from '../../src/core/logIndex/logIndex';

const LOGS = resolve(__dirname, '../fixtures/logs');
const FIXTURES = ['original-format.jsonl', 'no-side-requests.jsonl', 'original-format-codex.jsonl'];

describe('explain: the original\'s Codex records re-extracted', () => {
  it('finds the developer-message prompt and the additional_tools the original\'s extract missed', async () => {
    const index = await LogIndex.open([join(LOGS, 'original-format-codex.jsonl')], { workers: false });
    const report = buildAnalysisReport(index.analysisInput());
    const codex = report.agents.find((agent) => agent.agent === 'codex');
    assert.equal(codex?.system?.distinct, 1, 'the four developer messages are its prompt');
    assert.equal(codex?.system?.representation, '4 block(s)/req');
    assert.ok((codex?.system?.size.median ?? 0) > 1000);
    assert.equal(codex?.tools?.names.length, 5, 'the tools of the additional_tools item, out of their namespaces');
    assert.deepEqual(report.comparison.map((column) => [column.distinctSystems, column.toolCount, column.toolContainer]), [
      [1, 5, '`additional_tools` input item (namespaces)'],
    ]);
    assert.equal(report.conversations.summary.continuations, 1);
  });
});

describe('explain: OpenAI\'s own cache diagnosis', () => {
  it('a Responses reply carrying prompt_cache_diagnostics gives the cause, from the provider, with its missed tokens', async () => {
    const lines = readFileSync(join(LOGS, 'original-format-codex.jsonl'), 'utf8').split('\n').filter((line) => line.startsWith('{'));
    const diagnosed = lines.map((line) => {
      const record = JSON.parse(line) as Record<string, unknown> & { reconstructed?: Record<string, unknown> };
      if (record.kind !== 'response' || record.id !== 'x9codex00002' || !record.reconstructed) return line;
      record.reconstructed.prompt_cache_diagnostics = { type: 'cache_miss', reason: { type: 'tools_changed' }, cache_missed_tokens: 1000 };
      return JSON.stringify(record);
    });
    const dir = mkdtempSync(join(tmpdir(), 'interlude-openai-diagnosis-'));
    try {
      writeFileSync(join(dir, 'log-codex.jsonl'), `${diagnosed.join('\n')}\n`);
      const index = await LogIndex.open([dir], { workers: false });
      const input = index.analysisInput();
      const explained = explainLog(input, { agents: buildAnalysisReport(input).agents });
      const second = explained.exchanges.find((exchange) => exchange.id === 'x9codex00002');
      assert.equal(second?.cache.cause.source, 'provider', second?.cache.cause.text);
      assert.equal(second?.cache.cause.diagnosis?.provider, 'openai');
      assert.equal(second?.cache.cause.diagnosis?.type, 'tools_changed');
      assert.equal(second?.cache.cause.diagnosis?.missedTokens, 1000);
      assert.match(second?.cache.cause.text ?? '', /^OpenAI says tools_changed/);
      const first = explained.exchanges.find((exchange) => exchange.id === 'x9codex00001');
      assert.equal(first?.cache.cause.source, 'inferred', 'the undiagnosed first request keeps the inferred cause');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('explain: composition and cost on every fixture', () => {
  for (const name of FIXTURES) {
    it(`composition parts sum to the reported input on ${name}`, async () => {
      const index = await LogIndex.open([join(LOGS, name)], { workers: false });
      const explained = explainLog(index.analysisInput());
      assert.ok(explained.exchanges.length > 0);
      for (const exchange of explained.exchanges) {
        const sum = exchange.composition.parts.reduce((total, part) => total + part.tokens, 0);
        assert.equal(sum, exchange.composition.inputTokens, exchange.id);
      }
      for (const summary of index.exchanges()) {
        if (!summary.usage) continue;
        const composition = compositionOf(summary);
        assert.equal(composition.inputTokens, summary.usage.input + summary.usage.cacheRead + summary.usage.cacheCreation);
      }
    });
  }

  const exchange = (model: string | undefined, usage: ExchangeSummary['usage'], wire = 'claude-messages'): ExchangeSummary => ({
    id: 'x', agent: 'claude', wire, method: 'POST', path: '/v1/messages', pending: false, ...(model ? { model } : {}), ...(usage ? { usage } : {}),
  });

  it('prices by hand: Sonnet with a 1-hour write, Codex cached tokens inside the input', () => {
    const sonnet = exchangeCost(exchange('claude-sonnet-4-5-20250929', { input: 10, output: 200, cacheRead: 40_000, cacheCreation: 3000, cacheCreation5m: 1000, cacheCreation1h: 2000 }));
    // 10×3 + 200×15 + 40000×0.3 + 1000×3.75 + 2000×6 (USD per million)
    assert.ok(Math.abs((sonnet.total ?? 0) - (30 + 3000 + 12_000 + 3750 + 12_000) / 1e6) < 1e-12, String(sonnet.total));
    assert.equal(sonnet.pricedAs, 'claude-sonnet-4-5');
    // Responses usage of 10000 input of which 8000 cached: the index keeps 2000 uncached + 8000 read.
    const codex = exchangeCost(exchange('gpt-5-codex', { input: 2000, output: 50, cacheRead: 8000, cacheCreation: 0 }, 'codex-responses'));
    assert.ok(Math.abs((codex.total ?? 0) - (2000 * 1.25 + 8000 * 0.125 + 50 * 10) / 1e6) < 1e-12, String(codex.total));
  });

  it('prices by hand the default models of today\'s pinned CLIs: claude-opus-5-5 with a 1-hour write, gpt-6.2-sol with cached input', () => {
    // The models test/fixtures/agents' requests name (Claude Code 2.1.332, Codex) are in the shipped table.
    const opus = exchangeCost(exchange('claude-opus-5-5', { input: 12, output: 900, cacheRead: 60_000, cacheCreation: 5000, cacheCreation5m: 1000, cacheCreation1h: 4000 }));
    // 12×4 + 900×20 + 60000×0.20 + 1000×5 + 4000×8 (USD per million; platform.claude.com's Opus 5.5 page)
    assert.ok(Math.abs((opus.total ?? 0) - (48 + 18_000 + 12_000 + 5000 + 32_000) / 1e6) < 1e-12, String(opus.total));
    assert.equal(opus.pricedAs, 'claude-opus-5-5');
    const dated = exchangeCost(exchange('claude-opus-5-5-20260922', { input: 1, output: 0, cacheRead: 0, cacheCreation: 0 }));
    assert.equal(dated.pricedAs, 'claude-opus-5-5', 'a dated id is priced by its family');
    // Responses usage of 10000 input of which 9000 cached: 1000 uncached × $2 + 9000 read × $0.10 + 300 output × $10.
    const sol = exchangeCost(exchange('gpt-6.2-sol', { input: 1000, output: 300, cacheRead: 9000, cacheCreation: 0 }, 'codex-responses'));
    assert.ok(Math.abs((sol.total ?? 0) - (1000 * 2 + 9000 * 0.1 + 300 * 10) / 1e6) < 1e-12, String(sol.total));
    // Models whose rates the providers' pages did not state in a form this table holds stay unpriced.
    for (const model of ['claude-fable-5-1', 'claude-haiku-5-5']) assert.equal(exchangeCost(exchange(model, { input: 1, output: 1, cacheRead: 0, cacheCreation: 0 })).priced, false, model);
    assert.equal(DEFAULT_PRICING.date, '2026-12-02');
  });

  it('an unknown model is unpriced, never $0; an override prices it', () => {
    const unknown = exchangeCost(exchange('claude-future-9', { input: 100, output: 10, cacheRead: 0, cacheCreation: 0 }));
    assert.equal(unknown.priced, false);
    assert.equal(unknown.total, null);
    assert.match(unknown.unpricedReason ?? '', /claude-future-9/);
    const table = withOverride(DEFAULT_PRICING, { models: { 'claude-future-9': { input: 1, output: 2, cacheRead: 0.1 } } });
    const priced = exchangeCost(exchange('claude-future-9', { input: 100, output: 10, cacheRead: 0, cacheCreation: 0 }), table);
    assert.ok(Math.abs((priced.total ?? 0) - (100 + 20) / 1e6) < 1e-15, String(priced.total));
    assert.throws(() => parsePricingOverride({ 'gpt-5': { input: -1, output: 1, cacheRead: 0 } }), PricingError);
    assert.match(pricingFromSetting({ 'gpt-5': { output: 1 } }).error ?? '', /lacks input/);
    assert.equal(pricingFromSetting({}).table, DEFAULT_PRICING);
    assert.match(DEFAULT_PRICING.date, /^\d{4}-\d{2}-\d{2}$/);
  });
});
