// The request line spliced from the body's bytes must be, byte for byte, what parsing the body and serializing
// the record writes; where it cannot be (odd bodies), the splice must decline rather than differ.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { claudeCodeBody, claudeCodeSession } from '../../bench/agentBodies';
import { requestRecord, type RecorderCommand, type RequestMeta } from '../../src/core/capture/captureRecorder';
import { spliceRequest, splicedRequestLine } from '../../src/core/capture/requestSplice';
import type { Wire } from '../../src/core/wire/common';

type RequestCommand = Extract<RecorderCommand, { type: 'request' }>;

const WIRES: Wire[] = ['claude-messages', 'codex-responses', 'codex-chat', 'unknown'];
const FIXTURES = join(__dirname, '..', 'fixtures');

function command(body: Buffer, wire: Wire, extra: Partial<RequestCommand> = {}, contentEncoding = ''): RequestCommand {
  const meta: RequestMeta = {
    id: '0123456789ab',
    ts: '2026-12-02T03:00:00.000Z',
    agent: 'claude',
    wire,
    method: 'POST',
    path: '/v1/messages?beta=true',
    headers_kept: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    contentEncoding,
  };
  return { type: 'request', meta, body, bodyBytes: body.length, overflowed: false, interrupted: false, ...extra };
}

/** Today's line: parse, extract, serialize. */
function parsedLine(request: RequestCommand): string {
  return `${JSON.stringify(requestRecord(request))}\n`;
}

/** Both ways agree whenever the splice answers; returns whether it did. */
function agree(request: RequestCommand, label: string): boolean {
  const spliced = splicedRequestLine(request);
  if (spliced === undefined) return false;
  assert.equal(Buffer.concat(spliced).toString('utf8'), parsedLine(request), `${label} (${request.meta.wire}): spliced line differs`);
  // The recorder's way: with digests, then leaning on its own tree (every value vouched for, none scanned).
  const withDigests = spliceRequest(request, undefined, true);
  assert.ok(withDigests, `${label}: spliced with digests`);
  const leaning = spliceRequest(request, { root: withDigests.root }, true);
  assert.equal(Buffer.concat(leaning?.line ?? []).toString('utf8'), parsedLine(request), `${label} (${request.meta.wire}): leaning line differs`);
  return true;
}

function jsonFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

/** Request bodies in the fixture logs (the original tool's and ours), re-serialized as an agent would send them. */
function loggedBodies(): Buffer[] {
  const logs = join(FIXTURES, 'logs');
  return readdirSync(logs)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readFileSync(join(logs, name), 'utf8').split('\n'))
    .flatMap((line) => {
      // The fixture logs end in a torn line on purpose.
      try {
        return [JSON.parse(line) as { kind: string; request?: unknown }];
      } catch {
        return [];
      }
    })
    .filter((record) => record.kind === 'request' && typeof record.request === 'object' && record.request !== null)
    .map((record) => Buffer.from(JSON.stringify(record.request)));
}

describe('request lines spliced from the body bytes', () => {
  it('every fixture body, as stored and as an agent sends it (compact), gives the parsed line on every wire', () => {
    const files = jsonFiles(FIXTURES);
    assert.ok(files.length >= 5, 'fixtures found');
    for (const file of files) {
      const stored = readFileSync(file);
      const compact = Buffer.from(JSON.stringify(JSON.parse(stored.toString('utf8'))));
      for (const wire of WIRES) {
        assert.equal(agree(command(stored, wire), file), false, `${file} is pretty-printed: the splice must decline`);
        assert.equal(agree(command(compact, wire), file), true, `${file} compact (${wire}) is spliced`);
      }
    }
  });

  it('every request body in the fixture logs gives the parsed line', () => {
    const bodies = loggedBodies();
    assert.ok(bodies.length > 10, 'logged request bodies found');
    for (const [index, body] of bodies.entries()) {
      for (const wire of WIRES) assert.equal(agree(command(body, wire), `log body ${index}`), true);
    }
  });

  it('generated Claude Code bodies of every bench size and a 100-turn session give the parsed line', () => {
    for (const size of [40_000, 250_000, 1_000_000, 5 * 1024 * 1024]) {
      assert.equal(agree(command(claudeCodeBody(size), 'claude-messages'), `${size}-byte body`), true);
    }
    for (const [turn, body] of claudeCodeSession(100, 2_000).entries()) {
      assert.equal(agree(command(body, 'claude-messages'), `session turn ${turn}`), true);
    }
  });

  it('declines what it cannot vouch for, and agrees wherever it splices', () => {
    const cases: Array<[string, string, boolean]> = [
      ['whitespace between tokens', '{"a": 1}', false],
      ['a trailing newline', '{"a":1}\n', false],
      ['an escaped slash', '{"a":"x\\/y"}', false],
      ['an escape of a plain letter', '{"a":"\\u0041"}', false],
      ['an uppercase escape', '{"a":"\\u001F"}', false],
      ['a long-form escape with a short form', '{"a":"\\u000a"}', false],
      ['an escaped surrogate pair', '{"a":"\\ud83d\\ude00"}', false],
      ['an escaped U+2028', '{"a":"\\u2028"}', false],
      ['a raw control character', '{"a":"x\ty"}', false],
      ['a duplicate key', '{"a":1,"b":2,"a":3}', false],
      ['an integer-like key', '{"b":1,"10":2}', false],
      ['a number with a fraction JSON.stringify drops', '{"a":1.0}', false],
      ['an exponent', '{"a":1e5}', false],
      ['negative zero', '{"a":-0}', false],
      ['a 20-digit integer', '{"a":12345678901234567890}', false],
      ['a leading zero', '{"a":01}', false],
      ['a truncated body', '{"model":"x","messages":[', false],
      ['a top-level array', '[1,2]', false],
      ['a top-level string', '"x"', false],
      ['an empty body', '', false],
      ['a BOM', '\ufeff{"a":1}', false],
      ['a raw U+2028 and U+2029', '{"a":"x\u2028y\u2029z"}', true],
      ['the escapes JSON.stringify writes', '{"a":"q\\"b\\\\n\\nt\\tr\\rf\\fb\\bc\\u001fd\\u0000"}', true],
      ['a lone surrogate escape', '{"a":"x\\ud800y","b":"\\udfff"}', true],
      ['non-ASCII text and keys', '{"ключ":"日本語 😀 é","a":"ü"}', true],
      ['numbers JSON.stringify writes as they are', '{"a":0,"b":-12,"c":0.1,"d":1.5e-7,"e":1e+21,"f":9007199254740991}', true],
      ['a __proto__ key', '{"__proto__":{"x":1},"a":1}', true],
      ['an empty object', '{}', true],
      ['deep nesting', `{"a":${'['.repeat(400)}${']'.repeat(400)}}`, true],
      ['nesting deeper than the scanner goes', `{"a":${'['.repeat(600)}${']'.repeat(600)}}`, false],
      ['literals', '{"a":true,"b":false,"c":null,"d":[true,false,null]}', true],
      ['an unknown literal', '{"a":nul}', false],
    ];
    for (const [label, text, spliced] of cases) {
      for (const wire of WIRES) {
        assert.equal(agree(command(Buffer.from(text), wire), label), spliced, `${label} on ${wire}: spliced ${!spliced ? 'but should not be' : 'expected'}`);
      }
    }
    const invalidUtf8 = Buffer.from([...Buffer.from('{"a":"caf'), 0xc3, 0x28, ...Buffer.from('"}')]);
    assert.equal(agree(command(invalidUtf8, 'claude-messages'), 'invalid UTF-8'), false);
  });

  it('covers each wire extraction: system strings and messages, instruction items, tool namespaces', () => {
    const claude = [
      '{"system":"Be terse.","messages":[{"role":"user","content":"hi"},{"role":"system","content":"env"}]}',
      '{"system":"","messages":[{"role":"system","content":"env"}]}',
      '{"system":null,"messages":[{"role":"system","content":"env"}],"tools":[]}',
      '{"system":7,"messages":[{"role":"system","content":"env"}]}',
      '{"system":{"type":"text","text":"x"},"messages":[{"role":"system"},{"role":"user"},{"role":"system","x":1}]}',
      '{"messages":[{"role":"system"}]}',
      '{"messages":"not a list"}',
      '{"system":[{"type":"text","text":"a"}],"messages":[{"role":"system","content":[{"type":"text","text":"b"}]}]}',
      '{"messages":[1,"x",null,[],{"role":"system"}]}',
    ];
    const responses = [
      '{"instructions":"Be terse.","input":[{"role":"user","content":"hi"}]}',
      '{"instructions":"Be terse.","input":[{"role":"developer","content":"d"},{"type":"message","role":"system","content":"s"},{"type":null,"role":"developer"}]}',
      '{"instructions":"","input":[{"role":"developer","content":"d"}]}',
      '{"instructions":[{"type":"message","role":"system"}],"input":[{"role":"developer"}]}',
      '{"instructions":5,"input":[{"role":"developer"}]}',
      '{"input":[{"type":"additional_tools","role":"developer","tools":[{"type":"namespace","name":"functions","tools":[{"type":"function","name":"exec"},{}]},{"type":"namespace","name":"clock","tools":[{"name":"now","namespace":"own"}]}]}]}',
      '{"input":[{"type":"additional_tools","namespaces":[{"name":"outer","tools":[{"name":"inner","tools":[{"name":"deep"}]}]}]}],"tools":[{"type":"web_search"}]}',
      '{"tools":[{"type":"function","name":"a"},{"type":"namespace","name":"","tools":[{"name":"b"}]},{"name":7,"tools":[{"name":"c"}]}]}',
      '{"tools":[{"type":"function","name":"a"}],"input":"plain text"}',
      `{"tools":[${'{"name":"n","tools":['.repeat(20)}{"name":"leaf"}${']}'.repeat(20)}]}`,
      '{"input":[{"type":"additional_tools","tools":"none"}]}',
    ];
    const chat = [
      '{"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}',
      '{"messages":[{"role":"user","content":"hi"}]}',
      '{"model":"x"}',
    ];
    const all = [...claude, ...responses, ...chat];
    for (const text of all) {
      for (const wire of WIRES) assert.equal(agree(command(Buffer.from(text), wire), text), true, `${text} on ${wire}`);
    }
  });

  it('carries the record fields around the body: interrupted note, identity encoding; declines encoded and overflowed', () => {
    const body = Buffer.from('{"messages":[{"role":"user","content":"hi"}]}');
    assert.equal(agree(command(body, 'claude-messages', { interrupted: true }), 'interrupted'), true);
    assert.equal(agree(command(body, 'claude-messages', {}, 'identity'), 'identity'), true);
    assert.equal(agree(command(body, 'claude-messages', { bodyBytes: 99 }), 'bytes'), true);
    assert.equal(splicedRequestLine({ ...command(body, 'claude-messages', {}, 'gzip') }), undefined);
    assert.equal(splicedRequestLine({ ...command(body, 'claude-messages', { overflowed: 'cap' }) }), undefined);
  });
});
