// The log search's worker thread (see logTextScan.ts): scans its share of the log files' bytes for one query and
// posts its hits in batches as it goes, so the caller can show results (and a growing count) before the scan ends.
// A newer query terminates this worker mid-scan: nothing to cancel inside.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { LogTextScanner, type ScanHit } from './logTextScan';

export const LOG_SEARCH_TASK_MARK = 'agentInterludeLogSearch';

export interface LogSearchTask {
  query: string;
  /** Files in log order, each scanned up to `size` bytes (what the index has read; later bytes are not indexed yet). */
  files: Array<{ path: string; size: number }>;
}

/**
 * One worker's share: the records that start in [start, end) of each file (a record running past `end` is read to
 * its end; one starting before `start` is another worker's), the file read no further than `size`.
 */
export interface LogSearchShare {
  query: string;
  pieces: Array<{ path: string; size: number; start: number; end: number }>;
}

export type LogSearchMessage =
  | { type: 'hits'; hits: ScanHit[]; scannedBytes: number }
  | { type: 'done'; scannedBytes: number; ms: number }
  | { type: 'error'; message: string }
  /** Started and warmed up (what its warm-up search did): a search sent now begins at once. */
  | { type: 'ready'; warmUp: WarmUpReport };

// 1 MiB: read, lower-cased and searched while it is still in the CPU cache. A fresh 16 MiB buffer (each search is
// a fresh worker) cost more in page faults than the reading: 83 ms of CPU to read a 30 MiB log, against 13 ms in
// 1 MiB reads (load 3.4). A record longer than this grows the buffer.
const CHUNK_BYTES = 1024 * 1024;
/** Hits are held back at most this long, so the first ones show at once and later ones in few messages. */
const BATCH_MS = 100;

/** Where a share's bytes come from: a file, or (the warm-up) bytes in memory. */
interface ByteSource {
  read(buffer: Buffer, offset: number, length: number, position: number): number;
  close(): void;
}

function openFile(path: string): ByteSource {
  const fd = openSync(path, 'r');
  return { read: (buffer, offset, length, position) => readSync(fd, buffer, offset, length, position), close: () => closeSync(fd) };
}

/** The first record start at or after `offset` (just after a newline), or `size`. */
function recordStartFrom(source: ByteSource, offset: number, size: number): number {
  if (offset <= 0) return 0;
  const probe = Buffer.allocUnsafe(64 * 1024);
  for (let position = offset - 1; position < size; ) {
    const read = source.read(probe, 0, Math.min(probe.length, size - position), position);
    if (read === 0) break;
    const newline = probe.subarray(0, read).indexOf(10);
    if (newline >= 0) return position + newline + 1;
    position += read;
  }
  return size;
}

/** Scans one share, posting hits as it goes; returns its scanner (the warm-up reads which paths ran). */
function run(share: LogSearchShare, post: (message: LogSearchMessage) => void, open: (path: string) => ByteSource = openFile): LogTextScanner {
  const started = performance.now();
  // One buffer for the whole scan: each read lands after the part of a record the previous chunk ended in (moved
  // to the front), so no chunk is copied again; it grows only for a record longer than itself.
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let scannedBytes = 0;
  let pending: ScanHit[] = [];
  let lastPost = 0;
  const flush = (force: boolean): void => {
    if (pending.length === 0 || (!force && performance.now() - lastPost < BATCH_MS)) return;
    post({ type: 'hits', hits: pending, scannedBytes });
    pending = [];
    lastPost = performance.now();
  };
  // One scanner for all files (an exchange's request and response may sit in two); each piece ends on a record's
  // end, as a record never spans two files.
  const scanner = new LogTextScanner(share.query);
  for (const piece of share.pieces) {
    const source = open(piece.path);
    let carry = 0;
    try {
      const from = recordStartFrom(source, piece.start, piece.size);
      const to = piece.end >= piece.size ? piece.size : recordStartFrom(source, piece.end, piece.size);
      for (let position = from; position < to; ) {
        if (carry === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, carry);
          buffer = bigger;
        }
        const read = source.read(buffer, carry, Math.min(buffer.length - carry, to - position), position);
        if (read === 0) break;
        position += read;
        scannedBytes += read;
        const filled = carry + read;
        const lastNewline = buffer.lastIndexOf(10, filled - 1);
        if (lastNewline < 0) {
          carry = filled;
          continue;
        }
        pending.push(...scanner.scanRecords(buffer, lastNewline + 1));
        carry = filled - (lastNewline + 1);
        buffer.copyWithin(0, lastNewline + 1, filled);
        flush(lastPost === 0);
      }
      // A last record without its newline (one being written): scanned as it is.
      if (carry > 0) pending.push(...scanner.scanRecords(buffer, carry));
    } finally {
      source.close();
    }
  }
  flush(true);
  post({ type: 'done', scannedBytes, ms: Math.round(performance.now() - started) });
  return scanner;
}

/** What the warm-up search found and which of the scanner's paths it ran, per query (summed over its rounds). */
export interface WarmUpReport {
  ms: number;
  /** The made-up log's size, and how many times each query searched it. */
  bytes: number;
  rounds: number;
  queries: Array<{ query: string; hits: number; anchors: number; literal: number; decoded: number; joined: number }>;
}

/** The warm-up's queries: one word (anchors settled byte for byte), two words outside ASCII (decoding around the
 * anchor, blocks joined), and one found nowhere (the bare scan). */
export const WARM_UP_QUERIES = ['the', 'naïve café', 'zzqq-nowhere'];
/**
 * Rounds of each query: enough for the scanner's functions to be optimized before a user's first search. A/B on
 * 100 MiB "naïve café" (two workers, load 4.8–5.7, medians of 5): a first search after 6 rounds 117 ms, after 12
 * 97 ms, after 20 93 ms, the second search ~90 ms; the warm-up before this one 193 ms.
 */
const WARM_UP_ROUNDS = 12;

/**
 * A made-up log in today's record format, ~0.2 MB: requests with a system prompt in blocks, tools, a conversation
 * (text, tool uses, tool results with escaped line breaks, tabs and quotes), streamed responses and one that was
 * not. "the" is in every part; "café" in most, where the byte comparison rules "naïve café" out; "naïve café"
 * itself is in a sixth of the requests each as it is (settled byte for byte), as `\u` escapes and in capitals
 * (decoded around the anchor), split across two text blocks (joined) and across an escaped line break.
 */
export function warmUpLog(): Buffer {
  const pool = ['the', 'file', 'then', 'café', 'code', 'Theme', '“quoted”', 'résumé', 'Café', '日本語', 'return', 'value', 'other', 'path', 'über', 'line'];
  const prose = (seed: number, words: number): string => {
    let text = '';
    for (let i = 0; i < words; i++) text += `${pool[(seed * 7 + i * 5 + ((i * i) % 3)) % pool.length]}${i % 11 === 10 ? '\n' : ' '}`;
    return text;
  };
  const planted = ['a naïve café here', 'a naïve café here', 'A NAÏVE CAFÉ HERE', '', 'naïve\n\ncafé', ''];
  const lines: string[] = [];
  for (let n = 0; n < 24; n++) {
    const id = `warm-up-${n}`;
    const system = [{ type: 'text', text: 'x-billing-header: warm' }, { type: 'text', text: `You are a coding agent. ${prose(n, 200)}`, cache_control: { type: 'ephemeral' } }];
    const tools = [{ name: 'Read', description: prose(n + 1, 30), input_schema: { type: 'object', properties: { path: { type: 'string' } } } }];
    const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: prose(n + 2, 60) }] }];
    for (let turn = 0; turn < 1 + (n % 3); turn++) {
      messages.push({ role: 'assistant', content: [{ type: 'text', text: prose(n + turn, 20) }, { type: 'tool_use', id: `tu_${n}_${turn}`, name: 'Read', input: { path: `src/file${turn}.ts` } }] });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `tu_${n}_${turn}`, content: `line one\n  "the" value\t${prose(n + turn + 3, 80)} ${turn === 0 ? planted[n % 6] : ''}` }] });
    }
    // A match only across two blocks: one ends with the first word, the next starts with the second.
    if (n % 6 === 3) messages.push({ role: 'user', content: [{ type: 'text', text: `${prose(n, 20)} naïve` }, { type: 'text', text: `café ${prose(n + 1, 20)}` }] });
    const body = { model: 'claude-warm', system, tools, messages };
    let request = JSON.stringify({ id, kind: 'request', ts: '2026-01-01T00:00:00.000Z', agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', headers_kept: { 'Content-Type': 'application/json' }, request: body, extract: { system, tools, messages }, schema: 1, request_bytes: 1000 });
    // Some writers escape letters outside ASCII: the same words as `\u` escapes.
    if (n % 6 === 1) request = request.replace(/ï/g, '\\u00ef').replace(/é/g, '\\u00e9');
    lines.push(request);
    const response = n % 8 === 7
      ? { id, kind: 'response', agent: 'claude', status: 200, stream: false, body: { content: [{ type: 'text', text: prose(n + 5, 40) }] }, reconstructed: { text: prose(n + 5, 40), tool_uses: [] }, content_type: 'application/json', schema: 1 }
      : { id, kind: 'response', agent: 'claude', status: 200, stream: true, reconstructed: { model: 'claude-warm', text: prose(n + 4, 60), tool_uses: [{ id: `tu_${n}`, name: 'Read', input: { path: 'the/path' } }], usage: { input_tokens: 1 } }, content_type: 'text/event-stream', schema: 1 };
    lines.push(JSON.stringify(response));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/**
 * Runs the search itself, over a made-up log in memory, before the worker says it is ready: the reading loop, the
 * anchor search, the byte comparison, decoding around an anchor and joining text blocks are compiled and optimized
 * before the first real search, which otherwise ran its first tens of MiB in slower code (a first search of a
 * 100 MiB log took about twice as long as the next ones). The log is read in two pieces (as two workers share a
 * log: each finds its first record's start) and in small reads (several chunks, records cut between them).
 */
function warmUp(): WarmUpReport {
  const started = performance.now();
  const log = warmUpLog();
  const memory = (): ByteSource => ({
    read: (buffer, offset, length, position) => log.copy(buffer, offset, position, Math.min(log.length, position + Math.min(length, 64 * 1024))),
    close: () => undefined,
  });
  const half = Math.floor(log.length / 2);
  const queries = WARM_UP_QUERIES.map((query) => ({ query, hits: 0, anchors: 0, literal: 0, decoded: 0, joined: 0 }));
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const entry of queries) {
      const pieces = [{ path: 'warm-up', size: log.length, start: 0, end: half }, { path: 'warm-up', size: log.length, start: half, end: log.length }];
      const scanner = run({ query: entry.query, pieces }, (message) => {
        if (message.type === 'hits') entry.hits += message.hits.length;
      }, memory);
      entry.anchors += scanner.paths.anchors;
      entry.literal += scanner.paths.literal;
      entry.decoded += scanner.paths.decoded;
      entry.joined += scanner.paths.joined;
    }
  }
  return { ms: Math.round(performance.now() - started), bytes: log.length, rounds: WARM_UP_ROUNDS, queries };
}

// Shares come as messages, one search after another: the worker outlives a search, so the next one does not wait
// for a start-up (logSearch.ts keeps it).
if (parentPort) {
  const port = parentPort;
  const warmed = warmUp();
  port.postMessage({ type: 'ready', warmUp: warmed } satisfies LogSearchMessage);
  port.on('message', (message: Record<string, unknown>) => {
    const share = message[LOG_SEARCH_TASK_MARK] as LogSearchShare | undefined;
    if (!share) return;
    try {
      run(share, (reply) => port.postMessage(reply));
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies LogSearchMessage);
    }
  });
}
