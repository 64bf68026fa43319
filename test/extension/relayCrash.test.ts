// The relay thread dies (ended as a crash would, through an internal command): the window says so (output
// channel, an error notification), shows Interlude stopped with its port closed, and Start brings it back.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, waitForCommand } from './helpers';
import { CLAUDE_BODY, post, setSetting } from './netHelpers';

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function relayCrashTests(): void {
  describe('A relay thread that dies', function () {
    this.timeout(60_000);
    let upstream: FakeUpstream;

    before(async () => {
      await activateExtension();
      upstream = await startFakeUpstream();
      await setSetting('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }]);
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await setSetting('listeners', undefined);
      await upstream?.close();
    });

    it('shows Interlude stopped with its port closed, and Start brings the relay back', async () => {
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const port = started.listeners[0]?.port ?? 0;
      assert.ok(started.running && port > 0, JSON.stringify(started));
      assert.equal((await post(port, '/v1/messages', CLAUDE_BODY)).status, 200);

      await vscode.commands.executeCommand('agentInterlude.internal.killRelay');
      const stopped = await waitForCommand<InterludeStatus>('agentInterlude.internal.status', 'the window to show Interlude stopped', (status) => !status.running && !/\d/.test(status.statusBarText));
      assert.equal(stopped.statusBarText, '$(radio-tower) Interlude');
      assert.equal(stopped.terminalBaseUrl, undefined, 'new terminals no longer point at a closed port');
      await assert.rejects(post(port, '/v1/messages', CLAUDE_BODY), /ECONNREFUSED/);

      const again = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const newPort = again.listeners[0]?.port ?? 0;
      assert.ok(again.running && newPort > 0, JSON.stringify(again));
      const reply = await post(newPort, '/v1/messages', CLAUDE_BODY);
      assert.equal(reply.status, 200);
      assert.match(reply.text, /"type":"message_stop"/);
    });
  });
}
