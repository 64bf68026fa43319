// The single data layer over capture logs: reads `.agent-interlude/log-*.jsonl` (or given files, globs,
// directories), keeps one compact ExchangeSummary per exchange (indexModel.ts) plus the deduplicated texts
// the summaries refer to by hash, and reads full records lazily by byte offset.
//
// - Incremental: refresh() reads only the bytes appended to known files and picks up new files. A record
//   still being written (bytes after the last newline) is left for the next refresh. Reading a log in any
//   sequence of append chunks gives the same index as reading it whole: pairing is decided in file order,
//   ordering by (time, file path, byte offset) — never by when a line happened to be read.
// - Parallel: the initial load of a big file is split into newline-aligned byte ranges digested by worker
//   threads (indexWorker.ts), merged back in file order. Refreshes run in this thread.
// - Pairing: a response pairs with the request of the same `id` (preferring one in the same file). A
//   record without `id` gets a synthesized one, stable across re-reads and appends: a hash of the file's
//   name and the line's byte offset. An id-less response pairs with the nearest preceding unanswered
//   id-less request of the same agent in the same file. A response that arrives before its request waits
//   for it as a response-only exchange. An exchange whose response has not arrived is `pending`.

import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExchangeSummary, IndexDelta, IndexedFile, LineCounts, PrefixPart, RecordRef } from './indexModel';
import { INDEX_TASK_MARK, type IndexTask, type IndexTaskResult } from './indexWorker';
import { readLines, splitAtLines } from './logReader';
import { hash16, RecordDigester, type NewText, type RecordDigest, type RequestDigest, type ResponseDigest } from './recordDigest';
import type { CaptureRecord } from '../records';

/** A source that names nothing to read; `message` is ready to print. */
export class LogSourceError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'LogSourceError';
  }
}

export interface LogIndexOptions {
  /**
   * Threads sharing the initial load of a big file, this one included (it digests the last range
   * while worker threads digest the others): false = this thread only, a number = at most that many,
   * true/undefined = os.availableParallelism().
   */
  workers?: boolean | number;
  /** Reads of at least this many bytes are split across workers (default 32 MiB). */
  parallelThreshold?: number;
  /** Each worker gets at least this many bytes (default 4 MiB). */
  minBytesPerWorker?: number;
  /** Read size (default 4 MiB). */
  chunkBytes?: number;
  /** Digests per batch a worker posts while it reads (default 256; tests make it small). */
  workerBatch?: number;
  /** Accept sources that match no file yet or empty files (a watcher waiting for a proxy's first log). */
  allowEmpty?: boolean;
  /**
   * The worker script (default: indexWorker.js next to this module, as bundled in dist/, or the
   * TypeScript source under tsx). When it is missing or fails, reads happen in this thread.
   */
  workerScript?: string;
}

/** How the reads so far were done (benchmarks and tests check that workers really ran). */
export interface IndexLoadStats {
  /** Byte ranges digested in worker threads. */
  workerRanges: number;
  /** Reads done in this thread. */
  inlineReads: number;
  /** Times workers were wanted but could not run (the read was then done in this thread). */
  workerFallbacks: number;
}

export interface ExchangeRecords {
  summary: ExchangeSummary;
  request?: CaptureRecord;
  response?: CaptureRecord;
}

const LOG_FILE_PATTERN = /^log-.*\.jsonl$/;
const DEFAULT_PARALLEL_THRESHOLD = 32 * 1024 * 1024;
const DEFAULT_MIN_BYTES_PER_WORKER = 4 * 1024 * 1024;
const WORKER_YOUNG_GENERATION_MB = 16;

interface FileState {
  path: string;
  /** Bytes consumed (the next read starts here). */
  size: number;
  counts: LineCounts;
  name: string;
  /** The file's inode when first read: a different one means the file was replaced. */
  ino?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Sources

function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

function globSegmentPattern(segment: string): RegExp {
  let pattern = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string;
    if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else if (char === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close === -1) pattern += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/\\/g, '\\\\');
        pattern += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else pattern += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Expands `*`, `?` and `[...]` in any path segment (no `**`); files only, sorted. */
async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = resolve(pattern);
  const root = absolute.startsWith(sep) ? sep : '';
  const segments = absolute.split(sep).filter((segment) => segment !== '');
  let candidates = [root || '.'];
  for (const segment of segments) {
    const next: string[] = [];
    if (!hasGlob(segment)) {
      for (const base of candidates) next.push(join(base, segment));
    } else {
      const matcher = globSegmentPattern(segment);
      for (const base of candidates) {
        const entries = await readdir(base).catch(() => [] as string[]);
        for (const entry of entries.sort()) {
          if (entry.startsWith('.') && !segment.startsWith('.')) continue;
          if (matcher.test(entry)) next.push(join(base, entry));
        }
      }
    }
    candidates = next;
  }
  const files: string[] = [];
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) files.push(candidate);
  }
  return files.sort();
}

async function logFilesIn(directory: string): Promise<string[]> {
  const entries = await readdir(directory);
  return entries
    .filter((entry) => LOG_FILE_PATTERN.test(entry))
    .sort()
    .map((entry) => join(directory, entry));
}

/** The files a source names now. Throws LogSourceError when it names nothing (unless allowEmpty). */
export async function resolveLogSource(source: string, allowEmpty = false): Promise<string[]> {
  if (source.trim() === '') throw new LogSourceError('an empty path names no log file', source);
  const absolute = resolve(source);
  const info = await stat(absolute).catch(() => undefined);
  if (info?.isDirectory()) {
    const files = await logFilesIn(absolute);
    if (files.length === 0 && !allowEmpty) {
      throw new LogSourceError(`${source}: no log-*.jsonl files in this directory`, source);
    }
    return files;
  }
  if (info?.isFile()) {
    if (info.size === 0 && !allowEmpty) throw new LogSourceError(`${source}: the file is empty`, source);
    return [absolute];
  }
  if (info) throw new LogSourceError(`${source}: not a file or directory`, source);
  if (hasGlob(source)) {
    const files = await expandGlob(source);
    if (files.length === 0 && !allowEmpty) throw new LogSourceError(`${source}: no files match`, source);
    return files;
  }
  if (allowEmpty) return [];
  throw new LogSourceError(`${source}: no such file or directory`, source);
}

// ---------------------------------------------------------------------------------------------------------
// Workers

/** The worker script next to this module: the bundle's dist/indexWorker.js, or the TS source under tsx. */
function workerEntry(explicit?: string): { script: string; eval: boolean } | undefined {
  if (explicit !== undefined) return existsSync(explicit) ? { script: explicit, eval: false } : undefined;
  const built = join(__dirname, 'indexWorker.js');
  if (existsSync(built)) return { script: built, eval: false };
  const source = join(__dirname, 'indexWorker.ts');
  if (!existsSync(source)) return undefined;
  // Running from TypeScript sources (tests, tsx): the worker must register tsx itself.
  try {
    const tsxApi = require.resolve(['tsx', 'cjs', 'api'].join('/'));
    return { script: `require(${JSON.stringify(tsxApi)}).register();\nrequire(${JSON.stringify(source)});`, eval: true };
  } catch {
    return undefined;
  }
}

function runInWorker(entry: { script: string; eval: boolean }, task: IndexTask): Promise<IndexTaskResult> {
  return new Promise((resolveTask, rejectTask) => {
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: { [INDEX_TASK_MARK]: task },
      // Most of a worker's garbage dies young; a smaller young generation keeps peak RSS ~30 MB lower
      // per log at no measurable cost in time.
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    let settled = false;
    // Batches of digests come first (in file order), then the result with the rest.
    const batches: RecordDigest[][] = [];
    const onMessage = (message: { ok?: boolean; result?: IndexTaskResult; error?: string; batch?: RecordDigest[] }): void => {
      if (message.batch) {
        batches.push(message.batch);
        return;
      }
      worker.off('message', onMessage);
      settled = true;
      if (message.ok && message.result) {
        if (batches.length > 0) {
          batches.push(message.result.digests);
          message.result.digests = batches.flat();
        }
        resolveTask(message.result);
      } else {
        rejectTask(new Error(message.error ?? 'index worker failed'));
      }
      void worker.terminate();
    };
    worker.on('message', onMessage);
    worker.once('error', (error) => {
      if (!settled) rejectTask(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) rejectTask(new Error(`index worker exited with code ${code}`));
      settled = true;
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The index

function emptyCounts(): LineCounts {
  return { records: 0, blank: 0, invalid: 0, pendingTailBytes: 0 };
}

export class LogIndex {
  private readonly fileStates: FileState[] = [];
  private readonly knownPaths = new Set<string>();
  private ordered: ExchangeSummary[] = [];
  private readonly byId = new Map<string, ExchangeSummary>();
  /** Exchanges with a request and no response yet, by the id their response will carry. */
  private readonly awaitingResponse = new Map<string, ExchangeSummary[]>();
  /** Response-only exchanges whose request may still come, by id. */
  private readonly awaitingRequest = new Map<string, ExchangeSummary[]>();
  /** Unanswered id-less requests per file and agent, oldest first. */
  private readonly idlessOpen = new Map<string, ExchangeSummary[]>();
  private readonly systemTexts = new Map<string, string>();
  private readonly toolSets = new Map<string, string>();
  private readonly prefixes = new Map<string, PrefixPart[]>();
  /** One string per distinct message hash, shared by every summary that lists it. */
  private readonly hashStrings = new Map<string, string>();
  private digester = new RecordDigester();
  private queue: Promise<void> = Promise.resolve();
  private readonly stats: IndexLoadStats = { workerRanges: 0, inlineReads: 0, workerFallbacks: 0 };
  // Per-refresh bookkeeping.
  private added = new Set<string>();
  private updated = new Set<string>();
  private fresh: ExchangeSummary[] = [];
  private reordered = false;
  /** A read failed half-way: what it applied cannot be told apart, so the next refresh starts over. */
  private broken = false;

  private constructor(
    private readonly sources: readonly string[],
    private readonly options: LogIndexOptions,
  ) {}

  /** Resolves the sources (files, globs, directories → their log-*.jsonl) and indexes them. */
  static async open(sources: readonly string[], options: LogIndexOptions = {}): Promise<LogIndex> {
    if (sources.length === 0) throw new LogSourceError('no log path given', '');
    const index = new LogIndex([...sources], options);
    // Resolve every source first so a bad one fails before any work.
    for (const source of sources) await resolveLogSource(source, options.allowEmpty);
    await index.refresh();
    return index;
  }

  /** Reads what was appended since the last refresh, and new files that match the sources. */
  refresh(): Promise<IndexDelta> {
    // One refresh at a time: a call during one runs after it.
    const run = this.queue.then(() => this.refreshNow());
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async refreshNow(): Promise<IndexDelta> {
    if (this.broken) {
      this.broken = false;
      return this.rebuild();
    }
    this.added = new Set();
    this.updated = new Set();
    this.fresh = [];
    this.reordered = false;

    const newFiles: string[] = [];
    const found = new Set<string>();
    for (const source of this.sources) {
      for (const path of await resolveLogSource(source, true)) found.add(path);
    }
    for (const path of found) {
      if (this.knownPaths.has(path)) continue;
      this.knownPaths.add(path);
      this.fileStates.push({ path, size: 0, counts: emptyCounts(), name: basename(path) });
      newFiles.push(path);
    }

    for (let file = 0; file < this.fileStates.length; file++) {
      const state = this.fileStates[file] as FileState;
      const info = await stat(state.path).catch(() => undefined);
      if (!info) continue; // Deleted: keep what was indexed.
      if (state.ino === undefined) state.ino = info.ino;
      if (info.size < state.size || info.ino !== state.ino) return this.rebuild();
      if (info.size === state.size) continue;
      try {
        await this.ingest(file, state, info.size);
      } catch (error) {
        this.broken = true;
        throw error;
      }
    }

    this.settleOrder();
    const added = [...this.added];
    const updated = [...this.updated].filter((id) => !this.added.has(id));
    return { added, updated, newFiles };
  }

  /** A file shrank (truncated or replaced): start over from nothing. */
  private async rebuild(): Promise<IndexDelta> {
    this.fileStates.length = 0;
    this.knownPaths.clear();
    this.ordered = [];
    this.byId.clear();
    this.awaitingResponse.clear();
    this.awaitingRequest.clear();
    this.idlessOpen.clear();
    this.systemTexts.clear();
    this.toolSets.clear();
    this.prefixes.clear();
    this.hashStrings.clear();
    this.digester = new RecordDigester();
    const delta = await this.refreshNow();
    return { ...delta, reset: true };
  }

  /** How many threads share a read of `bytes` (this one included); 1 = this thread alone. */
  private parallelParts(bytes: number): number {
    const wanted = this.options.workers ?? true;
    if (wanted === false) return 1;
    if (bytes < (this.options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD)) return 1;
    const limit = typeof wanted === 'number' ? wanted : availableParallelism();
    const bySize = Math.floor(bytes / (this.options.minBytesPerWorker ?? DEFAULT_MIN_BYTES_PER_WORKER));
    return Math.max(1, Math.min(limit, bySize));
  }

  private async ingest(file: number, state: FileState, size: number): Promise<void> {
    const from = state.size;
    const parts = this.parallelParts(size - from);
    if (parts > 1) {
      const entry = workerEntry(this.options.workerScript);
      const results = entry ? await this.ingestInParallel(entry, state.path, from, size, parts) : undefined;
      if (results) {
        this.stats.workerRanges += results.length - 1;
        this.stats.inlineReads++;
        for (const result of results) this.take(file, state, result);
        return;
      }
      this.stats.workerFallbacks++;
    }
    this.stats.inlineReads++;
    await this.ingestInline(file, state, from, size);
  }

  /**
   * Splits [from, size) into newline-aligned ranges: worker threads digest all but the last, which
   * this thread digests meanwhile (reading asynchronously, so it stays responsive). Results come back
   * in file order; undefined when a worker could not run (the caller then reads it all here).
   */
  private async ingestInParallel(
    entry: { script: string; eval: boolean },
    path: string,
    from: number,
    size: number,
    parts: number,
  ): Promise<IndexTaskResult[] | undefined> {
    const handle = await open(path, 'r');
    let ranges: Array<{ from: number; to: number }>;
    try {
      ranges = splitAtLines(handle.fd, from, size, parts);
    } finally {
      await handle.close();
    }
    const own = ranges.pop();
    if (!own || ranges.length === 0) return undefined;
    const inWorkers = ranges.map((range) => runInWorker(entry, { path, ...range, chunkBytes: this.options.chunkBytes, batchDigests: this.options.workerBatch }));
    const [mine, ...theirs] = await Promise.allSettled([this.collectInline(path, own), ...inWorkers]);
    if (mine?.status !== 'fulfilled') throw mine?.reason; // Reading here failed: not a worker problem.
    // Keep this thread's texts now: its digester will not hand them out again, even after a fallback.
    this.takeTexts(mine.value.texts);
    mine.value.texts = [];
    const results: IndexTaskResult[] = [];
    for (const outcome of theirs) {
      if (outcome.status === 'rejected') return undefined; // A worker could not run here.
      results.push(outcome.value);
    }
    results.push(mine.value);
    return results;
  }

  /** Digests a range in this thread without applying it yet (it may come after other ranges). */
  private async collectInline(path: string, range: { from: number; to: number }): Promise<IndexTaskResult> {
    const digests: RecordDigest[] = [];
    let invalid = 0;
    let other = 0;
    const read = await readLines(path, { ...range, chunkBytes: this.options.chunkBytes }, (buf, start, end, offset) => {
      const result = this.digester.digest(buf, start, end, offset);
      if (result === 'invalid') invalid++;
      else if (result === 'other') other++;
      else digests.push(result);
    });
    return { digests, invalid, other, read, texts: this.digester.takeTexts() };
  }

  private async ingestInline(file: number, state: FileState, from: number, size: number): Promise<void> {
    let invalid = 0;
    const range = { from, to: size, chunkBytes: this.options.chunkBytes };
    const read = await readLines(state.path, range, (buf, start, end, offset) => {
      const result = this.digester.digest(buf, start, end, offset);
      if (result === 'invalid') invalid++;
      else if (result !== 'other') this.apply(file, state, result);
    });
    this.takeTexts(this.digester.takeTexts());
    this.account(state, read.lines - invalid, read.blank, invalid, read.consumed, read.tailBytes);
  }

  /** Merges one worker's result (ranges are taken in file order). */
  private take(file: number, state: FileState, result: IndexTaskResult): void {
    this.takeTexts(result.texts);
    for (const digest of result.digests) this.apply(file, state, digest);
    this.account(state, result.read.lines - result.invalid, result.read.blank, result.invalid, result.read.consumed, result.read.tailBytes);
  }

  private account(state: FileState, records: number, blank: number, invalid: number, consumed: number, tail: number): void {
    state.counts.records += records;
    state.counts.blank += blank;
    state.counts.invalid += invalid;
    state.counts.pendingTailBytes = tail;
    state.size = Math.max(state.size, consumed);
  }

  private takeTexts(texts: NewText[]): void {
    for (const text of texts) {
      if (text.table === 'system') {
        if (!this.systemTexts.has(text.hash)) this.systemTexts.set(text.hash, text.text);
      } else if (text.table === 'tools') {
        if (!this.toolSets.has(text.hash)) this.toolSets.set(text.hash, text.text);
      } else if (!this.prefixes.has(text.hash)) {
        this.prefixes.set(text.hash, text.text);
      }
    }
  }

  private intern(hash: string): string {
    const known = this.hashStrings.get(hash);
    if (known !== undefined) return known;
    this.hashStrings.set(hash, hash);
    return hash;
  }

  // --- pairing ---------------------------------------------------------------------------------------

  private apply(file: number, state: FileState, digest: RecordDigest): void {
    if (digest.kind === 'request') this.applyRequest(file, state, digest);
    else this.applyResponse(file, state, digest);
  }

  private uniqueId(id: string): string {
    if (!this.byId.has(id)) return id;
    for (let n = 2; ; n++) if (!this.byId.has(`${id}~${n}`)) return `${id}~${n}`;
  }

  private syntheticId(state: FileState, offset: number): string {
    return hash16(`${state.name}#${offset}`).slice(0, 12);
  }

  private applyRequest(file: number, state: FileState, digest: RequestDigest): void {
    const ref: RecordRef = { file, offset: digest.offset, length: digest.length };
    if (digest.id !== undefined) {
      const waiting = takeFrom(this.awaitingRequest, digest.id, (candidate) => candidate.response?.file === file);
      if (waiting) {
        fillRequest(waiting, digest, ref, this);
        this.touch(waiting);
        this.reordered = true; // Its time moves from the response's to the request's.
        return;
      }
    }
    const rawId = digest.id ?? this.syntheticId(state, digest.offset);
    const id = this.uniqueId(rawId);
    const summary: ExchangeSummary = { id, agent: digest.agent, wire: digest.wire, method: '', path: '', pending: true };
    if (digest.id === undefined || id !== rawId) summary.idSynthesized = true;
    fillRequest(summary, digest, ref, this);
    this.insert(summary);
    if (digest.id !== undefined) pushTo(this.awaitingResponse, digest.id, summary);
    else pushTo(this.idlessOpen, `${file}\u0000${digest.agent}`, summary);
  }

  private applyResponse(file: number, state: FileState, digest: ResponseDigest): void {
    const ref: RecordRef = { file, offset: digest.offset, length: digest.length };
    const target =
      digest.id !== undefined
        ? takeFrom(this.awaitingResponse, digest.id, (candidate) => candidate.request?.file === file)
        : popFrom(this.idlessOpen, `${file}\u0000${digest.agent}`);
    if (target) {
      fillResponse(target, digest, ref);
      this.touch(target);
      return;
    }
    const rawId = digest.id ?? this.syntheticId(state, digest.offset);
    const id = this.uniqueId(rawId);
    const summary: ExchangeSummary = { id, agent: digest.agent, wire: digest.wire, method: '', path: '', pending: false };
    if (digest.id === undefined || id !== rawId) summary.idSynthesized = true;
    fillResponse(summary, digest, ref);
    this.insert(summary);
    if (digest.id !== undefined) pushTo(this.awaitingRequest, digest.id, summary);
  }

  private insert(summary: ExchangeSummary): void {
    this.byId.set(summary.id, summary);
    this.fresh.push(summary);
    this.added.add(summary.id);
  }

  private touch(summary: ExchangeSummary): void {
    this.updated.add(summary.id);
  }

  /** @internal used while filling summaries */
  internHashes(hashes: string[]): string[] {
    for (let i = 0; i < hashes.length; i++) hashes[i] = this.intern(hashes[i] as string);
    return hashes;
  }

  // --- order -----------------------------------------------------------------------------------------

  private compare = (a: ExchangeSummary, b: ExchangeSummary): number => {
    const timeA = a.requestTime ?? a.responseTime ?? Number.NEGATIVE_INFINITY;
    const timeB = b.requestTime ?? b.responseTime ?? Number.NEGATIVE_INFINITY;
    if (timeA !== timeB) return timeA < timeB ? -1 : 1;
    const refA = (a.request ?? a.response) as RecordRef;
    const refB = (b.request ?? b.response) as RecordRef;
    if (refA.file !== refB.file) {
      const pathA = (this.fileStates[refA.file] as FileState).path;
      const pathB = (this.fileStates[refB.file] as FileState).path;
      if (pathA !== pathB) return pathA < pathB ? -1 : 1;
    }
    return refA.offset - refB.offset;
  };

  private settleOrder(): void {
    if (this.fresh.length === 0 && !this.reordered) return;
    const fresh = this.fresh;
    this.fresh = [];
    if (this.reordered) {
      this.ordered = [...this.ordered, ...fresh].sort(this.compare);
      return;
    }
    fresh.sort(this.compare);
    const last = this.ordered[this.ordered.length - 1];
    if (!last || this.compare(last, fresh[0] as ExchangeSummary) <= 0) {
      this.ordered = this.ordered.concat(fresh);
      return;
    }
    // Linear merge of two sorted lists.
    const merged: ExchangeSummary[] = new Array(this.ordered.length + fresh.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.ordered.length && j < fresh.length) {
      merged[k++] = this.compare(this.ordered[i] as ExchangeSummary, fresh[j] as ExchangeSummary) <= 0 ? (this.ordered[i++] as ExchangeSummary) : (fresh[j++] as ExchangeSummary);
    }
    while (i < this.ordered.length) merged[k++] = this.ordered[i++] as ExchangeSummary;
    while (j < fresh.length) merged[k++] = fresh[j++] as ExchangeSummary;
    this.ordered = merged;
  }

  // --- reading ---------------------------------------------------------------------------------------

  /** Every exchange, by request time (response time for response-only ones); ties by file and offset. */
  exchanges(): readonly ExchangeSummary[] {
    return this.ordered;
  }

  get(id: string): ExchangeSummary | undefined {
    return this.byId.get(id);
  }

  files(): readonly IndexedFile[] {
    return this.fileStates.map((state) => ({ path: state.path, size: state.size, counts: { ...state.counts } }));
  }

  /** Line counts over all files. */
  counts(): LineCounts {
    const total = emptyCounts();
    for (const state of this.fileStates) {
      total.records += state.counts.records;
      total.blank += state.counts.blank;
      total.invalid += state.counts.invalid;
      total.pendingTailBytes += state.counts.pendingTailBytes;
    }
    return total;
  }

  /** The flattened system text of a SystemDigest.hash. */
  systemText(hash: string): string | undefined {
    return this.systemTexts.get(hash);
  }

  /** The tool list (cache_control removed) of a ToolsDigest.hash, parsed anew on each call. */
  toolSet(hash: string): unknown[] | undefined {
    const json = this.toolSets.get(hash);
    return json === undefined ? undefined : (JSON.parse(json) as unknown[]);
  }

  /** The same tool list as JSON text. */
  toolSetJson(hash: string): string | undefined {
    return this.toolSets.get(hash);
  }

  /** The prompt prefix text of a PrefixDigest.hash: its parts' texts joined by '\n'. */
  prefixText(hash: string): string | undefined {
    return this.prefixes.get(hash)?.map((part) => part.text).join('\n');
  }

  prefixParts(hash: string): readonly PrefixPart[] | undefined {
    return this.prefixes.get(hash);
  }

  loadStats(): IndexLoadStats {
    return { ...this.stats };
  }

  /**
   * The shape analyses read (src/core/analysis AnalysisInput): the exchanges as of now plus the
   * text accessors, bound to this index.
   */
  analysisInput(): {
    exchanges: readonly ExchangeSummary[];
    systemText(hash: string): string | undefined;
    toolSet(hash: string): unknown[] | undefined;
    prefixText(hash: string): string | undefined;
    prefixParts(hash: string): readonly PrefixPart[] | undefined;
  } {
    return {
      exchanges: this.exchanges(),
      systemText: (hash) => this.systemText(hash),
      toolSet: (hash) => this.toolSet(hash),
      prefixText: (hash) => this.prefixText(hash),
      prefixParts: (hash) => this.prefixParts(hash),
    };
  }

  /** Every distinct system / tool set / prefix hash known, for analyses that walk them all. */
  textHashes(): { system: string[]; tools: string[]; prefix: string[] } {
    return { system: [...this.systemTexts.keys()], tools: [...this.toolSets.keys()], prefix: [...this.prefixes.keys()] };
  }

  /** The full record a reference points to: one positioned read of its line. */
  async readRecord(ref: RecordRef): Promise<CaptureRecord> {
    const state = this.fileStates[ref.file];
    if (!state) throw new Error(`no file #${ref.file} in this index`);
    const handle = await open(state.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(ref.length);
      const { bytesRead } = await handle.read(buf, 0, ref.length, ref.offset);
      if (bytesRead !== ref.length) throw new Error(`${state.path}: the record at byte ${ref.offset} is no longer there`);
      return JSON.parse(buf.toString('utf8')) as CaptureRecord;
    } finally {
      await handle.close();
    }
  }

  /** An exchange's summary with its full request and response records (both read in parallel). */
  async readExchange(id: string): Promise<ExchangeRecords | undefined> {
    const summary = this.byId.get(id);
    if (!summary) return undefined;
    const [request, response] = await Promise.all([
      summary.request ? this.readRecord(summary.request) : undefined,
      summary.response ? this.readRecord(summary.response) : undefined,
    ]);
    const records: ExchangeRecords = { summary };
    if (request) records.request = request;
    if (response) records.response = response;
    return records;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function pushTo<K>(map: Map<K, ExchangeSummary[]>, key: K, summary: ExchangeSummary): void {
  const list = map.get(key);
  if (list) list.push(summary);
  else map.set(key, [summary]);
}

/** The first entry for `key` that `prefer`s, else the first; removes it. */
function takeFrom(
  map: Map<string, ExchangeSummary[]>,
  key: string,
  prefer: (candidate: ExchangeSummary) => boolean,
): ExchangeSummary | undefined {
  const list = map.get(key);
  if (!list) return undefined;
  let at = list.findIndex(prefer);
  if (at === -1) at = 0;
  const [taken] = list.splice(at, 1);
  if (list.length === 0) map.delete(key);
  return taken;
}

/** The most recent entry for `key`; removes it. */
function popFrom(map: Map<string, ExchangeSummary[]>, key: string): ExchangeSummary | undefined {
  const list = map.get(key);
  if (!list) return undefined;
  const taken = list.pop();
  if (list.length === 0) map.delete(key);
  return taken;
}

function fillRequest(summary: ExchangeSummary, digest: RequestDigest, ref: RecordRef, index: LogIndex): void {
  summary.agent = digest.agent;
  summary.wire = digest.wire;
  summary.method = digest.method;
  summary.path = digest.path;
  summary.request = ref;
  if (digest.time !== undefined) summary.requestTime = digest.time;
  summary.hasExtract = digest.hasExtract;
  if (digest.requestBytes !== undefined) summary.requestBytes = digest.requestBytes;
  if (digest.websocket) summary.websocket = true;
  if (digest.truncated) summary.requestTruncated = true;
  if (digest.system) summary.system = digest.system;
  if (digest.tools) summary.tools = digest.tools;
  if (digest.messages) {
    index.internHashes(digest.messages.hashes);
    summary.messages = digest.messages;
  }
  if (digest.prefix) summary.prefix = digest.prefix;
  mergeSecrets(summary, digest);
  if (digest.conversationKey !== undefined) summary.conversationKey = digest.conversationKey;
  if (digest.toolsInAdditionalItem) summary.toolsInAdditionalItem = true;
  if (digest.cacheMarks) summary.cacheMarks = digest.cacheMarks;
  if (digest.composition) summary.composition = digest.composition;
  if (digest.asksDiagnostics) summary.asksDiagnostics = true;
  // The response's model wins; the request's is the fallback.
  if (summary.model === undefined && digest.model !== undefined) summary.model = digest.model;
  summary.pending = summary.response === undefined;
  if (summary.requestTime !== undefined && summary.responseTime !== undefined) {
    summary.rttMs = summary.responseTime - summary.requestTime;
  }
}

function fillResponse(summary: ExchangeSummary, digest: ResponseDigest, ref: RecordRef): void {
  summary.response = ref;
  summary.pending = false;
  if (digest.time !== undefined) summary.responseTime = digest.time;
  if (digest.status !== undefined) summary.status = digest.status;
  if (digest.stream !== undefined) summary.stream = digest.stream;
  if (digest.partial) summary.partial = true;
  if (digest.error !== undefined) summary.error = digest.error;
  if (digest.model !== undefined) summary.model = digest.model;
  if (digest.usage) summary.usage = digest.usage;
  if (digest.stopReason !== undefined) summary.stopReason = digest.stopReason;
  if (digest.ttfbMs !== undefined) summary.ttfbMs = digest.ttfbMs;
  if (digest.durationMs !== undefined) summary.durationMs = digest.durationMs;
  if (digest.responseBytes !== undefined) summary.responseBytes = digest.responseBytes;
  if (digest.toolUses) summary.toolUses = digest.toolUses;
  mergeSecrets(summary, digest);
  if (digest.cacheDiagnosis) summary.cacheDiagnosis = digest.cacheDiagnosis;
  if (summary.request === undefined) {
    summary.agent = digest.agent;
    summary.wire = digest.wire;
  }
  if (summary.requestTime !== undefined && summary.responseTime !== undefined) {
    summary.rttMs = summary.responseTime - summary.requestTime;
  }
}

function mergeSecrets(summary: ExchangeSummary, digest: RequestDigest | ResponseDigest): void {
  if (!digest.secrets) return;
  const found = [...(summary.secrets?.found ?? [])];
  for (const secret of digest.secrets.found) {
    const same = found.find((entry) => entry.kind === secret.kind && entry.hash === secret.hash);
    if (same) same.count += secret.count;
    else found.push({ ...secret });
  }
  summary.secrets = { masked: (summary.secrets?.masked ?? true) && digest.secrets.masked, found };
}
