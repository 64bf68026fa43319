// Log search benchmark: the timeline's byte-scanning search (src/core/analysis/logSearch.ts, a worker thread) over
// the benchmarks' synthetic logs (bench/generateLog.ts), outside VS Code: time to the first hits and to the end,
// exchanges matched, and the process's peak RSS while it runs against its RSS before the workers. Each query gets
// fresh workers, started and warmed up beforehand as the timeline starts them when its page is ready (their
// start-up and warm-up is its own column): its figures are a user's first search. The same query is then run
// again on the same workers (the last column), as a search typed later in the same page.
// The same search inside the workbench is in `npm run bench:timeline`.
//
// Run: `npx tsx bench/searchBench.ts [--size 100MiB] [--query the]` (default: 100MiB and 1GiB, three queries).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { LogSearch } from '../src/core/analysis/logSearch';
import { benchLog } from './generateLog';

const MiB = 1024 * 1024;
/** The bundled worker, as the extension runs it (built first: npm run bench:search builds). */
const WORKER = join(__dirname, '../dist/logSearchWorker.js');

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
}

async function main(): Promise<void> {
  const sizes = option('size') ? [option('size') as string] : ['100MiB', '1GiB'];
  const queries = option('query') ? [option('query') as string] : ['the', 'naïve café', 'no-such-text-anywhere'];
  console.log(`### Log search, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; load (1 min) ${loadavg()[0].toFixed(2)}\n`);
  console.log('| log | query | first search on warmed workers: first results | all results | exchanges matched | peak RSS (base, before the workers) | workers\' start-up and warm-up, before | the same search again: all results |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const path = benchLog(size);
    const files = [{ path, size: statSync(path).size }];
    for (const query of queries) {
      // Workers started ahead, as the timeline starts them when its page is ready: the figures are the search's.
      const search = new LogSearch(WORKER);
      const base = process.memoryUsage().rss;
      const coldStart = performance.now();
      await search.warm();
      const startup = performance.now() - coldStart;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      const started = performance.now();
      let first: number | undefined;
      let matched = 0;
      let ms = 0;
      await search.run({ query, files }, (progress) => {
        if (first === undefined && progress.hits.length > 0) first = performance.now() - started;
        matched = progress.matched;
        if (progress.done) ms = performance.now() - started;
      });
      clearInterval(sampler);
      const againStarted = performance.now();
      let again = 0;
      await search.run({ query, files }, (progress) => {
        if (progress.done) again = performance.now() - againStarted;
      });
      search.dispose();
      console.log(`| ${size} | ${query} | ${first === undefined ? '—' : `${Math.round(first)} ms`} | ${Math.round(ms)} ms | ${matched.toLocaleString()} | ${Math.round(peak / MiB)} MiB (${Math.round(base / MiB)} MiB) | ${Math.round(startup)} ms | ${Math.round(again)} ms |`);
    }
  }
  console.log(`\nLoad (1 min) after: ${loadavg()[0].toFixed(2)}`);
}

void main();
