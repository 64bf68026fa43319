// The secrets detector on a corpus of real-format credentials and look-alikes, as they appear in a log
// line (inside a tool result of a request body, JSON-escaped), and the mask round trip.

import assert from 'node:assert/strict';
import { LineRedactor, type RecordSecrets } from '../../src/core/secrets/lineRedactor';
import { findSecrets, PLACEHOLDER_PATTERN, secretHash, secretPlaceholder, SecretScanner } from '../../src/core/secrets/secretScanner';
import { secretCorpus, type CorpusCase } from '../support/secretCorpus';

function requestLine(text: string, id = 'a1b2c3d4e5f6'): string {
  const messages = [
    { role: 'user', content: [{ type: 'text', text: 'Check the deploy config.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'cat config' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: text }] },
  ];
  return JSON.stringify({
    id,
    kind: 'request',
    ts: '2026-12-02T03:00:00.000Z',
    agent: 'claude',
    wire: 'claude-messages',
    request: { model: 'claude-sonnet-4-5', max_tokens: 32000, messages },
    extract: { system: null, tools: null, messages },
  });
}

function kindsFound(found: RecordSecrets | undefined): string[] {
  return [...new Set(found?.found.map((secret) => secret.kind) ?? [])].sort();
}

describe('secrets detector: corpus', () => {
  const corpus = secretCorpus();

  it('finds every real-format credential and no look-alike (counts printed)', () => {
    let truePositives = 0;
    let falseNegatives = 0;
    let falsePositives = 0;
    const misses: string[] = [];
    for (const sample of corpus) {
      const parsed = JSON.parse(new LineRedactor('flag').apply(requestLine(sample.text))) as { secrets?: RecordSecrets };
      const found = kindsFound(parsed.secrets);
      const expected = [...new Set(sample.kinds)].sort();
      for (const kind of expected) {
        if (found.includes(kind)) truePositives += 1;
        else {
          falseNegatives += 1;
          misses.push(`missed ${kind} in "${sample.name}"`);
        }
      }
      for (const kind of found) {
        if (!expected.includes(kind)) {
          falsePositives += 1;
          misses.push(`false ${kind} in "${sample.name}"`);
        }
      }
    }
    const positives = corpus.filter((sample) => sample.kinds.length).length;
    console.log(
      `      corpus: ${positives} credential samples, ${corpus.length - positives} look-alikes → ` +
        `${truePositives} true positives, ${falseNegatives} false negatives, ${falsePositives} false positives`,
    );
    assert.deepEqual(misses, []);
  });

  it('agrees with secretlint’s recommended rule set wherever that set has a rule', async () => {
    const { lintSource } = await import('@secretlint/core');
    const { creator: recommended } = await import('@secretlint/secretlint-rule-preset-recommend');
    const lint = async (sample: CorpusCase) =>
      (
        await lintSource({
          source: { filePath: '/corpus.txt', content: sample.text, ext: '.txt', contentType: 'text' },
          options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] } },
        })
      ).messages.length > 0;
    let secretlintTrue = 0;
    let secretlintFalse = 0;
    const disagreements: string[] = [];
    for (const sample of corpus) {
      const flaggedBySecretlint = await lint(sample);
      const flaggedByUs = findSecrets(JSON.stringify(sample.text)).length > 0;
      if (flaggedBySecretlint && sample.kinds.length) secretlintTrue += 1;
      if (flaggedBySecretlint && !sample.kinds.length) secretlintFalse += 1;
      // Wherever secretlint sees a real credential, we must too.
      if (flaggedBySecretlint && sample.kinds.length && !flaggedByUs) disagreements.push(sample.name);
    }
    console.log(`      secretlint preset-recommend on the same corpus: ${secretlintTrue} credential samples flagged, ${secretlintFalse} look-alikes flagged`);
    assert.ok(secretlintTrue > 5, 'the reference rule set ran');
    assert.deepEqual(disagreements, []);
  });
});

describe('secrets: masking', () => {
  const corpus = secretCorpus();

  it('masks every value, keeps the line valid JSON, and placeholders are stable', () => {
    const redactor = new LineRedactor('mask');
    for (const sample of corpus.filter((entry) => entry.kinds.length)) {
      const line = requestLine(sample.text);
      const masked = redactor.apply(line);
      const record = JSON.parse(masked) as { request: { messages: Array<{ content: Array<{ content?: string }> }> }; secrets: RecordSecrets };
      for (const value of sample.values) {
        assert.ok(!masked.includes(value), `${sample.name}: the value survived`);
        assert.ok(!masked.includes(JSON.stringify(value).slice(1, -1)), `${sample.name}: the escaped value survived`);
      }
      assert.equal(record.secrets.masked, true);
      const toolResult = record.request.messages[2].content[0].content ?? '';
      // The text around the secret is untouched: unmasking by placeholder gives back the original.
      const placeholders = [...toolResult.matchAll(PLACEHOLDER_PATTERN)];
      assert.ok(placeholders.length >= sample.values.length, sample.name);
      for (const value of sample.values) {
        const kind = record.secrets.found.find((secret) => secret.hash === secretHash(value))?.kind;
        assert.ok(kind, `${sample.name}: the summary names the value by its hash`);
        assert.ok(toolResult.includes(secretPlaceholder(kind, secretHash(value))));
      }
      let restored = toolResult;
      for (const value of sample.values) {
        const kind = record.secrets.found.find((secret) => secret.hash === secretHash(value))!.kind;
        restored = restored.split(secretPlaceholder(kind, secretHash(value))).join(value);
      }
      assert.equal(restored, sample.text, `${sample.name}: round trip`);
      // The same secret in the next turn's line gets the same placeholder (diffs line up).
      assert.equal(redactor.apply(requestLine(sample.text, 'f6e5d4c3b2a1')).slice(30), masked.slice(30));
    }
  });

  it('a line without secrets is written byte for byte as it came', () => {
    const line = requestLine('total 12\n-rw-r--r-- 1 dev dev 2048 Dec  2 03:00 README.md');
    assert.equal(new LineRedactor('mask').apply(line), line);
  });

  it('remembers clean pieces: a resent conversation is not scanned twice', () => {
    const scanner = new SecretScanner();
    const big = 'x'.repeat(4000);
    const turn = (count: number) =>
      JSON.stringify({ messages: Array.from({ length: count }, (_, n) => ({ role: n % 2 ? 'assistant' : 'user', content: `${n} ${big}` })) });
    scanner.scan(turn(10));
    const before = scanner.stats.scannedChars;
    scanner.scan(turn(11));
    const scannedSecond = scanner.stats.scannedChars - before;
    assert.ok(scannedSecond < 2 * 4100, `second turn scanned ${scannedSecond} chars`);
    assert.ok(scanner.stats.skippedChars > 9 * 4000);
    // A secret added to an old message is still found (its piece's hash changed).
    const withSecret = turn(11).replace(`"3 ${big}`, `"3 ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5'} ${big}`);
    assert.equal(scanner.scan(withSecret).length, 1);
  });
});
