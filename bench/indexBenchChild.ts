// One measured process for bench/indexBench.ts (bundled by it with esbuild, next to a bundled
// indexWorker.js, the way the CLI ships). Modes:
//   cold FILE          index + full analysis once; prints {ms, maxRssKiB, exchanges, workerRanges}
//   warm FILE N        index + analysis, then N times: append one exchange, refresh + re-analysis (timed);
//                      then N exchange bodies read by id (timed); restores the file's size at the end.
// Prints one JSON line on stdout.

import { appendFileSync, statSync, truncateSync } from 'node:fs';
import { buildAnalysisReport } from '../src/core/analysis/analysisReport';
import { explainLog } from '../src/core/analysis/explain';
import { LogIndex } from '../src/core/logIndex/logIndex';
import { nextExchange } from './appendedExchange';

const started = performance.now();

function analyze(index: LogIndex): number {
  const input = index.analysisInput();
  const report = buildAnalysisReport(input);
  // The cache / composition / cost sections `analyze` prints, over the same report.
  const explained = explainLog(input, { agents: report.agents, conversations: report.conversations });
  // Touch the result so nothing is optimized away.
  return report.exchanges.total + report.agents.length + explained.exchanges.length;
}


function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const [mode, path, countText] = process.argv.slice(2);
  if (!path || (mode !== 'cold' && mode !== 'warm')) throw new Error('usage: cold|warm FILE [N]');
  const index = await LogIndex.open([path]);
  const indexedMs = performance.now() - started;
  analyze(index);
  const analyzedMs = performance.now() - started;
  if (mode === 'cold') {
    console.log(
      JSON.stringify({
        ms: analyzedMs,
        indexMs: indexedMs,
        maxRssKiB: process.resourceUsage().maxRSS,
        cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
        exchanges: index.exchanges().length,
        workerRanges: index.loadStats().workerRanges,
      }),
    );
    return;
  }

  const count = Number(countText ?? 7);
  const originalSize = statSync(path).size;
  const refreshMs: number[] = [];
  const refreshOnlyMs: number[] = [];
  const openMs: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const next = nextExchange(path, i, 'be');
      const appended = next.request + next.response;
      appendFileSync(path, appended);
      const begin = performance.now();
      const delta = await index.refresh();
      const refreshed = performance.now();
      analyze(index);
      refreshMs.push(performance.now() - begin);
      refreshOnlyMs.push(refreshed - begin);
      if (delta.added.length !== 1) throw new Error(`expected one new exchange, got ${JSON.stringify(delta)}`);
    }
    const exchanges = index.exchanges();
    for (let i = 0; i < count; i++) {
      const target = exchanges[Math.floor(((i + 0.5) / count) * exchanges.length)];
      if (!target) continue;
      const begin = performance.now();
      const records = await index.readExchange(target.id);
      openMs.push(performance.now() - begin);
      if (!records?.request) throw new Error(`no request body for ${target.id}`);
    }
  } finally {
    truncateSync(path, originalSize);
  }
  console.log(
    JSON.stringify({
      refreshMs: median(refreshMs),
      refreshAll: refreshMs,
      refreshOnlyMs: median(refreshOnlyMs),
      openMs: median(openMs),
      openAll: openMs,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
