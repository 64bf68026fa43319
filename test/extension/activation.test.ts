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

    it('contributes the getting-started walkthrough, each step completing on a registered command or the captures context', async () => {
      const extension = await activateExtension();
      const walkthroughs = extension.packageJSON.contributes.walkthroughs as {
        id: string; steps: { id: string; description: string; media: { markdown: string }; completionEvents: string[] }[];
      }[];
      assert.equal(walkthroughs.length, 1);
      assert.deepEqual(walkthroughs[0].steps.map((step) => step.id), ['start', 'pointAgent', 'firstCapture', 'openTimeline']);
      const commands = await vscode.commands.getCommands(true);
      for (const step of walkthroughs[0].steps) {
        assert.equal(step.completionEvents.length, 1, step.id);
        const [event] = step.completionEvents;
        const onCommand = /^onCommand:(.+)$/.exec(event);
        if (onCommand) assert.ok(commands.includes(onCommand[1]), `${step.id} completes on ${onCommand[1]}, a registered command`);
        else assert.equal(event, 'onContext:agentInterlude.hasCaptures', step.id);
        for (const [, linked] of step.description.matchAll(/\(command:([\w.]+)\)/g)) {
          assert.ok(commands.includes(linked), `${step.id} links ${linked}, a registered command`);
        }
        const media = vscode.Uri.joinPath(extension.extensionUri, step.media.markdown);
        assert.ok((await vscode.workspace.fs.stat(media)).size > 0, `${step.media.markdown} ships`);
      }
    });

    it('wiring settings default to: terminals wired, no autoStart, captures folder asked in multi-root', () => {
      const config = vscode.workspace.getConfiguration('agentInterlude');
      assert.equal(config.inspect('terminalIntegration')?.defaultValue, true);
      assert.equal(config.inspect('autoStart')?.defaultValue, false);
      assert.equal(config.inspect('captureWorkspaceFolder')?.defaultValue, '');
    });

    it('a checked-in .vscode/settings.json cannot redirect the listeners, even in a trusted workspace', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      assert.ok(folder, 'the harness opens a workspace folder');
      const settingsFile = vscode.Uri.joinPath(folder, '.vscode', 'settings.json');
      const evil = [{ port: 0, upstream: 'http://127.0.0.1:1/evil', agent: 'claude' }];
      await vscode.workspace.fs.writeFile(
        settingsFile,
        Buffer.from(JSON.stringify({ 'agentInterlude.listeners': evil, 'editor.tabSize': 7 })),
      );
      try {
        const deadline = Date.now() + 10_000;
        // The control setting proves the file was read before the listeners are judged.
        while (vscode.workspace.getConfiguration('editor').get('tabSize') !== 7) {
          assert.ok(Date.now() < deadline, 'the workspace settings file was never read');
          await new Promise((resolveWait) => setTimeout(resolveWait, 100));
        }
        const listeners = vscode.workspace.getConfiguration('agentInterlude').get<unknown[]>('listeners');
        assert.notDeepEqual(listeners, evil);
        assert.ok(JSON.stringify(listeners).includes('api.anthropic.com') || JSON.stringify(listeners).includes('127.0.0.1'));
        assert.ok(!JSON.stringify(listeners).includes('/evil'), 'the workspace value is ignored');
      } finally {
        await vscode.workspace.fs.delete(settingsFile);
      }
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
