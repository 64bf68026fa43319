// Exports from real logs: the original's JSONL equal record for record to the original-format fixtures,
// HAR validated against the HAR 1.2 JSON schema, OTLP/JSON decoded span by span, every format masked by
// default, and the `agent-interlude export` command itself.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv, type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { request } from 'undici';
import { EXPORT_FORMATS, exportToFile } from '../../src/core/export/exportCaptures';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { startFakeUpstream } from '../support/fakeUpstream';
import { startHarness } from '../support/proxyHarness';
import { otlpAttributes, type OtlpSpan } from '../support/otlpDecode';
import { secretCorpus } from '../support/secretCorpus';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = ['original-format.jsonl', 'no-side-requests.jsonl'].map((name) => join(ROOT, 'test/fixtures/logs', name));
const CLI = join(ROOT, 'dist/cli.js');

/** The records a fixture holds: its JSON object lines (blank, broken and torn lines are not records). */
function fixtureRecords(path: string): unknown[] {
  const records: unknown[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object') records.push(value);
    } catch {
      // not a record
    }
  }
  return records;
}

function harValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addMetaSchema(draft06);
  // har-schema ships the HAR 1.2 spec as draft-06 JSON schemas, one per object, linked by $id.
  const harSchemas = require('har-schema') as Record<string, AnySchema>;
  for (const schema of Object.values(harSchemas)) ajv.addSchema(schema);
  const validate = ajv.getSchema('har.json#');
  assert.ok(validate, 'the HAR 1.2 schema compiled');
  return validate;
}

function otlpSpans(text: string): OtlpSpan[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans)
    .flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
}

describe('exports', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'interlude-export-'));
    const build = spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const fixture of FIXTURES) {
    it(`JSONL export of ${fixture.split('/').pop()} equals the original's records, record for record`, async () => {
      const index = await LogIndex.open([fixture], { workers: false });
      const out = join(scratch, 'original.jsonl');
      const result = await exportToFile(index, { format: 'jsonl' }, out);
      const exported = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
      const expected = fixtureRecords(fixture);
      assert.equal(exported.length, expected.length);
      exported.forEach((record, at) => assert.deepEqual(record, expected[at], `record ${at + 1}`));
      assert.equal(result.exchanges, index.exchanges().length);
    });
  }

  it('HAR export validates against the HAR 1.2 schema, one entry per exchange with timings and the SSE text', async () => {
    const index = await LogIndex.open([FIXTURES[0]], { workers: false });
    const out = join(scratch, 'captures.har');
    await exportToFile(index, { format: 'har' }, out);
    const har = JSON.parse(readFileSync(out, 'utf8')) as { log: { version: string; entries: Array<Record<string, any>> } };
    const validate = harValidator();
    assert.ok(validate(har), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(har.log.version, '1.2');
    assert.equal(har.log.entries.length, index.exchanges().length);
    const main = har.log.entries.find((entry) => entry._agentInterlude.id === 'c1main000001')!;
    assert.equal(main.request.url, 'https://api.anthropic.com/v1/messages?beta=true');
    assert.deepEqual(main.request.queryString, [{ name: 'beta', value: 'true' }]);
    assert.ok(main.request.headers.some((header: { name: string }) => header.name === 'anthropic-version'));
    assert.equal(JSON.parse(main.request.postData.text).model, index.get('c1main000001')!.model);
    assert.match(main.response.content.text, /^event: message_start\ndata: /);
    assert.match(main.response.content.text, /event: message_stop/);
    // What importers need besides the schema: pages present, the stream's bare MIME type, a resource type.
    assert.deepEqual((har.log as { pages?: unknown[] }).pages, []);
    assert.equal(main.response.content.mimeType, 'text/event-stream');
    assert.equal(main._resourceType, 'fetch');
    assert.equal(main.time, index.get('c1main000001')!.rttMs);
    // An entry that fails the schema is caught: the validator is real.
    assert.equal(validate({ log: { version: '1.2', creator: { name: 'x', version: '1' }, entries: [{ request: {} }] } }), false);
  });

  it('OTLP/JSON export: a span per exchange, GenAI attributes, usage including cached tokens', async () => {
    const index = await LogIndex.open([FIXTURES[0]], { workers: false });
    const out = join(scratch, 'captures.otlp.jsonl');
    await exportToFile(index, { format: 'otlp' }, out);
    const spans = otlpSpans(readFileSync(out, 'utf8'));
    assert.equal(spans.length, index.exchanges().length);
    const summary = index.get('c1main000002')!;
    const span = spans.find((candidate) => otlpAttributes(candidate)['agent_interlude.exchange.id'] === 'c1main000002')!;
    const attributes = otlpAttributes(span);
    assert.equal(span.kind, 3, 'SPAN_KIND_CLIENT');
    assert.equal(span.name, `chat ${attributes['gen_ai.request.model']}`);
    assert.equal(attributes['gen_ai.operation.name'], 'chat');
    assert.equal(attributes['gen_ai.provider.name'], 'anthropic');
    const usage = summary.usage!;
    assert.equal(attributes['gen_ai.usage.input_tokens'], usage.input + usage.cacheRead + usage.cacheCreation);
    assert.equal(attributes['gen_ai.usage.output_tokens'], usage.output);
    assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], usage.cacheRead);
    assert.equal(attributes['gen_ai.usage.cache_creation.input_tokens'], usage.cacheCreation);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], [summary.stopReason]);
    assert.equal(attributes['gen_ai.input.messages'], undefined, 'content only when asked');
    // A continuation shares its conversation's trace.
    const first = spans.find((candidate) => otlpAttributes(candidate)['agent_interlude.exchange.id'] === 'c1main000001')!;
    assert.equal(first.traceId, span.traceId);
    assert.equal(otlpAttributes(first)['gen_ai.conversation.id'], attributes['gen_ai.conversation.id']);
    const codex = spans.find((candidate) => otlpAttributes(candidate)['agent_interlude.exchange.id'] === 'x1codex00001')!;
    assert.notEqual(codex.traceId, span.traceId);
    assert.equal(otlpAttributes(codex)['gen_ai.provider.name'], 'openai');
  });

  it('every format masks the secrets of a flagged log unless told otherwise', async () => {
    const upstream = await startFakeUpstream();
    const harness = await startHarness(upstream.url);
    const corpus = secretCorpus(5).filter((sample) => sample.kinds.length);
    try {
      const response = await request(`${harness.url()}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'test' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: corpus.map((sample) => sample.text).join('\n') }] }),
      });
      await response.body.text();
      await harness.waitForResponses(1);
      const index = await LogIndex.open([harness.proxy.logPath as string], { workers: false });
      const escaped = (value: string) => JSON.stringify(value).slice(1, -1);
      for (const format of EXPORT_FORMATS) {
        const out = join(scratch, `masked.${format}`);
        await exportToFile(index, { format, content: true }, out);
        const text = readFileSync(out, 'utf8');
        for (const sample of corpus) for (const value of sample.values) assert.ok(!text.includes(escaped(value)) && !text.includes(value), `${format}: ${sample.name} leaked`);
        assert.match(text, /‹redacted:anthropic-api-key:[0-9a-f]{8}›/, `${format} holds placeholders`);
      }
      const unmasked = join(scratch, 'unmasked.jsonl');
      await exportToFile(index, { format: 'jsonl', mask: false }, unmasked);
      assert.ok(readFileSync(unmasked, 'utf8').includes(escaped(corpus[0].values[0])));
      // Our additions are not in the original's schema.
      const [first] = readFileSync(unmasked, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(Object.keys(first), ['id', 'kind', 'ts', 'agent', 'wire', 'method', 'path', 'headers_kept', 'request', 'extract']);
    } finally {
      await harness.close();
      await upstream.close();
    }
  });

  it('agent-interlude export: writes the file, says what it did, and rejects bad usage clearly', () => {
    const out = join(scratch, 'cli.har');
    const run = spawnSync('node', [CLI, 'export', '--format', 'har', '--out', out, FIXTURES[1]], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /\d+ exchanges? → .*cli\.har \([\d,]+ bytes, har, secrets masked\)/);
    assert.ok(statSync(out).size > 1000);
    // The bundle loads the OTLP writer only for this format (exportCaptures.ts): it must still be there when asked for.
    const otlpOut = join(scratch, 'cli.otlp.jsonl');
    const otlp = spawnSync('node', [CLI, 'export', '--format', 'otlp', '--out', otlpOut, FIXTURES[1]], { encoding: 'utf8' });
    assert.equal(otlp.status, 0, otlp.stderr);
    assert.ok(otlpSpans(readFileSync(otlpOut, 'utf8')).length > 0, 'the bundled CLI wrote OTLP spans');
    const bad = spawnSync('node', [CLI, 'export', '--format', 'pdf', FIXTURES[1]], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format takes one of har, html, jsonl, otlp/);
    const missing = spawnSync('node', [CLI, 'export', '--format', 'jsonl', '--out', join(scratch, 'x.jsonl'), join(scratch, 'nothing-here')], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    const unknownId = spawnSync('node', [CLI, 'export', '--format', 'jsonl', '--ids', 'nope', '--out', join(scratch, 'y.jsonl'), FIXTURES[1]], { encoding: 'utf8' });
    assert.equal(unknownId.status, 1);
    assert.match(unknownId.stderr, /no exchange with id nope/);
    assert.throws(() => statSync(join(scratch, 'y.jsonl')), 'no partial file left behind');
  });
});
