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
