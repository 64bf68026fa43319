// The timeline benchmark's half inside the extension host (scripts/runExtensionTests.mjs --bench-timeline loads
// it as the test entry; bench/timelineBench.ts starts that and prints the figures). With the capture folder set
// to INTERLUDE_BENCH_DIR (one big synthetic log) it measures, in the real workbench and webview:
//   index  show the Captures view (as a user starts): the folder indexed in the extension host;
//   first  Open Timeline, the window's first webview, index in memory: panel created → first rows drawn (≤ 1 s);
//   reopen close and reopen five times: the same first paint, each next to an empty webview panel's first
//          message (the workbench's own cost for any webview, which grows after the first one here);
//   sweep  scroll the whole list in 300 animation frames: frame intervals, redraw times, DOM size, page heap;
//   insights  Open Insights on the same index: time to the first drawn figures;
// and the extension host's memory. Writes the figures to INTERLUDE_BENCH_OUT as JSON.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CapturesTreeSnapshot } from '../src/extension/views/capturesTree';
import type { InsightsStatus } from '../src/extension/panels/insightsPanel';
import type { TimelineStatus } from '../src/extension/panels/timelinePanel';
import { activateExtension, waitForCommand, webviewTabs } from '../test/extension/helpers';

const WARM_RUNS = 5;
const SWEEP_FRAMES = 300;
const MiB = 1024 * 1024;

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function hostMemory(): { rssMiB: number; heapMiB: number } {
  const usage = process.memoryUsage();
  return { rssMiB: Math.round(usage.rss / MiB), heapMiB: Math.round(usage.heapUsed / MiB) };
}

/**
 * The baseline: a webview panel whose page only says it loaded, with its JS heap (gc'd first: the benchmark's
 * browser exposes gc). Panel created → that message, in ms.
 */
async function emptyWebview(): Promise<{ ms: number; heap?: number }> {
  const nonce = randomBytes(16).toString('base64');
  const started = Date.now();
  const panel = vscode.window.createWebviewPanel('agentInterludeBench.empty', 'Empty', vscode.ViewColumn.Active, { enableScripts: true });
  const loaded = new Promise<{ ms: number; heap?: number }>((resolveLoaded) => {
    panel.webview.onDidReceiveMessage((message: { heap?: number }) => resolveLoaded({ ms: Date.now() - started, heap: message.heap }));
  });
  panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'"></head>
<body><p>empty</p><script nonce="${nonce}">
window.gc?.();
acquireVsCodeApi().postMessage({ heap: performance.memory?.usedJSHeapSize });
</script></body></html>`;
  const result = await loaded;
  panel.dispose();
  return result;
}

async function closeTabs(viewType: string, command: string): Promise<void> {
  await vscode.window.tabGroups.close(webviewTabs(viewType));
  await waitForCommand<{ open: boolean }>(command, 'the panel to close', (status) => !status.open);
}

export async function run(): Promise<void> {
  const dir = process.env.INTERLUDE_BENCH_DIR;
  const out = process.env.INTERLUDE_BENCH_OUT;
  if (!dir || !out) throw new Error('INTERLUDE_BENCH_DIR and INTERLUDE_BENCH_OUT must be set (bench/timelineBench.ts sets them)');
  const steps: Array<{ title: string; state: 'passed' | 'failed'; error?: string }> = [];
  const figures: Record<string, unknown> = {};
  const step = async (title: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
      steps.push({ title, state: 'passed' });
    } catch (error) {
      steps.push({ title, state: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  };
  const timeline = (action?: unknown): Thenable<TimelineStatus> => vscode.commands.executeCommand<TimelineStatus>('agentInterlude.internal.timeline', action);
  const waitTimeline = (what: string, accept: (status: TimelineStatus) => boolean): Promise<TimelineStatus> =>
    waitForCommand<TimelineStatus>('agentInterlude.internal.timeline', what, accept, 600_000);

  await step('index the folder: the Captures view shown, as a user would start', async () => {
    await activateExtension();
    figures.hostBefore = hostMemory();
    await vscode.workspace.getConfiguration('agentInterlude').update('captureDirectory', dir, vscode.ConfigurationTarget.Global);
    const started = Date.now();
    await vscode.commands.executeCommand('workbench.view.extension.agentInterlude');
    await waitForCommand<CapturesTreeSnapshot>('agentInterlude.internal.capturesTree', 'the folder indexed', (tree) => tree.dir === dir && tree.hasCaptures, 600_000);
    figures.index = { ms: Date.now() - started };
    figures.hostIndexed = hostMemory();
  });

  await step('timeline benchmark: first open in the window, index in memory', async () => {
    const started = Date.now();
    await vscode.commands.executeCommand('agentInterlude.openTimeline');
    const status = await waitTimeline('the first rows drawn', (s) => s.ready && s.firstPaintMs !== undefined && s.rows > 0);
    figures.first = {
      ms: Date.now() - started,
      firstPaintMs: status.firstPaintMs,
      pageLoadMs: status.pageLoadMs,
      computeMs: status.computeMs,
      drawMs: status.drawMs,
      rows: status.rows,
      sessions: status.sessions,
      rendered: status.rendered,
    };
  });

  await step('timeline benchmark: search the whole log, as a user types a query', async () => {
    const searches: Array<{ query: string; firstMs?: number; ms?: number; scanMs?: number; hostMs?: number; batches?: number; pageMs?: number; matches: number; peakRssMiB: number; rssBeforeMiB: number }> = [];
    // Every exchange matches "the" (the most hits to check and carry); nothing matches the other (the bare scan).
    for (const query of ['the', 'no-such-text-anywhere']) {
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      await timeline({ search: query });
      const status = await waitTimeline(`the search for ${query}`, (s) => s.lastSearch?.query === query && s.lastSearch.ms !== undefined);
      clearInterval(sampler);
      // The page's time taking the batches in (rows filtered, laid out, drawn), as it reports it.
      await timeline({ probe: true });
      const probed = await waitTimeline('the page to answer the probe', (s) => s.probe !== undefined);
      const last = status.lastSearch;
      searches.push({ query, firstMs: last?.firstMs, ms: last?.ms, scanMs: last?.scanMs, hostMs: last?.hostMs, batches: last?.batches, pageMs: probed.probe?.searchTrace?.ms, matches: last?.matches ?? 0, peakRssMiB: Math.round(peak / MiB), rssBeforeMiB: Math.round(rssBefore / MiB) });
    }
    await timeline({ search: '' });
    figures.search = searches;
  });

  await step('timeline benchmark: scroll the whole list, one step per frame', async () => {
    await timeline({ sweep: SWEEP_FRAMES });
    const status = await waitTimeline('the sweep figures', (s) => s.sweep !== undefined);
    figures.sweep = status.sweep;
  });

  await step(`timeline benchmark: warm first paint, ${WARM_RUNS} reopenings`, async () => {
    const runs: number[] = [];
    const pageLoads: number[] = [];
    const empty: number[] = [];
    const emptyHeaps: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      const baseline = await emptyWebview();
      empty.push(baseline.ms);
      if (baseline.heap !== undefined) emptyHeaps.push(baseline.heap);
      await closeTabs('agentInterlude.timeline', 'agentInterlude.internal.timeline');
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      const status = await waitTimeline('the first rows drawn', (s) => s.ready && s.firstPaintMs !== undefined);
      runs.push(status.firstPaintMs as number);
      pageLoads.push(status.pageLoadMs ?? 0);
    }
    figures.warm = { runs, medianMs: median(runs), pageLoads, pageLoadMedianMs: median(pageLoads), empty, emptyMedianMs: median(empty) };
    if (emptyHeaps.length > 0) figures.emptyHeap = median(emptyHeaps);
    figures.hostTimeline = hostMemory();
  });

  await step('insights benchmark: open on the same index, first figures drawn', async () => {
    const started = Date.now();
    await vscode.commands.executeCommand('agentInterlude.openInsights');
    const status = await waitForCommand<InsightsStatus>('agentInterlude.internal.insights', 'the first figures', (s) => s.ready && s.rendered !== undefined, 600_000);
    figures.insights = { ms: Date.now() - started, exchanges: status.exchanges };
    figures.hostAll = hostMemory();
  });

  writeFileSync(out, JSON.stringify(figures, null, 2));
  const counts = process.env.INTERLUDE_TEST_COUNTS;
  const failed = steps.filter((entry) => entry.state === 'failed').length;
  if (counts) writeFileSync(counts, JSON.stringify({ passed: steps.length - failed, failed, skipped: 0, results: steps }));
  if (failed > 0) throw new Error(`${failed} benchmark step(s) failed`);
}
