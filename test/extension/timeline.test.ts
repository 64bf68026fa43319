// Open Timeline: ~3000 exchanges in the original's record format (two sessions, every 100th invoking Bash) written
// into a capture folder of its own, the panel opens and the page draws only the rows in view; one appended capture
// shows up live; the tool and time-range filters narrow the list; a capture full of hostile text is searched and
// expanded in the real webview and runs nothing; filters and expanded halves survive hiding the panel. A query
// typed over one whose scan still streams hits: the old scan is cancelled and none of its hits is shown.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CapturesTreeSnapshot } from '../../src/extension/views/capturesTree';
import type { TimelineStatus } from '../../src/extension/panels/timelinePanel';
import { activateExtension, assertInternalCommand, claudeExchangeLines, dropCaptureFolder, hideBehindFile, panelDriver, useCaptureFolder } from './helpers';

const AGENT = 'timelinetest';
const COUNT = 3000;
const HOSTILE_INDEX = 1500;
const HOSTILE = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '</style><a href="javascript:window.__pwned=1">click</a>',
  'bidi \u202Eevil\u202C and zero\u200Bwidth\u200D\uFEFF',
].join(' ');

const TOOL_EVERY = 100;

/** A spoofed file name as a model name: shown as captured it reads `report-exe.png`, though it holds `report-gnp.exe`. */
const SPOOFED_MODEL = 'report-\u202Egnp.exe';

function exchange(id: string, at: number, prompt: string, answer: string, tool?: string, model = 'claude-timeline-test'): string {
  return claudeExchangeLines({
    id,
    at,
    agent: AGENT,
    model,
    system: [{ type: 'text', text: 'You are a timeline test.' }],
    tools: [{ name: 'Bash', description: 'Runs a command', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    content: [{ type: 'text', text: answer }, ...(tool ? [{ type: 'tool_use', id: `toolu_${id}`, name: tool, input: { command: 'ls' } }] : [])],
    stopReason: tool ? 'tool_use' : 'end_turn',
    usage: { input_tokens: 10, output_tokens: 2 },
  });
}

const page = panelDriver<TimelineStatus>('agentInterlude.internal.timeline', 'agentInterlude.timeline');
const timeline = page.status;
const waitForTimeline = page.waitFor;
const probe = page.probe;
const timelineTabs = page.tabs;

const hostileId = `tl${String(HOSTILE_INDEX).padStart(6, '0')}`;

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function timelineTests(): void {
  describe('Timeline panel', function () {
    this.timeout(120_000);
    let dir = '';
    const log = (): string => join(dir, 'log-20260301T090000Z-timeline.jsonl');
    const base = Date.parse('2026-03-01T09:00:00.000Z');

    before(async () => {
      await activateExtension();
      dir = mkdtempSync(join(tmpdir(), 'interlude-timeline-'));
      const parts: string[] = [];
      for (let index = 0; index < COUNT; index++) {
        // Two sessions: a two-hour pause after the first half.
        const at = base + index * 1000 + (index >= COUNT / 2 ? 2 * 3_600_000 : 0);
        const id = `tl${String(index).padStart(6, '0')}`;
        const tool = index % TOOL_EVERY === 0 ? 'Bash' : undefined;
        if (index === HOSTILE_INDEX) parts.push(exchange(id, at, `${HOSTILE} ${'A'.repeat(1_000_000)}`, `${HOSTILE} answered`, tool, SPOOFED_MODEL));
        else parts.push(exchange(id, at, `task number ${index}`, `done ${index}`, tool));
      }
      writeFileSync(log(), parts.join(''));
      await useCaptureFolder(dir);
    });

    after(() => dropCaptureFolder(dir));

    it('is contributed; the internal status command stays out of the palette', async () => {
      assert.ok((await vscode.commands.getCommands(true)).includes('agentInterlude.openTimeline'));
      await assertInternalCommand('agentInterlude.internal.timeline');
      const status = await timeline();
      assert.equal(status.open, false);
    });

    it('opens one webview tab with 3000 rows in two sessions and draws only the rows in view', async () => {
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      const status = await waitForTimeline('3000 rows drawn', (s) => s.ready && s.rows === COUNT && s.rendered > 0, 60_000);
      assert.equal(status.open, true);
      assert.equal(status.sessions, 2);
      assert.ok(status.rendered < 200, `virtualized: ${status.rendered} row elements drawn for ${status.rows} rows`);
      assert.equal(timelineTabs().length, 1);
      // Opening again reuses the panel.
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      assert.equal(timelineTabs().length, 1);
      assert.ok(status.firstPaintMs !== undefined && status.firstPaintMs > 0, `the first paint is timed: ${JSON.stringify(status)}`);
    });

    it('keeps the DOM to the rows in view while scrolling through all of them', async () => {
      await timeline({ sweep: 20 });
      const { sweep } = await waitForTimeline('the sweep figures', (s) => s.sweep !== undefined);
      assert.ok(sweep, 'the page reports its sweep');
      assert.equal(sweep.steps, 20);
      // ~20 rows in view plus overscan, a few elements each: far below one element per exchange.
      assert.ok(sweep.maxElements < 1_000, `${sweep.maxElements} elements for ${COUNT} exchanges`);
      assert.ok(sweep.renderMs.max > 0 && sweep.frameMs.p50 > 0, JSON.stringify(sweep));
    });

    it('shows an appended capture live, keeping the scroll position', async () => {
      await timeline({ scroll: 50_000 });
      const before = await probe();
      assert.equal(before.state.scrollTop, 50_000, 'the list scrolled');
      appendFileSync(log(), exchange('tl-appended', base + COUNT * 1000 + 2 * 3_600_000, 'one more', 'ok'));
      const status = await waitForTimeline('the appended row', (s) => s.rows === COUNT + 1);
      assert.equal(status.sessions, 2);
      assert.ok(status.rendered > 0 && status.rendered < 200, `still virtualized: ${status.rendered}`);
      // Give the page the time to take the appended row in.
      await new Promise((resolveTick) => setTimeout(resolveTick, 300));
      assert.equal((await probe()).state.scrollTop, 50_000, 'the new row landed below; the view stayed where it was');
    });

    it('filters by the tool invoked and by a time range, alone and together', async () => {
      const all = COUNT + 1;
      const secondSession = base + (COUNT / 2) * 1000 + 2 * 3_600_000;
      await timeline({ filter: { tool: 'Bash' } });
      let status = await waitForTimeline('only the exchanges that invoked Bash', (s) => s.shown === COUNT / TOOL_EVERY);
      assert.ok(status.rendered > 0 && status.rendered <= COUNT / TOOL_EVERY, JSON.stringify(status));
      // The second session's first ten minutes: 600 exchanges one second apart, both ends inclusive.
      await timeline({ filter: { tool: '', from: secondSession, to: secondSession + 599_000 } });
      await waitForTimeline('the ten-minute range', (s) => s.shown === 600);
      // Together: exchanges 1500, 1600, … 2000 invoked Bash in that range.
      await timeline({ filter: { tool: 'Bash' } });
      await waitForTimeline('Bash within the range', (s) => s.shown === 6);
      const { state } = await probe();
      assert.deepEqual([state.tool, state.from, state.to], ['Bash', secondSession, secondSession + 599_000], 'the page keeps the filters in its state');
      await timeline({ filter: { tool: '', from: null, to: null } });
      status = await waitForTimeline('every exchange again', (s) => s.shown === all);
      assert.ok(status.rendered < 200, `still virtualized: ${status.rendered}`);
    });

    it('searches and expands a hostile capture as inert text', async () => {
      const baseline = await probe();
      assert.equal(baseline.pwned, false);
      await timeline({ search: 'pwned' });
      const searched = await waitForTimeline('the search result', (s) => s.lastSearch?.query === 'pwned');
      assert.equal(searched.lastSearch?.matches, 1);
      assert.ok(searched.lastSearch?.firstMs !== undefined && searched.lastSearch.ms !== undefined, `the search is timed: ${JSON.stringify(searched.lastSearch)}`);
      await waitForTimeline('the filtered list', (s) => s.rendered === 1);
      await timeline({ expand: { id: hostileId, half: 'request' } });
      await timeline({ expand: { id: hostileId, half: 'response' } });
      await waitForTimeline('both halves drawn', (s) => s.expanded === 2);
      // Give an injected handler (onerror of a broken image) the time to run, had anything been parsed as markup.
      await new Promise((resolveTick) => setTimeout(resolveTick, 500));
      const after = await probe();
      assert.equal(after.pwned, false, 'no captured script or handler ran');
      assert.equal(after.scripts, baseline.scripts, 'no script element came from captured text');
      assert.ok(after.highlights >= 1, `the snippet highlights the match: ${JSON.stringify(after)}`);
      assert.ok(after.detailsShown >= 4, `the expanded halves show their sections: ${JSON.stringify(after)}`);
      // The capture's U+202E (and zero-width characters) never reach the page's text: each shows as a marker, in
      // the snippet and in both expanded halves, so what is shown reads in the order it was captured.
      assert.equal(after.bidiControls, 0, `no bidi control or zero-width character in the page's text: ${JSON.stringify(after)}`);
      assert.ok(after.bidiMarked >= 3, `the row label and both halves show the marker: ${JSON.stringify(after)}`);
      assert.equal(after.bidiIsolated, true, 'each captured-text element is isolated');
    });

    it('shows a spoofed name in its stored order in the Captures tree and the diff documents too', async () => {
      const tree = await vscode.commands.executeCommand<CapturesTreeSnapshot>('agentInterlude.internal.capturesTree');
      const row = tree.sessions.flatMap((session) => session.exchanges).find((entry) => entry.id === hostileId);
      assert.ok(row, 'the hostile exchange is in the tree');
      assert.ok(row.label.endsWith('report-⟨U+202E RLO⟩gnp.exe'), row.label);
      for (const shown of [row.label, row.description ?? '']) {
        assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/.test(shown), `no control in the row: ${JSON.stringify(shown)}`);
      }
      const document = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'agent-interlude', path: `/exchange/${hostileId}/messages.txt` }));
      const text = document.getText();
      assert.ok(text.includes('bidi ⟨U+202E RLO⟩evil⟨U+202C PDF⟩ and zero⟨U+200B ZWSP⟩width'), text.slice(0, 400));
      assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/.test(text), 'no control in the diff document');
    });

    it('keeps the search filter and expanded halves when new captures arrive', async () => {
      appendFileSync(log(), exchange('tl-appended-2', base + (COUNT + 1) * 1000 + 2 * 3_600_000, 'unrelated', 'ok'));
      await waitForTimeline('the second appended row', (s) => s.rows === COUNT + 2);
      // Give the page time to draw the new list: it must still show only the one match, both halves open.
      await new Promise((resolveTick) => setTimeout(resolveTick, 500));
      const status = await timeline();
      assert.equal(status.rendered, 1, JSON.stringify(status));
      assert.equal(status.expanded, 2, JSON.stringify(status));
    });

    it('keeps filters, expanded halves and the time range when the panel is hidden and shown again', async () => {
      const from = base + (COUNT / 2) * 1000 + 2 * 3_600_000;
      await timeline({ filter: { from, to: from + 3_600_000 } });
      await waitForTimeline('the range with the search', (s) => s.shown === 1 && s.expanded === 2);
      // Another editor in the same group hides the webview; its page is discarded (retainContextWhenHidden off).
      const unhide = await hideBehindFile(timelineTabs()[0], join(dir, 'note.txt'));
      await waitForTimeline('the panel to be hidden', (s) => s.open && !s.ready);
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      // The restored query runs again, so the list narrows to the one match once its result is back.
      const status = await waitForTimeline('the filtered page drawn again', (s) => s.ready && s.rows === COUNT + 2 && s.shown === 1 && s.expanded === 2);
      assert.equal(status.rendered, 1, JSON.stringify(status));
      const { state } = await probe();
      assert.equal(state.query, 'pwned');
      assert.deepEqual([state.from, state.to], [from, from + 3_600_000]);
      assert.deepEqual([...(state.expanded ?? [])].sort(), [`request|${hostileId}`, `response|${hostileId}`]);
      await unhide();
    });

    it('closing the tab closes the panel', async () => {
      await vscode.window.tabGroups.close(timelineTabs());
      const status = await waitForTimeline('the panel to close', (s) => !s.open);
      assert.equal(status.ready, false);
    });
  });

  describe('Timeline search: a replaced query', function () {
    this.timeout(120_000);
    let dir = '';
    const base = Date.parse('2026-03-02T09:00:00.000Z');
    /** The query replaced mid-scan, and the one typed over it. */
    const OLD = 'über alpha';
    const NEW = 'betaword';
    const STALE_COUNT = 150;
    const NEW_EVERY = 25;
    const newIds: string[] = [];

    before(async () => {
      await activateExtension();
      dir = mkdtempSync(join(tmpdir(), 'interlude-stale-search-'));
      // A small log (~7 MB) whose search for OLD takes seconds: each prompt is ~24 KB of "ñber alpha", where every
      // anchor ("alpha") needs its text decoded (a letter outside ASCII in the place of the query's: another case
      // of it, as far as the bytes tell) and does not match; each ends with OLD, or with NEW (every 25th).
      const filler = 'ñber alpha '.repeat(2_000);
      const parts: string[] = [];
      for (let index = 0; index < STALE_COUNT; index++) {
        const id = `st${String(index).padStart(5, '0')}`;
        const hasNew = index % NEW_EVERY === 0;
        if (hasNew) newIds.push(id);
        parts.push(exchange(id, base + index * 1000, `${filler}then ${hasNew ? `${NEW} once` : `${OLD} once`}`, 'ok'));
      }
      writeFileSync(join(dir, 'log-20260302T090000Z-stale.jsonl'), parts.join(''));
      await useCaptureFolder(dir);
    });

    after(() => dropCaptureFolder(dir));

    it('drops the hits of a query replaced while its scan streams: only the new query\'s rows and count are shown', async () => {
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      await waitForTimeline('the rows drawn', (s) => s.ready && s.rows === STALE_COUNT && s.rendered > 0, 60_000);
      await timeline({ search: OLD });
      // The old query's scan is under way and its hits are reaching the page.
      const streaming = await waitForTimeline('the old query streaming hits', (s) => (s.searches ?? []).some((entry) => entry.query === OLD && entry.posted >= 2), 60_000);
      const oldRun = streaming.searches?.find((entry) => entry.query === OLD);
      assert.equal(oldRun?.outcome, undefined, `the old query's scan still runs when the query changes (a bigger log is needed otherwise): ${JSON.stringify(streaming.searches)}`);
      const shownBefore = (await probe()).searchTrace?.applied.filter((entry) => entry.query === OLD).length ?? 0;
      assert.ok(shownBefore >= 1, 'the page showed some of the old query\'s hits');

      await timeline({ search: NEW });
      const done = await waitForTimeline('the new query done', (s) => s.lastSearch?.query === NEW, 60_000);
      assert.equal(done.lastSearch?.matches, newIds.length);
      await waitForTimeline('only the new query\'s rows', (s) => s.shown === newIds.length);
      // The host stopped the old scan rather than letting it run on to the end.
      await waitForTimeline('the old scan ended', (s) => s.searches?.find((entry) => entry.query === OLD)?.outcome !== undefined);
      assert.equal((await timeline()).searches?.find((entry) => entry.query === OLD)?.outcome, 'cancelled', 'the old query\'s scan was cancelled');

      // A batch of the old query still on its way when the new query was typed: the page drops it.
      await timeline({ staleHits: { query: OLD, ids: ['st00001', 'st00002'] } });
      await new Promise((resolveTick) => setTimeout(resolveTick, 500));
      const after = await probe();
      const trace = after.searchTrace;
      assert.ok(trace, 'the page reports its search trace');
      // No batch of hits was shown for a query other than the one searched when it came.
      const foreign = trace.applied.filter((entry) => entry.query !== entry.current);
      assert.deepEqual(foreign, [], 'no hit of another query was shown');
      // Once the new query's first batch came, the host sent nothing more for the old one (the injected batch aside).
      const firstNew = trace.received.findIndex((entry) => entry.query === NEW);
      assert.ok(firstNew >= 0, 'the new query\'s hits came');
      const lateOld = trace.received.slice(firstNew).filter((entry) => entry.query === OLD);
      assert.equal(lateOld.length, 1, `after the new query's first batch only the injected old batch came: ${JSON.stringify(trace.received.slice(firstNew))}`);
      const status = await timeline();
      assert.equal(status.shown, newIds.length, 'the rows shown are the new query\'s');
      assert.equal(status.rendered, newIds.length);
      assert.ok(after.summary?.includes(`${newIds.length} matches`), `the count shown is the new query's: ${after.summary}`);
      assert.equal(after.state.query, NEW);
      await vscode.window.tabGroups.close(timelineTabs());
      await waitForTimeline('the panel to close', (s) => !s.open);
    });
  });
}
