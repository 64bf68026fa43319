// One measured process for bench/indexBench.ts (bundled by it with esbuild, next to a bundled
// indexWorker.js, the way the CLI ships). Modes:
//   cold FILE          index + full analysis once; prints {ms, maxRssKiB, exchanges, workerRanges}
//   warm FILE N        index + analysis, then N times: append one exchange, refresh + re-analysis (timed);
//                      then N exchange bodies read by id (timed); restores the file's size at the end.
// Prints one JSON line on stdout.

import { appendFileSync, closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import { buildAnalysisReport } from '../src/core/analysis/analysisReport';
import { explainLog } from '../src/core/analysis/explain';
import { LogIndex } from '../src/core/logIndex';

const started = performance.now();

function analyze(index: LogIndex): number {
  const input = index.analysisInput();
  const report = buildAnalysisReport(input);
  // The cache / composition / cost sections `analyze` prints, over the same report.
  const explained = explainLog(input, { agents: report.agents, conversations: report.conversations });
  // Touch the result so nothing is optimized away.
  return report.exchanges.total + report.agents.length + explained.exchanges.length;
}

/** The last request+response pair of the file, re-labelled with a fresh id and later timestamps. */
function nextExchange(path: string, sequence: number): string {
  const size = statSync(path).size;
  const tailBytes = Math.min(size, 8 * 1024 * 1024);
  const buf = Buffer.alloc(tailBytes);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, tailBytes, size - tailBytes);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').filter((line) => line.startsWith('{'));
  let responseAt = lines.length - 1;
  while (responseAt >= 0 && !(lines[responseAt]?.includes('"kind":"response"') && lines[responseAt]?.includes('"status":200'))) responseAt--;
  const response = JSON.parse(lines[responseAt] as string) as Record<string, unknown>;
  let requestAt = responseAt - 1;
  while (requestAt >= 0 && !lines[requestAt]?.includes(`"id":"${String(response.id)}"`)) requestAt--;
  const request = JSON.parse(lines[requestAt] as string) as Record<string, unknown>;
  const id = `be${String(process.pid % 10_000).padStart(4, '0')}${String(sequence).padStart(6, '0')}`;
  const base = Date.parse(String(response.ts)) + 1_000 * (sequence + 1);
  request.id = id;
  request.ts = new Date(base).toISOString();
  response.id = id;
  response.ts = new Date(base + 3_000).toISOString();
  return `${JSON.stringify(request)}\n${JSON.stringify(response)}\n`;
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
      const appended = nextExchange(path, i);
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
