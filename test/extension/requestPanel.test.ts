// Open Request: a real request through a port-0 listener → its record → the request panel shows it (one webview
// tab, reused for the next request), and the page has said `ready` and received the exchange.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import type { RequestPanelStatus } from '../../src/extension/panels/requestPanel';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, readCaptureRecords, waitFor, workspaceFolder } from './helpers';
import { CLAUDE_BODY, post } from './netHelpers';

function panelStatus(action?: object): Thenable<RequestPanelStatus> {
  return vscode.commands.executeCommand<RequestPanelStatus>('agentInterlude.internal.requestPanel', action);
}

async function waitForPanel(what: string, accept: (status: RequestPanelStatus) => boolean): Promise<RequestPanelStatus> {
  const deadline = Date.now() + 30_000;
  let last: RequestPanelStatus | undefined;
  for (;;) {
    last = await panelStatus();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(last)}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

function requestTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('agentInterlude.request'));
}

/** Sends one streamed Messages request with a model name of its own and returns its record id. */
async function captureOne(port: number, captureDir: string, model: string, content: string): Promise<string> {
  const { status } = await post(
    port,
    '/v1/messages',
    JSON.stringify({
      model,
      max_tokens: 8,
      stream: true,
      system: [{ type: 'text', text: 'You are a test.' }],
      tools: [{ name: 'Bash', description: 'Runs a command', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content }],
    }),
  );
  assert.equal(status, 200);
  return waitFor(`the ${model} exchange in the log`, () => {
    const records = readCaptureRecords(captureDir);
    const request = records.find((record) => record.kind === 'request' && (record.request as { model?: unknown })?.model === model);
    if (!request) return undefined;
    return records.some((record) => record.kind === 'response' && record.id === request.id) ? String(request.id) : undefined;
  });
}

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function requestPanelTests(): void {
  describe('Open Request panel', function () {
    let upstream: FakeUpstream;
    let port = 0;
    let captureDir = '';

    before(async () => {
      await activateExtension();
      upstream = await startFakeUpstream();
      await vscode.workspace
        .getConfiguration('agentInterlude')
        .update('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }], vscode.ConfigurationTarget.Global);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      assert.equal(started.running, true, JSON.stringify(started));
      port = started.listeners[0].port ?? 0;
      captureDir = join(workspaceFolder(), '.agent-interlude');
    });

    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('agentInterlude.stop');
      await vscode.workspace.getConfiguration('agentInterlude').update('listeners', undefined, vscode.ConfigurationTarget.Global);
      await upstream?.close();
    });

    it('is contributed, and the internal status says closed before anything opens', async () => {
      const commands = await vscode.commands.getCommands(true);
      assert.ok(commands.includes('agentInterlude.openRequest'));
      assert.ok(commands.includes('agentInterlude.internal.requestPanel'));
      const status = await panelStatus();
      assert.equal(status.open, false);
      assert.equal(status.ready, false);
    });

    it('opens a captured exchange by id in a webview tab, and the page receives it', async () => {
      const id = await captureOne(port, captureDir, 'panel-first', '<img src=x onerror="alert(1)"> hello');
      await vscode.commands.executeCommand('agentInterlude.openRequest', { id });
      const status = await waitForPanel('the panel to be ready with the first exchange', (s) => s.ready && s.id === id);
      assert.equal(status.open, true);
      assert.equal(status.title, 'Request: POST /v1/messages');
      const tabs = requestTabs();
      assert.equal(tabs.length, 1, `one request panel tab: ${JSON.stringify(tabs.map((tab) => tab.label))}`);
      assert.equal(tabs[0].label, status.title);
    });

    it('opening another exchange reuses the same panel', async () => {
      const first = await panelStatus();
      assert.equal(first.open, true);
      const id = await captureOne(port, captureDir, 'panel-second', 'second request');
      assert.notEqual(id, first.id);
      await vscode.commands.executeCommand('agentInterlude.openRequest', id);
      const status = await waitForPanel('the panel to show the second exchange', (s) => s.ready && s.id === id);
      assert.equal(status.open, true);
      assert.equal(requestTabs().length, 1, 'still one request panel tab');
      assert.equal(requestTabs()[0].label, status.title);
    });

    it('an exchange opened while it streams is shown again, complete, when its response lands', async () => {
      const before = new Set(readCaptureRecords(captureDir).map((record) => record.id));
      // Three seconds of events: the request record lands at once, the response record at the end.
      const reply = post(port, '/v1/messages', CLAUDE_BODY, { 'x-fake-scenario': 'events:30:100' });
      const id = await waitFor('the streaming request record', () => {
        const fresh = readCaptureRecords(captureDir).find((record) => record.kind === 'request' && !before.has(record.id));
        return typeof fresh?.id === 'string' ? fresh.id : undefined;
      });
      await vscode.commands.executeCommand('agentInterlude.openRequest', { id });
      const pending = await waitForPanel('the panel on the streaming exchange', (s) => s.ready && s.id === id);
      assert.equal(pending.pending, true, `opened while streaming: ${JSON.stringify(pending)}`);
      assert.equal((await reply).status, 200);
      // No command: the panel follows the capture.
      const done = await waitForPanel('the panel to show the finished exchange', (s) => s.ready && s.id === id && s.pending === false);
      assert.equal(done.open, true);
    });

    it('shows the Cache and Cost sections: figures from the usage, the cost from the pricing table, unpriced for an unknown model', async () => {
      // A model the shipped table prices (family claude-sonnet-4-5), and one it does not know.
      const priced = await captureOne(port, captureDir, 'claude-sonnet-4-5-20250929', 'what does this cost?');
      await vscode.commands.executeCommand('agentInterlude.openRequest', { id: priced });
      const shown = await waitForPanel('the Cache and Cost sections of a priced exchange', (s) => s.ready && s.id === priced && s.explain !== undefined);
      const record = readCaptureRecords(captureDir).find((r) => r.kind === 'response' && r.id === priced) as { reconstructed?: { usage?: Record<string, number> } };
      const usage = record.reconstructed?.usage ?? {};
      const input = usage.input_tokens ?? 0;
      const output = usage.output_tokens ?? 0;
      assert.ok(input > 0 && output > 0, `the fake upstream reports usage: ${JSON.stringify(usage)}`);
      const lines = shown.explain!.cache;
      assert.ok(lines.includes(`Uncached input: ${input.toLocaleString('en-US')} tokens`), lines.join('\n'));
      assert.ok(lines.includes('Read from cache: 0 tokens'), lines.join('\n'));
      assert.ok(lines.includes('Cache hit: 0%'), lines.join('\n'));
      // claude-sonnet-4-5: $3 per million input tokens, $15 per million output tokens.
      const usd = (input * 3 + output * 15) / 1_000_000;
      assert.equal(shown.explain!.cost, `$${usd.toFixed(usd < 0.01 ? Math.ceil(-Math.log10(usd)) + 1 : 3)}`);

      const unknown = await captureOne(port, captureDir, 'panel-unpriced-model', 'and this?');
      await vscode.commands.executeCommand('agentInterlude.openRequest', { id: unknown });
      const unpriced = await waitForPanel('the Cost section of an unpriced exchange', (s) => s.ready && s.id === unknown && s.explain !== undefined);
      assert.match(unpriced.explain!.cost, /^unpriced \(no price for panel-unpriced-model in the pricing table/);
    });

    it('an unknown id still answers (the page says it is missing) and closing the tab closes the panel', async () => {
      await vscode.commands.executeCommand('agentInterlude.openRequest', { id: 'no-such-exchange' });
      const status = await waitForPanel('the panel to answer for an unknown id', (s) => s.ready && s.id === 'no-such-exchange');
      assert.equal(status.title, 'Request no-such-exchange');
      assert.equal(requestTabs().length, 1);
      await vscode.window.tabGroups.close(requestTabs());
      const closed = await waitForPanel('the panel to close', (s) => !s.open);
      assert.equal(closed.ready, false);
    });
  });
}
