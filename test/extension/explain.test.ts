// The explainer in the editor, on a Claude Code conversation logged against an API that caches (cacheFixture.ts):
// two turns land first (a write, a hit), then two that break the cache — at WebSearch's definition and at the
// system prompt's date line — as a CLI in another process would append them. The timeline marks both breaks
// as they land; the request panel says the cause, the segment and the cost and its link opens the diff; the
// insights "Cache and cost" tab ranks them; the skeleton diff's slot hover says how often the slot broke it.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InsightsStatus } from '../../src/extension/panels/insightsPanel';
import type { RequestPanelStatus } from '../../src/extension/panels/requestPanel';
import type { TimelineStatus } from '../../src/extension/panels/timelinePanel';
import { cachingConversation, type CacheFixture } from './cacheFixture';
import { activateExtension, dropCaptureFolder, panelDriver, useCaptureFolder, waitFor, waitForCommand } from './helpers';

const timeline = panelDriver<TimelineStatus>('agentInterlude.internal.timeline', 'agentInterlude.timeline');
const insights = panelDriver<InsightsStatus>('agentInterlude.internal.insights', 'agentInterlude.insights');
const request = {
  status: (action?: unknown): Thenable<RequestPanelStatus> => vscode.commands.executeCommand<RequestPanelStatus>('agentInterlude.internal.requestPanel', action),
  waitFor: (what: string, accept: (status: RequestPanelStatus) => boolean): Promise<RequestPanelStatus> =>
    waitForCommand<RequestPanelStatus>('agentInterlude.internal.requestPanel', what, accept),
};

/** The lines of the fixture for turns [from, to). */
function turnLines(fixture: CacheFixture, from: number, to: number): string {
  return `${fixture.lines.split('\n').filter(Boolean).slice(from * 2, to * 2).join('\n')}\n`;
}

/** Like waitFor, for a probe that asks the page (async). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let error: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (caught) {
      error = caught;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${error ? `: ${String(error)}` : ''}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 200));
  }
}

function tokensIn(line: string): number {
  const match = /([\d,]+) tokens/.exec(line);
  return match ? Number(match[1]!.replace(/,/g, '')) : NaN;
}

async function showRequest(id: string): Promise<NonNullable<RequestPanelStatus['explain']>> {
  await vscode.commands.executeCommand('agentInterlude.openRequest', { id });
  const shown = await request.waitFor(`the request panel's Cache section for ${id}`, (s) => s.ready && s.id === id && s.explain?.id === id && s.explain.explained);
  return shown.explain!;
}

/** The diff editors open now: their left and right URIs. */
function openDiffs(): Array<{ left: string; right: string }> {
  const diffs: Array<{ left: string; right: string }> = [];
  for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
    if (tab.input instanceof vscode.TabInputTextDiff) diffs.push({ left: tab.input.original.toString(), right: tab.input.modified.toString() });
    const multi = tab.input as { textDiffs?: Array<{ original: vscode.Uri; modified: vscode.Uri }> } | undefined;
    for (const pair of multi?.textDiffs ?? []) diffs.push({ left: pair.original.toString(), right: pair.modified.toString() });
  }
  return diffs;
}

async function hoverText(uri: vscode.Uri, line: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 3));
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n')
    .replace(/&nbsp;/g, ' ')
    .replace(/\\(.)/g, '$1');
}

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function explainTests(): void {
  describe('Cache and cost explained in the views', function () {
    let dir = '';
    const fixture = cachingConversation(Date.now() - 60_000);
    const [first, hit, toolBreak, systemBreak] = fixture.turns as [{ id: string }, { id: string }, { id: string }, { id: string }];
    const log = (): string => join(dir, 'log-20260301T000000Z.jsonl');
    let breaksLanded = false;
    /** The two breaking turns land (the first test appends them while the timeline is open; run alone, the others do). */
    const landBreaks = (): void => {
      if (breaksLanded) return;
      breaksLanded = true;
      appendFileSync(log(), turnLines(fixture, 2, 4));
    };

    before(async () => {
      await activateExtension();
      await vscode.commands.executeCommand('agentInterlude.stop');
      dir = mkdtempSync(join(tmpdir(), 'interlude-explain-'));
      writeFileSync(log(), turnLines(fixture, 0, 2));
      await useCaptureFolder(dir);
    });

    after(() => dropCaptureFolder(dir));

    it('the timeline marks each cache break with its cause, live as the captures land', async () => {
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      await timeline.waitFor('the first two turns drawn', (s) => s.ready && s.rows === 2 && s.rendered > 0);
      const before = await timeline.probe();
      assert.deepEqual(before.breakMarks, [], 'a first write and a hit are no breaks');
      landBreaks();
      await timeline.waitFor('the two breaking turns drawn', (s) => s.ready && s.rows === 4);
      const marks = await eventually('two break marks', async () => {
        const probe = await timeline.probe();
        return probe.breakMarks?.length === 2 ? probe.breakMarks : undefined;
      });
      const byId = new Map(marks.map((mark) => [mark.id, mark.label]));
      assert.match(byId.get(toolBreak.id) ?? '', /^cache break: tools\[9\] WebSearch \(definition changed\): .*The current month is March 2026.* · 16,100 tokens missed · cost \$0\.056$/);
      assert.match(byId.get(systemBreak.id) ?? '', /^cache break: system\[2\] \(date\) changed: "Today's date: 2026-03-01" · 9,000 tokens missed · cost \$0\.031$/);
    });

    it('the request panel says what was read, written and missed, why, where, what fills the context and the cost', async () => {
      landBreaks();
      const shown = await showRequest(toolBreak.id);
      for (const line of [
        'Read from cache: 0 tokens',
        'Written to cache: 18,000 tokens',
        'Uncached input: 3 tokens',
        'Missed: 16,100 tokens',
        'Cache hit: 0%',
        'Changed segment: tools[9] WebSearch (definition changed)',
        'Break cost: 16,100 tokens · $0.056',
        'Cause from: inferred from the requests',
      ]) {
        assert.ok(shown.cache.includes(line), `${line}\nin\n${shown.cache.join('\n')}`);
      }
      assert.ok(shown.cache.some((line) => line.startsWith('Cause: tools[9] WebSearch (definition changed): ') && line.includes('March 2026')), shown.cache.join('\n'));
      assert.ok(shown.cache.some((line) => line.startsWith('After: ') && line.includes('The current month is March 2026')), shown.cache.join('\n'));
      // The composition's six parts sum to the reported input (uncached 3 + read 0 + written 18,000).
      const parts = shown.composition.filter((line) => /^(System prompt|Tool definitions|Injected context|Conversation history|Tool results|New user turn) [\d,]+ tokens \(/.test(line));
      assert.equal(parts.length, 6, shown.composition.join('\n'));
      assert.equal(parts.reduce((sum, line) => sum + tokensIn(line), 0), 18_003);
      assert.ok(shown.composition.some((line) => line.startsWith('Tool definitions by tool: WebSearch ')), shown.composition.join('\n'));
      assert.ok(shown.composition.some((line) => line.startsWith('Tool results by tool: Grep ')), shown.composition.join('\n'));
      // claude-sonnet-4-5: 3 × $3 + 18,000 × $3.75 + 120 × $15, per million tokens.
      assert.equal(shown.cost, `$${((3 * 3 + 18_000 * 3.75 + 120 * 15) / 1_000_000).toFixed(3)}`);

      const start = await showRequest(first.id);
      assert.ok(start.cache.some((line) => line.startsWith('Cause: first request of the conversation')), start.cache.join('\n'));
      assert.equal(start.segmentLink, undefined, 'no break, no diff link');
    });

    it('the changed segment’s link opens the diff of the request against the one before it', async () => {
      landBreaks();
      const shown = await showRequest(toolBreak.id);
      assert.equal(shown.segmentLink, 'Diff with the request before');
      await request.status({ clickSegment: true });
      const diffs = await waitFor('the diff of the breaking request', () => {
        const found = openDiffs().filter((diff) => diff.right.includes(toolBreak.id));
        return found.length > 0 ? found : undefined;
      });
      assert.ok(diffs.some((diff) => diff.right.includes('tools')), JSON.stringify(diffs));
      // The older side keeps the newer one's path (so the multi-diff editor shows a modification, not a rename) and
      // names its own exchange in the query.
      const exchangeOf = (uri: string) => new URLSearchParams(vscode.Uri.parse(uri).query).get('exchange');
      assert.ok(diffs.every((diff) => exchangeOf(diff.left) === hit.id), `the left side is the request before: ${JSON.stringify(diffs)}`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the skeleton diff opens at the slot that broke the cache, and its hover says how often and what it cost', async () => {
      landBreaks();
      const shown = await showRequest(systemBreak.id);
      assert.ok(shown.cache.includes('Changed segment: system[2] (date) changed'), shown.cache.join('\n'));
      assert.equal(shown.segmentLink, 'Open the skeleton diff at this slot');
      await request.status({ clickSegment: true });
      const skeleton = await waitFor('the skeleton diff', () => {
        const found = openDiffs().find((diff) => diff.left.startsWith('agent-interlude:') && diff.left.includes('skeleton'));
        return found ? vscode.Uri.parse(found.left) : undefined;
      });
      const document = await vscode.workspace.openTextDocument(skeleton);
      const slotLine = document.getText().split('\n').findIndex((line) => line.startsWith('⟪slot '));
      assert.ok(slotLine >= 0, document.getText().slice(0, 2000));
      const text = await eventually('the slot hover', async () => {
        const hover = await hoverText(skeleton, slotLine);
        return hover.includes('prompt cache') ? hover : undefined;
      });
      assert.ok(text.includes('Broke the prompt cache 1 time (9,000 tokens missed), cost $0.031'), text);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the insights "Cache and cost" tab ranks the breaks by cost, by cause, slot and tool, and a row opens the request', async () => {
      landBreaks();
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      await insights.waitFor('the insights page', (s) => s.ready && s.exchanges === 4);
      await insights.status({ tab: 'cache' });
      const shown = await insights.waitFor('the Cache and cost tab', (s) => s.rendered?.tab === 'cache' && (s.rendered.cacheTables?.['Cache breaks by cost']?.length ?? 0) > 0);
      const tables = shown.rendered!.cacheTables!;
      const breaks = tables['Cache breaks by cost']!;
      assert.equal(breaks.length, 2, breaks.join('\n'));
      assert.ok(breaks[0]!.startsWith(`${toolBreak.id} · tools[9] WebSearch (definition changed): `) && breaks[0]!.endsWith(' · tools[9] WebSearch (definition changed) · 16,100 · $0.056'), breaks[0]);
      assert.ok(breaks[1]!.startsWith(`${systemBreak.id} · system[2] (date) changed: `) && breaks[1]!.endsWith(' · system[2] (date) changed · 9,000 · $0.031'), breaks[1]);
      assert.deepEqual(tables['Cache breaks by tool'], ['WebSearch · 1 · 16,100 · $0.056']);
      assert.equal(tables['Cache breaks by prompt slot']?.length, 1);
      assert.match(tables['Cache breaks by prompt slot']![0]!, / · 1 · 9,000 · \$0\.031 · Skeleton diff$/);
      assert.deepEqual(tables['Cache breaks by cause'], ['prefix-changed · 2 · 25,100 · $0.087']);
      assert.equal(tables['Cost by model family']?.length, 1, JSON.stringify(tables['Cost by model family']));
      assert.equal(tables['Context over the conversation']?.length, 4, 'one row per turn');
      await insights.status({ clickBreak: toolBreak.id });
      await request.waitFor('the request panel on the costliest break', (s) => s.ready && s.id === toolBreak.id);
    });
  });
}
