// The readable texts the editor's diff documents are made of (src/core/analysis/readableRequest.ts).
import assert from 'node:assert/strict';
import { promptFamilies } from '../../src/core/analysis/promptSkeleton';
import { injectedFileOf, messagesReadable, skeletonText, toolsJson } from '../../src/core/analysis/readableRequest';

describe('readable request texts', () => {
  it('a skeleton shows each slot as one placeholder line where its text goes', () => {
    const lines = (date: string) => ['Intro', `Date: ${date}`, 'Rules', 'End'].join('\n');
    const [family] = promptFamilies([
      { key: 'a', text: lines('1'), requests: 2 },
      { key: 'b', text: lines('2'), requests: 1 },
    ]);
    assert.ok(family);
    const skeleton = skeletonText(family);
    assert.equal(skeleton.text, ['Intro', '⟪slot 1 · 2 values across 2 samples⟫', 'Rules', 'End'].join('\n'));
    assert.deepEqual(
      skeleton.slotLines.map((slot) => [slot.line, slot.number]),
      [[1, 1]],
    );
  });

  it('tools sort by name with keys sorted', () => {
    const text = toolsJson([{ name: 'b', z: 1, a: 2 }, { type: 'web_search' }, { function: { name: 'a' } }]);
    assert.deepEqual(
      (JSON.parse(text) as unknown[]).map((tool) => JSON.stringify(tool)),
      ['{"function":{"name":"a"}}', '{"a":2,"name":"b","z":1}', '{"type":"web_search"}'],
    );
  });

  it('messages read as one block per message and content block, Responses items too', () => {
    const text = messagesReadable([
      { role: 'user', content: 'plain' },
      { type: 'function_call', name: 'shell', arguments: '{"cmd":"ls"}', call_id: 'c1' },
      { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
    ]);
    assert.equal(
      text,
      ['── #1 user ──', 'plain', '', '── #2 function_call ──', 'shell {"cmd":"ls"}', '', '── #3 function_call_output ──', 'a.txt', ''].join('\n'),
    );
  });

  it('finds the file an injected prompt line names', () => {
    assert.deepEqual(injectedFileOf('Contents of /home/u/p/CLAUDE.md (project instructions, checked into the codebase):'), {
      path: '/home/u/p/CLAUDE.md',
      start: 12,
      end: 31,
    });
    assert.equal(injectedFileOf('# AGENTS.md instructions for /home/u/p')?.path, '/home/u/p/AGENTS.md');
    assert.equal(injectedFileOf('Contents of the box: nothing'), undefined);
  });
});
