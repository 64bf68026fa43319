// One measured process for bench/analyzeBench.ts (bundled by it with esbuild, next to a bundled indexWorker.js):
//   warm FILE N   index the log and explain it once, then N times append one exchange (its request, then its
//                 response, as a relay writes them) and time what the editor recomputes after each refresh:
//                 refresh() + the kept ReportAnalyzer fold + the Explainer fold + the id lookup (explainSource.ts).
//                 Restores the file's size at the end. Prints one JSON line on stdout.

import { appendFileSync, statSync, truncateSync } from 'node:fs';
import { ReportAnalyzer } from '../src/core/analysis/analysisReport';
import { Explainer, explanationIndex } from '../src/core/analysis/explain';
import { LogIndex } from '../src/core/logIndex/logIndex';
import { nextExchange } from './appendedExchange';


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
  const analyzer = new ReportAnalyzer();
  let explained = 0;
  const recompute = (): { refreshMs: number; reportMs: number; foldMs: number } => {
    const begin = performance.now();
    const input = index.analysisInput();
    const analysis = analyzer.update(input);
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
  /** CPU time of the process over the same span (index workers included): what the update costs on a loaded machine. */
  const cpus: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const next = nextExchange(path, i, 'ab');
      // The request lands first (pending), then its response: two refreshes, as the editor sees a relay.
      for (const line of [next.request, next.response]) {
        appendFileSync(path, line);
        const cpuBegin = process.cpuUsage();
        const begin = performance.now();
        await index.refresh();
        const refreshed = performance.now() - begin;
        const step = recompute();
        refreshes.push(refreshed);
        reports.push(step.reportMs);
        folds.push(step.foldMs);
        totals.push(refreshed + step.reportMs + step.foldMs);
        const cpu = process.cpuUsage(cpuBegin);
        cpus.push((cpu.user + cpu.system) / 1000);
      }
    }
  } finally {
    truncateSync(path, originalSize);
  }
  console.log(
    JSON.stringify({
      totalMs: median(totals),
      cpuMs: median(cpus),
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
