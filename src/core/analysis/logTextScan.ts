// Text search over capture logs by scanning their bytes, without parsing the records or building strings of
// them: the timeline's search. Reading every exchange and parsing it (searchExchanges over LogIndex.readExchange)
// took 17–20 s on a 1 GiB log.
//
// How, per record (one line): its parts are found by their keys (system prompt, messages, response text count;
// the raw body, tool schemas, headers, ids and our own digests do not, as in searchOne), and only the parts that
// count are searched. The anchor (scanAnchors: the longest run of plain ASCII characters of the lower-cased
// query, which any matching text holds as it is, whatever its case, escaping or letters outside ASCII) is found
// with Buffer.indexOf in a copy of the part with ASCII capitals lower-cased four bytes at a time, folded only as
// far as the search reaches. Each anchor is then compared with the query byte for byte, outward from it
// (literalMatch): most are ruled out there, with no string built. Where the bytes match, or only decoding can tell
// (an escape, another case of a letter outside ASCII, the end of the string), the text around the anchor is
// decoded and searched with snippetOf, so the match and the snippet are the parsing search's. One snippet per
// source per exchange: the rest of that part is skipped.
//
// A query of several words may run from one JSON string into the next (two text blocks, which the parsing search
// joins): when the string's text could start or end such a match (mayJoinNeighbour), that record's part (its
// system prompt or messages list) is parsed alone, and the blocks around that string are joined and searched as
// far as such a match could reach (a response, an older record or a part cut short: the whole record).
//
// Parts are found by their keys' first places after the extract, except the recorder's own trailing keys
// (schema, request_bytes; content_type), found from the record's end.
//
// Limits, for the record: a character outside ASCII whose lower case is ASCII (the Kelvin sign, the dotted capital
// I) is not found by an ASCII anchor; a word in a JSON value that is not a string (true, null, a number) between
// two strings may count as text, as it did before.
import { messagesOf, messagesPieces, messagesText, responseTextOf, systemPieces, systemTextOf } from './recordText';
import { snippetOf, type SearchSource, type Snippet } from './textSearch';

export interface ScanHit {
  id: string;
  snippet: Snippet;
}

/**
 * Where in a record a part starts, by the key that opens it; the closest key before a hit names its part. The
 * parsing search reads a request's `extract` (system, tools, messages: the body as the wire format gives them)
 * and a response's `reconstructed` text and tool uses, so only those count; the body under `request` repeats
 * the extract. Keys inside captured text never match: there their quotes are escaped (`\"tools\":`).
 */
const REQUEST_PARTS: ReadonlyArray<PartKey> = [
  [Buffer.from('"system":'), 'system'],
  [Buffer.from('"messages":'), 'messages'],
  [Buffer.from('"tools":'), undefined],
  [Buffer.from('"schema":'), undefined, 'trailer'],
  [Buffer.from('"request_bytes":'), undefined, 'trailer'],
];
const RESPONSE_PARTS: ReadonlyArray<PartKey> = [
  [Buffer.from('"reconstructed":'), undefined],
  [Buffer.from('"text":'), 'response'],
  [Buffer.from('"tool_uses":'), 'response'],
  // A response that was not streamed: its body, read as the parsing search reconstructs it.
  [Buffer.from('"body":'), 'response'],
  [Buffer.from('"usage":'), undefined],
  [Buffer.from('"content_type":'), undefined, 'trailer'],
  [Buffer.from('"schema":'), undefined, 'trailer'],
];
/**
 * A part's key, the source it holds, and 'trailer' for the recorder's own keys written after the bodies
 * (captureRecorder.ts): those are found from the record's end, in a few hundred bytes, where finding their first
 * place from the extract read through the whole messages list (the key search was ~1 s of every 1 GiB search).
 * Found from the end, a `"schema":` key inside a tool's input no longer cuts the messages part short.
 */
type PartKey = readonly [Buffer, SearchSource | undefined, 'trailer'?];
/** Values the parsing search does not read, by their key: block types, roles, ids, tool names in messages. */
const UNREAD_KEYS: Record<SearchSource, ReadonlySet<string>> = {
  system: new Set(['type', 'cache_control']),
  messages: new Set(['type', 'role', 'id', 'tool_use_id', 'call_id', 'name', 'status', 'cache_control', 'signature']),
  response: new Set(['type', 'id', 'role', 'model', 'stop_reason', 'stop_sequence', 'status', 'object']),
};

/**
 * Whether a JSON writer always writes this ASCII character as it is inside a string: printable and not a quote,
 * a backslash, or a character some writers escape (`/` as `\/`, `<>&` as `\u003c`… in Go).
 */
function isPlainAscii(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c && code !== 0x2f && code !== 0x3c && code !== 0x3e && code !== 0x26;
}

/**
 * What the byte scan looks for: byte patterns, in the log's bytes with ASCII letters lower-cased, at least one of
 * which lies inside every text the query matches. The longest run of plain ASCII characters in the lower-cased
 * query (whatever the case, escaping or non-ASCII letters around it, a matching text holds that run as it is);
 * for a query without one, its first character in each case, raw and as a `\u` escape.
 */
export function scanAnchors(query: string): Buffer[] {
  const lowered = query.trim().toLowerCase();
  let best = '';
  let run = '';
  for (const char of lowered) {
    if (isPlainAscii(char.charCodeAt(0)) && char.length === 1) run += char;
    else run = '';
    if (run.length > best.length) best = run;
  }
  if (best !== '') return [Buffer.from(best, 'latin1')];
  const first = [...lowered].find((char) => !/\s/.test(char));
  if (first === undefined) return [];
  const forms = new Set<string>();
  for (const variant of new Set([first, first.toUpperCase(), first.toLowerCase()])) {
    forms.add(foldAscii(JSON.stringify(variant).slice(1, -1)));
    forms.add([...variant].map((unit) => [...Array(unit.length).keys()].map((i) => `\\u${unit.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join(''));
    if (variant === '/') forms.add('\\/');
  }
  return [...forms].map((form) => Buffer.from(form, 'utf8'));
}

function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Byte → the same byte with A–Z lower-cased (for the bytes the word-at-a-time fold leaves over). */
const FOLD = Uint8Array.from({ length: 256 }, (_, byte) => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte));

/**
 * Copies data[from, end) into `into` (at the same offsets) with every ASCII capital lower-cased, four bytes at a time (bytes above 0x7F,
 * UTF-8's, stay as they are). Offsets in the copy are offsets in the data.
 */
function foldBytes(data: Buffer, from: number, end: number, into: Buffer): void {
  let done = from;
  if (data.byteOffset % 4 === 0 && into.byteOffset % 4 === 0) {
    for (; done < end && done % 4 !== 0; done++) into[done] = FOLD[data[done]];
    const firstWord = done >>> 2;
    const words = (end >>> 2) - firstWord;
    if (words > 0) {
      const source = new Uint32Array(data.buffer, data.byteOffset + done, words);
      const target = new Uint32Array(into.buffer, into.byteOffset + done, words);
      for (let i = 0; i < words; i++) {
        const word = source[i];
        const low = word & 0x7f7f7f7f;
        // Per byte: 0x80 where the byte is in A–Z (at least 0x41, below 0x5B, high bit clear); no carry crosses bytes.
        const capitals = (low + 0x3f3f3f3f) & ~(low + 0x25252525) & ~word & 0x80808080;
        target[i] = word | (capitals >>> 2);
      }
      done += words * 4;
    }
  }
  for (let i = done; i < end; i++) into[i] = FOLD[data[i]];
}

/**
 * Scans log bytes chunk by chunk. Feed each chunk with `push` (lines may span chunks: the tail after the last
 * newline is kept for the next one) and call `end` at the end of the file.
 */
export class LogTextScanner {
  private readonly anchors: Buffer[];
  private readonly query: string;
  private readonly loweredQuery: string;
  private tail: Buffer = Buffer.alloc(0);
  /** The chunk being scanned, ASCII letters lower-cased; reused from chunk to chunk. */
  private folded: Buffer = Buffer.alloc(0);
  /** How far the part being searched is folded. */
  private foldedTo = 0;
  /** The text blocks of this record's part last parsed for a join (by the part's start), null when it did not parse. */
  private pieces: { start: number; pieces: string[] | null } | undefined;
  /** Whether the record being searched has a `schema` (its extract is read as it is, not derived again). */
  private structured = false;
  /** Sources already found per exchange id: the next hits in the same part are skipped. */
  private readonly found = new Map<string, Set<SearchSource>>();
  /**
   * How often each path ran: anchors looked at, hits settled by the byte comparison, texts decoded around an
   * anchor, neighbouring blocks joined (the worker's warm-up checks that it ran each of them).
   */
  readonly paths = { anchors: 0, literal: 0, decoded: 0, joined: 0 };

  /** The lower-cased query as UTF-8, and where the anchor sits in it (-1: no literal comparison). */
  private readonly queryBytes: Buffer;
  private readonly anchorAt: number;

  constructor(query: string) {
    this.query = query.trim();
    this.loweredQuery = this.query.toLowerCase();
    this.anchors = scanAnchors(this.query);
    this.queryBytes = Buffer.from(this.loweredQuery, 'utf8');
    // A query holding a quote or a backslash is written escaped: its bytes are never the text's.
    const escapable = this.queryBytes.includes(QUOTE) || this.queryBytes.includes(BACKSLASH);
    this.anchorAt = this.anchors.length === 1 && !escapable ? this.queryBytes.indexOf(this.anchors[0]) : -1;
  }

  /** Exchanges with at least one hit so far. */
  get matched(): number {
    return this.found.size;
  }

  push(chunk: Buffer): ScanHit[] {
    const data = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline < 0) {
      this.tail = Buffer.from(data);
      return [];
    }
    const hits = this.scan(data, lastNewline + 1);
    this.tail = Buffer.from(data.subarray(lastNewline + 1));
    return hits;
  }

  end(): ScanHit[] {
    const rest = this.tail;
    this.tail = Buffer.alloc(0);
    return rest.length > 0 ? this.scan(rest, rest.length) : [];
  }

  /** Hits in data[0, end), which holds whole records (the caller keeps the rest for the next call). */
  scanRecords(data: Buffer, end: number): ScanHit[] {
    return this.scan(data, end);
  }

  /** Hits in the whole lines of data[0, end). */
  private scan(data: Buffer, end: number): ScanHit[] {
    const hits: ScanHit[] = [];
    if (this.anchors.length === 0 || end === 0) return hits;
    if (this.folded.length < end) this.folded = Buffer.from(new ArrayBuffer(Math.max(end, this.folded.length * 2)));
    for (let lineStart = 0; lineStart < end; ) {
      let lineEnd = data.indexOf(10, lineStart);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      this.scanLine(data, lineStart, lineEnd, hits);
      lineStart = lineEnd + 1;
    }
    return hits;
  }

  /**
   * The first place in [from, part.end) where an anchor starts, or -1. The part is lower-cased into `folded`
   * block by block as the search reaches it: a part whose first hit comes early is not folded further.
   */
  private next(data: Buffer, part: Part, from: number): number {
    const longest = this.anchors.reduce((most, anchor) => Math.max(most, anchor.length), 0);
    for (;;) {
      if (from >= part.end) return -1;
      if (this.foldedTo < part.end && this.foldedTo - from < FOLD_BLOCK) {
        const to = Math.min(part.end, this.foldedTo + FOLD_BLOCK);
        foldBytes(data, this.foldedTo, to, this.folded);
        this.foldedTo = to;
      }
      const view = this.folded.subarray(0, this.foldedTo);
      let first = -1;
      for (const anchor of this.anchors) {
        const at = view.indexOf(anchor, from);
        if (at >= 0 && (first < 0 || at < first)) first = at;
      }
      if (first >= 0 || this.foldedTo >= part.end) return first;
      // Not in what is folded: go on from where an anchor could still start across the block's end.
      from = Math.max(from, this.foldedTo - longest + 1);
    }
  }

  /**
   * Searches the parts of one record (data[start, end)) that the parsing search reads, each up to its first hit.
   */
  private scanLine(data: Buffer, start: number, end: number, hits: ScanHit[]): void {
    const head = data.toString('utf8', start, Math.min(end, start + 200));
    const id = /"id":"((?:[^"\\]|\\.)*)"/.exec(head)?.[1];
    const kind = /"kind":"(request|response)"/.exec(head)?.[1];
    if (!id || !kind) return;
    const found = this.found.get(id) ?? new Set<SearchSource>();
    const parts = partsOf(data, start, end, kind === 'response');
    this.structured = parts.some((part) => part.key === 'schema');
    // (The caller's buffer is reused from chunk to chunk: a part parsed before is another record's.)
    this.pieces = undefined;
    for (const part of parts) {
      const source = part.source;
      if (!source || found.has(source)) continue;
      this.foldedTo = part.start;
      const snippet = this.scanPart(data, start, end, part, source);
      if (snippet) {
        found.add(source);
        this.found.set(id, found);
        hits.push({ id, snippet });
      }
    }
  }

  /**
   * The parsing search's snippet for one source when a match may run from the string whose text is `text` into a
   * neighbouring text block (the parsing search joins them). A request's system prompt or messages are parsed from
   * their part alone (a tenth of the record or less), when the record is in today's format (`schema`: its extract
   * is what the parsing search reads) and the part holds just that value; when the text is one of the source's
   * blocks, only the blocks around it are joined and searched, as far as a match touching it could reach (joining
   * and searching every block of a long session was most of a search for "naïve café"). `final`: the whole source
   * was searched, so no other place in it needs a look.
   */
  private joinedSnippet(data: Buffer, start: number, end: number, part: Part, source: SearchSource, text: string): { snippet: Snippet | null; final: boolean } {
    this.paths.joined++;
    if (source !== 'response' && this.structured) {
      // One parse per part: several of its strings may need this.
      if (this.pieces?.start !== part.start) {
        const value = partValue(data, part);
        this.pieces = { start: part.start, pieces: source === 'messages' ? (Array.isArray(value) ? messagesPieces(value) : null) : systemPieces(value) };
      }
      const pieces = this.pieces.pieces;
      if (pieces) {
        const separator = source === 'messages' ? '\n\n' : '\n';
        const reach = 2 * this.query.length + 1;
        let placed = false;
        for (let index = pieces.indexOf(text); index >= 0; index = pieces.indexOf(text, index + 1)) {
          placed = true;
          let first = index;
          for (let seen = 0; first > 0 && seen < reach; ) seen += nonSpaceLength(pieces[--first]);
          let last = index;
          for (let seen = 0; last < pieces.length - 1 && seen < reach; ) seen += nonSpaceLength(pieces[++last]);
          const snippet = snippetOf(pieces.slice(first, last + 1).join(separator), this.query, source);
          if (snippet) return { snippet, final: false };
        }
        if (placed) return { snippet: null, final: false };
        return { snippet: snippetOf(pieces.join(separator), this.query, source), final: true };
      }
    }
    return { snippet: wholeRecordSnippet(data.subarray(start, end), this.query, source), final: true };
  }

  /** The first hit in one part of a record (data[start, end)). */
  private scanPart(data: Buffer, start: number, end: number, part: Part, source: SearchSource): Snippet | null {
    for (let at = this.next(data, part, part.start); at >= 0; ) {
      this.paths.anchors++;
      const literal = this.anchorAt < 0 ? undefined : literalMatch(data, start, end, at, this.anchorAt, this.anchors[0].length, this.queryBytes);
      if (literal === false) {
        // Not here, for certain; the next anchor may be in the same string.
        at = this.next(data, part, at + 1);
        continue;
      }
      const string = jsonStringAt(data, start, end, at);
      if (!string) {
        at = this.next(data, part, at + 1);
        continue;
      }
      if (string.key !== undefined && UNREAD_KEYS[source].has(string.key)) {
        at = this.next(data, part, string.end);
        continue;
      }
      if (literal !== undefined && literal > string.start && literal + this.queryBytes.length < string.end) {
        const around = textAround(data, string, literal - AROUND_BYTES, literal + this.queryBytes.length + AROUND_BYTES);
        const snippet = around ? snippetIn(around, this.query, source) : null;
        if (snippet) {
          this.paths.literal++;
          return snippet;
        }
      }
      // Equal bytes, or not certain from them (an escape, a letter outside ASCII, a run of spaces, the string's
      // end): the text around the anchor decoded, as the parsing search reads it.
      const reach = Math.max(AROUND_BYTES, this.queryBytes.length * 100);
      this.paths.decoded++;
      const around = textAround(data, string, at - reach, at + reach);
      const snippet = around ? snippetIn(around, this.query, source) : null;
      if (snippet) return snippet;
      if (around && !around.cutStart && !around.cutEnd) {
        // The whole string: not in it. The record's answer for this source is final when the query may run on
        // into a neighbouring text block; otherwise go on after the string.
        if (mayJoinNeighbour(this.loweredQuery, around.text)) {
          const joined = this.joinedSnippet(data, start, end, part, source, around.text);
          if (joined.snippet || joined.final) return joined.snippet;
        }
        at = this.next(data, part, string.end);
        continue;
      }
      // A cut piece rules out a match through this anchor only when no long run of spaces could stretch one past
      // its edges (each query character is at most 12 bytes as written, each space at most 16 spaces of ~6).
      if (!around || /\s{17}/.test(around.text) || around.text.includes('Σ')) {
        const value = decodeString(data, string);
        const whole = value === undefined ? null : snippetOf(value, this.query, source);
        if (whole) return whole;
        if (value !== undefined && mayJoinNeighbour(this.loweredQuery, value)) {
          const joined = this.joinedSnippet(data, start, end, part, source, value);
          if (joined.snippet || joined.final) return joined.snippet;
        }
        at = this.next(data, part, string.end);
        continue;
      }
      // The piece reaches one end of the string: a match may run on from there into a neighbouring block.
      if ((!around.cutStart || !around.cutEnd) && mayJoinNeighbour(this.loweredQuery, around.text)) {
        const value = decodeString(data, string);
        const joined = value === undefined ? { snippet: wholeRecordSnippet(data.subarray(start, end), this.query, source), final: true } : this.joinedSnippet(data, start, end, part, source, value);
        if (joined.snippet || joined.final) return joined.snippet;
        // Not through this string: its other anchors were the same check.
        at = this.next(data, part, string.end);
        continue;
      }
      at = this.next(data, part, at + 1);
    }
    return null;
  }
}

interface Part {
  start: number;
  end: number;
  source: SearchSource | undefined;
  /** Its key's name (empty for the record's head). */
  key: string;
}

/**
 * A part's value parsed alone: the bytes after its key up to the next part, less the commas and closing braces
 * of the objects it ends; undefined when that is not one JSON value (another key cut it short).
 */
function partValue(data: Buffer, part: Part): unknown {
  let last = part.end;
  for (; last > part.start; last--) {
    const byte = data[last - 1];
    if (byte !== 0x2c && byte !== 0x7d && byte !== SPACE && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
  }
  const from = part.start + part.key.length + 3;
  if (last <= from) return undefined;
  try {
    return JSON.parse(data.toString('utf8', from, last));
  } catch {
    return undefined;
  }
}

interface JsonString {
  /** Its opening quote and the byte after its closing quote. */
  start: number;
  end: number;
  key?: string;
}

/**
 * Whether a match of the (lower-cased) query could run from this string into a neighbouring one, which the parsing
 * search joins to it with a line break: the string's normalized text must end with the query up to one of its
 * spaces, or start with the query after one of them, or (a short string) be a piece of the query between two.
 * Only then is the record parsed.
 */
function mayJoinNeighbour(query: string, text: string): boolean {
  if (!/\s/.test(query)) return false;
  // The final sigma is lower-cased by its neighbours: a cut piece of text may read otherwise than the whole.
  if (text.includes('Σ')) return true;
  const reach = query.length * 4 + 16;
  const normalize = (piece: string): string => piece.replace(/\s+/g, ' ').toLowerCase();
  const whole = text.length <= reach ? normalize(text).trim() : undefined;
  const trimmedStart = text.trimStart();
  const trimmedEnd = text.trimEnd();
  const head = whole ?? normalize(trimmedStart.slice(0, reach));
  const tail = whole ?? normalize(trimmedEnd.slice(-reach));
  // Whitespace runs shrink a cut piece: too short to tell, parse.
  if (whole === undefined && (head.length < query.length || tail.length < query.length)) return true;
  for (let space = query.indexOf(' '); space >= 0; space = query.indexOf(' ', space + 1)) {
    const before = query.slice(0, space);
    const after = query.slice(space + 1);
    if (tail.endsWith(before) || head.startsWith(after)) return true;
    if (whole !== undefined && whole !== '' && (before.endsWith(whole) || after.startsWith(whole))) return true;
  }
  return false;
}

/** Characters that are not white space (what is left of a text block once snippetOf collapses its spaces). */
function nonSpaceLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (!/\s/.test(text[i])) count++;
  return count;
}

/** The parsing search's snippet for one source of one record (its line's bytes). */
function wholeRecordSnippet(line: Buffer, query: string, source: SearchSource): Snippet | null {
  let record: unknown;
  try {
    record = JSON.parse(line.toString('utf8'));
  } catch {
    return null;
  }
  const text = source === 'system' ? (systemTextOf(record) ?? '') : source === 'messages' ? messagesText(messagesOf(record)) : responseTextOf(record);
  return snippetOf(text, query, source);
}

/** The parts of one record, data[start, end) (sorted by start), each up to the next part's start or the record's end. */
function partsOf(data: Buffer, start: number, end: number, response: boolean): Part[] {
  const line = data.subarray(start, end);
  // Everything before the extract (a request) or the reconstruction (a response) is not read.
  const from = response ? firstOf(line, KEY_RECONSTRUCTED, KEY_BODY) : keyIn(line, KEY_EXTRACT, 0);
  if (from < 0) return [];
  const starts: Array<{ at: number; source: SearchSource | undefined; key: string }> = [{ at: 0, source: undefined, key: '' }];
  // Each key's first place only: the extract and the reconstruction hold each of them once at their top level
  // (a response's later "text" keys are further blocks of the same part), and searching a ~100 KB record for
  // every occurrence of every key was most of the time when every record matched.
  for (const [key, source, trailer] of response ? RESPONSE_PARTS : REQUEST_PARTS) {
    const at = trailer ? lastKeyIn(line, key, from) : keyIn(line, key, from);
    if (at >= 0) starts.push({ at, source, key: key.toString('latin1', 1, key.length - 2) });
  }
  starts.sort((a, b) => a.at - b.at);
  return starts.map((part, index) => ({ start: start + part.at, end: start + (index + 1 < starts.length ? starts[index + 1].at : line.length), source: part.source, key: part.key }));
}

function firstOf(line: Buffer, ...keys: Buffer[]): number {
  const found = keys.map((key) => keyIn(line, key, 0)).filter((at) => at >= 0);
  return found.length > 0 ? Math.min(...found) : -1;
}

/**
 * A key's first place (`"name":`) at or after `from`, found by its name and colon, the quote checked after: a
 * quote, JSON's commonest byte, as the first byte searched made the search stop at every string.
 */
function keyIn(line: Buffer, key: Buffer, from: number): number {
  const name = key.subarray(1);
  for (let at = line.indexOf(name, from + 1); at >= 0; at = line.indexOf(name, at + 1)) if (line[at - 1] === QUOTE) return at - 1;
  return -1;
}

/** A key's last place, if it is after `from` (as keyIn, from the end). */
function lastKeyIn(line: Buffer, key: Buffer, from: number): number {
  const name = key.subarray(1);
  for (let at = line.lastIndexOf(name); at > from; at = at - 1 > from ? line.lastIndexOf(name, at - 1) : -1) if (line[at - 1] === QUOTE) return at - 1;
  return -1;
}

const KEY_EXTRACT = Buffer.from('"extract":');
const KEY_RECONSTRUCTED = Buffer.from('"reconstructed":');
const KEY_BODY = Buffer.from('"body":');

/**
 * The JSON string value that holds byte `at`: its opening quote, the byte after its closing quote, and its key
 * when it is an object member; undefined when `at` is in a key.
 */
function jsonStringAt(data: Buffer, start: number, end: number, at: number): JsonString | undefined {
  // (A negative offset would count from the end of data: guarded.)
  let open = at - 1 >= start ? data.lastIndexOf(QUOTE, at - 1) : -1;
  while (open >= start && escapedAt(data, start, open)) open = open - 1 >= start ? data.lastIndexOf(QUOTE, open - 1) : -1;
  let close = data.indexOf(QUOTE, at);
  while (close >= 0 && close < end && escapedAt(data, start, close)) close = data.indexOf(QUOTE, close + 1);
  if (open < start || close < 0 || close >= end) return undefined;
  // A quote just before a colon closes a key, not a value: the hit was in a key.
  if (data[close + 1] === 0x3a) return undefined;
  let key: string | undefined;
  if (data[open - 1] === 0x3a && data[open - 2] === QUOTE) {
    let keyOpen = open - 3;
    while (keyOpen >= start && (data[keyOpen] !== QUOTE || escapedAt(data, start, keyOpen))) keyOpen--;
    if (keyOpen >= start) key = data.toString('utf8', keyOpen + 1, open - 2);
  }
  return { start: open, end: close + 1, ...(key !== undefined ? { key } : {}) };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

/** Whether the byte at `position` is escaped (an odd run of backslashes before it, not before `start`). */
function escapedAt(data: Buffer, start: number, position: number): boolean {
  let backslashes = 0;
  for (let back = position - 1; back >= start && data[back] === BACKSLASH; back--) backslashes++;
  return backslashes % 2 === 1;
}

/** Whether a backslash is among the five bytes before `position` (an escape such as `\u00e9` may hold it). */
function nearEscape(data: Buffer, from: number, position: number): boolean {
  for (let back = position - 1; back >= from && back >= position - 5; back--) if (data[back] === BACKSLASH) return true;
  return false;
}

/**
 * Compares the text around an anchor at `at` with the lower-cased query byte for byte, outward from the anchor
 * (so an escape or a run of spaces is met before it could shift the comparison; a space in the query takes a whole
 * run of spaces and `\n`, `\t`, `\r` escapes, as snippetOf's collapsing does): the match's start when the text is
 * the query (case aside), false when a byte rules a match here out for certain, undefined when only decoding can
 * tell (another escape, a letter outside ASCII in another case, a space outside ASCII, a quote: the string's end,
 * where a match may go on in the next text block). `first` and `last`: the record's bytes.
 */
function literalMatch(data: Buffer, first: number, last: number, at: number, anchorAt: number, anchorLength: number, query: Buffer): number | false | undefined {
  let position = at - 1;
  for (let i = anchorAt - 1; i >= 0; i--) {
    if (position < first) return undefined;
    const wanted = query[i];
    if (wanted === SPACE) {
      const before = spacesBefore(data, first, position);
      if (before === position) return differs(data, first, position, wanted);
      // A space or an escape outside ASCII may go on with the run.
      if (before >= first && ((data[before] >= 0x80 && spaceEndsAt(data, first, before)) || nearEscape(data, first, before + 1))) return undefined;
      position = before;
      continue;
    }
    if (FOLD[data[position]] !== wanted) return differs(data, first, position, wanted);
    position--;
  }
  const begin = position + 1;
  position = at + anchorLength;
  for (let i = anchorAt + anchorLength; i < query.length; i++) {
    if (position >= last) return undefined;
    const wanted = query[i];
    if (wanted === SPACE) {
      const after = spacesAfter(data, last, position);
      if (after === position) return differs(data, first, position, wanted);
      if (after < last && ((data[after] >= 0x80 && spaceStartsAt(data, last, after)) || data[after] === BACKSLASH)) return undefined;
      position = after;
      continue;
    }
    if (FOLD[data[position]] !== wanted) return differs(data, first, position, wanted);
    position++;
  }
  // Equal; still, the first byte might be the end of an escape (`\n` + "foo" is not "nfoo").
  return nearEscape(data, first, begin) ? undefined : begin;
}

/** Whether the character outside ASCII whose last byte is at `position` is a space (U+00A0, U+2028…). */
function spaceEndsAt(data: Buffer, first: number, position: number): boolean {
  let lead = position;
  while (lead > first && lead > position - 3 && (data[lead] & 0xc0) === 0x80) lead--;
  return /\s/.test(data.toString('utf8', lead, position + 1));
}

/** Whether the character outside ASCII that starts at `position` is a space. */
function spaceStartsAt(data: Buffer, last: number, position: number): boolean {
  const lead = data[position];
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return /\s/.test(data.toString('utf8', position, Math.min(last, position + length)));
}

/** `n`, `t`, `r`: the escapes of the spaces a JSON writer escapes. */
const isSpaceEscape = (byte: number): boolean => byte === 0x6e || byte === 0x74 || byte === 0x72;

/** Where a run of spaces (raw, or escaped line breaks and tabs) that ends at `position` begins, minus one. */
function spacesBefore(data: Buffer, first: number, position: number): number {
  let at = position;
  for (;;) {
    if (at >= first && data[at] === SPACE) at--;
    else if (at - 1 >= first && isSpaceEscape(data[at]) && data[at - 1] === BACKSLASH && escapedAt(data, first, at)) at -= 2;
    else return at;
  }
}

/** Where a run of spaces that starts at `position` ends (the byte after it). */
function spacesAfter(data: Buffer, last: number, position: number): number {
  let at = position;
  for (;;) {
    if (at < last && data[at] === SPACE) at++;
    else if (at + 1 < last && data[at] === BACKSLASH && isSpaceEscape(data[at + 1])) at += 2;
    else return at;
  }
}

/**
 * Whether a text byte that is not the query's rules the match out (false) or only decoding can tell (undefined):
 * a backslash or an escape around it, a quote (the end of the string), a byte outside ASCII where a space is wanted (other spaces) or where
 * another letter outside ASCII is (another case of it). A character outside ASCII lower-cases to ASCII only for
 * the Kelvin sign (k) and the dotted capital I (i).
 */
function differs(data: Buffer, first: number, position: number, wanted: number): false | undefined {
  const byte = data[position];
  if (byte === BACKSLASH || byte === QUOTE || nearEscape(data, first, position)) return undefined;
  if (byte >= 0x80 && (wanted >= 0x80 || wanted === SPACE || wanted === 0x6b || wanted === 0x69)) return undefined;
  return false;
}

/** The string's text (its bytes, when it holds no escape), or undefined when it is not valid JSON. */
function decodeString(data: Buffer, string: JsonString): string | undefined {
  if (data.subarray(string.start + 1, string.end - 1).indexOf(BACKSLASH) < 0) return data.toString('utf8', string.start + 1, string.end - 1);
  try {
    return JSON.parse(data.toString('utf8', string.start, string.end)) as string;
  } catch {
    return undefined;
  }
}

/** Bytes each side of an anchor decoded to check it and cut the snippet from (the snippet shows 40 characters). */
const AROUND_BYTES = 400;
/** Bytes lower-cased at a time, as the anchor search reaches them. */
const FOLD_BLOCK = 64 * 1024;

interface TextAround {
  text: string;
  /** Whether the piece starts after the string's start, ends before its end. */
  cutStart: boolean;
  cutEnd: boolean;
}

/**
 * The string's text over bytes [from, to) (clamped to it), widened to whole characters and escapes; undefined when
 * it is not valid JSON.
 */
function textAround(data: Buffer, string: JsonString, from: number, to: number): TextAround | undefined {
  const first = string.start + 1;
  const last = string.end - 1;
  let begin = Math.max(first, from);
  let finish = Math.min(last, to);
  // Widen to places no escape or multi-byte character runs across: next to a plain ASCII byte outside any escape.
  while (begin > first && !(data[begin - 1] < 0x80 && data[begin - 1] !== BACKSLASH && !nearEscape(data, first, begin - 1))) begin--;
  while (finish < last && !(data[finish] < 0x80 && data[finish] !== BACKSLASH && !nearEscape(data, first, finish))) finish++;
  const cut = { cutStart: begin > first, cutEnd: finish < last };
  if (data.subarray(begin, finish).indexOf(BACKSLASH) < 0) return { text: data.toString('utf8', begin, finish), ...cut };
  try {
    return { text: JSON.parse(`"${data.toString('utf8', begin, finish)}"`) as string, ...cut };
  } catch {
    return undefined;
  }
}

/** snippetOf over a piece of a string, its cuts marked '…' like snippetOf's own. */
function snippetIn(around: TextAround, query: string, source: SearchSource): Snippet | null {
  const snippet = snippetOf(around.text, query, source);
  if (!snippet) return null;
  if (around.cutStart && !snippet.before.startsWith('…')) snippet.before = `…${snippet.before.trimStart()}`;
  if (around.cutEnd && !snippet.after.endsWith('…')) snippet.after = `${snippet.after.trimEnd()}…`;
  return snippet;
}
