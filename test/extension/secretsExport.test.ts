// Secrets and exports in the real extension host: a request carrying a token through a port-0 listener shows a
// badge in the Captures tree, a Secrets section in the request panel and a count in the status bar tooltip;
// agentInterlude.redact = mask keeps the value out of the log; Export… writes a masked HTML report and the
// original's JSONL for the selected exchanges.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExportResult } from '../../src/core/export/exportCaptures';
import type { CapturesTreeSnapshot } from '../../src/extension/views/capturesTree';
import type { InterludeStatus } from '../../src/extension/extension';
import type { RequestPanelStatus } from '../../src/extension/panels/requestPanel';
import type { TimelineStatus } from '../../src/extension/panels/timelinePanel';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { activateExtension, readCaptureRecords, waitFor, waitForCommand, workspaceFolder } from './helpers';
import { post } from './netHelpers';

const TOKEN = `ghp_${'Zq8LmN3vB7xK2pR9tW4yC6dF1hJ5sA0gE8uI'}`;

async function sendWithToken(port: number, marker: string): Promise<void> {
  const { status } = await post(
    port,
    '/v1/messages?beta=true',
    JSON.stringify({
      model: 'claude-secrets-test',
      max_tokens: 8,
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `${marker}\nGITHUB_TOKEN=${TOKEN}\n` }] }],
    }),
  );
  assert.equal(status, 200);
}

export function secretsExportTests(): void {
  describe('Secrets and Export…', function () {
    let upstream: FakeUpstream;
    let captureDir: string;
    let scratch: string;

    before(async () => {
      await activateExtension();
      await vscode.commands.executeCommand('agentInterlude.captures.focus');
      upstream = await startFakeUpstream();
      captureDir = join(workspaceFolder(), '.agent-interlude');
      scratch = mkdtempSync(join(tmpdir(), 'interlude-ext-export-'));
      await vscode.workspace
        .getConfiguration('agentInterlude')
        .update('listeners', [{ port: 0, upstream: upstream.url, agent: 'claude' }], vscode.ConfigurationTarget.Global);
    });

    after(async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      const config = vscode.workspace.getConfiguration('agentInterlude');
      await config.update('listeners', undefined, vscode.ConfigurationTarget.Global);
      await config.update('redact', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await upstream?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    const recordWith = (marker: string) =>
      waitFor(`the request record carrying ${marker}`, () => {
        const record = readCaptureRecords(captureDir).find((candidate) => candidate.kind === 'request' && JSON.stringify(candidate).includes(marker));
        return typeof record?.id === 'string' ? (record as { id: string; secrets?: { masked: boolean } }) : undefined;
      });

    const treeRow = async (id: string, pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const tree = await vscode.commands.executeCommand<CapturesTreeSnapshot>('agentInterlude.internal.capturesTree', {});
        const row = tree.sessions.flatMap((session) => session.exchanges).find((exchange) => exchange.id === id);
        if (row?.description && pattern.test(row.description)) return row;
        if (Date.now() > deadline) throw new Error(`tree row ${id}: ${JSON.stringify(row)}`);
        await new Promise((resolveTick) => setTimeout(resolveTick, 100));
      }
    };

    it('flags a token: tree badge, request panel Secrets section, status bar count', async () => {
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      const port = started.listeners[0]?.port ?? 0;
      assert.ok(port > 0, JSON.stringify(started));
      await sendWithToken(port, 'flag-marker-1');
      const record = await recordWith('flag-marker-1');
      assert.equal(record.secrets?.masked, false);
      assert.ok(JSON.stringify(record).includes(TOKEN), 'flag mode keeps the value in the log');

      const row = await treeRow(record.id, /⚠ 1 secret/);
      // The badge leads the description: the first thing after the label, still in view at a narrow side bar.
      assert.match(row.description ?? '', /^⚠ 1 secret · /);

      await vscode.commands.executeCommand('agentInterlude.openRequest', { id: record.id });
      const deadline = Date.now() + 30_000;
      let panel: RequestPanelStatus;
      for (;;) {
        panel = await vscode.commands.executeCommand<RequestPanelStatus>('agentInterlude.internal.requestPanel');
        if (panel.ready && panel.id === record.id) break;
        if (Date.now() > deadline) throw new Error(`panel: ${JSON.stringify(panel)}`);
        await new Promise((resolveTick) => setTimeout(resolveTick, 100));
      }
      const secrets = panel.secrets ?? [];
      assert.ok(secrets.some((secret) => secret.kind === 'github-token' && secret.where.startsWith('request.messages[0].content[0].content')), JSON.stringify(secrets));
      assert.ok(secrets.every((secret) => /^‹redacted:[a-z-]+:[0-9a-f]{8}›$/.test(secret.masked) && !secret.masked.includes(TOKEN)));

      // The timeline draws the same badge on the request arrow.
      await vscode.commands.executeCommand('agentInterlude.openTimeline');
      await waitForCommand<TimelineStatus>('agentInterlude.internal.timeline', 'the timeline rows', (timeline) => timeline.ready && timeline.rendered > 0);
      await vscode.commands.executeCommand('agentInterlude.internal.timeline', { scroll: 1e9 });
      const timeline = await waitForCommand<TimelineStatus>('agentInterlude.internal.timeline', 'the timeline probe', (current) => {
        if (!current.probe?.secretBadges?.length) void vscode.commands.executeCommand('agentInterlude.internal.timeline', { probe: true });
        return (current.probe?.secretBadges?.length ?? 0) > 0;
      });
      assert.ok(timeline.probe?.secretBadges?.includes('⚠ 1 secret'), JSON.stringify(timeline.probe?.secretBadges));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

      const status = await waitForCommand<InterludeStatus>('agentInterlude.internal.status', 'the status bar count', (current) => (current.secrets?.exchanges ?? 0) > 0);
      assert.match((status.statusBarTooltip ?? '').replace(/&nbsp;/g, ' '), /⚠ \d+ exchanges? carr(?:y|ies) secrets in the capture folder/);
    });

    it('Export… writes a masked HTML report of the folder and the original JSONL of selected exchanges', async () => {
      const record = await recordWith('flag-marker-1');
      const html = join(scratch, 'report.html');
      const whole = await vscode.commands.executeCommand<ExportResult>('agentInterlude.export', { format: 'html', path: html, quiet: true });
      assert.ok(whole && whole.exchanges >= 1, JSON.stringify(whole));
      const text = readFileSync(html, 'utf8');
      assert.ok(!text.includes(TOKEN), 'the export masks what the log only flagged');
      assert.match(text, /‹redacted:github-token:[0-9a-f]{8}›/);
      assert.match(text, /Content-Security-Policy/);

      const jsonl = join(scratch, 'selected.jsonl');
      const selected = await vscode.commands.executeCommand<ExportResult>('agentInterlude.export', { format: 'jsonl', ids: [record.id], path: jsonl, quiet: true });
      assert.equal(selected?.exchanges, 1);
      const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(lines.map((line) => line.kind), ['request', 'response']);
      assert.equal(lines[0].schema, undefined, "the original's schema, without our additions");
      assert.ok(existsSync(jsonl));
    });

    it('agentInterlude.redact = mask: the log holds the placeholder, the tree says masked', async () => {
      await vscode.commands.executeCommand('agentInterlude.stop');
      await vscode.workspace.getConfiguration('agentInterlude').update('redact', 'mask', vscode.ConfigurationTarget.Global);
      const started = await vscode.commands.executeCommand<InterludeStatus>('agentInterlude.start');
      await sendWithToken(started.listeners[0]?.port ?? 0, 'mask-marker-2');
      const record = await recordWith('mask-marker-2');
      assert.equal(record.secrets?.masked, true);
      assert.ok(!JSON.stringify(record).includes(TOKEN), 'the value is not in the log');
      assert.match(JSON.stringify(record), /‹redacted:github-token:[0-9a-f]{8}›/);
      assert.equal(upstream.requests.at(-1)?.body?.toString().includes(TOKEN), true, 'the upstream still got the token');
      await treeRow(record.id, /^1 secret masked · /);
    });
  });
}
