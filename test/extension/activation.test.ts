import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, interludeStatus } from './helpers';

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function activationTests(): void {
  describe('extension activation', () => {
    it('activates, contributes its commands, and starts nothing by itself', async () => {
      const extension = await activateExtension();
      assert.equal(extension.isActive, true);
      assert.equal(extension.id, EXTENSION_ID);
      const commands = await vscode.commands.getCommands(true);
      for (const id of [
        'agentInterlude.start',
        'agentInterlude.stop',
        'agentInterlude.internal.status',
        'agentInterlude.copyAgentSetup',
        'agentInterlude.openCaptureFolder',
        'agentInterlude.analyze',
        'agentInterlude.internal.statusMenu',
      ]) {
        assert.ok(commands.includes(id), `command ${id} is registered`);
      }
      const status = await interludeStatus();
      assert.equal(status.running, false);
      assert.deepEqual(status.listeners, []);
      assert.equal(status.terminalBaseUrl, undefined, 'terminals are not wired before Start');
    });

    it('wiring settings default to: terminals wired, no autoStart, captures folder asked in multi-root', () => {
      const config = vscode.workspace.getConfiguration('agentInterlude');
      assert.equal(config.inspect('terminalIntegration')?.defaultValue, true);
      assert.equal(config.inspect('autoStart')?.defaultValue, false);
      assert.equal(config.inspect('captureWorkspaceFolder')?.defaultValue, '');
    });

    it('the listeners setting defaults to the three core listeners', () => {
      const listeners = vscode.workspace.getConfiguration('agentInterlude').inspect('listeners')?.defaultValue;
      assert.deepEqual(listeners, [
        { port: 8788, upstream: 'https://api.anthropic.com', agent: 'claude' },
        { port: 8789, upstream: 'https://api.openai.com', agent: 'codex' },
        { port: 8790, upstream: 'https://chatgpt.com', agent: 'codex' },
      ]);
    });
  });
}
