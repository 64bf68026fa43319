// Text search over capture logs by scanning their bytes, without parsing the records: the timeline's search
// over a 1 GiB log in about a second. Reading every exchange and parsing it (searchExchanges over
// LogIndex.readExchange) took 17–20 s there.
//
// How: the longest whitespace-free word of the query, as JSON writes it inside a string (our writer is
// JSON.stringify: quotes and backslashes escaped, non-ASCII raw), is looked for in each chunk of bytes by a
// case-insensitive regular expression over the chunk read as a one-byte (latin1) string, so offsets in it are
// byte offsets and no UTF-8 is decoded. A record holding it is then checked where the hit is: which part of the record the hit is
// in (system prompt, messages, response text; tool schemas, headers and our own digests do not count, as in
// searchOne), and the JSON string around the hit is decoded and searched for the whole query with snippetOf,
// so the snippet and the case-insensitive match are the same as the parsing search gives. One snippet per
// source per exchange is enough: the rest of that part of the record is skipped.
//
// A query of several words may run from one JSON string into the next (two text blocks, which the parsing search
// joins): when the word found sits near an end of its string, that one record is parsed and searched whole.
// Limit, for the record: letters outside ASCII are matched case-sensitively by the byte scan (É does not find é),
// then compared as snippetOf does.
import { messagesOf, messagesText, responseTextOf, systemTextOf } from './recordText';
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
const REQUEST_PARTS: ReadonlyArray<[string, SearchSource | undefined]> = [
  ['"system":', 'system'],
  ['"messages":', 'messages'],
  ['"tools":', undefined],
  ['"schema":', undefined],
  ['"request_bytes":', undefined],
];
const RESPONSE_PARTS: ReadonlyArray<[string, SearchSource | undefined]> = [
  ['"reconstructed":', undefined],
  ['"text":', 'response'],
  ['"tool_uses":', 'response'],
  // A response that was not streamed: its body, read as the parsing search reconstructs it.
  ['"body":', 'response'],
  ['"usage":', undefined],
  ['"content_type":', undefined],
  ['"schema":', undefined],
];
/** Values the parsing search does not read, by their key: block types, roles, ids, tool names in messages. */
const UNREAD_KEYS: Record<SearchSource, ReadonlySet<string>> = {
  system: new Set(['type', 'cache_control']),
  messages: new Set(['type', 'role', 'id', 'tool_use_id', 'call_id', 'name', 'status', 'cache_control', 'signature']),
  response: new Set(['type', 'id', 'role', 'model', 'stop_reason', 'stop_sequence', 'status', 'object']),
};

/** The word of the query the byte scan looks for, as it appears inside a JSON string. */
export function scanNeedle(query: string): string | undefined {
  const words = query.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return undefined;
  const longest = words.reduce((best, word) => (word.length > best.length ? word : best));
  return JSON.stringify(longest).slice(1, -1);
}

/**
 * Scans log bytes chunk by chunk. Feed each chunk with `push` (lines may span chunks: the tail after the last
 * newline is kept for the next one) and call `end` at the end of the file.
 */
export class LogTextScanner {
  private readonly needle: RegExp | undefined;
  private readonly query: string;
  private tail: Buffer = Buffer.alloc(0);
  /** Sources already found per exchange id: the next hits in the same part are skipped. */
  private readonly found = new Map<string, Set<SearchSource>>();

  constructor(query: string) {
    this.query = query.trim();
    const needle = scanNeedle(this.query);
    // The word's UTF-8 bytes as latin1 characters: an exact-case occurrence always matches; the `i` flag adds
    // the other cases of ASCII letters (and, for bytes above 0x7F, only false candidates, which the decoded check drops).
    this.needle = needle ? new RegExp(Buffer.from(needle, 'utf8').toString('latin1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi') : undefined;
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
    const needle = this.needle;
    if (!needle) return hits;
    const text = data.toString('latin1', 0, end);
    needle.lastIndex = 0;
    for (let match = needle.exec(text); match; match = needle.exec(text)) {
      const lineStart = data.lastIndexOf(10, match.index) + 1;
      let lineEnd = data.indexOf(10, match.index);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      this.scanLine(data, text.slice(lineStart, lineEnd), lineStart, match.index - lineStart, hits);
      needle.lastIndex = lineEnd;
    }
    return hits;
  }

  /** Checks the hits of one record (`line`, from byte `start` of data) from offset `first` in it on. */
  private scanLine(data: Buffer, line: string, start: number, first: number, hits: ScanHit[]): void {
    const head = data.toString('utf8', start, start + Math.min(line.length, 200));
    const id = /"id":"((?:[^"\\]|\\.)*)"/.exec(head)?.[1];
    const kind = /"kind":"(request|response)"/.exec(head)?.[1];
    if (!id || !kind) return;
    const parts = partsOf(line, kind === 'response');
    const found = this.found.get(id) ?? new Set<SearchSource>();
    const needle = new RegExp(this.needle!.source, 'gi');
    const next = (from: number): number => {
      needle.lastIndex = from;
      return needle.exec(line)?.index ?? -1;
    };
    for (let at = first; at >= 0; ) {
      const part = partAt(parts, at);
      const source = part?.source;
      if (!part || !source || found.has(source)) {
        // Not a searched part, or one already matched: go on after it.
        at = next(part?.end ?? at + 1);
        continue;
      }
      const value = jsonStringAround(data, start, start + line.length, start + at);
      const read = value !== undefined && (value.key === undefined || !UNREAD_KEYS[source].has(value.key));
      let snippet = value === undefined || !read ? null : snippetOf(value.value, this.query, source);
      if (!snippet && value !== undefined && read && mayRunOn(this.query, start + at, value)) {
        // The whole record's answer for this source is final: found or not, the rest of the part is skipped.
        snippet = wholeRecordSnippet(data.subarray(start, start + line.length), this.query, source);
        if (!snippet) {
          at = next(part.end);
          continue;
        }
      }
      if (snippet) {
        found.add(source);
        this.found.set(id, found);
        hits.push({ id, snippet });
        at = next(part.end);
      } else at = next(value === undefined ? at + 1 : value.end - start);
    }
  }

}

interface Part {
  start: number;
  end: number;
  source: SearchSource | undefined;
}

interface JsonString {
  value: string;
  /** Its opening quote and the byte after its closing quote. */
  start: number;
  end: number;
  key?: string;
}

/** Whether a query of several words could run past the string holding the hit at byte `at` (near either end). */
function mayRunOn(query: string, at: number, string: JsonString): boolean {
  if (!/\s/.test(query)) return false;
  const reach = Buffer.byteLength(query) * 6 + 8;
  return at - string.start < reach || string.end - at < reach;
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

/** The parts of one record (sorted by start), each up to the next part's start or the record's end. */
function partsOf(line: string, response: boolean): Part[] {
  // Everything before the extract (a request) or the reconstruction (a response) is not read.
  const from = response ? firstOf(line, '"reconstructed":', '"body":') : line.indexOf('"extract":');
  if (from < 0) return [];
  const starts: Array<{ at: number; source: SearchSource | undefined }> = [{ at: 0, source: undefined }];
  // Each key's first place only: the extract and the reconstruction hold each of them once at their top level
  // (a response's later "text" keys are further blocks of the same part), and searching a ~100 KB record for
  // every occurrence of every key was most of the time when every record matched.
  for (const [key, source] of response ? RESPONSE_PARTS : REQUEST_PARTS) {
    const at = line.indexOf(key, from);
    if (at >= 0) starts.push({ at, source });
  }
  starts.sort((a, b) => a.at - b.at);
  return starts.map((part, index) => ({ start: part.at, end: index + 1 < starts.length ? starts[index + 1].at : line.length, source: part.source }));
}

function firstOf(line: string, ...keys: string[]): number {
  const found = keys.map((key) => line.indexOf(key)).filter((at) => at >= 0);
  return found.length > 0 ? Math.min(...found) : -1;
}

function partAt(parts: readonly Part[], at: number): Part | undefined {
  let low = 0;
  let high = parts.length - 1;
  let best: Part | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (parts[mid].start <= at) {
      best = parts[mid];
      low = mid + 1;
    } else high = mid - 1;
  }
  return best;
}

/**
 * The JSON string value that holds byte `at`, decoded, the byte after its closing quote, and its key when it is
 * an object member.
 */
function jsonStringAround(data: Buffer, start: number, end: number, at: number): JsonString | undefined {
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  const escaped = (position: number): boolean => {
    let backslashes = 0;
    for (let back = position - 1; back >= start && data[back] === BACKSLASH; back--) backslashes++;
    return backslashes % 2 === 1;
  };
  let open = at - 1;
  while (open >= start && (data[open] !== QUOTE || escaped(open))) open--;
  let close = at;
  while (close < end && (data[close] !== QUOTE || escaped(close))) close++;
  if (open < start || close >= end) return undefined;
  // A quote just before a colon closes a key, not a value: the hit was in a key.
  if (data[close + 1] === 0x3a) return undefined;
  let key: string | undefined;
  if (data[open - 1] === 0x3a && data[open - 2] === QUOTE) {
    let keyOpen = open - 3;
    while (keyOpen >= start && (data[keyOpen] !== QUOTE || escaped(keyOpen))) keyOpen--;
    if (keyOpen >= start) key = data.toString('utf8', keyOpen + 1, open - 2);
  }
  try {
    return { value: JSON.parse(data.toString('utf8', open, close + 1)) as string, start: open, end: close + 1, ...(key !== undefined ? { key } : {}) };
  } catch {
    return undefined;
  }
}
