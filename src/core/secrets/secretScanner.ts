// The secrets detector over serialized JSON text (a log line as it is about to be written, or any
// string). One pass of one combined pattern for the known formats and one keyword pattern for
// name-driven assignments; both are anchored on literals, so the cost is linear in the text.
//
// Agents resend the whole conversation every turn, so a session's lines repeat almost everything the
// previous line held. The scanner cuts a line at JSON object boundaries (before `{"` — messages,
// content blocks, tools), remembers what it found in each segment (usually nothing) by the segment's hash,
// and on the next line scans only the segments it has not seen: a turn costs about what it added, not the
// whole history.

import { hash } from 'node:crypto';
import { PieceLine, type AnchorHit } from './byteAnchors';
import {
  looksLikeSecretValue,
  PLACEHOLDER_VALUE,
  NON_SECRET_NAME,
  entropyPerChar,
  SECRET_NAME_SOURCE,
  TOKEN_RULES,
  URL_CREDENTIALS_SOURCE,
} from './secretRules';

export interface SecretFinding {
  kind: string;
  /** Code-unit offsets of the secret in the scanned text (the raw, still-escaped characters). */
  start: number;
  end: number;
  /** First 8 hex digits of the sha256 of the secret's value (JSON-unescaped): stable across lines and runs. */
  hash: string;
}

/** The stable stand-in written instead of a secret. Has no `"` or `\`, so it keeps a JSON string valid. */
export function secretPlaceholder(kind: string, valueHash: string): string {
  return `‹redacted:${kind}:${valueHash}›`;
}

/** Finds placeholders in text that was masked before (a masked log read back). */
export const PLACEHOLDER_PATTERN = /‹redacted:([a-z0-9-]+):([0-9a-f]{8})›/g;

export function secretHash(value: string): string {
  return hash('sha256', value).slice(0, 8);
}

/** Segments smaller than this are scanned every time: hashing them would cost about as much. */
const MIN_REMEMBERED_PIECE = 256;
/** The shortest anchor (`sk-`, `key`, `://`…): a segment shorter than this cannot hold a finding. */
const SHORTEST_ANCHOR = 3;

/**
 * A JSON object in a line whose bytes the caller already knows by a digest: a request body's message, system
 * block or tool, hashed once by the canonical scan (jsonScan.ts) that vouches for the body, and the same digest
 * wherever the line holds those bytes again (the `extract`'s views). The scanner remembers its findings by that
 * digest instead of hashing the bytes a second time, small ones too (a tool call of a hundred bytes costs one
 * lookup, where the scanner's own segments would scan it every turn). `start`/`end` are line offsets; the bytes
 * there must be one whole object that is not empty (`{"` … `}`), and they are cut out of the line as one segment:
 * a cut before `{"` is one the scanner makes anyway (see OBJECT_START), and a cut after an object's closing `}`
 * splits no finding either (no pattern's alphabet, name or value admits `}`; a URL's user name does, but the `:`
 * and `@` it needs after it can only come, in JSON, after a `"`, which it does not admit), and nothing a pattern
 * reads around a match crosses a `}`.
 */
export interface KnownValue {
  start: number;
  end: number;
  digest: string;
}

const DEFAULT_REMEMBERED = 16_384;

const BEARER_SOURCE = String.raw`[Bb]earer ([A-Za-z0-9._~+/-]{20,1024}=*)`;
const TOKEN_PATTERN = new RegExp(
  [
    ...TOKEN_RULES.map((rule) => `(${rule.source})`),
    URL_CREDENTIALS_SOURCE,
    BEARER_SOURCE,
  ].join('|'),
  'g',
);
const WHOLE_TOKEN_RULES = TOKEN_RULES.map((rule) => ({ ...rule, pattern: new RegExp(`^(?:${rule.source})$`) }));
const PRIVATE_KEY_RULE = TOKEN_RULES.findIndex((rule) => rule.kind === 'private-key');
const GLUED_BEFORE = /[A-Za-z0-9+/_-]/;
const URL_GROUP = TOKEN_RULES.length + 1;
const BEARER_GROUP = TOKEN_RULES.length + 2;
const NAME_PATTERN = new RegExp(SECRET_NAME_SOURCE, 'gi');
/** Documentation's `user:pass@host`, templates: not a leaked password. */
const STOCK_PASSWORD = /^(?:pass(?:word)?|passwd|secret|pwd|user(?:name)?|x+|\*+|\$\{?\w+\}?|<[^>]*>|changeme)$/i;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const VALUE_STOP = /[\s"'\\,;<>{}()[\]`]/;

function unescapeJson(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** A span may not start inside an escape sequence nor end with half of one. */
function escapeSafe(text: string, start: number, end: number): [number, number] | undefined {
  let slashes = 0;
  for (let at = start - 1; at >= 0 && text.charCodeAt(at) === 0x5c; at -= 1) slashes += 1;
  if (slashes % 2 === 1) return undefined;
  let trailing = 0;
  for (let at = end - 1; at >= start && text.charCodeAt(at) === 0x5c; at -= 1) trailing += 1;
  const safeEnd = end - (trailing % 2);
  return safeEnd > start ? [start, safeEnd] : undefined;
}

function tokenFindings(text: string, offset: number, into: SecretFinding[]): void {
  TOKEN_PATTERN.lastIndex = 0;
  for (let match = TOKEN_PATTERN.exec(text); match; match = TOKEN_PATTERN.exec(text)) {
    let kind: string | undefined;
    let start = match.index;
    let end = start + match[0].length;
    let minEntropy: number | undefined;
    for (let group = 1; group <= TOKEN_RULES.length; group += 1) {
      if (match[group] !== undefined) {
        // A token glued to the end of a longer base64 run (an image, a signature) is a coincidence, not a key.
        // Checked here rather than as a lookbehind, which would be tried at every position of the text.
        if (group - 1 !== PRIVATE_KEY_RULE && start > 0 && GLUED_BEFORE.test(text[start - 1])) break;
        kind = TOKEN_RULES[group - 1].kind;
        minEntropy = TOKEN_RULES[group - 1].minEntropy;
        break;
      }
    }
    if (!kind) {
      const inner = match[URL_GROUP] ?? match[BEARER_GROUP];
      if (inner === undefined) continue;
      const at = match[0].lastIndexOf(match[URL_GROUP] !== undefined ? `:${inner}@` : inner);
      start += match[URL_GROUP] !== undefined ? at + 1 : at;
      end = start + inner.length;
      kind = match[URL_GROUP] !== undefined ? 'url-credentials' : 'bearer-token';
      // A token used as a URL password or a bearer token (`https://x-access-token:ghp_…@github.com`) is named by its format.
      const known = WHOLE_TOKEN_RULES.find((rule) => rule.pattern.test(inner));
      if (known) {
        kind = known.kind;
        minEntropy = known.minEntropy;
      } else if (kind === 'bearer-token' ? entropyPerChar(inner) < 3.5 || PLACEHOLDER_VALUE.test(inner) : STOCK_PASSWORD.test(inner)) continue;
    }
    const secret = text.slice(start, end);
    if (minEntropy !== undefined && entropyPerChar(secret) < minEntropy) continue;
    if (kind !== 'private-key' && /EXAMPLE|x{8,}|X{8,}/.test(secret)) continue;
    const span = escapeSafe(text, start, end);
    if (!span) continue;
    into.push({ kind, start: offset + span[0], end: offset + span[1], hash: secretHash(unescapeJson(text.slice(span[0], span[1]))) });
  }
}

function nameFindings(text: string, offset: number, into: SecretFinding[]): void {
  NAME_PATTERN.lastIndex = 0;
  for (let match = NAME_PATTERN.exec(text); match; match = NAME_PATTERN.exec(text)) {
    let nameStart = match.index;
    while (nameStart > 0 && match.index - nameStart < 40 && NAME_CHAR.test(text[nameStart - 1])) nameStart -= 1;
    let at = match.index + match[0].length;
    while (at < text.length && at - match.index < 48 && NAME_CHAR.test(text[at])) at += 1;
    const name = text.slice(nameStart, at);
    NAME_PATTERN.lastIndex = at;
    if (NON_SECRET_NAME.test(name)) continue;
    // Closing quotes of a JSON key (possibly escaped: a JSON document inside a string), spaces, then = or :.
    let guard = 0;
    while (at < text.length && guard < 8 && /["' \t\\]/.test(text[at])) {
      at += 1;
      guard += 1;
    }
    const delimiter = text[at];
    if (delimiter !== '=' && delimiter !== ':') continue;
    at += 1;
    if (text[at] === '=') continue; // `==` is a comparison
    guard = 0;
    while (at < text.length && guard < 10) {
      const ch = text[at];
      if (ch === ' ' || ch === '\t' || ch === '"' || ch === "'") at += 1;
      else if (ch === '\\' && (text[at + 1] === '"' || text[at + 1] === '\\')) at += 2;
      else break;
      guard += 1;
    }
    const valueStart = at;
    while (at < text.length && at - valueStart <= 256 && !VALUE_STOP.test(text[at])) at += 1;
    const value = text.slice(valueStart, at);
    if (!looksLikeSecretValue(value)) continue;
    into.push({ kind: 'assigned-secret', start: offset + valueStart, end: offset + at, hash: secretHash(value) });
    NAME_PATTERN.lastIndex = at;
  }
}

/** Every secret in `text`, in order, without overlaps (a known format wins over a name-driven match). */
export function findSecrets(text: string, offset = 0): SecretFinding[] {
  const tokens: SecretFinding[] = [];
  tokenFindings(text, offset, tokens);
  const named: SecretFinding[] = [];
  nameFindings(text, offset, named);
  if (!named.length) return tokens;
  const all = [...tokens, ...named.filter((candidate) => !tokens.some((token) => candidate.start < token.end && token.start < candidate.end))];
  return all.sort((a, b) => a.start - b.start);
}

/** Characters of text, or bytes of pieces, scanned and skipped. */
export interface ScanStats {
  scannedChars: number;
  skippedChars: number;
}

/**
 * Every match of the detector starts at (or a few characters before) one of these literals, in some casing:
 * the known formats' prefixes (`sk-`, `AKIA`…, `://` for URL passwords and the Slack webhook, `earer ` for
 * bearer tokens) and the name keywords (every SECRET_NAME_SOURCE alternative holds one). Text far from every
 * anchor cannot hold a finding and is never scanned. byteAnchors.ts finds the same anchors over bytes.
 */
const ANCHOR_PATTERN = /sk-|a(?:kia|sia|bia|cca|iza)|gh[pousr]_|github_pat_|xox|_live_|_test_|npm_|-----begin|eyj|:\/\/|earer |key|secret|token|passw|passp|pwd|credential/gi;
/** Characters scanned before an anchor: a match starts at most 6 before it, a name looks back 40 more. */
const WINDOW_BEFORE = 64;
/** Characters after an anchor that a match starting there can reach (longest pattern, plus its lookahead). */
function windowAfter(anchor: string): number {
  const first = anchor.charCodeAt(0) | 0x20;
  if (first === 0x2d) return 16_900; // -----BEGIN … -----END, body up to 16384
  if (first === 0x65) return anchor.length === 3 ? 11_100 : 1_100; // eyJ (a JWT), earer (a bearer token)
  return 600;
}
/** URL hosts and bearer tokens' trailing `=` have no length bound: the window runs to the end of them. */
const UNBOUNDED_TAIL = /[A-Za-z0-9._~+/=-]*/y;

/** Where ANCHOR_PATTERN matches in `text`. */
export function findAnchorsIn(text: string): AnchorHit[] {
  const hits: AnchorHit[] = [];
  ANCHOR_PATTERN.lastIndex = 0;
  for (let match = ANCHOR_PATTERN.exec(text); match; match = ANCHOR_PATTERN.exec(text)) hits.push({ at: match.index, anchor: match[0] });
  return hits;
}

/** The spans of `text` a finding can lie in (merged, in order): empty when no anchor occurs. */
export function candidateWindows(text: string, hits: AnchorHit[] = findAnchorsIn(text)): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (const hit of hits) {
    let start = Math.max(0, hit.at - WINDOW_BEFORE);
    // escapeSafe() counts the backslashes before a match: keep a run of them whole.
    while (start > 0 && text.charCodeAt(start - 1) === 0x5c) start -= 1;
    let end = Math.min(text.length, hit.at + windowAfter(hit.anchor));
    const first = hit.anchor.charCodeAt(0) | 0x20;
    if (first === 0x3a || (first === 0x65 && hit.anchor.length > 3)) {
      UNBOUNDED_TAIL.lastIndex = end;
      UNBOUNDED_TAIL.exec(text);
      end = Math.max(end, UNBOUNDED_TAIL.lastIndex);
    }
    const last = windows[windows.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  return windows;
}

/** Bytes UNBOUNDED_TAIL matches, and bytes that continue a UTF-8 character. */
const TAIL_BYTE = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-') TAIL_BYTE[char.charCodeAt(0)] = 1;
const CONTINUATION_BYTE = new Uint8Array(256).fill(1, 0x80, 0xc0);

/**
 * candidateWindows() over a line's bytes. When the line is not all ASCII a character may take up to 3 bytes (a
 * UTF-16 code unit never takes more), so the reach before and after an anchor is counted 3× in bytes, and each
 * window is widened to whole characters: it then holds at least the text window around the same anchor.
 */
function byteWindows(line: PieceLine, hits: AnchorHit[], ascii: boolean): Array<[number, number]> {
  const scale = ascii ? 1 : 3;
  const windows: Array<[number, number]> = [];
  for (const hit of hits) {
    let start = Math.max(0, hit.at - WINDOW_BEFORE * scale);
    while (start > 0 && line.byteAt(start - 1) === 0x5c) start -= 1;
    let end = Math.min(line.length, hit.at + windowAfter(hit.anchor) * scale);
    const first = hit.anchor.charCodeAt(0) | 0x20;
    if (first === 0x3a || (first === 0x65 && hit.anchor.length > 3)) end = line.skipWhile(end, TAIL_BYTE);
    if (!ascii) {
      while (start > 0 && CONTINUATION_BYTE[line.byteAt(start)] === 1) start -= 1;
      end = line.skipWhile(end, CONTINUATION_BYTE);
    }
    const last = windows[windows.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  return windows;
}

const utf8 = new TextDecoder();

/**
 * Lines are scanned, and remembered, in segments cut before every `{"` (the start of each object: a message, a
 * content block, a tool). No finding can hold that `{` (no pattern's alphabet admits it, except a URL's user
 * name, which cannot then hold the `"` that follows), nor end just before it, and what each pattern reads around
 * a match (a name before it, a value after it, a glued base64 run, backslashes, a lookahead) stops at `{` too:
 * the segments find what the whole line finds. A message resent unchanged is then the same segment, the same
 * hash, in every later turn and in the record's `extract` copy.
 */
const OBJECT_START = '{"';
const OBJECT_START_BYTES = Buffer.from(OBJECT_START, 'latin1');

/** [start, end) cut before every OBJECT_START that `find(from)` finds inside it (past its first byte). */
function objectCuts(start: number, end: number, find: (from: number) => number): Array<[number, number]> {
  const cuts: Array<[number, number]> = [];
  let from = start;
  for (let cut = find(from + 1); cut >= 0 && cut < end; cut = find(cut + 1)) {
    cuts.push([from, cut]);
    from = cut;
  }
  cuts.push([from, end]);
  return cuts;
}

/**
 * The detector for whole record lines: finds what findSecrets(text) finds, scanning only windows around the
 * anchors, and remembers what it found in each segment of them (nothing, usually) by the sha1 of the segment's
 * bytes: the same text in `request` and `extract`, or in the next turn of the same conversation, is scanned once.
 * It remembers up to `remembered` segments (DEFAULT_REMEMBERED, 16 384: about 16 MiB of conversation at the
 * smallest remembered segment) in two generations of half that each: what was not seen again for a generation is
 * forgotten.
 */
export class SecretScanner {
  /** Findings by segment hash, offsets relative to the segment (code units for text, bytes for pieces), in two generations. */
  private seen = new Map<string, SecretFinding[]>();
  private older = new Map<string, SecretFinding[]>();
  readonly stats: ScanStats = { scannedChars: 0, skippedChars: 0 };

  constructor(private readonly remembered = DEFAULT_REMEMBERED) {}

  /** The findings of `text`, as code-unit offsets into it. */
  scan(text: string): SecretFinding[] {
    const findings: SecretFinding[] = [];
    let scanned = 0;
    for (const [windowStart, windowEnd] of candidateWindows(text)) {
      for (const [start, end] of objectCuts(windowStart, windowEnd, (from) => text.indexOf(OBJECT_START, from))) {
        const segment = text.slice(start, end);
        // Keys of text segments are kept apart from those of byte segments: their offsets count other units.
        const key = end - start >= MIN_REMEMBERED_PIECE ? `t${hash('sha1', segment)}` : undefined;
        let found = key === undefined ? undefined : this.recall(key);
        if (!found) {
          found = findSecrets(segment, 0);
          scanned += end - start;
          if (key !== undefined) this.remember(key, found);
        }
        for (const finding of found) findings.push({ ...finding, start: start + finding.start, end: start + finding.end });
      }
    }
    this.stats.scannedChars += scanned;
    this.stats.skippedChars += text.length - scanned;
    return findings;
  }

  /**
   * The findings of the UTF-8 line the pieces make, as byte offsets into it. The line is never decoded whole, and
   * what was seen before is not even read for anchors: the line is cut into segments before every `{"` (native
   * search), each segment is known by the sha1 of its bytes, and only a segment not seen before is searched for
   * anchors (byteAnchors.ts) and has the windows around them decoded and scanned. A segment that is the very same
   * bytes as one earlier in the line (the `extract`'s views of the body) is not hashed again. `known`: objects of
   * the line already known by a digest (KnownValue, in line order), each a segment of its own, not hashed here.
   */
  scanPieces(line: PieceLine, known: readonly KnownValue[] = []): SecretFinding[] {
    const findings: SecretFinding[] = [];
    const byView = new Map<ArrayBufferLike, Map<string, SecretFinding[]>>();
    let scanned = 0;
    let next = 0;
    const add = (found: SecretFinding[], at: number) => {
      for (const finding of found) findings.push({ ...finding, start: at + finding.start, end: at + finding.end });
    };
    for (let from = 0; from < line.length; ) {
      // A known value is its own segment, remembered by the digest it came with (see KnownValue).
      while (next < known.length && (known[next].start < from || known[next].end > line.length)) next += 1;
      const value = known[next];
      if (value?.start === from) {
        next += 1;
        const key = `d${value.digest}`;
        let found = this.recall(key);
        if (!found) {
          found = segmentFindings(line.bytes(value.start, value.end));
          scanned += value.end - value.start;
          this.remember(key, found);
        }
        add(found, from);
        from = value.end;
        continue;
      }
      const limit = value?.start ?? line.length;
      // Small objects in a row (a tool's parameters, short content blocks) make one segment of at least
      // MIN_REMEMBERED_PIECE bytes: they are then remembered too, and the cuts still fall where they did last turn.
      // (A gap shorter than that before a known value, a `,` between two messages, is one segment: no search.)
      let end = limit - from < MIN_REMEMBERED_PIECE ? limit : from;
      while (end - from < MIN_REMEMBERED_PIECE && end < limit) {
        const cut = line.find(OBJECT_START_BYTES, end + 1);
        end = cut < 0 || cut > limit ? limit : cut;
      }
      if (end - from < SHORTEST_ANCHOR) {
        from = end;
        continue;
      }
      const bytes = line.bytes(from, end);
      let found: SecretFinding[] | undefined;
      if (bytes.byteLength < MIN_REMEMBERED_PIECE) {
        found = segmentFindings(bytes);
        scanned += bytes.byteLength;
      } else {
        let views = byView.get(bytes.buffer);
        if (!views) byView.set(bytes.buffer, (views = new Map()));
        const viewKey = `${bytes.byteOffset}:${bytes.byteLength}`;
        found = views.get(viewKey);
        if (!found) {
          const key = hash('sha1', bytes);
          found = this.recall(key);
          if (!found) {
            found = segmentFindings(bytes);
            scanned += bytes.byteLength;
            this.remember(key, found);
          }
          views.set(viewKey, found);
        }
      }
      add(found, from);
      from = end;
    }
    this.stats.scannedChars += scanned;
    this.stats.skippedChars += line.length - scanned;
    return findings;
  }

  /**
   * What this segment held when seen before. Seen in the older generation, it moves to the current one: what is
   * still in use survives the next turn-over, and a hit in the current generation costs one lookup, no reordering.
   */
  private recall(key: string): SecretFinding[] | undefined {
    const found = this.seen.get(key);
    if (found) return found;
    const older = this.older.get(key);
    if (older) this.remember(key, older);
    return older;
  }

  /** When the current generation is full it becomes the older one, and what the older one held is forgotten. */
  private remember(key: string, found: SecretFinding[]): void {
    if (this.seen.size >= this.remembered / 2) {
      this.older = this.seen;
      this.seen = new Map();
    }
    this.seen.set(key, found);
  }
}

/**
 * What findSecrets() finds in one segment's UTF-8 bytes (whole characters), offsets in bytes: the windows around
 * its anchors decoded and scanned, the rest never decoded.
 */
function segmentFindings(bytes: Uint8Array): SecretFinding[] {
  // The gaps between known values are often a byte or two (`,` between messages).
  if (bytes.byteLength < SHORTEST_ANCHOR) return [];
  const segment = new PieceLine([bytes]);
  const { hits, ascii } = segment.anchors();
  const found: SecretFinding[] = [];
  for (const [start, end] of byteWindows(segment, hits, ascii)) {
    const windowBytes = bytes.subarray(start, end);
    const text = utf8.decode(windowBytes);
    const inWindow = findSecrets(text, 0);
    if (!inWindow.length) continue;
    const byteOffset =
      text.length === windowBytes.byteLength ? (at: number) => start + at : (at: number) => start + Buffer.byteLength(text.slice(0, at), 'utf8');
    for (const finding of inWindow) found.push({ ...finding, start: byteOffset(finding.start), end: byteOffset(finding.end) });
  }
  return found;
}

/** `text` with every finding replaced by its placeholder. */
export function maskSecrets(text: string, findings: SecretFinding[]): string {
  if (!findings.length) return text;
  let out = '';
  let at = 0;
  for (const finding of findings) {
    if (finding.start < at) continue;
    out += text.slice(at, finding.start) + secretPlaceholder(finding.kind, finding.hash);
    at = finding.end;
  }
  return out + text.slice(at);
}
