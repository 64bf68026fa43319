// The Captures tree's rows: the label carries what tells rows apart (time, short model, tokens) so that a narrow
// side bar still shows it; the description and the tooltip carry the rest.
import assert from 'node:assert/strict';
import type { ExchangeSummary } from '../../src/core/logIndex/indexModel';
import { compactCount, exchangeDescription, exchangeLabel, shortModelName } from '../../src/extension/views/captureLabels';

function summary(overrides: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id: 'x1',
    agent: 'claude',
    wire: 'claude-messages',
    method: 'POST',
    path: '/v1/messages?beta=true',
    requestTime: new Date(2026, 11, 2, 14, 3, 7).getTime(),
    pending: false,
    status: 200,
    model: 'claude-sonnet-4-5-20250929',
    usage: { input: 3, output: 234, cacheRead: 11_000, cacheCreation: 1_345 },
    rttMs: 1234,
    ...overrides,
  } as ExchangeSummary;
}

describe('Captures tree rows', () => {
  it('the label is time · tokens in→out · short model; the description is round trip · status · method and path', () => {
    assert.equal(exchangeLabel(summary()), '14:03:07 · 12K→234 · sonnet-4.5');
    assert.equal(exchangeDescription(summary()), '1.2 s · 200 · POST /v1/messages');
  });

  it('what tells rows apart (time and tokens) comes first, within 20 characters', () => {
    const first = exchangeLabel(summary());
    const second = exchangeLabel(summary({ requestTime: summary().requestTime! + 9_000, usage: { input: 1, output: 80, cacheRead: 12_345, cacheCreation: 0 } }));
    assert.equal(first.slice(0, 19), '14:03:07 · 12K→234 ');
    assert.notEqual(first.slice(0, 20), second.slice(0, 20));
  });

  it('secrets lead the description; a streaming exchange says so; no response is said', () => {
    assert.equal(exchangeDescription(summary({ secrets: { found: [{ kind: 'github-token' }, { kind: 'aws' }], masked: false } } as Partial<ExchangeSummary>)), '⚠ 2 secrets · 1.2 s · 200 · POST /v1/messages');
    assert.equal(exchangeDescription(summary({ pending: true, status: undefined, rttMs: undefined })), 'streaming… · POST /v1/messages');
    assert.equal(exchangeDescription(summary({ status: undefined, rttMs: undefined })), 'no response · POST /v1/messages');
    assert.equal(exchangeLabel(summary({ model: undefined, usage: undefined })), '14:03:07 · claude');
  });

  it('short model names as people say them; other models unchanged', () => {
    assert.equal(shortModelName('claude-sonnet-4-5-20250929'), 'sonnet-4.5');
    assert.equal(shortModelName('claude-opus-4-1-20250805'), 'opus-4.1');
    assert.equal(shortModelName('claude-sonnet-4-20250514'), 'sonnet-4');
    assert.equal(shortModelName('claude-3-5-haiku-20241022'), 'haiku-3.5');
    assert.equal(shortModelName('claude-3-7-sonnet-latest'), 'sonnet-3.7');
    assert.equal(shortModelName('claude-haiku-4-5'), 'haiku-4.5');
    assert.equal(shortModelName('gpt-5-codex'), 'gpt-5-codex');
    assert.equal(shortModelName('claude-tree-test'), 'claude-tree-test');
  });

  it('compact counts: exact below a thousand, then K and M', () => {
    assert.deepEqual([0, 987, 1_000, 1_234, 12_345, 999_499, 1_250_000, 3_000_000].map(compactCount), ['0', '987', '1K', '1.2K', '12K', '999K', '1.3M', '3M']);
  });

  it('a spoofed model name shows its bidi control as a marker in the label', () => {
    const label = exchangeLabel(summary({ model: 'gpt\u202Egnp.exe' }));
    assert.ok(!label.includes('\u202E'), label);
  });
});
