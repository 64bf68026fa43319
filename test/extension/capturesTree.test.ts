// The Captures tree, driven through its hidden snapshot command (a tree view renders only the rows on screen):
// a real request through a port-0 listener shows up labelled; a log another process appends shows up live;
// Copy ID and Reveal in Log.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import type { CapturesTreeSnapshot } from '../../src/extension/views/capturesTree';
import type { RevealedRecord } from '../../src/extension/views/capturesView';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, readCaptureRecords, waitFor, workspaceFolder } from './helpers';
import { post } from './netHelpers';

/** The tree as live updates left it (the command does not refresh unless asked). */
function snapshot(sync = false): Thenable<CapturesTreeSnapshot> {
  return vscode.commands.executeCommand<CapturesTreeSnapshot>('agentInterlude.internal.capturesTree', { sync });
}

type SnapshotExchange = CapturesTreeSnapshot['sessions'][number]['exchanges'][number];

/** Polls the tree until `accept` finds the exchange `id` in it. */
async function waitForExchange(
  id: string,
  accept: (exchange: SnapshotExchange) => boolean,
  timeoutMs = 10_000,
): Promise<{ tree: CapturesTreeSnapshot; session: CapturesTreeSnapshot['sessions'][number]; exchange: SnapshotExchange }> {
  const deadline = Date.now() + timeoutMs;
  let last: CapturesTreeSnapshot | undefined;
  for (;;) {
    last = await snapshot();
    for (const session of last.sessions) {
      const exchange = session.exchanges.find((candidate) => candidate.id === id);
      if (exchange && accept(exchange)) return { tree: last, session, exchange };
    }
    if (Date.now() > deadline) {
      throw new Error(`exchange ${id} did not show as expected within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    }
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

// The original tool's record format (no `schema`), as another process would append it.
function originalRecords(id: string, requestTime: string, responseTime: string): string {
  const request = {
    id,
    kind: 'request',
    ts: requestTime,
    agent: 'codex',
    wire: 'codex-responses',
    method: 'POST',
    path: '/v1/responses',
    headers_kept: { 'content-type': 'application/json' },
    request: { model: 'gpt-from-cli', stream: true, input: [{ role: 'user', content: 'hello from the CLI' }] },
    extract: { system: null, tools: null, messages: [{ role: 'user', content: 'hello from the CLI' }] },
  };
  const response = {
    id,
    kind: 'response',
    ts: responseTime,
    agent: 'codex',
    wire: 'codex-responses',
    status: 500,
    stream: false,
    body: { error: { message: 'boom' } },
    content_type: 'application/json',
  };
  return `${JSON.stringify(request)}\n${JSON.stringify(response)}\n`;
}

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function capturesTreeTests(): void {
  describe('Captures tree', function () {
    let upstream: FakeUpstream;
    let captureDir: string;
    const foreignLog = (): string => join(captureDir, 'log-20260101T000000Z.jsonl');

    before(async () => {
      await activateExtension();
      // The view watches its folder only while it is visible (or Interlude runs), as a person would have it.
      await vscode.commands.executeCommand('agentInterlude.captures.focus');
      upstream = await startFakeUpstream();
      captureDir = join(workspaceFolder(), '.agent-interlude');
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await vscode.workspace.getConfiguration('agentInterlude').update('listeners', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(foreignLog(), { force: true });
      await upstream?.close();
    });

    it('contributes the view, its commands and the session-gap setting', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['agentInterlude.copyId', 'agentInterlude.revealInLog', 'agentInterlude.internal.capturesTree']) {
        assert.ok(commands.includes(id), `command ${id} is registered`);
      }
      assert.equal(vscode.workspace.getConfiguration('agentInterlude').inspect('sessionGapSeconds')?.defaultValue, 30);
      const tree = await snapshot(true);
      assert.equal(tree.dir, captureDir, 'stopped, the tree shows the workspace capture folder');
    });

    it('a real request through a port-0 listener shows in the tree with method, path, model and status', async () => {
      await vscode.workspace
        .getConfiguration('agentInterlude')
        .update('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }], vscode.ConfigurationTarget.Global);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const port = started.listeners[0]?.port ?? 0;
      assert.ok(port > 0, JSON.stringify(started));
      const before = new Set(readCaptureRecords(captureDir).map((record) => record.id));

      const { status } = await post(
        port,
        '/v1/messages?beta=true',
        JSON.stringify({ model: 'claude-tree-test', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      );
      assert.equal(status, 200);
      const id = await waitFor('the new request record', () => {
        const fresh = readCaptureRecords(captureDir).find((record) => record.kind === 'request' && !before.has(record.id));
        return typeof fresh?.id === 'string' ? fresh.id : undefined;
      });

      const shown = Date.now();
      const { tree, session, exchange } = await waitForExchange(id, (candidate) => candidate.outcome === 'ok', 5_000);
      assert.ok(Date.now() - shown < 5_000);
      assert.equal(tree.dir, captureDir);
      // The label is what tells rows apart (time, tokens, model); the shared method and path go to the description.
      assert.match(exchange.label, /^\d\d:\d\d:\d\d · [\d.]+K?→[\d.]+K? · claude-tree-test$/);
      assert.match(exchange.description ?? '', /^\d+(?:\.\d)? m?s · 200 · POST \/v1\/messages$/);
      assert.match(exchange.tooltip, /\*\*Request:\*\*.*POST.*\/v1\/messages/, 'the tooltip keeps the whole request line');
      assert.equal(exchange.icon, 'sparkle', 'the claude icon');
      assert.equal(exchange.color, 'testing.iconPassed');
      assert.equal(exchange.contextValue, 'agentInterlude.exchange');
      assert.equal(tree.sessions[0], session, 'the newest session comes first');
      assert.match(session.label, /^\d\d:\d\d:\d\d · claude · \d+ exchanges?$/);
      assert.equal(session.exchanges[session.exchanges.length - 1]?.id, id, 'the newest exchange ends its session');
      assert.equal(tree.hasCaptures, true);
    });

    it('an exchange’s tooltip has its cost (from the pricing table) and its cache-hit rate; an unknown model is unpriced', async () => {
      await vscode.workspace
        .getConfiguration('agentInterlude')
        .update('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }], vscode.ConfigurationTarget.Global);
      const status = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const port = status.listeners[0]?.port ?? 0;
      assert.ok(port > 0, JSON.stringify(status));
      const ids: string[] = [];
      for (const model of ['claude-haiku-4-5-20251001', 'claude-tree-unpriced']) {
        const before = new Set(readCaptureRecords(captureDir).map((record) => record.id));
        const reply = await post(port, '/v1/messages', JSON.stringify({ model, max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'price me' }] }));
        assert.equal(reply.status, 200);
        ids.push(
          await waitFor('the new exchange', () => {
            const records = readCaptureRecords(captureDir);
            const fresh = records.find((record) => record.kind === 'request' && !before.has(record.id));
            return fresh && records.some((record) => record.kind === 'response' && record.id === fresh.id) ? String(fresh.id) : undefined;
          }),
        );
      }
      const [priced, unknown] = ids as [string, string];
      const response = readCaptureRecords(captureDir).find((record) => record.kind === 'response' && record.id === priced) as {
        reconstructed?: { usage?: { input_tokens?: number; output_tokens?: number } };
      };
      const input = response.reconstructed?.usage?.input_tokens ?? 0;
      const output = response.reconstructed?.usage?.output_tokens ?? 0;
      assert.ok(input > 0 && output > 0, JSON.stringify(response.reconstructed?.usage));
      // MarkdownString.appendText escapes markdown punctuation; read the text as a person sees it.
      const plain = (tooltip: string): string => tooltip.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
      const dollars = (value: number): string => `$${value.toFixed(Math.ceil(-Math.log10(value)) + 1)}`;
      const { exchange } = await waitForExchange(priced, (candidate) => candidate.outcome === 'ok');
      // claude-haiku-4-5: $1 per million input tokens, $5 per million output tokens; nothing read from cache.
      const usd = (input * 1 + output * 5) / 1_000_000;
      const text = plain(exchange.tooltip);
      assert.ok(text.includes(`**Cache hit:** 0% (read 0 of ${input.toLocaleString('en-US')} input tokens; written 0)`), text);
      assert.ok(text.includes(`**Cost:** ${dollars(usd)} (input ${dollars(input / 1_000_000)} · output ${dollars((output * 5) / 1_000_000)})`), text);
      const other = await waitForExchange(unknown, (candidate) => candidate.outcome === 'ok');
      assert.ok(plain(other.exchange.tooltip).includes('**Cost:** unpriced (no price for claude-tree-unpriced in the pricing table'), other.exchange.tooltip);
    });

    it('an exchange still streaming shows pending with a spinning icon, then its outcome', async () => {
      const status = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.internal.status');
      const port = status.listeners[0]?.port ?? 0;
      assert.ok(status.running && port > 0, 'still running from the previous test');
      const before = new Set(readCaptureRecords(captureDir).map((record) => record.id));
      const reply = post(
        port,
        '/v1/messages',
        JSON.stringify({ model: 'claude-slow', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'slow' }] }),
        { 'x-fake-scenario': 'events:30:100' },
      );
      const id = await waitFor('the slow request record', () => {
        const fresh = readCaptureRecords(captureDir).find((record) => record.kind === 'request' && !before.has(record.id));
        return typeof fresh?.id === 'string' ? fresh.id : undefined;
      });
      const pending = await waitForExchange(id, (candidate) => candidate.outcome === 'pending', 2_500);
      assert.equal(pending.exchange.icon, 'loading~spin');
      assert.match(pending.exchange.label, /^\d\d:\d\d:\d\d · claude-slow$/);
      assert.equal(pending.exchange.description, 'streaming… · POST /v1/messages');
      assert.equal((await reply).status, 200);
      const done = await waitForExchange(id, (candidate) => candidate.outcome === 'ok');
      assert.match(done.exchange.description ?? '', / · 200 · POST \/v1\/messages$/);
      assert.equal(done.exchange.icon, 'sparkle');
    });

    it('a log file another process appends to shows up live, in its own session', async () => {
      mkdirSync(captureDir, { recursive: true });
      appendFileSync(foreignLog(), originalRecords('cli000000001', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.400Z'));
      const first = await waitForExchange('cli000000001', () => true);
      assert.match(first.exchange.label, /^\d\d:\d\d:00 · gpt-from-cli$/);
      assert.equal(first.exchange.description, '1.4 s · 500 · POST /v1/responses');
      assert.equal(first.exchange.outcome, 'error');
      assert.equal(first.exchange.icon, 'terminal', 'the codex icon');
      assert.equal(first.exchange.color, 'testing.iconFailed');
      assert.match(first.session.label, /^2026-01-01 \d\d:\d\d:\d\d · codex · 1 exchange$/);

      // Appended later, within the session gap: the same session grows.
      appendFileSync(foreignLog(), originalRecords('cli000000002', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:05.100Z'));
      const second = await waitForExchange('cli000000002', () => true);
      assert.deepEqual(second.session.exchanges.map((exchange) => exchange.id), ['cli000000001', 'cli000000002']);
      assert.match(second.session.label, / · 2 exchanges$/);

      // Stopped, the tree still follows the workspace capture folder the CLI writes to.
      await vscode.commands.executeCommand('agentInterlude.stop');
      appendFileSync(foreignLog(), originalRecords('cli000000003', '2026-01-01T00:00:09.000Z', '2026-01-01T00:00:09.100Z'));
      const third = await waitForExchange('cli000000003', () => true);
      assert.equal(third.tree.dir, captureDir);
      assert.equal(third.session.exchanges.length, 3);
    });

    it('Copy ID puts the exchange id on the clipboard', async () => {
      await vscode.env.clipboard.writeText('');
      const copied = await vscode.commands.executeCommand<string>('agentInterlude.copyId', { kind: 'exchange', id: 'cli000000002' });
      assert.equal(copied, 'cli000000002');
      assert.equal(await vscode.env.clipboard.readText(), 'cli000000002');
    });

    it('Reveal in Log opens the JSONL with the request record’s line selected', async () => {
      const revealed = await vscode.commands.executeCommand<RevealedRecord>('agentInterlude.revealInLog', { id: 'cli000000002' });
      assert.deepEqual(revealed, { path: foreignLog(), line: 2 });
      const editor = await waitFor('the log in an editor', () => {
        const active = vscode.window.activeTextEditor;
        return active?.document.uri.fsPath === foreignLog() ? active : undefined;
      });
      assert.equal(editor.selection.start.line, 2);
      assert.equal(editor.selection.start.character, 0);
      const selected = JSON.parse(editor.document.getText(editor.selection)) as Record<string, unknown>;
      assert.equal(selected.id, 'cli000000002');
      assert.equal(selected.kind, 'request');
    });

    it('stays quick with thousands of exchanges appended at once', async () => {
      const bulkLog = join(captureDir, 'log-20250101T000000Z.jsonl');
      try {
        const lines: string[] = [];
        const base = Date.parse('2025-01-01T00:00:00.000Z');
        // 5000 exchanges, a new session every 100 (a minute apart).
        for (let at = 0; at < 5000; at++) {
          const time = base + Math.floor(at / 100) * 3_600_000 + (at % 100) * 1000;
          lines.push(originalRecords(`bulk${String(at).padStart(8, '0')}`, new Date(time).toISOString(), new Date(time + 500).toISOString()));
        }
        const started = Date.now();
        appendFileSync(bulkLog, lines.join(''));
        const last = await waitForExchange('bulk00004999', () => true);
        const shownMs = Date.now() - started;
        assert.ok(shownMs < 5_000, `shown after ${shownMs} ms`);
        const bulkSessions = last.tree.sessions.filter((session) => session.exchanges[0]?.id.startsWith('bulk'));
        assert.equal(bulkSessions.length, 50);
        assert.ok(bulkSessions.every((session) => session.exchanges.length === 100));
        // A refresh of the idle folder reads nothing again.
        const quiet = Date.now();
        await snapshot(true);
        assert.ok(Date.now() - quiet < 1_000, `an idle refresh took ${Date.now() - quiet} ms`);
      } finally {
        rmSync(bulkLog, { force: true });
      }
    });
  });
}
