// The canonical scan leaning on an earlier turn (jsonScan.ts EarlierScan, capture/earlierScans.ts): a value whose
// bytes hash as an earlier body's did is taken as proved instead of scanned again. It must give exactly the tree and
// the line a cold scan gives, must really lean (or it buys nothing), and must never vouch for bytes that changed.

import assert from 'node:assert/strict';
import { claudeCodeSession } from '../../bench/agentBodies';
import { EarlierScans } from '../../src/core/capture/earlierScans';
import { spliceRequest, splicedRequestLine } from '../../src/core/capture/requestSplice';
import type { RequestMeta } from '../../src/core/capture/captureRecorder';
import { holdsValue, scanCanonical, type SpanNode } from '../../src/core/jsonScan';

const meta: RequestMeta = {
  id: '0123456789ab',
  ts: '2026-12-03T12:00:00.000Z',
  agent: 'claude',
  wire: 'claude-messages',
  method: 'POST',
  path: '/v1/messages?beta=true',
  headers_kept: { 'anthropic-version': '2023-06-01' },
  contentEncoding: '',
};
const request = (body: Buffer) => ({ meta, body, bodyBytes: body.length, overflowed: false as const, interrupted: false });

/** The spans of a tree, without digests or shared identity: what a cold scan and a leaning one must agree on. */
function spans(node: SpanNode | undefined): unknown {
  if (!node) return undefined;
  return {
    start: node.start,
    end: node.end,
    entries: node.entries && [...node.entries].map(([key, child]) => [key, spans(child)]),
    items: node.items?.map(spans),
  };
}

/** How many values two levels down the leaning tree took from the earlier one rather than scanning. */
function adoptedFrom(root: SpanNode, earlier: SpanNode): number {
  const earlierDigests = new Set<string>();
  for (const value of earlier.entries?.values() ?? []) for (const item of value.items ?? []) if (item.digest) earlierDigests.add(item.digest);
  let adopted = 0;
  for (const value of root.entries?.values() ?? []) {
    for (const item of value.items ?? []) if (item.digest && earlierDigests.has(item.digest)) adopted += 1;
  }
  return adopted;
}

describe('the canonical scan leaning on an earlier turn', () => {
  it('a 60-turn session with a moving cache breakpoint: every turn leans on the one before and gives the cold scan’s tree and line', () => {
    const scans = new EarlierScans();
    let leaned = 0;
    for (const [turn, body] of claudeCodeSession(60, 3_000).entries()) {
      const earlier = scans.closest(body, holdsValue);
      const spliced = spliceRequest(request(body), earlier, true);
      assert.ok(spliced, `turn ${turn} spliced`);
      assert.deepEqual(spans(spliced.root), spans(scanCanonical(body)), `turn ${turn}: the tree`);
      assert.equal(Buffer.concat(spliced.line).toString('utf8'), Buffer.concat(splicedRequestLine(request(body)) ?? []).toString('utf8'), `turn ${turn}: the line`);
      if (turn > 0) {
        assert.ok(earlier, `turn ${turn} found the turn before`);
        // Rescanned: the new tool round and (from turn 2, when the breakpoint first leaves a message) the message that
        // lost it; every other message, system block and tool is taken.
        const changed = turn === 1 ? 2 : 3;
        const messages = spliced.root.entries?.get('messages')?.items?.length ?? 0;
        const tools = spliced.root.entries?.get('tools')?.items?.length ?? 0;
        const system = spliced.root.entries?.get('system')?.items?.length ?? 0;
        assert.equal(adoptedFrom(spliced.root, earlier.root), messages - changed + tools + system, `turn ${turn}: values taken from the turn before`);
        leaned += 1;
      }
      scans.keep(spliced.root, earlier);
      assert.equal(scans.count, 1, 'the turn continued is let go');
    }
    assert.equal(leaned, 59);
  });

  it('never vouches for changed bytes: a same-length change that breaks canonical form is refused, one that keeps it is scanned', () => {
    const [first, second] = claudeCodeSession(2, 3_000);
    const earlierRoot = scanCanonical(first as Buffer, { digests: true });
    assert.ok(earlierRoot);
    const message = earlierRoot.entries?.get('messages')?.items?.[0] as SpanNode;
    // Inside the first message's text: a letter made a raw control character (not JSON), or another letter.
    const at = (first as Buffer).indexOf('Find why', message.start);
    assert.ok(at > message.start && at < message.end);
    for (const [label, byte, canonical] of [['a raw control character', 0x01, false], ['another letter', 0x66, true]] as const) {
      const changed = Buffer.from(second as Buffer);
      changed[at] = byte;
      const leaning = scanCanonical(changed, { digests: true, earlier: { root: earlierRoot } });
      assert.equal(leaning !== undefined, canonical, label);
      assert.deepEqual(spans(leaning), spans(scanCanonical(changed)), `${label}: as a cold scan`);
      if (leaning) assert.equal(adoptedFrom(leaning, earlierRoot) < adoptedFrom(scanCanonical(second as Buffer, { digests: true, earlier: { root: earlierRoot } })!, earlierRoot), true);
    }
  });

  it('takes values that moved (system and tools after grown messages) with their children where they now are', () => {
    const [first, , third] = claudeCodeSession(3, 20_000);
    const earlierRoot = scanCanonical(first as Buffer, { digests: true }) as SpanNode;
    const leaning = scanCanonical(third as Buffer, { digests: true, earlier: { root: earlierRoot } }) as SpanNode;
    const tools = leaning.entries?.get('tools') as SpanNode;
    assert.notEqual(tools.start, earlierRoot.entries?.get('tools')?.start, 'the tools moved');
    assert.deepEqual(spans(leaning), spans(scanCanonical(third as Buffer)));
    assert.ok(adoptedFrom(leaning, earlierRoot) >= (tools.items?.length ?? 0));
  });

  it('finds each conversation’s own earlier turn among several in flight, and keeps at most 32 trees', () => {
    const sessions = [claudeCodeSession(6, 3_000, 1), claudeCodeSession(6, 3_000, 2), claudeCodeSession(6, 3_000, 3)];
    const scans = new EarlierScans();
    const latest: Array<SpanNode | undefined> = [];
    for (let turn = 0; turn < 6; turn++) {
      for (const [index, session] of sessions.entries()) {
        const body = session[turn] as Buffer;
        const earlier = scans.closest(body, holdsValue);
        assert.equal(earlier?.root, latest[index], `session ${index} turn ${turn}: its own turn before`);
        const root = scanCanonical(body, { digests: true, earlier }) as SpanNode;
        scans.keep(root, earlier);
        latest[index] = root;
      }
    }
    assert.equal(scans.count, 3);
    for (let seed = 10; seed < 50; seed++) scans.keep(scanCanonical(claudeCodeSession(1, 0, seed)[0] as Buffer, { digests: true }) as SpanNode);
    assert.equal(scans.count, 32);
  });

  it('keeps at most 64 000 digested values over all trees: bodies of very many small messages do not pile up', () => {
    const manyMessages = (count: number, tag: string) =>
      Buffer.from(JSON.stringify({ model: tag, messages: Array.from({ length: count }, (_, index) => ({ role: 'user', content: `${tag} ${index}` })) }));
    const scans = new EarlierScans();
    scans.keep(scanCanonical(manyMessages(30_000, 'a'), { digests: true }) as SpanNode);
    scans.keep(scanCanonical(manyMessages(30_000, 'b'), { digests: true }) as SpanNode);
    assert.equal(scans.count, 2);
    scans.keep(scanCanonical(manyMessages(30_000, 'c'), { digests: true }) as SpanNode);
    assert.equal(scans.count, 2, 'the oldest went');
    assert.ok(scans.valueCount <= 64_000, `${scans.valueCount} values kept`);
    scans.keep(scanCanonical(manyMessages(70_000, 'd'), { digests: true }) as SpanNode);
    assert.equal(scans.count, 2, 'a tree over the limit by itself is not kept');
  });
});
