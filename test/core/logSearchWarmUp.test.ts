// The search workers' warm-up (logSearchWorker.ts: warmUp): before a worker says it is ready, it runs the search
// itself over a made-up log in memory, through every path a user's first query takes (anchors, the byte
// comparison, decoding around an anchor, joining text blocks), so that query runs optimized code. warm() reports
// what each worker's warm-up did; the made-up log is checked against the parsing search.
import assert from 'node:assert/strict';
import { LogSearch } from '../../src/core/analysis/logSearch';
import { WARM_UP_QUERIES, warmUpLog } from '../../src/core/analysis/logSearchWorker';
import { LogTextScanner } from '../../src/core/analysis/logTextScan';
import { searchOne } from '../../src/core/analysis/textSearch';
import { searchableExchanges } from '../support/searchableLog';

/** Exchanges the parsing search finds in a log, and how many (exchange, source) snippets. */
function parsed(log: string, query: string): { ids: string[]; snippets: number } {
  const ids: string[] = [];
  let snippets = 0;
  for (const item of searchableExchanges(log)) {
    const hit = searchOne(item, query);
    if (!hit) continue;
    ids.push(hit.id);
    snippets += new Set(hit.snippets.map((snippet) => snippet.source)).size;
  }
  return { ids: ids.sort(), snippets };
}

describe('log search warm-up', function () {
  this.timeout(60_000);
  const log = warmUpLog();

  it('the made-up log is records the parsing search reads, and the scan finds what it finds in them', () => {
    for (const query of WARM_UP_QUERIES) {
      const want = parsed(log.toString('utf8'), query);
      const scanner = new LogTextScanner(query);
      const hits = scanner.scanRecords(log, log.length);
      assert.deepEqual([...new Set(hits.map((hit) => hit.id))].sort(), want.ids, query);
      assert.equal(hits.length, want.snippets, `${query}: one hit per exchange and source`);
    }
    // "naïve café" in each form the paths need: as it is, escaped, in capitals, across two blocks; not everywhere.
    const cafe = parsed(log.toString('utf8'), 'naïve café').ids;
    assert.ok(cafe.length >= 12 && cafe.length < 24, `${cafe.length} of 24 exchanges hold "naïve café"`);
    // Exchange 3 holds it only across two text blocks: found by the join alone.
    assert.ok(cafe.includes('warm-up-3') && cafe.includes('warm-up-9'), cafe.join(' '));
  });

  it('warm() resolves when each worker has run the search over it, through the anchor, decode and join paths', async () => {
    const search = new LogSearch(undefined, { workers: 2 });
    try {
      const reports = await search.warm();
      assert.equal(reports.length, 2, 'a report from each worker started');
      for (const report of reports) {
        assert.equal(report.bytes, log.length);
        assert.ok(report.rounds >= 2, `${report.rounds} rounds`);
        const byQuery = new Map(report.queries.map((entry) => [entry.query, entry]));
        assert.deepEqual([...byQuery.keys()], WARM_UP_QUERIES);
        for (const query of WARM_UP_QUERIES) {
          // Each round finds what one scan of the whole log finds: the two pieces (as two workers share a log)
          // and the small reads lose no record and read none twice.
          const once = new LogTextScanner(query).scanRecords(log, log.length).length;
          assert.equal(byQuery.get(query)?.hits, once * report.rounds, query);
        }
        const word = byQuery.get('the');
        assert.ok(word && word.literal > 0 && word.hits > 0, `"the": settled byte for byte (${JSON.stringify(word)})`);
        const words = byQuery.get('naïve café');
        assert.ok(words, 'naïve café searched');
        assert.ok(words.anchors > words.hits, `anchors ruled out: ${JSON.stringify(words)}`);
        assert.ok(words.literal > 0, `settled byte for byte: ${JSON.stringify(words)}`);
        assert.ok(words.decoded > 0, `decoded around an anchor: ${JSON.stringify(words)}`);
        assert.ok(words.joined > 0, `text blocks joined: ${JSON.stringify(words)}`);
        assert.equal(byQuery.get('zzqq-nowhere')?.hits, 0);
      }
      // Warm workers are kept: a second warm() starts none, and a search runs on them.
      assert.deepEqual(await search.warm(), []);
    } finally {
      search.dispose();
    }
  });
});
