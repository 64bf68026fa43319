// One measured process for bench/analyzeBench.ts (bundled by it with esbuild, next to a bundled indexWorker.js):
//   warm FILE N   index the log and explain it once, then N times append one exchange (its request, then its
//                 response, as a relay writes them) and time what the editor recomputes after each refresh:
//                 refresh() + buildAnalysisReport + the Explainer fold + the id lookup (explainSource.ts).
//                 Restores the file's size at the end. Prints one JSON line on stdout.

import { appendFileSync, closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import { buildAnalysisReport } from '../src/core/analysis/analysisReport';
import { Explainer, explanationIndex } from '../src/core/analysis/explain';
import { LogIndex } from '../src/core/logIndex';

/** The last successful request+response pair of the file, as two lines to append under a fresh id. */
function nextExchange(path: string, sequence: number): { request: string; response: string } {
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
  const id = `ab${String(process.pid % 10_000).padStart(4, '0')}${String(sequence).padStart(6, '0')}`;
  const base = Date.parse(String(response.ts)) + 1_000 * (sequence + 1);
  return {
    request: `${JSON.stringify({ ...request, id, ts: new Date(base).toISOString() })}\n`,
    response: `${JSON.stringify({ ...response, id, ts: new Date(base + 3_000).toISOString() })}\n`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const [mode, path, countText] = process.argv.slice(2);
  if (!path || mode !== 'warm') throw new Error('usage: warm FILE [N]');
  const index = await LogIndex.open([path]);
  const fold = new Explainer();
  let explained = 0;
  const recompute = (): { refreshMs: number; reportMs: number; foldMs: number } => {
    const begin = performance.now();
    const input = index.analysisInput();
    const analysis = buildAnalysisReport(input);
    const reported = performance.now();
    const report = fold.update(input, analysis.conversations, analysis.agents);
    explained = explanationIndex(report).size;
    const end = performance.now();
    return { refreshMs: 0, reportMs: reported - begin, foldMs: end - reported };
  };
  recompute();
  const count = Number(countText ?? 7);
  const originalSize = statSync(path).size;
  const totals: number[] = [];
  const reports: number[] = [];
  const folds: number[] = [];
  const refreshes: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const next = nextExchange(path, i);
      // The request lands first (pending), then its response: two refreshes, as the editor sees a relay.
      for (const line of [next.request, next.response]) {
        appendFileSync(path, line);
        const begin = performance.now();
        await index.refresh();
        const refreshed = performance.now() - begin;
        const step = recompute();
        refreshes.push(refreshed);
        reports.push(step.reportMs);
        folds.push(step.foldMs);
        totals.push(refreshed + step.reportMs + step.foldMs);
      }
    }
  } finally {
    truncateSync(path, originalSize);
  }
  console.log(
    JSON.stringify({
      totalMs: median(totals),
      totals,
      refreshMs: median(refreshes),
      reportMs: median(reports),
      foldMs: median(folds),
      exchanges: explained,
      explainedPerUpdate: fold.work.explained,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
