// The analyses as folds (ReportAnalyzer, ConversationAnalyzer): one analyzer kept while a log grows one record at
// a time, the way the editor refreshes, gives exactly what a fresh analysis of the same index gives, at every step —
// also when responses land late, land before their request, or a request is placed before what was folded.

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAnalysisReport, ReportAnalyzer } from '../../src/core/analysis/analysisReport';
import { analyzeConversations, ConversationAnalyzer } from '../../src/core/analysis/conversations';
import { LogIndex } from '../../src/core/logIndex/logIndex';

type Json = Record<string, unknown>;
const LOGS = join(__dirname, '..', 'fixtures', 'logs');
const records = (name: string): Json[] =>
  readFileSync(join(LOGS, name), 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Json];
      } catch {
        return []; // the fixtures' deliberately cut lines
      }
    });

/** The fixture logs as a relay would interleave them, with late and out-of-order records. */
function growingLog(): Json[] {
  const side = records('original-format.jsonl');
  const later = (record: Json, ms: number): Json => ({ ...record, ts: new Date(Date.parse(String(record.ts)) + ms).toISOString() });
  const DAY = 86_400_000;
  // Each log after the one before, as one relay writes them.
  const codex = records('original-format-codex.jsonl').map((record) => later(record, 2 * DAY));
  const plain = records('no-side-requests.jsonl').map((record): Json => ({ ...later(record, 4 * DAY), id: `np-${String(record.id)}` }));
  const lines: Json[] = [];
  // Requests first, their responses a few records later (pending in between).
  const held: Json[] = [];
  for (const record of [...side, ...codex]) {
    if (record.kind === 'response') held.push(record);
    else lines.push(record);
    if (held.length > 2) lines.push(held.shift() as Json);
  }
  lines.push(...held);
  // A response written before its request (a response-only exchange that later gets its request).
  const [request, response] = plain.slice(2, 4);
  lines.push(response as Json, request as Json);
  // The rest, each response a few records late.
  for (const record of plain.slice(4)) {
    if (record.kind === 'response') held.push(record);
    else lines.push(record);
    if (held.length > 1) lines.push(held.shift() as Json);
  }
  lines.push(...held);
  // A request placed before everything folded: the folds must start over.
  const first = plain[0] as Json;
  lines.push({ ...later(first, -5 * DAY), id: 'np-early' });
  return lines;
}

describe('analysis folds: one refresh at a time equals a fresh analysis', function () {
  this.timeout(60_000);
  for (const sessionGapMs of [30_000, 2_000, 0]) {
    it(`buildAnalysisReport and analyzeConversations, session gap ${sessionGapMs} ms`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'interlude-analysis-fold-'));
      const log = join(dir, 'log-fold.jsonl');
      try {
        writeFileSync(log, '');
        const index = await LogIndex.open([dir], { workers: false });
        const report = new ReportAnalyzer({ sessionGapMs });
        const conversations = new ConversationAnalyzer({ sessionGapMs });
        const claude = new ReportAnalyzer({ sessionGapMs, agent: 'claude' });
        let steps = 0;
        let pendingSteps = 0;
        for (const record of growingLog()) {
          appendFileSync(log, `${JSON.stringify(record)}\n`);
          await index.refresh();
          const input = index.analysisInput();
          if (input.exchanges.some((exchange) => exchange.pending)) pendingSteps++;
          const at = `after record ${++steps} (${String(record.id)} ${String(record.kind)})`;
          assert.deepStrictEqual(report.update(input), buildAnalysisReport(input, { sessionGapMs }), at);
          assert.deepStrictEqual(conversations.update(input.exchanges), analyzeConversations(input.exchanges, { sessionGapMs }), at);
          assert.deepStrictEqual(claude.update(input), buildAnalysisReport(input, { sessionGapMs, agent: 'claude' }), at);
        }
        assert.ok(pendingSteps > 10, `responses landed late (${pendingSteps} steps with a pending request)`);
        // Incremental: most records fold only themselves; the response-before-request and the early request restart.
        assert.ok(report.work.restarts >= 2 && report.work.restarts <= 4, `${report.work.restarts} restarts`);
        assert.ok(conversations.work.restarts >= 2, `${conversations.work.restarts} conversation restarts`);
        const final = index.analysisInput().exchanges.length;
        assert.ok(report.work.folded < 4 * final, `${report.work.folded} exchanges folded for ${final}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
