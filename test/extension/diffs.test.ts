// Native diffs: the `agent-interlude` documents for fixture captures in the original's record format (written
// straight into the workspace capture folder, as the CLI in another process would), Show Skeleton Diff and Diff
// with Previous opening diff editors with the expected sides (tab API), slot decorations and hover, the link to
// an injected CLAUDE.md, and a document that updates after a new capture is appended.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { OpenedDiff } from '../../src/extension/diffs/diffCommands';
import type { SlotDecorationState } from '../../src/extension/diffs/slotDecorations';
import { activateExtension, claudeExchangeLines, waitFor, workspaceFolder } from './helpers';

// An agent label of its own, so captures the other suites made do not join these prompt families.
const AGENT = 'difftest';

function systemLines(day: number, workspace: string): string[] {
  return [
    'You are a test agent.',
    '# Rules',
    'Be brief.',
    `Today's date is 2026-02-0${day}.`,
    '# Context',
    `Contents of ${workspace}/CLAUDE.md (project instructions, checked into the codebase):`,
    'Use tabs.',
    'End of prompt.',
  ];
}

const TOOLS = [
  { name: 'Write', description: 'Writes a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'Bash', description: 'Runs a command', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } },
];

/** One exchange in the original tool's record format: a request with its extract, and a response. */
function exchangeRecords(id: string, at: Date, day: number, workspace: string, messages: unknown[]): string {
  const text = systemLines(day, workspace).join('\n');
  return claudeExchangeLines({
    id,
    at: at.getTime(),
    agent: AGENT,
    model: 'claude-diff-test',
    stream: true,
    system: [{ type: 'text', text: 'You are Claude Code.' }, { type: 'text', text }],
    tools: TOOLS,
    messages,
    content: [{ type: 'text', text: 'ok' }],
    roundTripMs: 500,
  });
}

const HELLO = [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }];
const TOOL_ROUND = [
  ...HELLO,
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'hi' },
      { type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'ls' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'a.txt', cache_control: { type: 'ephemeral' } }] },
];

function uri(path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'agent-interlude', path });
}

async function textOf(target: vscode.Uri): Promise<string> {
  return (await vscode.workspace.openTextDocument(target)).getText();
}

async function waitForText(target: vscode.Uri, accept: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    last = await textOf(target);
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; text now:\n${last}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

const SKELETON = uri(`/family/${AGENT}/1/skeleton.txt`);

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
export function diffsTests(): void {
  describe('Native diffs', function () {
    let captureDir: string;
    let workspace: string;
    const diffLog = (): string => join(captureDir, 'log-20260201T100000Z-diffs.jsonl');
    const base = Date.parse('2026-02-01T10:00:00.000Z');

    before(async () => {
      await activateExtension();
      await vscode.commands.executeCommand('agentInterlude.captures.focus');
      workspace = workspaceFolder();
      captureDir = join(workspace, '.agent-interlude');
      mkdirSync(captureDir, { recursive: true });
      writeFileSync(join(workspace, 'CLAUDE.md'), 'Use tabs.\n');
      writeFileSync(
        diffLog(),
        exchangeRecords('dif000000001', new Date(base), 1, workspace, HELLO) +
          exchangeRecords('dif000000002', new Date(base + 60_000), 2, workspace, TOOL_ROUND) +
          exchangeRecords('dif000000003', new Date(base + 120_000), 3, workspace, HELLO),
      );
    });

    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(diffLog(), { force: true });
      rmSync(join(workspace, 'CLAUDE.md'), { force: true });
    });

    it('contributes its commands, the hidden one kept out of the palette', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const id of [
        'agentInterlude.showSkeletonDiff',
        'agentInterlude.diffWithPrevious',
        'agentInterlude.compareRequests',
        'agentInterlude.internal.slotDecorations',
      ]) {
        assert.ok(commands.includes(id), `command ${id} is registered`);
      }
      const extension = vscode.extensions.getExtension('agent-interlude.agent-interlude');
      const palette = (extension?.packageJSON as { contributes: { menus: { commandPalette: Array<{ command: string; when: string }> } } })
        .contributes.menus.commandPalette;
      assert.equal(palette.find((entry) => entry.command === 'agentInterlude.internal.slotDecorations')?.when, 'false');
    });

    it('serves the skeleton with a placeholder line per slot, and the canonical prompt', async () => {
      const skeleton = await waitForText(SKELETON, (text) => text.includes('⟪slot'), 'the skeleton');
      const fixed = systemLines(1, workspace);
      assert.equal(
        skeleton,
        ['You are Claude Code.', ...fixed.slice(0, 3), '⟪slot 1 · 3 values across 3 samples⟫', ...fixed.slice(4)].join('\n'),
      );
      const canonical = await textOf(uri(`/family/${AGENT}/1/canonical.txt`));
      assert.equal(canonical, ['You are Claude Code.', ...systemLines(1, workspace)].join('\n'), 'ties: the first seen sample');
    });

    it('serves an exchange’s system prompt, tools (sorted by name) and messages, and a tool’s schema', async () => {
      assert.equal(
        await textOf(uri('/exchange/dif000000002/system.txt')),
        ['You are Claude Code.', ...systemLines(2, workspace)].join('\n'),
      );
      const tools = JSON.parse(await textOf(uri('/exchange/dif000000002/tools.json'))) as Array<Record<string, unknown>>;
      assert.deepEqual(
        tools.map((tool) => tool.name),
        ['Bash', 'Write'],
      );
      assert.deepEqual(Object.keys(tools[0] ?? {}), ['description', 'input_schema', 'name'], 'keys sorted, cache_control gone');
      assert.equal(
        await textOf(uri('/exchange/dif000000002/messages.txt')),
        [
          '── #1 user · 1/1 text ──',
          'hello',
          '',
          '── #2 assistant · 1/2 text ──',
          'hi',
          '',
          '── #2 assistant · 2/2 tool_use Bash (tu1) ──',
          '{',
          '  "command": "ls"',
          '}',
          '',
          '── #3 user · 1/1 tool_result (tu1) ──',
          'a.txt',
          '',
        ].join('\n'),
      );
      const write = JSON.parse(await textOf(uri(`/tool/${AGENT}/Write.json`))) as Record<string, unknown>;
      assert.deepEqual(write, TOOLS[0]);
    });

    it('Show Skeleton Diff opens the skeleton against the chosen sample, slot lines decorated, with a hover', async () => {
      const opened = await vscode.commands.executeCommand<OpenedDiff>('agentInterlude.showSkeletonDiff', {
        agent: AGENT,
        family: 1,
        sampleId: 'dif000000002',
      });
      const sample = uri('/exchange/dif000000002/system.txt');
      assert.ok(opened, 'the command opened a diff');
      assert.match(opened.title, /^difftest · family 1: skeleton ↔ sample (2026-02-01 )?\d\d:\d\d:\d\d$/);
      const input = await waitFor('the diff tab', () => {
        const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
        return tab?.input instanceof vscode.TabInputTextDiff ? { tab, input: tab.input } : undefined;
      });
      assert.equal(input.input.original.toString(), SKELETON.toString());
      assert.equal(input.input.modified.toString(), sample.toString());
      assert.equal(input.tab.label, opened.title);

      const deadline = Date.now() + 10_000;
      let state: SlotDecorationState[] = [];
      for (;;) {
        state = await vscode.commands.executeCommand<SlotDecorationState[]>('agentInterlude.internal.slotDecorations');
        if (state.some((entry) => entry.uri === SKELETON.toString() && entry.lines.length > 0)) break;
        if (Date.now() > deadline) throw new Error(`no decorated skeleton: ${JSON.stringify(state)}`);
        await new Promise((resolveTick) => setTimeout(resolveTick, 100));
      }
      assert.deepEqual(state.find((entry) => entry.uri === SKELETON.toString())?.lines, [4]);
      assert.ok(!state.some((entry) => entry.uri === sample.toString() && entry.lines.length > 0), 'the sample side is not marked');

      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', SKELETON, new vscode.Position(4, 3));
      const hoverText = hovers
        .flatMap((hover) => hover.contents)
        .map((content) => (typeof content === 'string' ? content : content.value))
        .join('\n')
        .replace(/\\/g, '') // appendText escapes markdown punctuation and spaces
        .replace(/&nbsp;/g, ' ');
      assert.match(hoverText, /Slot 1/);
      for (const day of [1, 2, 3]) assert.ok(hoverText.includes(`2026-02-0${day}`), hoverText);
      assert.match(hoverText, /1 sample · 1 request/);
    });

    it('links the line naming an injected CLAUDE.md to the workspace file', async () => {
      // The link command reads the workbench's copy of the document: open it first.
      const document = await vscode.workspace.openTextDocument(uri('/exchange/dif000000001/system.txt'));
      const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', document.uri);
      const link = links.find((candidate) => candidate.target?.scheme === 'file');
      assert.ok(link, JSON.stringify(links));
      assert.equal(link.target?.fsPath, join(workspace, 'CLAUDE.md'));
      assert.equal(link.range.start.line, 6);
    });

    it('Diff with Previous compares an exchange with the previous one of its agent and API', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const opened = await vscode.commands.executeCommand<OpenedDiff>('agentInterlude.diffWithPrevious', {
        kind: 'exchange',
        id: 'dif000000003',
      });
      assert.ok(opened, 'the command opened diffs');
      assert.equal(opened.multi, true, 'VS Code 1.100 has vscode.changes: one multi-diff editor');
      // A comparison of two exchanges, and each pair one document modified: the multi-diff editor calls a pair
      // whose two paths differ a rename ("R", the older one struck through), so the older side has the newer
      // one's path and its own id in the query.
      assert.match(opened.title, /^Compare exchanges: difftest (2026-02-01 )?\d\d:\d\d:\d\d ↔ difftest (2026-02-01 )?\d\d:\d\d:\d\d$/);
      assert.deepEqual(
        opened.diffs.map((diff) => [diff.left, diff.right]),
        ['system.txt', 'tools.json', 'messages.txt'].map((part) => [
          vscode.Uri.from({ scheme: 'agent-interlude', path: `/exchange/dif000000003/${part}`, query: 'exchange=dif000000002' }).toString(),
          uri(`/exchange/dif000000003/${part}`).toString(),
        ]),
      );
      for (const diff of opened.diffs) {
        assert.equal(vscode.Uri.parse(diff.left).path, vscode.Uri.parse(diff.right).path, 'one path: shown as modified, not renamed');
        const part = vscode.Uri.parse(diff.right).path.split('/').pop();
        assert.equal(await textOf(vscode.Uri.parse(diff.left)), await textOf(uri(`/exchange/dif000000002/${part}`)), 'the left side is the older exchange');
      }
      const tabs = await waitFor('the diff tab(s)', () => {
        const all = vscode.window.tabGroups.all.flatMap((group) => group.tabs);
        const found = opened.multi
          ? all.filter((tab) => tab.label.includes(opened.title))
          : all.filter((tab) => tab.input instanceof vscode.TabInputTextDiff);
        return found.length >= (opened.multi ? 1 : 3) ? found : undefined;
      });
      if (!opened.multi) {
        const inputs = tabs.map((tab) => tab.input as vscode.TabInputTextDiff);
        assert.deepEqual(
          inputs.map((input) => [input.original.toString(), input.modified.toString()]),
          opened.diffs.map((diff) => [diff.left, diff.right]),
        );
      }
      // The two sides differ where the captures do: the system prompt's date line and the messages.
      const left = await textOf(uri('/exchange/dif000000002/messages.txt'));
      const right = await textOf(uri('/exchange/dif000000003/messages.txt'));
      assert.notEqual(left, right);

      const compared = await vscode.commands.executeCommand<OpenedDiff>('agentInterlude.compareRequests', {
        a: 'dif000000003',
        b: 'dif000000001',
      });
      assert.equal(
        compared?.diffs[0]?.left,
        vscode.Uri.from({ scheme: 'agent-interlude', path: '/exchange/dif000000003/system.txt', query: 'exchange=dif000000001' }).toString(),
        'the older one on the left',
      );
      assert.equal(compared?.diffs[0]?.right, uri('/exchange/dif000000003/system.txt').toString());
    });

    it('an open skeleton updates when a new capture joins its family', async () => {
      const document = await vscode.workspace.openTextDocument(SKELETON);
      await vscode.window.showTextDocument(document, { preview: false });
      assert.ok(document.getText().includes('⟪slot 1 · 3 values across 3 samples⟫'), document.getText());
      const changed = new Promise<void>((resolveChange) => {
        const listener = vscode.workspace.onDidChangeTextDocument((event) => {
          if (event.document.uri.toString() === SKELETON.toString() && event.document.getText().includes('4 values')) {
            listener.dispose();
            resolveChange();
          }
        });
      });
      appendFileSync(diffLog(), exchangeRecords('dif000000004', new Date(base + 180_000), 4, workspace, HELLO));
      await Promise.race([
        changed,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no change event; text: ${document.getText()}`)), 15_000)),
      ]);
      assert.ok(document.getText().includes('⟪slot 1 · 4 values across 4 samples⟫'), document.getText());
    });
  });
}
