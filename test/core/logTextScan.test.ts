// The timeline's byte-scanning search (core/analysis/logTextScan + logSearch's worker) against the parsing search
// it replaces (searchOne over whole records): the same exchanges and snippets on a synthetic log in the agents'
// record format, chunked at awkward places; a spoofed file name and the bidi marking; plural counts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../../bench/generateLog';
import { LogSearch, type LogSearchProgress } from '../../src/core/analysis/logSearch';
import { LogTextScanner, type ScanHit } from '../../src/core/analysis/logTextScan';
import { searchOne } from '../../src/core/analysis/textSearch';
import { searchableExchanges } from '../support/searchableLog';
import { bidiMarker, hasBidiControls, markBidiControls } from '../../src/shared/bidiText';
import { countOf } from '../../src/shared/countText';

/** The parsing search's answer: id → sources with a hit, and their snippets. */
function parsedSearch(log: string, query: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const item of searchableExchanges(log)) {
    const hit = searchOne(item, query);
    if (hit) found.set(hit.id, hit.snippets.map((s) => `${s.source}|${s.before}|${s.match}|${s.after}`).sort());
  }
  return found;
}

function scannedSearch(bytes: Buffer, query: string, chunk: number): Map<string, string[]> {
  const scanner = new LogTextScanner(query);
  const hits: ScanHit[] = [];
  for (let at = 0; at < bytes.length; at += chunk) hits.push(...scanner.push(bytes.subarray(at, at + chunk)));
  hits.push(...scanner.end());
  const found = new Map<string, string[]>();
  for (const { id, snippet: s } of hits) found.set(id, [...(found.get(id) ?? []), `${s.source}|${s.before}|${s.match}|${s.after}`].sort());
  return found;
}

describe('log text scan (timeline search)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'interlude-scan-'));
  const file = join(dir, 'log-scan.jsonl');
  generateLog(file, 3 * 1024 * 1024, 5);
  // A hostile exchange: a spoofed file name, a quote and a backslash in the prompt, an upper-case answer.
  const spoof = 'invoice_\u202Egnp.exe';
  const body = { system: 'You are terse.', messages: [{ role: 'user', content: `open ${spoof} and say "C:\\tmp" please` }], tools: [{ name: 'Read', description: 'needle in a tool schema' }] };
  writeFileSync(
    file,
    readFileSync(file, 'utf8') +
      JSON.stringify({ id: 'spoof1', kind: 'request', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', request: body, extract: body }) +
      '\n' +
      JSON.stringify({ id: 'spoof1', kind: 'response', agent: 'claude', wire: 'claude-messages', status: 200, reconstructed: { text: 'OPENED THE FILE', tool_uses: [] } }) +
      '\n' +
      // Not streamed: the body, as the Messages API sends it (model before content).
      JSON.stringify({ id: 'plain1', kind: 'request', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', request: body, extract: { ...body, system: 'Plain.' } }) +
      '\n' +
      JSON.stringify({ id: 'plain1', kind: 'response', agent: 'claude', wire: 'claude-messages', status: 200, stream: false, body: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'A plain answer naming Bash' }], stop_reason: 'end_turn' } }) +
      '\n',
    { flag: 'w' },
  );
  const text = readFileSync(file, 'utf8');
  const bytes = readFileSync(file);

  for (const query of ['the', 'naïve café', 'Bash', 'opened the', '"C:\\tmp"', 'gnp.exe', 'needle in a tool', 'plain answer', 'message', 'zzqq-not-there']) {
    it(`finds what the parsing search finds: ${JSON.stringify(query)}`, () => {
      const want = parsedSearch(text, query);
      // Chunks that cut records (and multi-byte characters) anywhere.
      for (const chunk of [65_537, 1 << 20]) {
        const got = scannedSearch(bytes, query, chunk);
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `the same exchanges, chunks of ${chunk} bytes`);
        // Each snippet shows the query as written, case aside, in a source the parsing search also found it in.
        for (const [id, snippets] of got) {
          for (const snippet of snippets) {
            const [source, , match] = snippet.split('|');
            assert.equal(match.toLowerCase(), query.toLowerCase(), snippet);
            assert.ok(want.get(id)?.some((wanted) => wanted.startsWith(`${source}|`)), `${id}: ${snippet} (parsing search: ${want.get(id)?.join(' ; ')})`);
          }
        }
      }
    });
  }

  it('does not count text in tool schemas, as the parsing search does not', () => {
    assert.equal(scannedSearch(bytes, 'needle in a tool', 1 << 20).size, 0);
  });

  it('streams its hits from a worker and reports every match at the end; a new run cancels the old one', async () => {
    const search = new LogSearch();
    const updates: LogSearchProgress[] = [];
    const cancelled = search.run({ query: 'the', files: [{ path: file, size: statSync(file).size }] }, (update) => updates.push(update));
    const seen: LogSearchProgress[] = [];
    await search.run({ query: 'OPENED the file', files: [{ path: file, size: statSync(file).size }] }, (update) => seen.push(update));
    await cancelled;
    assert.ok(updates.every((update) => !update.done), 'the replaced search never finishes');
    const last = seen[seen.length - 1];
    assert.equal(last.done, true);
    assert.equal(last.matched, 1);
    assert.deepEqual(seen.flatMap((update) => update.hits.map((hit) => hit.id)), ['spoof1']);
    assert.equal(last.scannedBytes, statSync(file).size);
  });
});

describe('log search split between workers', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'interlude-split-'));
  // Two files, as a rotated log: shares are cut at byte offsets, in records and across the files' seam.
  const first = join(dir, 'a.jsonl');
  const second = join(dir, 'b.jsonl');
  generateLog(first, 1024 * 1024, 7);
  generateLog(second, 1024 * 1024, 8, Date.UTC(2026, 10, 15));
  const files = [first, second].map((path) => ({ path, size: statSync(path).size }));
  // One instance for every three-worker search: its workers, started ahead, serve one search after another.
  const shared = new LogSearch(undefined, { workers: 3, splitFromBytes: 0 });
  before(() => shared.warm());
  after(() => shared.dispose());
  const searchWith = async (workers: number, query: string): Promise<{ ids: string[]; matched: number; scanned: number; counts: number[] }> => {
    const search = workers === 3 ? shared : new LogSearch(undefined, { workers, splitFromBytes: 0 });
    const ids = new Set<string>();
    let last: LogSearchProgress | undefined;
    // The count each batch of hits reports (what the timeline shows while the scan runs).
    const counts: number[] = [];
    await search.run({ query, files }, (update) => {
      for (const hit of update.hits) ids.add(hit.id);
      if (update.hits.length > 0) counts.push(update.matched);
      last = update;
    });
    assert.equal(last?.done, true);
    return { ids: [...ids].sort(), matched: last.matched, scanned: last.scannedBytes, counts };
  };
  for (const query of ['the', 'naïve café', 'zzqq-not-there']) {
    it(`three workers (kept from search to search) find what one finds, each byte read once: ${JSON.stringify(query)}`, async () => {
      const one = await searchWith(1, query);
      const three = await searchWith(3, query);
      assert.deepEqual(three.ids, one.ids);
      assert.equal(three.matched, one.ids.length, 'an exchange found by two workers counts once');
      assert.equal(three.scanned, files[0].size + files[1].size);
      if (query !== 'zzqq-not-there') assert.ok(one.ids.length > 0);
      // The count grows as the batches come (each worker posts its first hits at once), and ends at the total.
      if (query === 'the') {
        assert.ok(three.counts.length >= 2, `several batches: ${three.counts.join(', ')}`);
        assert.ok(three.counts.every((count, index) => index === 0 || count >= three.counts[index - 1]), `never shrinks: ${three.counts.join(', ')}`);
        assert.ok(three.counts[0] < three.matched, `the first batch is not every match: ${three.counts.join(', ')}`);
        assert.equal(three.counts.at(-1), three.matched);
      }
    });
  }
});

describe('log text scan: case, escapes, text blocks and the parts it must not read', () => {
  // Records as a writer other than ours may store them: every non-ASCII character as a \u escape (Python's
  // ensure_ascii, in either case of hex digit), next to ours (raw UTF-8).
  const asciiOnly = (line: string): string => line.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const request = (id: string, extract: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ id, kind: 'request', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', headers_kept: { 'x-trace': 'header-only-words' }, request: { ...extract, raw: 'words only in the raw body' }, extract, schema: 1, ...extra });
  const response = (id: string, text: string): string =>
    JSON.stringify({ id, kind: 'response', agent: 'claude', wire: 'claude-messages', status: 200, reconstructed: { model: 'model-only-name', id: 'msg_only_id', text, tool_uses: [] }, schema: 1 });
  const lines = [
    request('upper1', { system: 'You are terse.', messages: [{ role: 'user', content: 'Ordered a NAÏVE CAFÉ au lait' }] }),
    response('upper1', 'Noted.'),
    asciiOnly(request('escaped1', { system: 'Plain.', messages: [{ role: 'user', content: 'line one\nthe café said "hi"\tand été 日本語 naïve\n\n  café' }] })).replace('\\u00e9t\\u00e9', '\\u00C9T\\u00c9'),
    response('escaped1', 'OK'),
    request('split1', {
      system: [{ type: 'text', text: 'Say naïve' }, { type: 'text', text: 'café twice' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'I like the naïve' }, { type: 'text', text: 'café downtown' }, { type: 'tool_use', id: 'toolu_only_id', name: 'Read', input: { path: 'a.txt' } }] }],
    }),
    response('split1', 'A naïve'),
    // A key of a part (`schema`) inside a tool's input cuts the messages part short: parsed from the whole record.
    request('split2', {
      system: 'Plain.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Ask the naïve' }, { type: 'text', text: 'café owner' }, { type: 'tool_use', id: 'toolu_2', name: 'Write', input: { schema: 'x' } }] }],
    }),
    response('split2', 'OK'),
    // A no-break space runs on a run of spaces; a character outside ASCII before a space does not.
    request('nbsp1', { system: 'Plain.', messages: [{ role: 'user', content: 'a naïve \u00a0\n café; 日本語 café' }] }),
    response('nbsp1', 'OK'),
  ];
  const log = `${lines.join('\n')}\n`;
  const bytes = Buffer.from(log, 'utf8');
  const cases: Array<[string, string[]]> = [
    ['naïve café', ['escaped1', 'nbsp1', 'split1', 'split2', 'upper1']],
    ['NAÏVE CAFÉ', ['escaped1', 'nbsp1', 'split1', 'split2', 'upper1']],
    ['CAFÉ', ['escaped1', 'nbsp1', 'split1', 'split2', 'upper1']],
    ['日本語 café', ['nbsp1']],
    ['été', ['escaped1']],
    ['ÉTÉ 日本語', ['escaped1']],
    ['日本語', ['escaped1', 'nbsp1']],
    ['é', ['escaped1', 'nbsp1', 'split1', 'split2', 'upper1']],
    ['the naïve café owner', ['split2']],
    ['said "hi" and', ['escaped1']],
    ['one the café', ['escaped1']],
    ['like the naïve café downtown', ['split1']],
    ['say naïve café twice', ['split1']],
    ['naïve café twice', ['split1']],
    ['header-only-words', []],
    ['only in the raw body', []],
    ['upper1', []],
    ['toolu_only_id', []],
    ['model-only-name', []],
    ['msg_only_id', []],
  ];
  for (const [query, ids] of cases) {
    it(`${JSON.stringify(query)}: ${ids.length === 0 ? 'no exchange' : ids.join(', ')}, as the parsing search`, () => {
      assert.deepEqual([...parsedSearch(log, query).keys()].sort(), ids, 'the parsing search (the reference) agrees with the case');
      for (const chunk of [7, 4096, bytes.length]) assert.deepEqual([...scannedSearch(bytes, query, chunk).keys()].sort(), ids, `chunks of ${chunk} bytes`);
    });
  }
});

describe('bidi marking and counts', () => {
  it('shows every bidi control and zero-width character as a marker, in the stored order', () => {
    const shown = markBidiControls('invoice_\u202Egnp.exe a\u200Bb \u2066x\u2069 \uFEFF');
    assert.equal(shown, `invoice_${bidiMarker('\u202E')}gnp.exe a⟨U+200B ZWSP⟩b ⟨U+2066 LRI⟩x⟨U+2069 PDI⟩ ⟨U+FEFF ZWNBSP⟩`);
    assert.equal(bidiMarker('\u202E'), '⟨U+202E RLO⟩');
    assert.equal(hasBidiControls(shown), false);
    for (let code = 0x202a; code <= 0x202e; code++) assert.equal(hasBidiControls(markBidiControls(String.fromCharCode(code))), false);
    for (let code = 0x2066; code <= 0x2069; code++) assert.equal(hasBidiControls(markBidiControls(String.fromCharCode(code))), false);
    assert.equal(markBidiControls('plain שלום text'), 'plain שלום text', 'right-to-left letters stay: only controls are marked');
  });

  it('counts in the right number', () => {
    assert.equal(countOf(1, 'exchange'), '1 exchange');
    assert.equal(countOf(0, 'exchange'), '0 exchanges');
    assert.equal(countOf(7611, 'exchange'), '7,611 exchanges');
    assert.equal(countOf(1, 'match', 'matches'), '1 match');
    assert.equal(countOf(2, 'match', 'matches'), '2 matches');
  });
});
