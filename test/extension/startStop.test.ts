// Start Interlude → a real request through the listener → the workspace log; status bar; Stop frees the port.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, interludeStatus, readCaptureRecords, waitFor, workspaceFolder } from './helpers';
import { CLAUDE_BODY, closeServer, listen, post, setSetting } from './netHelpers';

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function startStopTests(): void {
  describe('Start / Stop Interlude', function () {
    let upstream: FakeUpstream;

    before(async () => {
      await activateExtension();
      upstream = await startFakeUpstream();
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await setSetting('listeners', undefined);
      await upstream?.close();
    });

    it('starts a port-0 listener, captures a real request into <workspace>/.agent-interlude, and Stop frees the port', async () => {
      await setSetting('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      assert.equal(started.running, true, JSON.stringify(started));
      assert.equal(started.listeners.length, 1);
      const [listener] = started.listeners;
      assert.equal(listener.error, undefined);
      assert.equal(listener.address, '127.0.0.1');
      const port = listener.port ?? 0;
      assert.ok(port > 0, `a real port was bound: ${JSON.stringify(listener)}`);

      const captureDir = join(workspaceFolder(), '.agent-interlude');
      assert.equal(started.captureDir, captureDir);
      assert.equal(started.statusBarText, `$(radio-tower) Interlude ${port} · 0`);
      assert.deepEqual(await interludeStatus(), started);

      const reply = await post(
        port,
        '/v1/messages',
        JSON.stringify({ model: 'm', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      );
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.text, /"type":"message_stop"/);
      assert.equal(upstream.requests.length, 1, 'the request reached the upstream');

      const records = await waitFor('request and response records in the workspace log', () => {
        const found = readCaptureRecords(captureDir);
        return found.some((record) => record.kind === 'response') ? found : undefined;
      });
      assert.deepEqual(records.map((record) => record.kind), ['request', 'response']);
      assert.equal(records[0].agent, 'claude');
      assert.equal(records[0].path, '/v1/messages');
      assert.equal((records[1].reconstructed as { text?: string }).text, 'PONG');
      assert.ok(started.logPath?.startsWith(captureDir), `log file ${started.logPath} is in ${captureDir}`);

      const stopped = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.stop');
      assert.equal(stopped.running, false);
      assert.doesNotMatch(stopped.statusBarText, /\d/);
      const reuse = await listen(port);
      await closeServer(reuse);
    });

    it('a port in use costs nothing: that listener falls back to a free port, the others run as configured', async () => {
      const blocker = await listen(0);
      const taken = (blocker.address() as { port: number }).port;
      try {
        await setSetting('listeners', [
          { port: taken, upstream: upstream.url, agent: 'claude' },
          { port: 0, upstream: upstream.url, agent: 'codex' },
        ]);
        const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
        assert.equal(started.running, true);
        const [moved, free] = started.listeners;
        assert.equal(moved.fallbackFrom, taken);
        assert.ok((moved.port ?? 0) > 0 && moved.port !== taken, JSON.stringify(moved));
        assert.ok((free.port ?? 0) > 0);
        assert.equal(started.statusBarText, `$(radio-tower) Interlude ${moved.port} · ${free.port} · 0`);
      } finally {
        await vscode.commands.executeCommand('agentInterlude.stop');
        await closeServer(blocker);
      }
    });

    it('Start twice keeps the one running proxy; Stop twice is harmless', async () => {
      await setSetting('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      const first = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const second = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      assert.deepEqual(second.listeners, first.listeners);
      await vscode.commands.executeCommand('agentInterlude.stop');
      const again = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.stop');
      assert.equal(again.running, false);
      const port = first.listeners[0].port ?? 0;
      await closeServer(await listen(port));
    });

    it('a change of the listeners setting while running restarts them once no exchange is in flight', async () => {
      await setSetting('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }]);
      const first = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const oldPort = first.listeners[0].port ?? 0;
      try {
        // A stream is relaying when the setting changes: it must finish whole before the restart.
        const reply = post(oldPort, '/v1/messages', CLAUDE_BODY, { 'x-fake-scenario': 'events:20:100' });
        await new Promise((resolveTick) => setTimeout(resolveTick, 300));
        await setSetting('listeners', [
          { port: 0, upstream: upstream.url, agent: 'claude' },
          { port: 0, upstream: upstream.url, agent: 'codex' },
        ]);
        await new Promise((resolveTick) => setTimeout(resolveTick, 500));
        assert.equal((await interludeStatus()).listeners.length, 1, 'no restart while the stream relays');
        const answered = await reply;
        assert.equal(answered.status, 200);
        assert.match(answered.text, /"type":"message_stop"/, 'the stream was not cut');
        const status = await waitForStatus((s) => s.running && s.listeners.length === 2 && s.listeners.every((listener) => (listener.port ?? 0) > 0));
        assert.deepEqual(status.listeners.map((listener) => listener.spec.agent), ['claude', 'codex']);
        await closeServer(await listen(oldPort));
      } finally {
        await vscode.commands.executeCommand('agentInterlude.stop');
      }
    });
  });
}

async function waitForStatus(accept: (status: InterludeStatus) => boolean, timeoutMs = 15_000): Promise<InterludeStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await interludeStatus();
    if (accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the listeners to restart: ${JSON.stringify(status)}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}
