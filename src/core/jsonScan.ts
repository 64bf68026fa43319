// A structural JSON scanner over raw bytes: finds where values start and end without decoding or
// building them, so the index can pick the few fields it needs out of a 100 KB request line and skip
// the rest (the logged body is there twice: `request` and `extract`). Strings are skipped with native
// byte searches (Buffer#indexOf), so long prompt text costs almost nothing.
//
// Validation is structural: brackets must match, keys must be strings followed by ':', entries must be
// separated by ',', literals and numbers are checked for their characters. Escapes inside strings that
// are never decoded are not validated (a value that is decoded goes through JSON.parse, which does).
//
// Every function takes (buf, pos, end) and returns the position after what it read, or -1 when the bytes
// are not well-formed before `end`.

import { hash } from 'node:crypto';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Containers nested deeper than this are not something a capture log holds; treat them as malformed. */
const MAX_DEPTH = 512;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export function skipWhitespace(buf: Uint8Array, pos: number, end: number): number {
  while (pos < end && isWhitespace(buf[pos] as number)) pos++;
  return pos;
}

/** `pos` is at the opening quote; returns the position after the closing quote. */
export function skipString(buf: Buffer, pos: number, end: number): number {
  let from = pos + 1;
  for (;;) {
    const quote = buf.indexOf(QUOTE, from);
    if (quote === -1 || quote >= end) return -1;
    // A quote is escaped when an odd number of backslashes precedes it.
    let backslashes = 0;
    for (let at = quote - 1; at >= from && buf[at] === BACKSLASH; at--) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipScalar(buf: Buffer, pos: number, end: number): number {
  const first = buf[pos] as number;
  if (first === 0x74) return matchLiteral(buf, pos, end, 'true');
  if (first === 0x66) return matchLiteral(buf, pos, end, 'false');
  if (first === 0x6e) return matchLiteral(buf, pos, end, 'null');
  if (first !== 0x2d && (first < 0x30 || first > 0x39)) return -1;
  let at = pos + 1;
  for (; at < end; at++) {
    const byte = buf[at] as number;
    const isNumberByte =
      (byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b || byte === 0x2d;
    if (!isNumberByte) break;
  }
  return at;
}

function matchLiteral(buf: Buffer, pos: number, end: number, literal: string): number {
  if (pos + literal.length > end) return -1;
  for (let i = 0; i < literal.length; i++) if (buf[pos + i] !== literal.charCodeAt(i)) return -1;
  return pos + literal.length;
}

/** Skips any value starting at `pos` (no leading whitespace). */
export function skipValue(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) return -1;
  const first = buf[pos] as number;
  if (first === QUOTE) return skipString(buf, pos, end);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return skipScalar(buf, pos, end);
  return skipContainer(buf, pos, end);
}

/**
 * Skips an object or array, checking its grammar on the way: the expected closers are kept on a
 * small stack, and each position knows whether a key, a value, ':' or ',' may come next.
 */
function skipContainer(buf: Buffer, pos: number, end: number): number {
  const closers: number[] = [];
  // What may come next: 0 value, 1 key (or '}' right after '{'), 2 ':' , 3 ',' or closer.
  let expect = 0;
  let at = pos;
  let justOpened = false;
  while (at < end) {
    const byte = buf[at] as number;
    if (isWhitespace(byte)) {
      at++;
      continue;
    }
    switch (expect) {
      case 0: // a value
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          if (closers.length >= MAX_DEPTH) return -1;
          closers.push(byte === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
          at++;
          expect = byte === OPEN_BRACE ? 1 : 0;
          justOpened = true;
          continue;
        }
        if (justOpened && byte === CLOSE_BRACKET && closers[closers.length - 1] === CLOSE_BRACKET) break;
        at = byte === QUOTE ? skipString(buf, at, end) : skipScalar(buf, at, end);
        if (at < 0) return -1;
        expect = 3;
        justOpened = false;
        continue;
      case 1: // a key
        if (justOpened && byte === CLOSE_BRACE) break;
        if (byte !== QUOTE) return -1;
        at = skipString(buf, at, end);
        if (at < 0) return -1;
        expect = 2;
        justOpened = false;
        continue;
      case 2:
        if (byte !== COLON) return -1;
        at++;
        expect = 0;
        continue;
      default: // ',' or a closer
        if (byte === COMMA) {
          at++;
          expect = closers[closers.length - 1] === CLOSE_BRACE ? 1 : 0;
          continue;
        }
        break;
    }
    // A closer.
    if (byte !== closers[closers.length - 1]) return -1;
    closers.pop();
    at++;
    if (closers.length === 0) return at;
    expect = 3;
    justOpened = false;
  }
  return -1;
}

/**
 * Walks the entries of the object at `pos` (which must be '{'): `onEntry(key, valueStart)` must return
 * where the value ends (skipValue, or its own finer scan of the value), or -1 if it is malformed. Keys
 * are decoded (they are short). Returns the position after '}', or -1.
 */
export function scanEntries(
  buf: Buffer,
  pos: number,
  end: number,
  onEntry: (key: string, valueStart: number) => number,
): number {
  if (buf[pos] !== OPEN_BRACE) return -1;
  let at = skipWhitespace(buf, pos + 1, end);
  if (buf[at] === CLOSE_BRACE) return at + 1;
  for (;;) {
    if (at >= end || buf[at] !== QUOTE) return -1;
    const keyEnd = skipString(buf, at, end);
    if (keyEnd < 0) return -1;
    const key = decodeKey(buf, at, keyEnd);
    if (key === undefined) return -1;
    at = skipWhitespace(buf, keyEnd, end);
    if (buf[at] !== COLON) return -1;
    const valueStart = skipWhitespace(buf, at + 1, end);
    if (valueStart >= end) return -1;
    const valueEnd = onEntry(key, valueStart);
    if (valueEnd < 0) return -1;
    at = skipWhitespace(buf, valueEnd, end);
    const byte = buf[at];
    if (byte === COMMA) {
      at = skipWhitespace(buf, at + 1, end);
      continue;
    }
    if (byte === CLOSE_BRACE && at < end) return at + 1;
    return -1;
  }
}

/**
 * Visits the entries of the object at `pos` (which must be '{'): `visit(key, valueStart, valueEnd)`.
 * Values are only located. Returns the position after '}', or -1.
 */
export function scanObject(
  buf: Buffer,
  pos: number,
  end: number,
  visit: (key: string, valueStart: number, valueEnd: number) => void,
): number {
  return scanEntries(buf, pos, end, (key, valueStart) => {
    const valueEnd = skipValue(buf, valueStart, end);
    if (valueEnd >= 0) visit(key, valueStart, valueEnd);
    return valueEnd;
  });
}

/** Visits the items of the array at `pos` (which must be '['). Returns the position after ']', or -1. */
export function scanArray(
  buf: Buffer,
  pos: number,
  end: number,
  visit: (itemStart: number, itemEnd: number) => void,
): number {
  if (buf[pos] !== OPEN_BRACKET) return -1;
  let at = skipWhitespace(buf, pos + 1, end);
  if (buf[at] === CLOSE_BRACKET) return at + 1;
  for (;;) {
    const itemEnd = skipValue(buf, at, end);
    if (itemEnd < 0) return -1;
    visit(at, itemEnd);
    at = skipWhitespace(buf, itemEnd, end);
    const byte = buf[at];
    if (byte === COMMA) {
      at = skipWhitespace(buf, at + 1, end);
      continue;
    }
    if (byte === CLOSE_BRACKET && at < end) return at + 1;
    return -1;
  }
}

function decodeKey(buf: Buffer, start: number, end: number): string | undefined {
  // Keys are almost always plain ASCII; decode those directly, anything else through JSON.parse.
  let plain = true;
  for (let at = start + 1; at < end - 1; at++) {
    const byte = buf[at] as number;
    if (byte === BACKSLASH || byte >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return buf.toString('latin1', start + 1, end - 1);
  try {
    return JSON.parse(buf.toString('utf8', start, end)) as string;
  } catch {
    return undefined;
  }
}

/** Strings shorter than this without escapes are decoded directly (ids, timestamps, names). */
const SHORT_STRING_BYTES = 256;

/** JSON.parse of one located value; undefined when it does not parse. Short plain values skip JSON.parse. */
export function parseSpan(buf: Buffer, start: number, end: number): unknown {
  const first = buf[start] as number;
  const length = end - start;
  if (first === QUOTE && length >= 2 && length <= SHORT_STRING_BYTES && buf[end - 1] === QUOTE) {
    let plain = true;
    for (let at = start + 1; at < end - 1; at++) {
      const byte = buf[at] as number;
      if (byte === BACKSLASH || byte === QUOTE || byte < 0x20) {
        plain = false;
        break;
      }
    }
    if (plain) return buf.toString('utf8', start + 1, end - 1);
  } else if (length <= 4 && (first === 0x74 || first === 0x66 || first === 0x6e)) {
    const literal = buf.toString('latin1', start, end);
    if (literal === 'true') return true;
    if (literal === 'null') return null;
  } else if (length === 5 && first === 0x66 && buf.toString('latin1', start, end) === 'false') {
    return false;
  } else if (length <= 16 && first >= 0x30 && first <= 0x39) {
    // Plain digits only (no sign, fraction or exponent): the common case of counts and milliseconds.
    let digits = true;
    for (let at = start; at < end; at++) {
      const byte = buf[at] as number;
      if (byte < 0x30 || byte > 0x39) {
        digits = false;
        break;
      }
    }
    if (digits && (first !== 0x30 || length === 1)) return Number(buf.toString('latin1', start, end));
  }
  try {
    return JSON.parse(buf.toString('utf8', start, end)) as unknown;
  } catch {
    return undefined;
  }
}

/** The first byte of a located value, to tell its type without decoding it. */
export function spanKind(buf: Buffer, start: number): 'object' | 'array' | 'string' | 'other' {
  const byte = buf[start];
  if (byte === OPEN_BRACE) return 'object';
  if (byte === OPEN_BRACKET) return 'array';
  if (byte === QUOTE) return 'string';
  return 'other';
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical JSON: bytes that JSON.stringify(JSON.parse(text)) would give back unchanged. A request body in that
// form can be spliced into its record as it is, instead of parsed and re-serialized (what agents send is
// JSON.stringify or serde_json output, which is canonical). Anything else (whitespace, an escape JSON.stringify
// would not write, a number it would write differently, a duplicate key, an integer-like key that a JS object
// would move to the front) is reported as not canonical, and the caller takes the parse-and-serialize path.
// The UTF-8 validity of string contents is checked by the caller (buffer.isUtf8), not here.

/** A located value; containers near the top also carry their children (see scanCanonical). */
export interface SpanNode {
  start: number;
  end: number;
  /** Object entries, in order (keys are unique in canonical JSON). */
  entries?: Map<string, SpanNode>;
  items?: SpanNode[];
  /** The sha256 of the value's bytes (base64: a short string, cheap to keep), on the values a later scan can lean on (see EarlierScan). */
  digest?: string;
}

/** Levels of the tree scanCanonical records: the body, its values, their items and those items' entries. */
const RECORDED_LEVELS = 3;

const hexValue = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 10; digit++) hexValue[0x30 + digit] = digit;
for (let letter = 0; letter < 6; letter++) hexValue[0x61 + letter] = 10 + letter;

/** Escapes JSON.stringify writes in their short form: \b \t \n \f \r (and \" \\). */
function isShortEscape(byte: number): boolean {
  return (
    byte === QUOTE || byte === BACKSLASH || byte === 0x62 || byte === 0x66 || byte === 0x6e || byte === 0x72 || byte === 0x74
  );
}

/** The value of the lowercase `\uXXXX` escape whose backslash is at `pos`, or -1. */
function unicodeEscape(buf: Uint8Array, pos: number, end: number): number {
  if (pos + 6 > end || buf[pos + 1] !== 0x75) return -1;
  let value = 0;
  for (let at = pos + 2; at < pos + 6; at++) {
    const digit = hexValue[buf[at] as number] as number;
    if (digit < 0) return -1;
    value = (value << 4) | digit;
  }
  return value;
}

/** 1 for the bytes a string scan must stop at: the quote, the backslash, control characters. */
const STRING_STOP = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) STRING_STOP[byte] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** `pos` is at the opening quote; returns the position after the closing quote, or -1. */
function canonicalString(buf: Uint8Array, pos: number, end: number): number {
  let at = pos + 1;
  while (at < end) {
    // The hot loop of the whole scan: one table load per byte of prompt text.
    while (at < end && STRING_STOP[buf[at] as number] === 0) at++;
    if (at >= end) return -1;
    const byte = buf[at] as number;
    if (byte === QUOTE) return at + 1;
    if (byte === BACKSLASH) {
      const next = buf[at + 1] as number;
      if (next !== 0x75) {
        if (!isShortEscape(next)) return -1;
        at += 2;
        continue;
      }
      const value = unicodeEscape(buf, at, end);
      // JSON.stringify escapes only control characters without a short form, and lone surrogates.
      if (value < 0x20) {
        if (value < 0 || value === 0x08 || value === 0x09 || value === 0x0a || value === 0x0c || value === 0x0d) return -1;
      } else if (value >= 0xd800 && value <= 0xdbff) {
        const low = unicodeEscape(buf, at + 6, end);
        if (low >= 0xdc00 && low <= 0xdfff) return -1; // a pair: JSON.stringify writes the character itself
      } else if (value < 0xdc00 || value > 0xdfff) {
        return -1;
      }
      at += 6;
      continue;
    }
    // A raw control character is not JSON at all (JSON.parse refuses it).
    if (byte < 0x20) return -1;
    at++;
  }
  return -1;
}

function canonicalNumber(buf: Uint8Array, pos: number, end: number): number {
  let at = pos;
  if (buf[at] === 0x2d) at++;
  const digitsStart = at;
  while (at < end && (buf[at] as number) >= 0x30 && (buf[at] as number) <= 0x39) at++;
  const digits = at - digitsStart;
  if (digits === 0) return -1;
  let plainInteger = true;
  while (at < end) {
    const byte = buf[at] as number;
    if ((byte >= 0x30 && byte <= 0x39) || byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b || byte === 0x2d) {
      plainInteger = false;
      at++;
    } else {
      break;
    }
  }
  // Up to 15 digits, no leading zero, not "-0": an integer JSON.stringify writes exactly so.
  if (plainInteger && digits <= 15 && (buf[digitsStart] !== 0x30 || (digits === 1 && digitsStart === pos))) return at;
  const text = Buffer.from(buf.buffer, buf.byteOffset + pos, at - pos).toString('latin1');
  return String(Number(text)) === text ? at : -1;
}

/** Keys made of digits only are array indices to a JS object, which puts them first: not spliceable. */
function isIndexLikeKey(buf: Uint8Array, keyStart: number, keyEnd: number): boolean {
  if (keyEnd - keyStart < 3 || keyEnd - keyStart > 12) return false;
  for (let at = keyStart + 1; at < keyEnd - 1; at++) {
    const byte = buf[at] as number;
    if (byte < 0x30 || byte > 0x39) return false;
  }
  return true;
}

/** Key byte ranges of the objects being scanned, as a stack shared by all of them (no allocation per object). */
const keyStack: number[] = [];

function isDuplicateKey(buf: Uint8Array, base: number, keyStart: number, keyEnd: number): boolean {
  const length = keyEnd - keyStart;
  for (let index = base; index < keyStack.length; index += 2) {
    const otherStart = keyStack[index] as number;
    if ((keyStack[index + 1] as number) - otherStart !== length) continue;
    let same = true;
    for (let offset = 1; offset < length - 1; offset++) {
      if (buf[keyStart + offset] !== buf[otherStart + offset]) {
        same = false;
        break;
      }
    }
    // Canonical strings have one spelling each, so equal bytes are equal keys and vice versa.
    if (same) return true;
  }
  return false;
}

/** A value kept in its parent's node: its span, and its own children while above RECORDED_LEVELS (end -1: not canonical). */
function recordedValue(buf: Buffer, pos: number, end: number, depth: number, earlier: SpanNode | undefined): SpanNode {
  const child: SpanNode = { start: pos, end: -1 };
  child.end = canonicalValue(buf, pos, end, depth, depth < RECORDED_LEVELS ? child : undefined, earlier);
  return child;
}

function canonicalObject(
  buf: Buffer,
  pos: number,
  end: number,
  depth: number,
  node: SpanNode | undefined,
  earlier: SpanNode | undefined,
): number {
  if (depth >= MAX_DEPTH) return -1;
  let at = pos + 1;
  if (buf[at] === CLOSE_BRACE) return at + 1;
  const base = keyStack.length;
  try {
    for (;;) {
      if (buf[at] !== QUOTE) return -1;
      const keyEnd = canonicalString(buf, at, end);
      if (keyEnd < 0 || isIndexLikeKey(buf, at, keyEnd) || isDuplicateKey(buf, base, at, keyEnd)) return -1;
      keyStack.push(at, keyEnd);
      if (buf[keyEnd] !== COLON) return -1;
      const valueStart = keyEnd + 1;
      let valueEnd: number;
      if (node) {
        const key = decodeKey(buf, at, keyEnd);
        if (key === undefined) return -1;
        const child = recordedValue(buf, valueStart, end, depth + 1, earlier?.entries?.get(key));
        valueEnd = child.end;
        (node.entries ??= new Map()).set(key, child);
      } else {
        valueEnd = canonicalValue(buf, valueStart, end, depth + 1, undefined, undefined);
      }
      if (valueEnd < 0) return -1;
      const byte = buf[valueEnd];
      if (byte === COMMA) {
        at = valueEnd + 1;
        continue;
      }
      return byte === CLOSE_BRACE && valueEnd < end ? valueEnd + 1 : -1;
    }
  } finally {
    keyStack.length = base;
  }
}

function canonicalArray(
  buf: Buffer,
  pos: number,
  end: number,
  depth: number,
  node: SpanNode | undefined,
  earlier: SpanNode | undefined,
): number {
  if (depth >= MAX_DEPTH) return -1;
  let at = pos + 1;
  if (buf[at] === CLOSE_BRACKET) {
    if (node) node.items = [];
    return at + 1;
  }
  const items: SpanNode[] | undefined = node ? (node.items = []) : undefined;
  const earlierItems = earlier?.items;
  for (;;) {
    let itemEnd: number;
    if (items) {
      const child = recordedValue(buf, at, end, depth + 1, earlierItems?.[items.length]);
      itemEnd = child.end;
      items.push(child);
    } else {
      itemEnd = canonicalValue(buf, at, end, depth + 1, undefined, undefined);
    }
    if (itemEnd < 0) return -1;
    const byte = buf[itemEnd];
    if (byte === COMMA) {
      at = itemEnd + 1;
      continue;
    }
    return byte === CLOSE_BRACKET && itemEnd < end ? itemEnd + 1 : -1;
  }
}

/**
 * What an earlier canonical body tells the scan of this one. Agents resend the whole conversation every turn, so a
 * body is mostly the values of the one before it (every message but the last few, the system prompt, the tools),
 * byte for byte, some of them moved by what was added in front. The earlier scan's tree carries a digest of each
 * value two levels down (each message, system block, tool) and of each plain value one level down (a model name, an
 * instructions string): where the same value in this body hashes the same, it is taken as proved canonical, with its
 * children moved to where it now is, instead of scanned again. Hashing is about three times cheaper than the scan,
 * and the earlier body's bytes are not kept: only its tree and digests.
 */
export interface EarlierScan {
  /** The earlier body's tree, from scanCanonical(…, { digests: true }). */
  root: SpanNode;
}

/** Depth of the values that carry a digest (an array's or object's items one level down carry none: see above). */
const DIGEST_DEPTH = 2;

/** The scan in progress: whether it records digests, and whether it has an earlier tree to lean on. */
let digesting = false;

function digestOf(buf: Buffer, start: number, end: number): string {
  return hash('sha256', buf.subarray(start, end), 'base64');
}

/** Whether the value at `depth` carries a digest: two levels down, or a plain value (not a container) one level down. */
function carriesDigest(buf: Buffer, pos: number, depth: number): boolean {
  if (depth === DIGEST_DEPTH) return true;
  if (depth !== DIGEST_DEPTH - 1) return false;
  const first = buf[pos];
  return first !== OPEN_BRACE && first !== OPEN_BRACKET;
}

/**
 * Where the value at `pos` ends when it is the same bytes as `earlier` (same length, same digest), wherever it now
 * is: those bytes were proved canonical in the earlier body, and canonical form is a property of a value's bytes
 * alone (the keys around it are still checked here). -1 when the earlier value does not vouch for it.
 */
function vouchedEnd(buf: Buffer, earlier: SpanNode, pos: number, end: number, node: SpanNode | undefined): number {
  const length = earlier.end - earlier.start;
  if (pos + length > end) return -1;
  const digest = digestOf(buf, pos, pos + length);
  if (digest !== earlier.digest) return -1;
  if (node) {
    adopt(node, earlier, pos - earlier.start);
    node.digest = digest;
  }
  return pos + length;
}

/** Whether `buf` holds, at `span`'s place, the very bytes `span` (a value of an earlier tree, with its digest) had. */
export function holdsValue(buf: Buffer, span: SpanNode): boolean {
  return span.digest !== undefined && span.end <= buf.length && digestOf(buf, span.start, span.end) === span.digest;
}

/** `node` takes the recorded children of `earlier`, moved by `shift` bytes (shared as they are when not moved). */
function adopt(node: SpanNode, earlier: SpanNode, shift: number): void {
  const moved = (child: SpanNode): SpanNode => {
    const copy: SpanNode = { start: child.start + shift, end: child.end + shift };
    adopt(copy, child, shift);
    return copy;
  };
  if (earlier.entries) {
    node.entries = shift === 0 ? earlier.entries : new Map([...earlier.entries].map(([key, child]) => [key, moved(child)]));
  }
  if (earlier.items) node.items = shift === 0 ? earlier.items : earlier.items.map(moved);
}

function canonicalValue(
  buf: Buffer,
  pos: number,
  end: number,
  depth: number,
  node: SpanNode | undefined,
  earlier: SpanNode | undefined,
): number {
  if (pos >= end) return -1;
  if (earlier?.digest !== undefined) {
    const vouched = vouchedEnd(buf, earlier, pos, end, node);
    if (vouched >= 0) return vouched;
  }
  const valueEnd = scannedValue(buf, pos, end, depth, node, earlier);
  if (digesting && node && valueEnd >= 0 && carriesDigest(buf, pos, depth)) node.digest = digestOf(buf, pos, valueEnd);
  return valueEnd;
}

function scannedValue(
  buf: Buffer,
  pos: number,
  end: number,
  depth: number,
  node: SpanNode | undefined,
  earlier: SpanNode | undefined,
): number {
  const first = buf[pos] as number;
  if (first === QUOTE) return canonicalString(buf, pos, end);
  if (first === OPEN_BRACE) return canonicalObject(buf, pos, end, depth, node, earlier);
  if (first === OPEN_BRACKET) return canonicalArray(buf, pos, end, depth, node, earlier);
  if (first === 0x74) return matchLiteral(buf, pos, end, 'true');
  if (first === 0x66) return matchLiteral(buf, pos, end, 'false');
  if (first === 0x6e) return matchLiteral(buf, pos, end, 'null');
  return canonicalNumber(buf, pos, end);
}

/**
 * The tree of a canonical JSON text (the whole of `buf`), or undefined when `buf` is not canonical JSON.
 * Recorded down to the entries of the items of the body's values (messages[i].role, tools[i].tools); deeper
 * parts are found with canonicalNode when needed. `digests`: the tree also carries the digests the next turn's
 * scan leans on; `earlier`: the values this body shares with an earlier one are not scanned again (EarlierScan).
 */
export function scanCanonical(buf: Buffer, options: { digests?: boolean; earlier?: EarlierScan } = {}): SpanNode | undefined {
  const root: SpanNode = { start: 0, end: -1 };
  digesting = options.digests === true;
  try {
    // The root itself is never vouched for as a whole (the body is new): its values are.
    root.end = buf.length === 0 ? -1 : scannedValue(buf, 0, buf.length, 0, root, options.earlier?.root);
  } finally {
    digesting = false;
  }
  return root.end === buf.length ? root : undefined;
}

/** A value of already validated canonical text, with its children (one level deeper than scanCanonical goes). */
export function canonicalNode(buf: Buffer, span: SpanNode): SpanNode {
  if (span.entries || span.items) return span;
  const node: SpanNode = { start: span.start, end: -1 };
  node.end = canonicalValue(buf, span.start, span.end, RECORDED_LEVELS - 2, node, undefined);
  return node;
}
