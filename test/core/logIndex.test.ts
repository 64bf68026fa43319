// The log index: line accounting (blank, invalid, torn), pairing (ids, id-less records, pending),
// incremental reads equal to whole reads, new files, lazy record reads, worker vs in-thread digests,
// and logs written by the original Python tool.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticLog } from '../../bench/generateLog';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import type { ExchangeSummary } from '../../src/core/logIndex/indexModel';
import { LogIndex, LogSourceError } from '../../src/core/logIndex/logIndex';
import { parseSpan, scanArray, scanObject, skipValue } from '../../src/core/jsonScan';
import { codePointLength, RecordDigester, type RecordDigest } from '../../src/core/logIndex/recordDigest';
import { prng } from '../support/prng';

let scratch: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'interlude-index-'));
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let fileCounter = 0;
function newDir(): string {
  const dir = join(scratch, `d${++fileCounter}`);
  mkdirSync(dir);
  return dir;
}

const line = (record: unknown): string => `${JSON.stringify(record)}\n`;

function request(id: string | undefined, ts: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const record: Record<string, unknown> = {
    kind: 'request',
    ts,
    agent: 'claude',
    wire: 'claude-messages',
    method: 'POST',
    path: '/v1/messages',
    headers_kept: {},
    request: { model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] },
    extract: { system: 'You are a test.', tools: [], messages: [{ role: 'user', content: 'hi' }] },
    ...extra,
  };
  if (id !== undefined) record.id = id;
  return record;
}

function response(id: string | undefined, ts: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const record: Record<string, unknown> = {
    kind: 'response',
    ts,
    agent: 'claude',
    wire: 'claude-messages',
    status: 200,
    stream: true,
    reconstructed: {
      model: 'claude-test-20250101',
      id: 'msg_1',
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 },
      text: 'ok',
      tool_uses: [{ name: 'Bash', input: { command: 'ls' } }],
    },
    ...extra,
  };
  if (id !== undefined) record.id = id;
  return record;
}

/** A few sessions of synthetic traffic, plus the odd lines a real log can hold. */
function syntheticLog(seed: number, exchanges: number): string {
  const log = new SyntheticLog(seed);
  const parts: string[] = [];
  for (let i = 0; i < exchanges; i++) {
    for (const text of log.nextExchangeLines()) parts.push(`${text}\n`);
    if (i === 2) parts.push('\n', '   \n', '{"truncated": \n', '[1, 2]\n');
    if (i === 4) {
      parts.push(line({ ts: '2026-11-14T09:00:00.000Z', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', request: { model: 'old' }, extract: { system: 'Old — système ✓ 🎉', tools: [], messages: [] } }));
      parts.push(line(response(undefined, '2026-11-14T09:00:01.000Z')));
    }
  }
  return parts.join('');
}

function writeInChunks(path: string, bytes: Buffer, cuts: number[]): void {
  writeFileSync(path, '');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    appendFileSync(path, bytes.subarray(from, cut));
    from = cut;
  }
}

function comparable(index: LogIndex): unknown {
  const exchanges = index.exchanges();
  const texts: Record<string, unknown> = {};
  for (const exchange of exchanges) {
    if (exchange.system) texts[`s:${exchange.system.hash}`] = index.systemText(exchange.system.hash);
    if (exchange.tools) texts[`t:${exchange.tools.hash}`] = index.toolSetJson(exchange.tools.hash);
    if (exchange.prefix) texts[`p:${exchange.prefix.hash}`] = index.prefixParts(exchange.prefix.hash);
  }
  return { exchanges, counts: index.counts(), files: index.files().map((file) => ({ ...file, path: '' })), texts };
}

describe('jsonScan', () => {
  const isValid = (text: string): boolean => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it('skips exactly the values JSON.parse accepts, structurally', () => {
    const samples = [
      '{"a": [1, 2, {"b": "c\\"}], "d": null}',
      '{"a":"x\\\\"}',
      '{"a": "say \\"hi\\"", "b": ["\\\\\\""]}',
      '[]',
      '{}',
      '[1, [2, [3]], {"k": [true, false, null]}]',
      '"plain"',
      '-12.5e3',
      '{"a": 1,}',
      '[1, 2,]',
      '{"a" 1}',
      '{"a": 1 "b": 2}',
      '[1 2]',
      '{"a": [1, 2}',
      '{"a": "unterminated}',
      '{1: 2}',
      '[}',
      'nul',
      '{"a": tru}',
    ];
    for (const text of samples) {
      const buf = Buffer.from(`${text}`);
      assert.equal(skipValue(buf, 0, buf.length) === buf.length, isValid(text), text);
    }
  });

  it('locates object entries and array items without decoding them', () => {
    const buf = Buffer.from('{"id": "x", "n": [1, {"k": "v"}], "é": "ü"}');
    const seen: Array<[string, string]> = [];
    assert.equal(scanObject(buf, 0, buf.length, (key, start, end) => seen.push([key, buf.toString('utf8', start, end)])), buf.length);
    assert.deepEqual(seen, [['id', '"x"'], ['n', '[1, {"k": "v"}]'], ['é', '"ü"']]);
    const items: string[] = [];
    const array = Buffer.from('[1, {"k": "v"}, "s"]');
    assert.equal(scanArray(array, 0, array.length, (start, end) => items.push(array.toString('utf8', start, end))), array.length);
    assert.deepEqual(items, ['1', '{"k": "v"}', '"s"']);
  });

  it('parseSpan agrees with JSON.parse, fast paths included', () => {
    const values = ['"abc"', '"a\\"b"', '"日本語 ✓"', '"\\u00e9"', 'true', 'false', 'null', 'tru', '12', '0', '01', '-5', '1.5', '1e3', '123456789012345678', '""', '"a\tb"', '{"a":1}', '[1]', 'fals'];
    for (const value of values) {
      const buf = Buffer.from(`x${value}y`);
      assert.deepEqual(parseSpan(buf, 1, 1 + Buffer.byteLength(value)), isValid(value) ? JSON.parse(value) : undefined, value);
    }
  });
});

describe('RecordDigester: extract parts that repeat the body', () => {
  const messages = [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>ctx</system-reminder>' }, { type: 'text', text: 'hi "there" \\ [x]' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { path: '/a' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', cache_control: { type: 'ephemeral' } }] },
  ];
  const tools = [{ name: 'Read', input_schema: { type: 'object' } }];
  const system = [{ type: 'text', text: 'You are a helper.' }];
  const fullBody = `{"model":"m","system":${JSON.stringify(system)},"messages":${JSON.stringify(messages)},"tools":${JSON.stringify(tools)}}`;
  const record = (extract: string, body = fullBody): string =>
    `{"id":"r1","kind":"request","ts":"2026-01-01T00:00:00Z","agent":"claude","wire":"claude-messages","method":"POST","path":"/v1/messages",` +
    `"request":${body},"extract":${extract},"schema":1}`;
  const digestOf = (line: string): RecordDigest | string => {
    const buf = Buffer.from(`xx${line}yy`);
    const result = new RecordDigester().digest(buf, 2, 2 + Buffer.byteLength(line), 0);
    if (typeof result === 'string') return result;
    const { length: _length, ...rest } = result;
    return rest as RecordDigest;
  };

  it('digests a byte copy (found by comparing bytes) exactly like an extract that has to be scanned', () => {
    const extract = `{"system":${JSON.stringify(system)},"tools":${JSON.stringify(tools)},"messages":${JSON.stringify(messages)}}`;
    const fromCopy = digestOf(record(extract));
    assert.equal(typeof fromCopy, 'object');
    // The same extract bytes after a body without those fields: nothing to compare with, every part is scanned.
    assert.deepEqual(fromCopy, digestOf(record(extract, '{"model":"m"}')));
    // Codex sends the conversation as `input`; extract.messages repeats it.
    const codex = (body: string): RecordDigest | string =>
      digestOf(record(`{"messages":${JSON.stringify(messages)}}`, body).replace('"claude-messages"', '"codex-responses"'));
    assert.deepEqual(codex(`{"model":"m","input":${JSON.stringify(messages)}}`), codex('{"model":"m"}'));
    const digest = fromCopy as RecordDigest & { kind: 'request' };
    assert.equal(digest.messages?.count, 3);
    assert.deepEqual(digest.messages?.roles, { user: 2, assistant: 1 });
  });

  it('still finds the end of a part that only starts like the body value, and rejects a malformed one', () => {
    const body = JSON.stringify(messages);
    const longer = JSON.stringify([...messages, { role: 'assistant', content: 'more' }]);
    const extended = digestOf(record(`{"messages":${longer}}`));
    assert.equal((extended as RecordDigest & { kind: 'request' }).messages?.count, 4);
    // The body's bytes followed by garbage inside the extract: not well-formed, whichever way it is read.
    assert.equal(digestOf(record(`{"messages":${body}x}`)), 'invalid');
    assert.equal(digestOf(record(`{"messages":${body.slice(0, -1)}}`)), 'invalid');
  });
});

describe('LogIndex: line accounting', () => {
  it('counts blank lines, invalid lines and a torn last line, and reads the torn line once it is complete', async () => {
    const dir = newDir();
    const path = join(dir, 'log-a.jsonl');
    const torn = line(response('aaaaaaaaaaa2', '2026-11-14T08:00:03.000Z'));
    writeFileSync(
      path,
      line(request('aaaaaaaaaaa1', '2026-11-14T08:00:00.000Z')) +
        '\n' +
        '  \t \r\n' +
        '{"id": "x", "kind": \n' +
        '[1, 2, 3]\n' +
        '"just a string"\n' +
        '{"a": 1} trailing\n' +
        line(response('aaaaaaaaaaa1', '2026-11-14T08:00:01.000Z')) +
        line(request('aaaaaaaaaaa2', '2026-11-14T08:00:02.000Z')) +
        torn.slice(0, 40),
    );
    const index = await LogIndex.open([path]);
    assert.deepEqual(index.counts(), { records: 3, blank: 2, invalid: 4, pendingTailBytes: 40 });
    assert.equal(index.exchanges().length, 2);
    assert.equal(index.get('aaaaaaaaaaa1')?.pending, false);
    assert.equal(index.get('aaaaaaaaaaa2')?.pending, true);

    appendFileSync(path, torn.slice(40));
    const delta = await index.refresh();
    assert.deepEqual(delta, { added: [], updated: ['aaaaaaaaaaa2'], newFiles: [] });
    assert.deepEqual(index.counts(), { records: 4, blank: 2, invalid: 4, pendingTailBytes: 0 });
    assert.equal(index.get('aaaaaaaaaaa2')?.pending, false);
    assert.equal(index.files()[0]?.size, readFileSync(path).length);
  });
});

describe('LogIndex: pairing', () => {
  it('gives id-less records a stable id and pairs an id-less response with the nearest open id-less request', async () => {
    const dir = newDir();
    const path = join(dir, 'log-old.jsonl');
    const old = request(undefined, '2026-11-14T08:00:00.000Z');
    delete old.kind; // the oldest records have neither kind nor id
    writeFileSync(
      path,
      line(old) +
        line(request(undefined, '2026-11-14T08:00:01.000Z', { agent: 'codex', wire: 'codex-responses' })) +
        line(request(undefined, '2026-11-14T08:00:02.000Z')) +
        line(response(undefined, '2026-11-14T08:00:03.000Z')),
    );
    const first = await LogIndex.open([path]);
    const again = await LogIndex.open([dir]);
    const exchanges = first.exchanges();
    assert.equal(exchanges.length, 3);
    assert.deepEqual(
      exchanges.map((exchange) => exchange.id),
      again.exchanges().map((exchange) => exchange.id),
    );
    assert.ok(exchanges.every((exchange) => exchange.idSynthesized === true && /^[0-9a-f]{12}$/.test(exchange.id)));
    assert.equal(new Set(exchanges.map((exchange) => exchange.id)).size, 3);
    // The response pairs with the third request (nearest preceding, same agent), not the first.
    assert.deepEqual(
      exchanges.map((exchange) => [exchange.agent, exchange.pending]),
      [
        ['claude', true],
        ['codex', true],
        ['claude', false],
      ],
    );
    assert.equal(exchanges[0]?.hasExtract, true);
  });

  it('shows a request without its response as pending, and updates it when the response arrives', async () => {
    const dir = newDir();
    const path = join(dir, 'log-p.jsonl');
    writeFileSync(path, line(request('bbbbbbbbbbb1', '2026-11-14T08:00:00.000Z')));
    const index = await LogIndex.open([path]);
    const summary = index.get('bbbbbbbbbbb1') as ExchangeSummary;
    assert.equal(summary.pending, true);
    assert.equal(summary.model, 'claude-test');
    assert.equal(summary.response, undefined);

    appendFileSync(path, line(response('bbbbbbbbbbb1', '2026-11-14T08:00:02.500Z')));
    const delta = await index.refresh();
    assert.deepEqual(delta.updated, ['bbbbbbbbbbb1']);
    const answered = index.get('bbbbbbbbbbb1') as ExchangeSummary;
    assert.equal(answered.pending, false);
    assert.equal(answered.model, 'claude-test-20250101');
    assert.equal(answered.rttMs, 2500);
    assert.deepEqual(answered.usage, { input: 10, output: 5, cacheRead: 100, cacheCreation: 7 });
    assert.equal(answered.stopReason, 'end_turn');
    assert.deepEqual(answered.toolUses, ['Bash']);
  });

  it('orders exchanges by request time, and a response that came first waits for its request', async () => {
    const dir = newDir();
    const path = join(dir, 'log-o.jsonl');
    writeFileSync(
      path,
      line(response('ccccccccccc1', '2026-11-14T08:00:05.000Z')) +
        line(request('ccccccccccc2', '2026-11-14T08:00:03.000Z')) +
        line(request('ccccccccccc3', '2026-11-14T08:00:03.000Z')),
    );
    const index = await LogIndex.open([path]);
    assert.deepEqual(
      index.exchanges().map((exchange) => exchange.id),
      ['ccccccccccc2', 'ccccccccccc3', 'ccccccccccc1'],
    );
    appendFileSync(path, line(request('ccccccccccc1', '2026-11-14T08:00:01.000Z')));
    const delta = await index.refresh();
    assert.deepEqual(delta.updated, ['ccccccccccc1']);
    assert.deepEqual(
      index.exchanges().map((exchange) => exchange.id),
      ['ccccccccccc1', 'ccccccccccc2', 'ccccccccccc3'],
    );
    assert.equal(index.get('ccccccccccc1')?.rttMs, 4000);
  });
});

describe('LogIndex: incremental reads', () => {
  it('a log read in random append chunks indexes exactly like the whole log', async function () {
    this.timeout(120_000);
    const bytes = Buffer.from(syntheticLog(7, 24));
    const random = prng(42);
    // Cuts at random bytes, plus some inside multi-byte UTF-8 characters.
    const cuts = new Set<number>();
    while (cuts.size < 150) cuts.add(1 + Math.floor(random() * (bytes.length - 1)));
    let insideCharacters = 0;
    for (let at = 1; at < bytes.length && insideCharacters < 30; at += 1 + Math.floor(random() * 20_000)) {
      const continuation = bytes.indexOf(0x80, at) === -1 ? -1 : findContinuationByte(bytes, at);
      if (continuation > 0) {
        cuts.add(continuation);
        insideCharacters++;
      }
    }
    assert.ok(insideCharacters > 5, 'the log holds multi-byte characters to cut through');
    const sorted = [...cuts].sort((a, b) => a - b);

    const dir = newDir();
    const path = join(dir, 'log-chunks.jsonl');
    writeFileSync(path, bytes.subarray(0, sorted[0]));
    const incremental = await LogIndex.open([path], { workers: false });
    for (let i = 0; i < sorted.length; i++) {
      appendFileSync(path, bytes.subarray(sorted[i], sorted[i + 1] ?? bytes.length));
      await incremental.refresh();
    }
    const whole = await LogIndex.open([path], { workers: false });
    assert.ok(whole.exchanges().length > 20);
    assert.deepEqual(comparable(incremental), comparable(whole));
    assert.deepEqual(buildAnalysisReport(incremental.analysisInput()), buildAnalysisReport(whole.analysisInput()));
    // And the same through a file written chunk by chunk before a single read (same name: synthesized
    // ids are made of the file's name and the line's offset).
    const second = join(newDir(), 'log-chunks.jsonl');
    writeInChunks(second, bytes, sorted);
    assert.deepEqual(comparable(await LogIndex.open([second], { workers: false })), comparable(whole));
  });

  it('picks up new files that match a directory or glob source', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'log-1.jsonl'), line(request('ddddddddddd1', '2026-11-14T08:00:00.000Z')));
    writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
    const byDir = await LogIndex.open([dir]);
    const byGlob = await LogIndex.open([join(dir, 'log-*.jsonl')]);
    assert.equal(byDir.files().length, 1);

    writeFileSync(join(dir, 'log-2.jsonl'), line(request('ddddddddddd2', '2026-11-14T07:00:00.000Z')));
    for (const index of [byDir, byGlob]) {
      const delta = await index.refresh();
      assert.deepEqual(delta.newFiles, [join(dir, 'log-2.jsonl')]);
      assert.deepEqual(delta.added, ['ddddddddddd2']);
      assert.deepEqual(
        index.exchanges().map((exchange) => exchange.id),
        ['ddddddddddd2', 'ddddddddddd1'],
      );
      assert.equal(index.get('ddddddddddd2')?.request?.file, 1);
    }
  });

  it('reads the same with tiny read chunks (lines longer than the buffer) as with the default', async () => {
    const dir = newDir();
    const path = join(dir, 'log-small-chunks.jsonl');
    writeFileSync(path, syntheticLog(5, 12));
    const tiny = await LogIndex.open([path], { workers: false, chunkBytes: 1024 });
    const tinyInWorkers = await LogIndex.open([path], { workers: 2, parallelThreshold: 0, minBytesPerWorker: 1, chunkBytes: 1024 });
    const normal = await LogIndex.open([path], { workers: false });
    assert.deepEqual(comparable(tiny), comparable(normal));
    assert.deepEqual(comparable(tinyInWorkers), comparable(normal));
  });

  it('starts over when a file is replaced by another one', async () => {
    const dir = newDir();
    const path = join(dir, 'log-r.jsonl');
    writeFileSync(path, line(request('rrrrrrrrrrr1', '2026-11-14T08:00:00.000Z')));
    const index = await LogIndex.open([path]);
    const replacement = join(dir, 'replacement.tmp');
    writeFileSync(replacement, line(request('rrrrrrrrrrr2', '2026-11-14T08:00:00.000Z')) + line(request('rrrrrrrrrrr3', '2026-11-14T08:00:01.000Z')));
    renameSync(replacement, path);
    const delta = await index.refresh();
    assert.equal(delta.reset, true);
    assert.deepEqual(
      index.exchanges().map((exchange) => exchange.id),
      ['rrrrrrrrrrr2', 'rrrrrrrrrrr3'],
    );
  });

  it('starts over when a file shrinks', async () => {
    const dir = newDir();
    const path = join(dir, 'log-s.jsonl');
    writeFileSync(path, line(request('eeeeeeeeeee1', '2026-11-14T08:00:00.000Z')) + line(request('eeeeeeeeeee2', '2026-11-14T08:00:01.000Z')));
    const index = await LogIndex.open([path]);
    writeFileSync(path, line(request('eeeeeeeeeee3', '2026-11-14T08:00:00.000Z')));
    const delta = await index.refresh();
    assert.equal(delta.reset, true);
    assert.deepEqual(
      index.exchanges().map((exchange) => exchange.id),
      ['eeeeeeeeeee3'],
    );
  });
});

describe('LogIndex: sources', () => {
  it('names a missing path, an empty file, an empty directory and a glob without matches', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'log-empty.jsonl'), '');
    const empty = newDir();
    await assert.rejects(LogIndex.open([join(dir, 'nope.jsonl')]), (error: unknown) => error instanceof LogSourceError && /no such file/.test(error.message));
    await assert.rejects(LogIndex.open([join(dir, 'log-empty.jsonl')]), (error: unknown) => error instanceof LogSourceError && /empty/.test(error.message));
    await assert.rejects(LogIndex.open([empty]), (error: unknown) => error instanceof LogSourceError && /no log-\*\.jsonl/.test(error.message));
    await assert.rejects(LogIndex.open([join(empty, 'log-*.jsonl')]), (error: unknown) => error instanceof LogSourceError && /no files match/.test(error.message));
    await assert.rejects(LogIndex.open(['']), LogSourceError);
    await assert.rejects(LogIndex.open([]), LogSourceError);
    const waiting = await LogIndex.open([empty], { allowEmpty: true });
    assert.equal(waiting.exchanges().length, 0);
  });
});

describe('LogIndex: lazy reads', () => {
  it('readRecord returns exactly the logged record; readExchange returns both', async () => {
    const dir = newDir();
    const path = join(dir, 'log-r.jsonl');
    const text = syntheticLog(3, 6);
    writeFileSync(path, text);
    const index = await LogIndex.open([path]);
    const lines = text.split('\n').filter((entry) => entry.startsWith('{"id"'));
    const byOffset = new Map<number, string>();
    let offset = 0;
    for (const entry of text.split('\n')) {
      byOffset.set(offset, entry);
      offset += Buffer.byteLength(entry) + 1;
    }
    assert.ok(lines.length > 6);
    for (const exchange of index.exchanges()) {
      for (const ref of [exchange.request, exchange.response]) {
        if (!ref) continue;
        const record = await index.readRecord(ref);
        assert.deepEqual(record, JSON.parse(byOffset.get(ref.offset) as string));
      }
    }
    const some = index.exchanges()[3] as ExchangeSummary;
    const both = await index.readExchange(some.id);
    assert.equal(both?.request?.id, some.id);
    assert.equal(both?.response?.id, some.id);
    assert.equal(await index.readExchange('no-such-id'), undefined);
  });
});

describe('LogIndex: worker threads', () => {
  it('digests in worker threads exactly as in this thread', async function () {
    this.timeout(120_000);
    const dir = newDir();
    const path = join(dir, 'log-w.jsonl');
    writeFileSync(path, syntheticLog(11, 30) + '{"torn": "tail');
    const inThread = await LogIndex.open([path], { workers: false });
    const inWorkers = await LogIndex.open([path], { workers: 3, parallelThreshold: 0, minBytesPerWorker: 1 });
    assert.equal(inWorkers.loadStats().workerRanges, 2, 'two worker threads ran, this thread read the third range');
    assert.equal(inWorkers.loadStats().workerFallbacks, 0);
    assert.equal(inThread.loadStats().workerRanges, 0);
    assert.deepEqual(comparable(inWorkers), comparable(inThread));
    // Digests posted in many small batches while the workers read all come back (none lost or doubled).
    const batched = await LogIndex.open([path], { workers: 3, parallelThreshold: 0, minBytesPerWorker: 1, workerBatch: 3 });
    assert.equal(batched.loadStats().workerRanges, 2);
    assert.deepEqual(comparable(batched), comparable(inThread));
    assert.equal(inWorkers.counts().pendingTailBytes, '{"torn": "tail'.length);
  });

  it('reads in this thread when the worker script is missing or fails', async () => {
    const dir = newDir();
    const path = join(dir, 'log-f.jsonl');
    writeFileSync(path, syntheticLog(13, 8));
    const failing = join(dir, 'failingWorker.js');
    writeFileSync(failing, 'throw new Error("no worker here");\n');
    const inThread = await LogIndex.open([path], { workers: false });
    for (const workerScript of [join(dir, 'missing.js'), failing]) {
      const index = await LogIndex.open([path], { workers: 2, parallelThreshold: 0, minBytesPerWorker: 1, workerScript });
      assert.deepEqual(index.loadStats(), { workerRanges: 0, inlineReads: 1, workerFallbacks: 1 });
      assert.equal(index.exchanges().length, inThread.exchanges().length);
      assert.deepEqual(comparable(index), comparable(inThread));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// The original's format: Python's json.dumps(record, ensure_ascii=False): ", " and ": " separators,
// non-ASCII kept, no schema/additions; headers_kept with the header names as http.server keeps them.

function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pyDumps(item)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

describe('LogIndex: logs written by the original', () => {
  it('indexes requests, streamed and plain responses, and pre-id records', async () => {
    const system = [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.3.7f2; cc_entrypoint=cli' },
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Réponds en français — 日本語 ✓ 🎉\nPrimary working directory: /work/demo', cache_control: { type: 'ephemeral' } },
    ];
    const messages = [
      { role: 'system', content: 'The following agents are available: Explore.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>\n# currentDate\nToday\'s date is 2026-11-14.\n</system-reminder>' },
          { type: 'text', text: 'Lance les tests', cache_control: { type: 'ephemeral' } },
        ],
      },
    ];
    const tools = [
      { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
      { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: {} } },
    ];
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'claude-cli/2.1.3 (external, cli)', 'Anthropic-Version': '2023-06-01' };
    const claudeBody = { model: 'claude-sonnet-4-5-20250929', max_tokens: 32000, stream: true, system, messages, tools };
    const codexInput = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/work/demo</cwd>\n</environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Run the tests' }] },
    ];
    const codexTools = [{ type: 'function', name: 'shell', description: 'Run', parameters: { type: 'object', properties: {} } }];
    const records = [
      // Before ids and kinds existed.
      { ts: '2026-11-14T07:59:00.000Z', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', headers_kept: headers, request: claudeBody, extract: { system, tools, messages } },
      { id: '0123456789ab', kind: 'request', ts: '2026-11-14T08:00:00.100Z', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages?beta=true', headers_kept: headers, request: claudeBody, extract: { system, tools, messages } },
      {
        id: '0123456789ab', kind: 'response', ts: '2026-11-14T08:00:04.350Z', agent: 'claude', wire: 'claude-messages', status: 200, stream: true, event_count: 12,
        event_types: { message_start: 1, content_block_delta: 8, message_delta: 1, message_stop: 1, ping: 1 },
        reconstructed: {
          model: 'claude-sonnet-4-5-20250929', id: 'msg_01', stop_reason: 'tool_use',
          usage: { input_tokens: 4, cache_creation_input_tokens: 1841, cache_read_input_tokens: 17532, output_tokens: 61 },
          text: 'Je lance les tests — ✓', tool_uses: [{ name: 'Bash', input: { command: 'npm test' } }],
        },
        content_type: 'text/event-stream',
      },
      { id: 'abcdefabcdef', kind: 'request', ts: '2026-11-14T08:01:00.000Z', agent: 'codex', wire: 'codex-responses', method: 'POST', path: '/v1/responses', headers_kept: { 'Content-Type': 'application/json', 'Openai-Beta': 'responses=experimental' }, request: { model: 'gpt-5', instructions: 'Be brief.', input: codexInput, tools: codexTools, stream: true }, extract: { system: 'Be brief.', tools: codexTools, messages: codexInput } },
      {
        id: 'abcdefabcdef', kind: 'response', ts: '2026-11-14T08:01:02.000Z', agent: 'codex', wire: 'codex-responses', status: 200, stream: true, event_count: 5,
        event_types: { 'response.created': 1, 'response.output_text.delta': 3, 'response.completed': 1 },
        reconstructed: { model: 'gpt-5-2025-08-07', id: 'resp_1', status: 'completed', usage: { input_tokens: 1200, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 30 }, text: 'Done.' },
        content_type: 'text/event-stream; charset=utf-8',
      },
      { id: 'fedcbafedcba', kind: 'request', ts: '2026-11-14T08:02:00.000Z', agent: 'codex', wire: 'codex-chat', method: 'POST', path: '/v1/chat/completions', headers_kept: {}, request: { model: 'gpt-4o', messages: [{ role: 'system', content: 'Sys' }, { role: 'user', content: 'Hi' }] }, extract: { system: [{ role: 'system', content: 'Sys' }], tools: null, messages: [{ role: 'system', content: 'Sys' }, { role: 'user', content: 'Hi' }] } },
      {
        id: 'fedcbafedcba', kind: 'response', ts: '2026-11-14T08:02:01.000Z', agent: 'codex', wire: 'codex-chat', status: 200, stream: false,
        body: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 50, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 20 } } },
        content_type: 'application/json',
      },
      { id: '999999999999', kind: 'response', ts: '2026-11-14T08:03:00.000Z', agent: 'claude', wire: 'claude-messages', status: 502, error: 'upstream error: ConnectionRefusedError(111)', content_type: '' },
    ];
    const text = records.map((record) => `${pyDumps(record)}\n`).join('');
    assert.ok(text.includes('"kind": "request", "ts": "2026'), 'written with Python spacing');
    assert.ok(text.includes('日本語'), 'non-ASCII kept as is');
    const dir = newDir();
    writeFileSync(join(dir, 'log-20261114T075900Z.jsonl'), text);
    const index = await LogIndex.open([dir]);
    assert.deepEqual(index.counts(), { records: 8, blank: 0, invalid: 0, pendingTailBytes: 0 });
    const exchanges = index.exchanges();
    assert.equal(exchanges.length, 5);

    const [legacy, claude, codex, chat, failed] = exchanges as ExchangeSummary[];
    assert.equal(legacy?.idSynthesized, true);
    assert.equal(legacy?.pending, true);
    assert.equal(legacy?.model, 'claude-sonnet-4-5-20250929');

    assert.equal(claude?.id, '0123456789ab');
    assert.equal(claude?.rttMs, 4250);
    assert.deepEqual(claude?.usage, { input: 4, output: 61, cacheRead: 17532, cacheCreation: 1841 });
    assert.equal(claude?.stopReason, 'tool_use');
    assert.deepEqual(claude?.toolUses, ['Bash']);
    // Re-extracted with our extraction (no schema version): the role:system message joins the prompt.
    const systemText = [...system.map((block) => block.text), 'The following agents are available: Explore.'].join('\n');
    assert.equal(index.systemText(claude?.system?.hash as string), systemText);
    assert.deepEqual(
      claude?.system && { ...claude.system, hash: '', blocks: undefined },
      { hash: '', chars: codePointLength(systemText), representation: 'mixed', parts: 4, blocks: undefined },
    );
    assert.equal(claude?.system?.blocks?.length, 3, "the system field's own blocks, in cache order");
    assert.equal(claude?.system?.chars, [...systemText].length, 'chars count code points, as Python len()');
    assert.deepEqual(claude?.tools && { ...claude.tools, hash: '', items: undefined }, { hash: '', count: 2, names: ['Bash', 'Read'], schemaKey: 'input_schema', items: undefined });
    assert.deepEqual(index.toolSet(claude?.tools?.hash as string), tools);
    assert.deepEqual(claude?.messages?.roles, { system: 1, user: 1 });
    assert.deepEqual(claude?.messages?.blockTypes, { text: 3 });
    assert.equal(claude?.messages?.count, 2);
    // Same messages as the legacy request: same hashes, same exact hash.
    assert.deepEqual(claude?.messages, legacy?.messages);
    // Prefix: system (re-extracted, it holds the role:system message), then the reminder.
    assert.deepEqual(
      index.prefixParts(claude?.prefix?.hash as string)?.map((part) => part.source),
      ['system', 'context'],
    );
    assert.ok(index.prefixText(claude?.prefix?.hash as string)?.endsWith('</system-reminder>'));

    assert.equal(codex?.model, 'gpt-5-2025-08-07');
    assert.deepEqual(codex?.usage, { input: 200, output: 30, cacheRead: 1000, cacheCreation: 0 });
    assert.equal(codex?.stopReason, 'completed');
    assert.equal(codex?.toolUses, undefined);
    // Re-extracted: the developer message the original's extract left out is part of the prompt.
    assert.deepEqual(codex?.system && { ...codex.system, hash: '', blocks: undefined }, { hash: '', chars: 24, representation: 'mixed', parts: 2, blocks: undefined });
    assert.equal(index.systemText(codex?.system?.hash as string), 'Be brief.\nYou are Codex.');
    assert.equal(codex?.tools?.schemaKey, 'parameters');
    assert.deepEqual(codex?.messages?.roles, { developer: 1, user: 2 });
    assert.deepEqual(codex?.messages?.blockTypes, { input_text: 3 });
    assert.deepEqual(
      index.prefixParts(codex?.prefix?.hash as string),
      [
        { source: 'system', text: 'Be brief.\nYou are Codex.' },
        { source: 'context', text: '<environment_context>\n  <cwd>/work/demo</cwd>\n</environment_context>' },
      ],
    );

    // A plain (non-streamed) response is read from its body, as the original logged it.
    assert.equal(chat?.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(chat?.usage, { input: 30, output: 3, cacheRead: 20, cacheCreation: 0 });
    assert.equal(chat?.stopReason, 'stop');
    assert.equal(chat?.stream, false);
    assert.equal(chat?.tools, undefined);
    assert.equal(chat?.system?.representation, 'messages');

    assert.equal(failed?.status, 502);
    assert.equal(failed?.error, 'upstream error: ConnectionRefusedError(111)');
    assert.equal(failed?.requestTime, undefined);

    const record = await index.readRecord(claude?.response as NonNullable<ExchangeSummary['response']>);
    assert.deepEqual(record, records[2]);
  });

  it('hashes messages ignoring cache_control and Codex item ids, and exact hashes byte-identical resends', async () => {
    const base = [
      { role: 'user', content: [{ type: 'text', text: 'one', cache_control: { type: 'ephemeral' } }] },
    ];
    const moved = [
      { role: 'user', content: [{ type: 'text', text: 'one' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }] },
    ];
    const items = (id: string) => [{ type: 'function_call', id, call_id: 'c1', name: 'shell', arguments: '{}' }];
    const dir = newDir();
    const path = join(dir, 'log-h.jsonl');
    // Records of the original are re-extracted from `request`, so the body carries the same messages.
    const extract = (messages: unknown) => ({ request: { messages, input: messages }, extract: { system: null, tools: null, messages } });
    writeFileSync(
      path,
      line(request('hhhhhhhhhhh1', '2026-11-14T08:00:00.000Z', extract(base))) +
        line(request('hhhhhhhhhhh2', '2026-11-14T08:00:01.000Z', extract(moved))) +
        line(request('hhhhhhhhhhh3', '2026-11-14T08:00:02.000Z', extract(moved))) +
        line(request('hhhhhhhhhhh4', '2026-11-14T08:00:03.000Z', { wire: 'codex-responses', ...extract(items('fc_1')) })) +
        line(request('hhhhhhhhhhh5', '2026-11-14T08:00:04.000Z', { wire: 'codex-responses', ...extract(items('fc_2')) })),
    );
    const index = await LogIndex.open([path]);
    const [a, b, c, d, e] = index.exchanges() as ExchangeSummary[];
    assert.equal(a?.messages?.hashes[0], b?.messages?.hashes[0], 'cache_control does not change a message hash');
    assert.notEqual(a?.messages?.exactHash, b?.messages?.exactHash);
    assert.equal(b?.messages?.exactHash, c?.messages?.exactHash, 'a byte-identical resend has the same exact hash');
    assert.equal(d?.messages?.hashes[0], e?.messages?.hashes[0], 'Codex item ids do not change a message hash');
    assert.notEqual(d?.messages?.exactHash, e?.messages?.exactHash);
    assert.equal(a?.system, undefined);
    assert.equal(a?.model, undefined);
  });
});

function findContinuationByte(bytes: Buffer, from: number): number {
  for (let at = from; at < bytes.length; at++) {
    const byte = bytes[at] as number;
    if (byte >= 0x80 && byte < 0xc0) return at;
  }
  return -1;
}
