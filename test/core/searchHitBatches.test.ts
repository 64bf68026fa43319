// What the timeline's host sends on from a search's batches of hits (src/core/analysis/searchHitBatches.ts): each
// exchange once even when its hits come in several batches (before, an exchange whose request and response
// matched in two batches was sent twice and counted twice toward the limit), at most `limit` exchanges.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLog } from '../../bench/generateLog';
import { LogSearch } from '../../src/core/analysis/logSearch';
import type { ScanHit } from '../../src/core/analysis/logTextScan';
import { SearchHitBatches } from '../../src/core/analysis/searchHitBatches';

const hit = (id: string, match: string): ScanHit => ({ id, snippet: { source: 'messages', before: 'a ', match, after: ' b' } } as ScanHit);

describe('search hits sent to the timeline', function () {
  this.timeout(60_000);

  it('an exchange matching in two batches is sent once; its later snippets still go', () => {
    const batches = new SearchHitBatches(10);
    const one = batches.take([hit('x1', 'the'), hit('x2', 'the'), hit('x1', 'The')]);
    assert.deepEqual(one.ids, ['x1', 'x2']);
    assert.equal(one.snippets.x1.length, 2);
    const two = batches.take([hit('x1', 'THE'), hit('x3', 'the')]);
    assert.deepEqual(two.ids, ['x3'], 'x1 was sent with the first batch');
    assert.deepEqual(two.snippets.x1.map((s) => s.match), ['THE']);
    assert.equal(batches.shown, 3);
  });

  it('stops at the limit and sends no snippets for exchanges it does not show', () => {
    const batches = new SearchHitBatches(2);
    assert.deepEqual(batches.take([hit('a', 'q'), hit('b', 'q')]).ids, ['a', 'b']);
    const over = batches.take([hit('c', 'q'), hit('a', 'q')]);
    assert.deepEqual(over.ids, []);
    assert.deepEqual(Object.keys(over.snippets), ['a']);
  });

  it('over a real split search: every id once across batches, as many as the search matched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interlude-hitbatches-'));
    const path = join(dir, 'log.jsonl');
    generateLog(path, 1024 * 1024, 3);
    const search = new LogSearch(undefined, { workers: 2, splitFromBytes: 0 });
    try {
      const batches = new SearchHitBatches(10_000);
      const sent: string[] = [];
      let matched = 0;
      let withHits = 0;
      let repeated = 0;
      const seen = new Set<string>();
      await search.run({ query: 'the', files: [{ path, size: statSync(path).size }] }, (update) => {
        if (update.hits.length > 0) withHits++;
        // An id found in an earlier batch: the case this guards.
        if (update.hits.some(({ id }) => seen.has(id))) repeated++;
        for (const { id } of update.hits) seen.add(id);
        sent.push(...batches.take(update.hits).ids);
        matched = update.matched;
      });
      assert.ok(withHits > 1, `the search came in several batches (${withHits})`);
      assert.ok(repeated > 0, 'some exchange matched again in a later batch');
      assert.equal(new Set(sent).size, sent.length, 'no exchange sent twice');
      assert.equal(sent.length, matched);
    } finally {
      search.dispose();
    }
  });
});
