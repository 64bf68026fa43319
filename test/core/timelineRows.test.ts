// The timeline's packed row list (what the host carries to the page on open) gives back every row as it was.
import assert from 'node:assert/strict';
import { packRows, unpackRows, parseTimelineToWebview, type TimelineRow } from '../../src/webview/timelineProtocol';

describe('timeline packed rows', () => {
  const rows: TimelineRow[] = [
    { id: 'a1', t: 1_764_000_000_000, agent: 'claude', method: 'POST', path: '/v1/messages?beta=true', pending: false, session: 0, repeat: false, status: 200, model: 'claude-opus-4-1', tokens: 12_345, rtt: 812, tools: ['Bash', 'Read'] },
    { id: 'a2', t: 1_764_000_001_000, agent: 'claude', method: 'POST', path: '/v1/messages?beta=true', pending: true, session: 0, repeat: true, edge: 'retry' },
    { id: 'b1', t: 1_764_000_002_500, agent: 'codex', method: 'POST', path: '/v1/responses', pending: false, session: 1, repeat: false, status: 529, error: true, edge: 'continuation', tokens: 0, rtt: 0 },
    { id: 'spoof', t: 1_764_000_003_000, agent: 'codex', method: 'GET', path: '/x\u202Egnp.exe', pending: false, session: 1, repeat: false, edge: 'next', model: '' },
  ];

  // Required<>: a field added to TimelineRow does not type-check here until this row carries it, and then the
  // round trip fails until packRows carries it too (the secrets badge and the cache-break mark were once lost so).
  const everyField: Required<TimelineRow> = {
    id: 'full', t: 1_764_000_004_000, agent: 'claude', method: 'POST', path: '/v1/messages', status: 200, pending: false,
    error: true, model: 'claude-sonnet-4-5', tokens: 9, rtt: 10, session: 2, edge: 'next', repeat: true, tools: ['Bash'],
    secrets: 2, cacheBreak: 'tools[9] WebSearch (description changed) · 9,000 tokens missed · $0.031',
  };

  it('round-trips every field, absent ones staying absent', () => {
    assert.deepEqual(unpackRows(packRows(rows)), rows);
    assert.deepEqual(unpackRows(packRows([everyField])), [everyField]);
  });

  it('shares repeated strings and is accepted by the page validator', () => {
    const packed = packRows(rows);
    assert.equal(packed.strings.filter((text) => text === 'claude').length, 1);
    const message = parseTimelineToWebview(JSON.parse(JSON.stringify({ type: 'rows', rows: packed, gapSeconds: 30, sessions: 2 })));
    assert.equal(message?.type, 'rows');
    assert.equal(parseTimelineToWebview({ type: 'rows', rows: { ...packed, cells: packed.cells.slice(1) }, gapSeconds: 30 }), undefined, 'a malformed list is refused');
  });

  it('marks the first screens sent ahead of the whole list as partial, and only those', () => {
    const packed = packRows(rows);
    const ahead = parseTimelineToWebview(JSON.parse(JSON.stringify({ type: 'rows', rows: packed, gapSeconds: 30, sessions: 2, partial: true })));
    assert.equal(ahead?.type === 'rows' && ahead.partial, true);
    const whole = parseTimelineToWebview(JSON.parse(JSON.stringify({ type: 'rows', rows: packed, gapSeconds: 30, sessions: 2 })));
    assert.equal(whole?.type === 'rows' && whole.partial, undefined);
    const odd = parseTimelineToWebview({ type: 'rows', rows: packed, gapSeconds: 30, sessions: 2, partial: 'yes' });
    assert.equal(odd?.type === 'rows' && odd.partial, undefined, 'only true marks a partial list');
  });
});
