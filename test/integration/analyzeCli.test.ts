// `agent-interlude analyze` as a user runs it: the built binary over fixture logs in the
// original's record format. `<log>.original-report.txt` next to each fixture is what the
// original tool (agent-interlude 0.2.x, `agent-interlude-analyze <log>`) printed for it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const LOGS = join(ROOT, 'test/fixtures/logs');
const WITH_SIDE_REQUESTS = join(LOGS, 'original-format.jsonl');

function analyze(args: string[], cwd = ROOT) {
  return spawnSync('node', [CLI, 'analyze', ...args], { cwd, encoding: 'utf8' });
}

describe('agent-interlude analyze', function () {
  this.timeout(60_000);

  before(() => {
    const build = spawnSync('node', ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  });

  // The original's records carry no schema version, so we re-extract them with our extraction, which
  // counts Claude Code's role:"system" agents list as a part of the system prompt (as our own logs do):
  // one part, one line and its characters more than the original printed. These lines say so, and only these.
  const REEXTRACTED: Record<string, Record<string, string>> = {
    'original-format': {
      '- representation : 3 block(s)/req': '- representation : 4 block(s)/req',
      '- size (chars)   : min=242 median=699 max=723': '- size (chars)   : min=242 median=754 max=778',
      '- skeleton       : 0/34 lines fixed (0%)': '- skeleton       : 0/35 lines fixed (0%)',
      '- dynamic slots  : 34 line(s) vary across samples': '- dynamic slots  : 35 line(s) vary across samples',
      'system representation        3 block(s)/req        single string         ': 'system representation        4 block(s)/req        single string         ',
      'system size (median chars)   699                   107                   ': 'system size (median chars)   754                   107                   ',
    },
    'no-side-requests': {
      '- representation : 3 block(s)/req': '- representation : 4 block(s)/req',
      '- size (chars)   : min=699 median=699 max=723': '- size (chars)   : min=754 median=754 max=778',
      '- skeleton       : 16/31 lines fixed (52%)': '- skeleton       : 17/32 lines fixed (53%)',
      'system representation        3 block(s)/req        single string         ': 'system representation        4 block(s)/req        single string         ',
      'system size (median chars)   699                   107                   ': 'system size (median chars)   754                   107                   ',
    },
  };
  for (const log of ['original-format', 'no-side-requests']) {
    it(`cross-checked: every line of the original's report on ${log}.jsonl appears verbatim, in order`, () => {
      const original = readFileSync(join(LOGS, `${log}.original-report.txt`), 'utf8')
        .split('\n')
        // The original lists pooled dynamic lines in Python set order (random per run); we list slots instead.
        .filter((line) => line !== '' && !line.startsWith('    •') && !line.startsWith('    …'))
        .map((line) => REEXTRACTED[log]?.[line] ?? line);
      const result = analyze([join(LOGS, `${log}.jsonl`)]);
      assert.equal(result.status, 0, result.stderr);
      const ours = result.stdout.split('\n');
      let at = 0;
      for (const line of original) {
        const found = ours.indexOf(line, at);
        assert.ok(found >= 0, `the original's line is missing or out of order: ${JSON.stringify(line)}`);
        at = found + 1;
      }
    });
  }

  it('prints the per-agent sections and the cross-agent table as the original printed them', () => {
    const result = analyze([WITH_SIDE_REQUESTS]);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    for (const expected of [
      '# Interlude prompt-architecture report',
      'agents : claude (9 analyzable req), codex (2 analyzable req)',
      '## Agent: claude',
      'requests analyzed: 9  | wire(s): claude-messages×9',
      '- representation : 4 block(s)/req',
      '- size (chars)   : min=242 median=754 max=778',
      '- distinct samples: 4 (of 9 requests)',
      '- count          : 6 (median)',
      '- schema key     : input_schema',
      '- always present : 0 | sometimes: 6',
      '- names          : Bash, Edit, Glob, Grep, Read, WebSearch',
      '- varying tools  : Bash, Edit, Glob, Grep, Read, WebSearch',
      '- per-request    : min=1 max=6 items',
      "- roles/types    : {'system': 7, 'user': 17, 'assistant': 8}",
      "- content blocks : {'text': 31, 'tool_use': 8, 'tool_result': 8}",
      'requests analyzed: 2  | wire(s): codex-responses×2',
      '- skeleton/slots : only 1 distinct system seen — capture more varied sessions to surface dynamic slots',
      "- roles/types    : {'user': 4, 'function_call': 1, 'function_call_output': 1}",
    ]) {
      assert.ok(lines.includes(expected), `missing line: ${expected}\n---\n${result.stdout}`);
    }
    assert.ok(lines.includes('- skeleton       : 0/35 lines fixed (0%)'));
    assert.ok(lines.includes('- dynamic slots  : 35 line(s) vary across samples'));
    const table = result.stdout.slice(result.stdout.indexOf('## Cross-agent comparison')).split('\n').slice(0, 9);
    assert.deepEqual(table, [
      '## Cross-agent comparison',
      'dimension                    claude                codex                 ',
      '-------------------------------------------------------------------------',
      'system representation        4 block(s)/req        single string         ',
      'system size (median chars)   754                   107                   ',
      'distinct system samples      4                     1                     ',
      'tool count (median)          6                     2                     ',
      'tool schema key              input_schema          parameters            ',
      'tool container               top-level `tools`     top-level `tools`     ',
    ]);
  });

  it('adds families with positioned slots, the prefix, tokens, sessions and the line counts', () => {
    const { stdout, stderr, status } = analyze([WITH_SIDE_REQUESTS, '--max-slots', '2']);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /\nlines  : 1 blank line, 1 invalid line \(not JSON, skipped\), an unfinished last line \(\d+ bytes, still being written or torn\)\n/);
    assert.match(stdout, /- prompt families: 2 /);
    assert.match(stdout, /#1 "You are Claude Code, Anthropic's official CLI for Claude.": 7 requests, 2 distinct samples/);
    assert.match(stdout, /skeleton 17\/32 lines fixed \(53%\); 6 slots/);
    assert.match(stdout, /• line 9 after "# Memory", before "# Environment": 2 value\(s\), filled in 2\/2/);
    assert.match(stdout, /… \+4 more slot\(s\)/);
    assert.match(stdout, /#2 "Summarize this coding conversation in under 50 characters.": 2 requests/);
    assert.match(stdout, /• line 1 \[system\] at the start, before "You are Claude Code/);
    assert.match(analyze([WITH_SIDE_REQUESTS]).stdout, /\[context\] after "# currentDate", before "<\/system-reminder>"/);
    // Writes count in the hit rate: read / (uncached + read + written) = 56600 / 85628, not 100%.
    assert.match(stdout, /claude-sonnet-4-5\s+7\s+28\s+320\s+56600\s+29000\s+66\.1%/);
    assert.match(stdout, /gpt-5-codex\s+2\s+1700\s+55\s+1400\s+0\s+45\.2%/);
    assert.match(stdout, /3 sessions, 5 threads: 5 continuations, 1 retry, 2 new starts within a session; 2 requests outside conversations/);
  });

  it('--json prints the whole data model', () => {
    const { stdout, stderr, status } = analyze([WITH_SIDE_REQUESTS, '--json']);
    assert.equal(status, 0, stderr);
    const model = JSON.parse(stdout) as {
      sources: { lines: { records: number; blank: number; invalid: number } };
      agents: { agent: string; system: { families: { slots: unknown[] }[] } }[];
      conversations: { edges: { kind: string }[] };
      tokens: { byFamily: unknown[] };
    };
    assert.deepEqual([model.sources.lines.records, model.sources.lines.blank, model.sources.lines.invalid], [26, 1, 1]);
    assert.deepEqual(model.agents.map((agent) => agent.agent), ['claude', 'codex']);
    assert.equal(model.agents[0].system.families[0].slots.length, 6);
    assert.equal(model.conversations.edges.filter((edge) => edge.kind === 'retry').length, 1);
    assert.equal(model.tokens.byFamily.length, 3);
  });

  it('--agent limits the report to one agent', () => {
    const { stdout, stderr, status } = analyze([WITH_SIDE_REQUESTS, '--agent', 'codex']);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /agents : codex \(2 analyzable req\)/);
    assert.doesNotMatch(stdout, /## Agent: claude/);
    assert.doesNotMatch(stdout, /Cross-agent comparison/);
    const unknown = analyze([WITH_SIDE_REQUESTS, '--agent', 'gemini']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no exchanges of agent "gemini" \(agents: claude, codex\)/);
  });

  it('reads ./.agent-interlude by default, and globs', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'interlude-analyze-'));
    mkdirSync(join(cwd, '.agent-interlude'));
    copyFileSync(WITH_SIDE_REQUESTS, join(cwd, '.agent-interlude', 'log-20261129T100000Z.jsonl'));
    copyFileSync(join(LOGS, 'no-side-requests.jsonl'), join(cwd, '.agent-interlude', 'other.jsonl'));
    const byDefault = analyze([], cwd);
    assert.equal(byDefault.status, 0, byDefault.stderr);
    assert.match(byDefault.stdout, /sources: 1 file\(s\), 26 record/);
    const globbed = analyze(['.agent-interlude/*.jsonl'], cwd);
    assert.equal(globbed.status, 0, globbed.stderr);
    assert.match(globbed.stdout, /sources: 2 file\(s\)/);
  });

  it('a missing or empty path is a clear message on stderr and exit code 1; bad options exit 2', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'interlude-analyze-'));
    const missingDefault = analyze([], cwd);
    assert.equal(missingDefault.status, 1);
    assert.equal(missingDefault.stdout, '');
    assert.match(missingDefault.stderr, /^agent-interlude analyze: \.agent-interlude: no such file or directory/);

    const missing = analyze([join(cwd, 'nope.jsonl')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.jsonl: no such file or directory/);

    writeFileSync(join(cwd, 'empty.jsonl'), '');
    const empty = analyze([join(cwd, 'empty.jsonl')]);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /empty\.jsonl: the file is empty/);

    mkdirSync(join(cwd, 'logs'));
    const emptyDir = analyze([join(cwd, 'logs')]);
    assert.equal(emptyDir.status, 1);
    assert.match(emptyDir.stderr, /no log-\*\.jsonl files in this directory/);

    writeFileSync(join(cwd, 'junk.jsonl'), 'not json\n\n');
    const junk = analyze([join(cwd, 'junk.jsonl')]);
    assert.equal(junk.status, 1);
    assert.match(junk.stderr, /no exchanges in .*junk\.jsonl \(0 records, 1 invalid line\)/);

    const badSlots = analyze([WITH_SIDE_REQUESTS, '--max-slots', 'many']);
    assert.equal(badSlots.status, 2);
    assert.match(badSlots.stderr, /--max-slots takes a whole number/);
  });

  it('--help for analyze, and the main --help mentions it', () => {
    const help = analyze(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /agent-interlude analyze \[paths\.\.\.\] \[--agent NAME\] \[--max-slots N\] \[--pricing FILE\] \[--json\]/);
    const main = spawnSync('node', [CLI, '--help'], { encoding: 'utf8' });
    assert.match(main.stdout, /agent-interlude analyze \[paths\.\.\.\]/);
  });

  it('adds the cache, composition and cost sections; --pricing overrides the shipped table, a bad one is refused', () => {
    const { stdout, status, stderr } = analyze([WITH_SIDE_REQUESTS]);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /## Prompt cache\n- cache hit 65\.2% over 11 requests; 0 breaks/);
    assert.match(stdout, /requests by cause: hit×4, first-write×3, no-caching×2, no-usage×1, retry×1/);
    assert.match(stdout, /## Context composition/);
    // By hand, USD per million: sonnet 28×3 + 320×15 + 56600×0.3 + 29000×3.75 = 130614; Codex's cached
    // 1400 tokens are part of its 3100 input: 1700×1.25 + 1400×0.125 + 55×10 = 2850; haiku 240×1 + 24×5 = 360.
    assert.match(stdout, /claude-sonnet-4-5\s+7\s+6\s+\$0\.131\n/);
    assert.match(stdout, /gpt-5-codex\s+2\s+2\s+\$0\.00285\n/);
    assert.match(stdout, /claude-haiku-4-5\s+2\s+2\s+\$0\.00036\n/);

    const dir = mkdtempSync(join(tmpdir(), 'interlude-pricing-'));
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ models: { 'claude-haiku-4-5': { input: 10, output: 50, cacheRead: 1 } } }));
    const overridden = analyze([WITH_SIDE_REQUESTS, '--pricing', prices, '--json']);
    assert.equal(overridden.status, 0, overridden.stderr);
    const output = JSON.parse(overridden.stdout);
    const haiku = output.explain.cost.byFamily.find((row: { family: string }) => row.family === 'claude-haiku-4-5');
    assert.ok(Math.abs(haiku.usd - (240 * 10 + 24 * 50) / 1e6) < 1e-12, JSON.stringify(haiku));
    assert.equal(output.explain.pricing.overridden, true);
    assert.equal(Object.values(output.explain.causes as Record<string, number>).reduce((a, b) => a + b, 0), 11);

    writeFileSync(prices, JSON.stringify({ 'gpt-5': { input: 'cheap' } }));
    const refused = analyze([WITH_SIDE_REQUESTS, '--pricing', prices]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--pricing .*prices\.json: pricing for "gpt-5": input must be a number/);
  });
});
