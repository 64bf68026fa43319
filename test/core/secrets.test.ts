// The secrets detector on a corpus of real-format credentials and look-alikes, as they appear in a log
// line (inside a tool result of a request body, JSON-escaped), and the mask round trip.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { claudeCodeBody, claudeCodeSession } from '../../bench/agentBodies';
import { spliceRequest } from '../../src/core/capture/requestSplice';
import { LineRedactor, type RecordSecrets } from '../../src/core/secrets/lineRedactor';
import { lineAnchors, PieceLine } from '../../src/core/secrets/byteAnchors';
import {
  findAnchorsIn,
  findSecrets,
  maskSecrets,
  PLACEHOLDER_PATTERN,
  secretHash,
  secretPlaceholder,
  SecretScanner,
} from '../../src/core/secrets/secretScanner';
import { summarizeFindings } from '../../src/core/secrets/lineRedactor';
import { secretCorpus, type CorpusCase } from '../support/secretCorpus';

function requestLine(text: string, id = 'a1b2c3d4e5f6'): string {
  const messages = [
    { role: 'user', content: [{ type: 'text', text: 'Check the deploy config.' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'cat config' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: text }] },
  ];
  return JSON.stringify({
    id,
    kind: 'request',
    ts: '2026-12-02T03:00:00.000Z',
    agent: 'claude',
    wire: 'claude-messages',
    request: { model: 'claude-sonnet-4-5', max_tokens: 32000, messages },
    extract: { system: null, tools: null, messages },
  });
}

/** What the hook must write: one full findSecrets() pass over the whole decoded line, then mask and note. */
function referenceApply(line: string, mode: 'flag' | 'mask'): string {
  const findings = findSecrets(line);
  if (!line.endsWith('}') || !findings.length) return line;
  const secrets: RecordSecrets = { masked: mode === 'mask', found: summarizeFindings(findings) };
  const text = mode === 'mask' ? maskSecrets(line, findings) : line;
  return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"secrets":${JSON.stringify(secrets)}}`;
}

/** The hook as CaptureLog calls it, on `line` cut into pieces at `cuts` (byte offsets); its output decoded. */
function applyOnPieces(redactor: LineRedactor, line: string, cuts: number[] = []): { out: string; same: boolean } {
  const bytes = Buffer.from(line);
  const pieces = [0, ...cuts, bytes.length].slice(1).map((end, index, ends) => bytes.subarray(index ? ends[index - 1] : 0, end));
  const written = redactor.applyPieces(pieces);
  return { out: Buffer.concat(written).toString('utf8'), same: written === pieces };
}

function kindsFound(found: RecordSecrets | undefined): string[] {
  return [...new Set(found?.found.map((secret) => secret.kind) ?? [])].sort();
}

describe('secrets detector: corpus', () => {
  const corpus = secretCorpus();

  it('finds every real-format credential and no look-alike (counts printed)', () => {
    let truePositives = 0;
    let falseNegatives = 0;
    let falsePositives = 0;
    const misses: string[] = [];
    for (const sample of corpus) {
      const parsed = JSON.parse(new LineRedactor('flag').apply(requestLine(sample.text))) as { secrets?: RecordSecrets };
      const found = kindsFound(parsed.secrets);
      const expected = [...new Set(sample.kinds)].sort();
      for (const kind of expected) {
        if (found.includes(kind)) truePositives += 1;
        else {
          falseNegatives += 1;
          misses.push(`missed ${kind} in "${sample.name}"`);
        }
      }
      for (const kind of found) {
        if (!expected.includes(kind)) {
          falsePositives += 1;
          misses.push(`false ${kind} in "${sample.name}"`);
        }
      }
    }
    const positives = corpus.filter((sample) => sample.kinds.length).length;
    // The line hook on bytes writes exactly what one full pass over the decoded text gives, in both modes, whole
    // and cut into pieces anywhere.
    for (const sample of corpus) {
      const line = requestLine(sample.text);
      for (const mode of ['flag', 'mask'] as const) {
        const reference = referenceApply(line, mode);
        const whole = applyOnPieces(new LineRedactor(mode), line);
        assert.equal(whole.out, reference, `${sample.name} (${mode})`);
        assert.equal(whole.same, reference === line, `${sample.name}: a clean line comes back as the same array`);
        const length = Buffer.byteLength(line);
        const cuts = [Math.floor(length / 3), Math.floor(length / 2), length - 7];
        assert.equal(applyOnPieces(new LineRedactor(mode), line, cuts).out, reference, `${sample.name} (${mode}, in pieces)`);
      }
    }
    console.log(
      `      corpus: ${positives} credential samples, ${corpus.length - positives} look-alikes → ` +
        `${truePositives} true positives, ${falseNegatives} false negatives, ${falsePositives} false positives`,
    );
    assert.deepEqual(misses, []);
  });

  it('agrees with secretlint’s recommended rule set wherever that set has a rule', async () => {
    const { lintSource } = await import('@secretlint/core');
    const { creator: recommended } = await import('@secretlint/secretlint-rule-preset-recommend');
    const lint = async (sample: CorpusCase) =>
      (
        await lintSource({
          source: { filePath: '/corpus.txt', content: sample.text, ext: '.txt', contentType: 'text' },
          options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] } },
        })
      ).messages.length > 0;
    let secretlintTrue = 0;
    let secretlintFalse = 0;
    const disagreements: string[] = [];
    for (const sample of corpus) {
      const flaggedBySecretlint = await lint(sample);
      const flaggedByUs = findSecrets(JSON.stringify(sample.text)).length > 0;
      if (flaggedBySecretlint && sample.kinds.length) secretlintTrue += 1;
      if (flaggedBySecretlint && !sample.kinds.length) secretlintFalse += 1;
      // Wherever secretlint sees a real credential, we must too.
      if (flaggedBySecretlint && sample.kinds.length && !flaggedByUs) disagreements.push(sample.name);
    }
    console.log(`      secretlint preset-recommend on the same corpus: ${secretlintTrue} credential samples flagged, ${secretlintFalse} look-alikes flagged`);
    assert.ok(secretlintTrue > 5, 'the reference rule set ran');
    assert.deepEqual(disagreements, []);
  });
});

describe('secrets: masking', () => {
  const corpus = secretCorpus();

  it('masks every value, keeps the line valid JSON, and placeholders are stable', () => {
    const redactor = new LineRedactor('mask');
    for (const sample of corpus.filter((entry) => entry.kinds.length)) {
      const line = requestLine(sample.text);
      const masked = redactor.apply(line);
      const record = JSON.parse(masked) as { request: { messages: Array<{ content: Array<{ content?: string }> }> }; secrets: RecordSecrets };
      for (const value of sample.values) {
        assert.ok(!masked.includes(value), `${sample.name}: the value survived`);
        assert.ok(!masked.includes(JSON.stringify(value).slice(1, -1)), `${sample.name}: the escaped value survived`);
      }
      assert.equal(record.secrets.masked, true);
      const toolResult = record.request.messages[2].content[0].content ?? '';
      // The text around the secret is untouched: unmasking by placeholder gives back the original.
      const placeholders = [...toolResult.matchAll(PLACEHOLDER_PATTERN)];
      assert.ok(placeholders.length >= sample.values.length, sample.name);
      for (const value of sample.values) {
        const kind = record.secrets.found.find((secret) => secret.hash === secretHash(value))?.kind;
        assert.ok(kind, `${sample.name}: the summary names the value by its hash`);
        assert.ok(toolResult.includes(secretPlaceholder(kind, secretHash(value))));
      }
      let restored = toolResult;
      for (const value of sample.values) {
        const kind = record.secrets.found.find((secret) => secret.hash === secretHash(value))!.kind;
        restored = restored.split(secretPlaceholder(kind, secretHash(value))).join(value);
      }
      assert.equal(restored, sample.text, `${sample.name}: round trip`);
      // The same secret in the next turn's line gets the same placeholder (diffs line up).
      assert.equal(redactor.apply(requestLine(sample.text, 'f6e5d4c3b2a1')).slice(30), masked.slice(30));
    }
  });

  it('a line without secrets is written byte for byte as it came', () => {
    const line = requestLine('total 12\n-rw-r--r-- 1 dev dev 2048 Dec  2 03:00 README.md');
    assert.equal(new LineRedactor('mask').apply(line), line);
  });

  it('remembers clean pieces: a resent conversation is not scanned twice', () => {
    const scanner = new SecretScanner();
    const big = 'x'.repeat(4000);
    const turn = (count: number) =>
      JSON.stringify({ messages: Array.from({ length: count }, (_, n) => ({ role: n % 2 ? 'assistant' : 'user', content: `${n} ${big}` })) });
    scanner.scan(turn(10));
    const before = scanner.stats.scannedChars;
    scanner.scan(turn(11));
    const scannedSecond = scanner.stats.scannedChars - before;
    assert.ok(scannedSecond < 2 * 4100, `second turn scanned ${scannedSecond} chars`);
    assert.ok(scanner.stats.skippedChars > 9 * 4000);
    // A secret added to an old message is still found (its piece's hash changed).
    const withSecret = turn(11).replace(`"3 ${big}`, `"3 ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5'} ${big}`);
    assert.equal(scanner.scan(withSecret).length, 1);
  });
});

describe('secrets detector: the fast path over large spliced lines', () => {
  // The fast path: CaptureLog finds the anchors over the pieces' bytes (the body once, the extract as views of
  // it), SecretScanner scans windows around them. It must find exactly what one full findSecrets() pass finds.
  const secret = `ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5'}`;
  const aws = 'AKIAZ7Q2R4T6V3X5B7N2';
  const filler = (count: number) =>
    Array.from({ length: count }, (_, n) => ({
      role: n % 2 ? 'assistant' : 'user',
      content: [{ type: 'text', text: `turn ${n}: the function returns "value"\n\tconst x = ${n}; // max_tokens budget ${'lorem ipsum '.repeat(40)}` }],
    }));

  function splicedLine(body: Buffer): { pieces: Uint8Array[]; text: string } {
    // Shaped like splicedRequestLine(): head, the body, then the extract as views of the body (one per message).
    const head = Buffer.from('{"id":"x","kind":"request","request":');
    const messagesAt = body.indexOf('"messages":[') + '"messages":['.length;
    const views: Uint8Array[] = [];
    let at = messagesAt;
    while (body[at] === 0x7b) {
      let depth = 0;
      let inString = false;
      let end = at;
      for (; end < body.length; end += 1) {
        const byte = body[end];
        if (inString) {
          if (byte === 0x5c) end += 1;
          else if (byte === 0x22) inString = false;
        } else if (byte === 0x22) inString = true;
        else if (byte === 0x7b) depth += 1;
        else if (byte === 0x7d && --depth === 0) break;
      }
      views.push(body.subarray(at, end + 1));
      at = end + 1;
      if (body[at] === 0x2c) at += 1;
    }
    const pieces: Uint8Array[] = [head, body, Buffer.from(',"extract":{"messages":[')];
    views.forEach((view, index) => {
      if (index) pieces.push(Buffer.from(','));
      pieces.push(view);
    });
    pieces.push(Buffer.from(']},"schema":2}\n'));
    return { pieces, text: Buffer.concat(pieces).toString('utf8').slice(0, -1) };
  }

  /** The spliced line's JSON pieces (its newline cut off, as CaptureLog hands them to the hook). */
  function jsonPieces(pieces: Uint8Array[]): Uint8Array[] {
    const last = pieces[pieces.length - 1];
    return [...pieces.slice(0, -1), last.subarray(0, last.byteLength - 1)];
  }

  function fastFindings(pieces: Uint8Array[]): { text: string; findings: ReturnType<typeof findSecrets> } {
    const json = jsonPieces(pieces);
    return { text: Buffer.concat(json).toString('utf8'), findings: new SecretScanner().scanPieces(new PieceLine(json)) };
  }

  const placements: Array<[string, (messages: ReturnType<typeof filler>) => void]> = [
    ['at the start', (messages) => (messages[0].content[0].text = `${secret} ${messages[0].content[0].text}`)],
    ['in the middle', (messages) => (messages[1500].content[0].text += ` token=${secret}`)],
    ['at the end', (messages) => (messages[messages.length - 1].content[0].text += ` ${aws}`)],
    ['inside an escaped JSON string', (messages) => (messages[700].content[0].text = JSON.stringify({ env: { API_KEY: 'Zq8#xT2$mW9pL4vK' }, auth: `Bearer ${secret}` }))],
    ['at the edge of a view', (messages) => (messages[42].content[0].text = `${secret}`)],
  ];

  for (const [where, place] of placements) {
    it(`a secret ${where} of a multi-MB compact body is found as by the full scan`, () => {
      const messages = filler(3500);
      place(messages);
      const body = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 32000, messages }));
      assert.ok(body.length > 2_000_000, `body ${body.length} bytes`);
      const { pieces, text } = splicedLine(body);
      const fast = fastFindings(pieces);
      assert.equal(fast.text, text);
      const full = findSecrets(text);
      assert.ok(full.length >= 2, `${where}: the full scan finds the body's and the extract's copy`);
      assert.deepEqual(fast.findings, full);
      // The text path (its own anchor pass over the decoded text) too.
      assert.deepEqual(new SecretScanner().scan(text), full);
    });
  }

  it('byte-level anchors equal the text-level ones, across piece seams and in any casing', () => {
    const text = `{"a":"x sk-","b":"-ant AkIa ://h eArEr x tOkEn pAsSwOrD-----BEGIN github_pat_ eyJ npm_ xoxb _live_ CREDENTIAL"}`;
    const bytes = Buffer.from(text);
    const whole = findAnchorsIn(text).map((hit) => hit.at);
    assert.equal(whole.length, 13);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      assert.deepEqual(lineAnchors(pieces).map((hit) => hit.at), whole, `cut at ${cut}`);
    }
  });

  it('a secret cut by a piece boundary at any point is found as in one piece', () => {
    const line = requestLine(`deploy with token=${secret} and ${aws} then -----BEGIN done`);
    const bytes = Buffer.from(line);
    const reference = referenceApply(line, 'mask');
    assert.notEqual(reference, line);
    const from = bytes.indexOf('token=');
    const to = bytes.indexOf(aws) + aws.length + 1;
    for (let cut = from; cut <= to; cut += 1) {
      // Two cuts: inside the secret, and a one-byte piece right after it, as a spliced line's seams can fall.
      assert.equal(applyOnPieces(new LineRedactor('mask'), line, [cut, cut + 1]).out, reference, `cut at ${cut}`);
    }
  });

  it('a resent conversation (turn N+1 = turn N + one message) finds what a cold scan of each turn finds', () => {
    const redactor = new LineRedactor('mask');
    const messages: Array<{ role: string; content: string }> = [];
    let warmScanned = 0;
    let coldScanned = 0;
    for (let turn = 0; turn < 40; turn += 1) {
      const text =
        turn % 7 === 3
          ? `tool output ${turn}: export API_KEY=Zq8#xT2$mW9pL4vK${turn}\n${'the key value of a token '.repeat(200)}`
          : turn % 11 === 5
            ? `curl -H "Authorization: Bearer ${secret}" https://api.example.com/${turn} ${'lorem ipsum '.repeat(300)}`
            : `turn ${turn}: the function returns the token count; ${'lorem ipsum secret sauce '.repeat(250)}`;
      messages.push({ role: turn % 2 ? 'assistant' : 'user', content: text });
      const line = JSON.stringify({ id: `t${turn}`, kind: 'request', request: { messages }, extract: { messages } });
      const before = redactor.stats.scannedChars;
      const warm = applyOnPieces(redactor, line).out;
      warmScanned += redactor.stats.scannedChars - before;
      const cold = new LineRedactor('mask');
      assert.equal(applyOnPieces(cold, line).out, warm, `turn ${turn}`);
      coldScanned += cold.stats.scannedChars;
      assert.equal(warm, referenceApply(line, 'mask'), `turn ${turn}`);
    }
    // What makes it worth doing: the warm scanner scans about what each turn added.
    console.log(`      40 turns: ${warmScanned} bytes scanned with memory, ${coldScanned} cold`);
    assert.ok(warmScanned * 5 < coldScanned, `warm ${warmScanned} bytes scanned, cold ${coldScanned}`);
  });

  it('a multi-MB line that is not ASCII finds what the full scan finds (byte offsets, wider windows)', () => {
    const messages = filler(1500).map((message, n) => ({
      ...message,
      content: [{ type: 'text', text: `${n % 3 ? 'é—ü 日本語 ' : '🙂 '}${message.content[0].text}` }],
    }));
    messages[40].content[0].text += ` ünïcödé token=${secret} — ${aws}`;
    messages[900].content[0].text = `日本語 password: "Zq8#xT2$mW9pL4vK" 🙂`;
    const body = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', messages }));
    const { pieces, text } = splicedLine(body);
    for (const mode of ['flag', 'mask'] as const) {
      const written = new LineRedactor(mode).applyPieces(jsonPieces(pieces));
      assert.equal(Buffer.concat(written).toString('utf8'), referenceApply(text, mode), mode);
    }
  });

  it('a large line without anchors is not scanned at all', () => {
    const scanner = new SecretScanner();
    const text = JSON.stringify({ messages: [{ role: 'user', content: 'the value of a function '.repeat(50_000) }] });
    assert.deepEqual(scanner.scan(text), []);
    assert.equal(scanner.stats.scannedChars, 0);
  });
});

describe('secrets detector: objects known by the canonical scan’s digests', () => {
  // The recorder hands the scanner the spliced line and where its digested objects are (each message, system
  // block and tool, in the body and in the extract's views): those are segments of their own, known by the scan's
  // sha256 instead of a second hash. Cut there, the line must still give exactly what one full pass finds.
  const corpus = secretCorpus().filter((entry) => entry.kinds.length > 0);

  function spliced(body: Buffer) {
    const meta = {
      id: '0123456789ab',
      ts: '2026-12-02T03:00:00.000Z',
      agent: 'claude' as const,
      wire: 'claude-messages' as const,
      method: 'POST',
      path: '/v1/messages',
      headers_kept: { 'content-type': 'application/json' },
      contentEncoding: '',
    };
    const result = spliceRequest({ meta, body, bodyBytes: body.length, overflowed: false, interrupted: false }, undefined, true);
    assert.ok(result, 'the body splices');
    const last = result.line[result.line.length - 1];
    const json = [...result.line.slice(0, -1), last.subarray(0, last.byteLength - 1)];
    return { json, known: result.known, text: Buffer.concat(json).toString('utf8') };
  }

  it('each known object is one whole object of the line, in order, in the body and again in the extract', () => {
    const { json, known } = spliced(claudeCodeBody(250_000));
    const line = new PieceLine(json);
    assert.ok(known.length > 20, `${known.length} known objects`);
    const inBody = known.filter((value) => value.start < line.length / 2).length;
    assert.ok(inBody > 0 && known.length - inBody > 0, 'known in both copies');
    let before = 0;
    for (const value of known) {
      assert.ok(value.start >= before, 'in order, not overlapping');
      const bytes = Buffer.from(line.bytes(value.start, value.end));
      assert.equal(bytes[0], 0x7b);
      assert.equal(bytes[1], 0x22);
      assert.equal(bytes[bytes.length - 1], 0x7d);
      assert.equal(createHash('sha256').update(bytes).digest('base64'), value.digest);
      assert.doesNotThrow(() => JSON.parse(bytes.toString('utf8')));
      before = value.end;
    }
  });

  it('every corpus credential, at the start, the end and alone in a message, finds what the full pass finds', () => {
    let checked = 0;
    for (const entry of corpus) {
      for (const place of ['start', 'end', 'alone'] as const) {
        const parsed = JSON.parse(claudeCodeBody(60_000, checked + 3).toString('utf8')) as { messages: Array<{ content: Array<Record<string, unknown>> }> };
        const message = parsed.messages[parsed.messages.length - 2];
        const block = message.content[message.content.length - 1];
        const field = typeof block.text === 'string' ? 'text' : 'content';
        const filler = typeof block[field] === 'string' ? (block[field] as string) : 'x'.repeat(300);
        block[field] = place === 'start' ? `${entry.text} ${filler}` : place === 'end' ? `${filler} ${entry.text}` : entry.text;
        const { json, known, text } = spliced(Buffer.from(JSON.stringify(parsed)));
        const full = findSecrets(text);
        assert.ok(full.length >= 2, `${entry.name} (${place}): found in the request and its extract`);
        const byBytes = new SecretScanner().scanPieces(new PieceLine(json), known);
        assert.deepEqual(byBytes, new SecretScanner().scanPieces(new PieceLine(json)), `${entry.name} (${place})`);
        const asText = byBytes.map((finding) => ({ kind: finding.kind, hash: finding.hash }));
        assert.deepEqual(asText, full.map((finding) => ({ kind: finding.kind, hash: finding.hash })), `${entry.name} (${place})`);
        checked += 1;
      }
    }
    assert.ok(checked >= 30, `${checked} placements`);
  });

  it('remembers known objects in two bounded generations: a recent one is recalled, a long-unseen one is scanned again', () => {
    const scanner = new SecretScanner(4);
    const object = (n: number) => Buffer.from(JSON.stringify({ role: 'user', content: `message ${n}: the token count ${'x y '.repeat(80)}` }));
    const scannedFor = (n: number) => {
      const bytes = object(n);
      const before = scanner.stats.scannedChars;
      scanner.scanPieces(new PieceLine([bytes]), [{ start: 0, end: bytes.length, digest: `digest-${n}` }]);
      return scanner.stats.scannedChars - before;
    };
    assert.ok(scannedFor(1) > 0, 'first seen: scanned');
    assert.equal(scannedFor(1), 0, 'seen again: recalled');
    scannedFor(2);
    scannedFor(3); // the first generation (1, 2) becomes the older one
    assert.equal(scannedFor(1), 0, 'in the older generation: recalled, and moved to the current one');
    scannedFor(4);
    scannedFor(5);
    scannedFor(6);
    assert.ok(scannedFor(2) > 0, 'unseen for two generations: forgotten, scanned again');
  });

  it('a resent session, its objects known, scans about what each turn adds and finds what a cold scan finds', () => {
    const scanner = new SecretScanner();
    const bodies = claudeCodeSession(30, 8_400);
    bodies[12] = Buffer.from(bodies[12].toString('utf8').replace('"max_tokens":32000', `"max_tokens":32000,"note":"token=${corpus[0].values[0]}"`));
    let scannedWarm = 0;
    let total = 0;
    for (const [turn, body] of bodies.entries()) {
      const { json, known, text } = spliced(body);
      const before = scanner.stats.scannedChars;
      const warm = scanner.scanPieces(new PieceLine(json), known);
      scannedWarm += scanner.stats.scannedChars - before;
      total += text.length;
      assert.deepEqual(warm, new SecretScanner().scanPieces(new PieceLine(json)), `turn ${turn}`);
      assert.equal(warm.length, findSecrets(text).length, `turn ${turn}`);
    }
    // A turn adds one tool round (~8.4 KB) and moves the cache breakpoint: the warm scanner scans about that.
    console.log(`      30 turns: ${scannedWarm} of ${total} bytes scanned`);
    assert.ok(scannedWarm * 8 < total, `${scannedWarm} of ${total} bytes scanned`);
  });
});
