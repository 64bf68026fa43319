// Terminal wiring, Copy Agent Setup, the status bar's capture count, port fallback, Analyze Captures and
// Open Capture Folder, each against real listeners in the extension host.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, interludeStatus, readCaptureRecords, waitFor, workspaceFolder } from './helpers';
import { CLAUDE_BODY, closeServer, listen, post, setSetting } from './netHelpers';

async function statusWhen(what: string, ok: (status: InterludeStatus) => boolean): Promise<InterludeStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await interludeStatus();
    if (ok(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

export function wiringTests(): void {
  describe('Agent wiring', function () {
    let upstream: FakeUpstream;
    let scratch: string;

    before(async () => {
      await activateExtension();
      upstream = await startFakeUpstream();
      scratch = mkdtempSync(join(tmpdir(), 'interlude-wiring-'));
    });

    afterEach(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await setSetting('listeners', undefined);
      await setSetting('terminalIntegration', undefined);
    });

    after(async () => {
      await upstream?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    const startWith = async (listeners: unknown): Promise<InterludeStatus> => {
      await setSetting('listeners', listeners);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      assert.equal(started.running, true, JSON.stringify(started));
      return started;
    };

    it('a new integrated terminal gets ANTHROPIC_BASE_URL with the real claude port; Stop removes it', async () => {
      const started = await startWith([{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      const port = started.listeners[0].port;
      assert.equal(started.terminalBaseUrl, `http://127.0.0.1:${port}`);
      const out = join(scratch, 'env.txt');
      const terminal = vscode.window.createTerminal({
        name: 'interlude env probe',
        shellPath: '/bin/sh',
        shellArgs: ['-c', `echo "$ANTHROPIC_BASE_URL" > '${out}'`],
      });
      try {
        const text = await waitFor('the terminal to write its environment', () => {
          const value = existsSync(out) ? readFileSync(out, 'utf8') : '';
          return value.endsWith('\n') ? value : undefined;
        }, 45_000);
        assert.equal(text.trim(), `http://127.0.0.1:${port}`);
      } finally {
        terminal.dispose();
      }
      const stopped = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.stop');
      assert.equal(stopped.terminalBaseUrl, undefined);
    });

    it('agentInterlude.terminalIntegration=false leaves terminals alone', async () => {
      await setSetting('terminalIntegration', false);
      const started = await startWith([{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      assert.equal(started.terminalBaseUrl, undefined);
      await setSetting('terminalIntegration', true);
      const port = started.listeners[0].port;
      await statusWhen('terminal wiring after the setting turns on', (status) => status.terminalBaseUrl !== undefined);
      assert.equal((await interludeStatus()).terminalBaseUrl, `http://127.0.0.1:${port}`);
    });

    it('Copy Agent Setup copies the Claude line and both Codex routes with the real ports', async () => {
      const started = await startWith([
        { port: 0, upstream: upstream.url, agent: 'claude' },
        { port: 0, upstream: upstream.url, agent: 'codex' },
        { port: 0, upstream: upstream.url, agent: 'codex' },
      ]);
      const [claude, api, chatgpt] = started.listeners.map((listener) => listener.port);
      const copy = async (choice: string): Promise<string> => {
        const copied = await vscode.commands.executeCommand<{ text: string } | undefined>(
          'agentInterlude.copyAgentSetup',
          choice,
        );
        assert.ok(copied, `copied ${choice}`);
        assert.equal(await vscode.env.clipboard.readText(), copied.text);
        return copied.text;
      };
      assert.equal(await copy('claude'), `ANTHROPIC_BASE_URL=http://127.0.0.1:${claude} claude`);
      const apiKey = await copy('codexApiKey');
      assert.match(apiKey, /^codex -c model_provider=interlude/);
      assert.ok(apiKey.includes(`base_url="http://127.0.0.1:${api}/v1"`), apiKey);
      assert.ok(apiKey.includes('env_key="OPENAI_API_KEY"'), apiKey);
      const chatGpt = await copy('codexChatGpt');
      assert.ok(chatGpt.includes(`base_url="http://127.0.0.1:${chatgpt}/backend-api/codex"`), chatGpt);
      assert.ok(chatGpt.includes('requires_openai_auth=true'), chatGpt);
    });

    it('Run Codex through Interlude opens a terminal whose shell runs the codex line for the chosen route, with the real port', async () => {
      const started = await startWith([
        { port: 0, upstream: upstream.url, agent: 'codex' },
        { port: 0, upstream: upstream.url, agent: 'codex' },
      ]);
      const api = started.listeners[0].port;
      // The shell's own report of what it ran (shell integration), so the test sees the line as the shell got it.
      const ran = new Promise<string>((resolveRan) => {
        const subscription = vscode.window.onDidStartTerminalShellExecution((event) => {
          if (event.terminal.name !== 'Codex · Interlude') return;
          subscription.dispose();
          resolveRan(event.execution.commandLine.value);
        });
      });
      const result = await vscode.commands.executeCommand<{ id: string; line: string; name: string } | undefined>('agentInterlude.runCodex', 'codexApiKey');
      assert.ok(result, 'a terminal was opened');
      assert.equal(result.id, 'codexApiKey');
      assert.equal(result.name, 'Codex · Interlude');
      assert.ok(result.line.startsWith('codex -c model_provider=interlude '), result.line);
      assert.ok(result.line.includes(` -c model_providers.interlude.base_url=http://127.0.0.1:${api}/v1 `), result.line);
      const terminal = vscode.window.terminals.find((candidate) => candidate.name === 'Codex · Interlude');
      assert.ok(terminal, 'the terminal is in the window');
      try {
        const line = await Promise.race([ran, new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the terminal\'s shell ran nothing within 45 s')), 45_000))]);
        assert.equal(line.trim(), result.line);
      } finally {
        terminal.dispose();
      }
    });

    it('the status bar counts this run’s captures; Analyze Captures opens the read-only report', async () => {
      const started = await startWith([{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      const port = started.listeners[0].port ?? 0;
      assert.equal(started.statusBarText, `$(radio-tower) Interlude ${port} · 0`);
      const reply = await post(port, '/v1/messages', CLAUDE_BODY);
      assert.equal(reply.status, 200, reply.text);
      const last = await statusWhen(
        'one capture and an idle status bar',
        (status) => status.captures >= 1 && !status.statusBarText.includes('sync~spin'),
      );
      assert.equal(last.captures, 1);
      assert.equal(last.statusBarText, `$(radio-tower) Interlude ${port} · 1`);

      const captureDir = join(workspaceFolder(), '.agent-interlude');
      assert.ok(readCaptureRecords(captureDir).some((record) => record.kind === 'response'));
      const uri = await vscode.commands.executeCommand<string | undefined>('agentInterlude.analyze');
      assert.ok(uri, 'a report was opened');
      const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
      assert.ok(document, 'the report is an open document');
      assert.equal(document.uri.scheme, 'agent-interlude-report');
      assert.match(document.getText(), /## Agent: claude/);
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri);

      const opened = await vscode.commands.executeCommand<{ revealed: string; path?: string }>(
        'agentInterlude.openCaptureFolder',
      );
      assert.deepEqual(opened, { revealed: 'explorer', path: captureDir });
    });

    it('a configured port in use moves to a free port and every surface shows the real one', async () => {
      const blocker = await listen(0);
      const taken = (blocker.address() as { port: number }).port;
      try {
        const started = await startWith([{ port: taken, upstream: upstream.url, agent: 'claude' }]);
        const [listener] = started.listeners;
        assert.equal(listener.error, undefined);
        assert.equal(listener.fallbackFrom, taken);
        assert.ok(listener.port !== undefined && listener.port !== taken, JSON.stringify(listener));
        assert.equal(started.statusBarText, `$(radio-tower) Interlude ${listener.port} · 0`);
        assert.equal(started.terminalBaseUrl, `http://127.0.0.1:${listener.port}`);
        const copied = await vscode.commands.executeCommand<{ text: string }>('agentInterlude.copyAgentSetup', 'claude');
        assert.equal(copied.text, `ANTHROPIC_BASE_URL=http://127.0.0.1:${listener.port} claude`);
        const reply = await post(listener.port, '/v1/messages', CLAUDE_BODY);
        assert.equal(reply.status, 200);
      } finally {
        await vscode.commands.executeCommand('agentInterlude.stop');
        await closeServer(blocker);
      }
    });
  });
}
