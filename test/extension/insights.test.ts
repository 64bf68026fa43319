// Open Insights: two agents in the original's record format written into a capture folder of their own; the
// panel opens as one tab and the page reports the figures it drew (per-agent requests, model-family rows, tool
// rows, invocation rows, graph nodes), which match the analysis of the fixture; an appended capture updates them
// live; a hostile tool name and hostile inputs render as inert text.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InsightsStatus } from '../../src/extension/panels/insightsPanel';
import type { InterludeStatus } from '../../src/extension/extension';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { CLAUDE_BODY, post, setSetting } from './netHelpers';
import { activateExtension, assertInternalCommand, claudeExchangeLines, dropCaptureFolder, hideBehindFile, panelDriver, useCaptureFolder, waitForCommand, webviewTabs } from './helpers';

const ALPHA = 'insightsalpha';
const BETA = 'insightsbeta';
const HOSTILE_TOOL = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_INPUT = ['<script>window.__pwned=1</script>', '</style><a href="javascript:window.__pwned=1">x</a>', 'bidi \u202Eevil\u202C zero\u200Bwidth'].join(' ');

interface Options {
  agent: string;
  model: string;
  tools: string[];
  use?: { name: string; input: unknown };
}

function exchange(id: string, at: number, options: Options): string {
  const content: unknown[] = [{ type: 'text', text: 'ok' }];
  if (options.use) content.push({ type: 'tool_use', id: `toolu_${id}`, name: options.use.name, input: options.use.input });
  return claudeExchangeLines({
    id,
    at,
    agent: options.agent,
    model: options.model,
    system: [{ type: 'text', text: `You are ${options.agent}.\nAlways answer briefly.` }],
    tools: options.tools.map((name) => ({ name, description: `${name} tool`, input_schema: { type: 'object', properties: { command: { type: 'string' } } } })),
    messages: [{ role: 'user', content: [{ type: 'text', text: `task ${id}` }] }],
    content,
    stopReason: options.use ? 'tool_use' : 'end_turn',
    usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 100 },
    roundTripMs: 300,
  });
}

const page = panelDriver<InsightsStatus>('agentInterlude.internal.insights', 'agentInterlude.insights');
const insights = page.status;
const waitForInsights = page.waitFor;
const probe = page.probe;
const insightsTabs = page.tabs;

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function insightsTests(): void {
  describe('Insights panel', function () {
    this.timeout(120_000);
    let dir = '';
    const log = (): string => join(dir, 'log-20260401T090000Z-insights.jsonl');
    const base = Date.parse('2026-04-01T09:00:00.000Z');

    before(async () => {
      await activateExtension();
      dir = mkdtempSync(join(tmpdir(), 'interlude-insights-'));
      const parts: string[] = [];
      // 5 s apart: one session under the default 30 s gap. Alpha: 6 requests offering Bash and a hostile tool; every other response invokes the hostile one.
      for (let index = 0; index < 6; index++) {
        const use = index % 2 === 0 ? { name: HOSTILE_TOOL, input: { command: HOSTILE_INPUT } } : { name: 'Bash', input: { command: 'ls' } };
        parts.push(exchange(`ia${index}`, base + index * 5_000, { agent: ALPHA, model: 'claude-insights-one-20250101', tools: ['Bash', HOSTILE_TOOL], use }));
      }
      // Beta: 3 requests offering Read, another model family, no tool calls.
      for (let index = 0; index < 3; index++) {
        parts.push(exchange(`ib${index}`, base + (10 + index) * 5_000, { agent: BETA, model: 'claude-insights-two', tools: ['Read'] }));
      }
      writeFileSync(log(), parts.join(''));
      await useCaptureFolder(dir);
    });

    after(() => dropCaptureFolder(dir));

    it('is contributed; the internal status command stays out of the palette', async () => {
      assert.ok((await vscode.commands.getCommands(true)).includes('agentInterlude.openInsights'));
      await assertInternalCommand('agentInterlude.internal.insights');
      assert.equal((await insights()).open, false);
    });

    it('opens one webview tab whose page shows the fixture’s figures', async () => {
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      const status = await waitForInsights('the figures drawn', (s) => s.ready && s.rendered !== undefined && s.exchanges === 9, 60_000);
      const rendered = status.rendered!;
      assert.deepEqual(rendered.agentRequests, { [ALPHA]: 6, [BETA]: 3 });
      assert.equal(rendered.familyRows, 2, 'two model families');
      assert.equal(rendered.toolRows, 3, 'Bash and the hostile tool for alpha, Read for beta');
      assert.equal(rendered.tab, 'overview');
      assert.equal(rendered.graphNodes, 9, 'the graph draws the one session (5 s apart, under the default gap)');
      assert.equal(insightsTabs().length, 1);
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      assert.equal(insightsTabs().length, 1, 'opening again reuses the panel');
    });

    it('updates the figures live when a capture lands', async () => {
      appendFileSync(log(), exchange('ib-live', base + 13 * 5_000, { agent: BETA, model: 'claude-insights-three', tools: ['Read'] }));
      const status = await waitForInsights('the appended exchange', (s) => s.exchanges === 10 && s.rendered?.agentRequests[BETA] === 4);
      assert.equal(status.rendered?.agentRequests[ALPHA], 6);
      assert.equal(status.rendered?.familyRows, 3, 'the new model family has its row');
      assert.equal(status.rendered?.graphNodes, 10, 'the new exchange joins the session in the graph');
    });

    it('renders a hostile tool name and hostile inputs as inert text', async () => {
      const baseline = await probe();
      assert.equal(baseline.pwned, false);
      await insights({ expandTool: { agent: ALPHA, tool: HOSTILE_TOOL } });
      const status = await waitForInsights('the invocation log', (s) => s.rendered?.tab === 'tools' && s.rendered.invocationRows === 3);
      assert.equal(status.rendered?.toolRows, 3);
      // Give an injected handler (onerror of a broken image) the time to run, had anything been parsed as markup.
      await new Promise((resolveTick) => setTimeout(resolveTick, 500));
      const after = await probe();
      assert.equal(after.pwned, false, 'no captured script or handler ran');
      assert.equal(after.scripts, baseline.scripts, 'no script element came from captured text');
    });

    it('a conversation graph node opens its request in the request panel', async () => {
      await insights({ clickGraphNode: 'ib1' });
      const panel = await waitForCommand<{ open: boolean; id?: string; ready: boolean }>(
        'agentInterlude.internal.requestPanel',
        'the request panel on ib1',
        (s) => s.open && s.id === 'ib1' && s.ready,
      );
      assert.equal(panel.id, 'ib1');
      await vscode.window.tabGroups.close(webviewTabs('agentInterlude.request'));
      // Back to the insights tab for what follows, once its page has drawn the figures again.
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      await waitForInsights('the insights page drawn again', (s) => s.ready && s.rendered !== undefined);
    });

    it('the overview’s tool counts open the Tools tab at that agent’s definitions', async () => {
      await insights({ tab: 'overview', followToolsLink: BETA });
      const status = await waitForInsights('the tools tab focused on beta', (s) => s.rendered?.tab === 'tools' && s.rendered.focusedAgent !== undefined);
      assert.equal(status.rendered?.focusedAgent, BETA);
      await insights({ tab: 'overview', followToolsLink: ALPHA });
      await waitForInsights('the tools tab focused on alpha', (s) => s.rendered?.tab === 'tools' && s.rendered.focusedAgent === ALPHA);
    });

    it('keeps the tab and the open tool entries when the panel is hidden and shown again', async () => {
      await waitForInsights('the hostile tool still open', (s) => s.rendered?.tab === 'tools' && s.rendered.invocationRows === 3);
      const unhide = await hideBehindFile(insightsTabs()[0], join(dir, 'note.txt'));
      await waitForInsights('the panel to be hidden', (s) => s.open && !s.ready && s.rendered === undefined);
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      // The open entry asks for its invocations again, so the log is drawn anew.
      const status = await waitForInsights('the page drawn again', (s) => s.ready && s.rendered?.tab === 'tools' && s.rendered.invocationRows === 3);
      assert.equal(status.rendered?.toolRows, 3);
      await unhide();
    });

    it('closing the tab closes the panel', async () => {
      await vscode.window.tabGroups.close(insightsTabs());
      const status = await waitForInsights('the panel to close', (s) => !s.open);
      assert.equal(status.ready, false);
    });
  });

  describe('Insights while Interlude relays', function () {
    this.timeout(120_000);
    let upstream: FakeUpstream;
    let captureDir = '';
    const foreignLog = (): string => join(captureDir, 'log-20260402T090000Z-insights-foreign.jsonl');

    before(async () => {
      await activateExtension();
      upstream = await startFakeUpstream();
      await setSetting('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }]);
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await setSetting('listeners', undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      if (captureDir) rmSync(foreignLog(), { force: true });
      await upstream?.close();
    });

    it('recomputes while an exchange streams (the relay has its own thread), and the stream runs to its end', async () => {
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const port = started.listeners[0]?.port ?? 0;
      assert.ok(started.running && port > 0, JSON.stringify(started));
      captureDir = started.captureDir ?? '';
      await vscode.commands.executeCommand('agentInterlude.openInsights');
      const before = (await waitForInsights('the figures of the running folder', (s) => s.ready && s.rendered !== undefined, 60_000)).exchanges;
      // A four-second stream (40 events 100 ms apart); meanwhile another process appends a whole exchange.
      let replied = false;
      const reply = post(port, '/v1/messages', CLAUDE_BODY, { 'x-fake-scenario': 'events:40:100' }).finally(() => (replied = true));
      await new Promise((resolveTick) => setTimeout(resolveTick, 500));
      appendFileSync(foreignLog(), exchange('ifr-foreign', Date.now(), { agent: BETA, model: 'claude-insights-two', tools: ['Read'] }));
      await waitForInsights('a recompute with the appended exchange', (s) => s.exchanges >= before + 1, 3_000);
      assert.equal(replied, false, 'the figures were recomputed while the stream was still relaying');
      const answer = await reply;
      assert.equal(answer.status, 200);
      assert.equal((answer.text.match(/"type":"content_block_delta"/g) ?? []).length, 40, 'every event of the stream arrived');
      const after = await waitForInsights('the figures caught up', (s) => s.exchanges >= before + 2, 10_000);
      assert.equal(after.exchanges, before + 2, 'the streamed exchange and the appended one');
    });
  });
}
