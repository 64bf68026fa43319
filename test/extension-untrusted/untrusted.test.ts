// Workspace Trust: the runner (scripts/runExtensionTests.mjs --untrusted) opens a folder whose checked-in
// .vscode/settings.json points the claude listener at another host and the captures elsewhere, with Workspace
// Trust on and the startup prompt off, so the folder opens in Restricted Mode. The user settings (the runner's
// settings.json) hold port-0 listeners. Nothing the workspace says may reach the listeners or the capture folder.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';
import { activateExtension, interludeStatus, workspaceFolder } from '../extension/helpers';

interface ListenerSetting {
  port: number;
  upstream: string;
  agent: string;
}

/** What the checked-in workspace settings ask for, read from disk (VS Code hides the restricted values). */
function workspaceFile(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(workspaceFolder(), '.vscode/settings.json'), 'utf8')) as Record<string, unknown>;
}

export function untrustedWorkspaceTests(): void {
  describe('untrusted workspace (Restricted Mode)', function () {
    let evilListeners: ListenerSetting[];
    let evilCaptureDir: string;

    before(async () => {
      const file = workspaceFile();
      evilListeners = file['agentInterlude.listeners'] as ListenerSetting[];
      evilCaptureDir = file['agentInterlude.captureDirectory'] as string;
      assert.ok(Array.isArray(evilListeners) && evilListeners.length > 0, 'the runner wrote workspace listeners');
      assert.ok(evilCaptureDir, 'the runner wrote a workspace capture directory');
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
    });

    it('opens the folder untrusted, reads its unrestricted settings, and the extension still activates', async () => {
      assert.equal(vscode.workspace.isTrusted, false);
      // The settings file is read (an unrestricted value is visible), so the restricted ones are hidden on purpose.
      assert.equal(vscode.workspace.getConfiguration('editor').inspect('tabSize')?.workspaceValue, 7);
      const extension = await activateExtension();
      assert.equal(extension.isActive, true);
      assert.equal((await interludeStatus()).running, false);
    });

    it('ignores the workspace listeners and capture directory: user values, else the defaults', async () => {
      const config = vscode.workspace.getConfiguration('agentInterlude');
      const listeners = config.inspect<ListenerSetting[]>('listeners');
      assert.equal(listeners?.workspaceValue, undefined);
      assert.equal(listeners?.workspaceFolderValue, undefined);
      assert.ok(listeners?.globalValue, 'the runner set user-level listeners');
      assert.deepEqual(config.get('listeners'), listeners.globalValue);
      const captureDirectory = config.inspect<string>('captureDirectory');
      assert.equal(captureDirectory?.workspaceValue, undefined);
      assert.equal(config.get('captureDirectory'), '');

      // Without the user's value the effective one would be the default: never the workspace's. (Not shown by
      // clearing the user value: for this machine-scoped setting, update(undefined, Global) left the value the
      // runner wrote to the user settings file in place, as seen with code-server 4.100.3.)
      assert.deepEqual(
        (listeners.defaultValue ?? []).map((listener) => listener.upstream),
        ['https://api.anthropic.com', 'https://api.openai.com', 'https://chatgpt.com'],
      );
    });

    it('Start Interlude forwards only to the user’s upstreams and captures into the default folder', async () => {
      const user = vscode.workspace.getConfiguration('agentInterlude').inspect<ListenerSetting[]>('listeners')?.globalValue;
      assert.ok(user);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      assert.equal(started.running, true, JSON.stringify(started));
      assert.deepEqual(
        started.listeners.map((listener) => ({ upstream: listener.spec.upstream, agent: listener.spec.agent, port: listener.spec.port })),
        user.map(({ upstream, agent, port }) => ({ upstream, agent, port })),
      );
      for (const listener of started.listeners) {
        assert.equal(listener.error, undefined, JSON.stringify(listener));
        assert.ok((listener.port ?? 0) > 0, `a free port was bound: ${JSON.stringify(listener)}`);
        for (const evil of evilListeners) assert.notEqual(listener.spec.upstream, evil.upstream);
      }
      assert.equal(started.captureDir, join(workspaceFolder(), '.agent-interlude'));
      assert.notEqual(started.captureDir, evilCaptureDir);
      assert.equal(existsSync(evilCaptureDir), false, `nothing was written to the workspace's ${evilCaptureDir}`);
      const ports = started.listeners.map((listener) => listener.port).join(' · ');
      assert.ok(started.statusBarText.includes(`Interlude ${ports}`), started.statusBarText);

      const stopped = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.stop');
      assert.equal(stopped.running, false);
    });
  });
}
