// What every export reads: the chosen exchanges of a LogIndex with their full records, secrets masked
// unless told otherwise (a flagged log holds the values; an export leaves the machine). Lines are read by
// their byte references, masked as text — the same hook the recorder uses — and parsed once.

import { open, type FileHandle } from 'node:fs/promises';
import type { ExchangeSummary, RecordRef } from '../logIndex/indexModel';
import type { LogIndex } from '../logIndex/logIndex';
import type { CaptureRecord, RequestRecord, ResponseRecord } from '../records';
import { LineRedactor } from '../secrets/lineRedactor';

export interface ExportProgress {
  done: number;
  total: number;
}

export interface ExportOptions {
  /** Mask detected secrets (default true). */
  mask?: boolean;
  /** Called every few exchanges and at the end. */
  onProgress?: (progress: ExportProgress) => void;
  signal?: AbortSignal;
}

export interface ExportedExchange {
  summary: ExchangeSummary;
  request?: RequestRecord;
  response?: ResponseRecord;
}

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled');
    this.name = 'ExportCancelled';
  }
}

/** The exchanges named by `ids` (in the index's order), or all of them; unknown ids are an error. */
export function selectExchanges(index: LogIndex, ids?: readonly string[]): ExchangeSummary[] {
  if (!ids) return [...index.exchanges()];
  const wanted = new Set(ids);
  const chosen = index.exchanges().filter((exchange) => wanted.has(exchange.id));
  if (chosen.length !== wanted.size) {
    const known = new Set(chosen.map((exchange) => exchange.id));
    throw new Error(`no exchange with id ${[...wanted].filter((id) => !known.has(id)).join(', ')} in these captures`);
  }
  return chosen;
}

/** Reads lines by reference, one open handle per file, masking as it goes. */
export class RecordReader {
  private readonly handles = new Map<number, Promise<FileHandle>>();
  private readonly redactor: LineRedactor | undefined;

  constructor(
    private readonly index: LogIndex,
    mask: boolean,
  ) {
    this.redactor = mask ? new LineRedactor('mask') : undefined;
  }

  async line(ref: RecordRef): Promise<string> {
    let handle = this.handles.get(ref.file);
    if (!handle) {
      const path = this.index.files()[ref.file]?.path;
      if (!path) throw new Error(`no file #${ref.file} in this index`);
      handle = open(path, 'r');
      this.handles.set(ref.file, handle);
    }
    const buf = Buffer.allocUnsafe(ref.length);
    const { bytesRead } = await (await handle).read(buf, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) throw new Error(`the record at byte ${ref.offset} of ${this.index.files()[ref.file].path} is no longer there`);
    const text = buf.toString('utf8');
    return this.redactor ? this.redactor.apply(text) : text;
  }

  async record<T extends CaptureRecord>(ref: RecordRef): Promise<T> {
    return JSON.parse(await this.line(ref)) as T;
  }

  async close(): Promise<void> {
    for (const handle of this.handles.values()) await (await handle).close().catch(() => undefined);
    this.handles.clear();
  }
}

function progressReporter(total: number, options: ExportOptions): (done: number) => void {
  let last = 0;
  return (done) => {
    if (options.signal?.aborted) throw new ExportCancelled();
    const now = Date.now();
    if (done === total || now - last >= 100) {
      last = now;
      options.onProgress?.({ done, total });
    }
  };
}

/** The exchanges with their records, in the order given. */
export async function* readExchanges(index: LogIndex, exchanges: readonly ExchangeSummary[], options: ExportOptions = {}): AsyncGenerator<ExportedExchange> {
  const reader = new RecordReader(index, options.mask ?? true);
  const report = progressReporter(exchanges.length, options);
  try {
    for (const [at, summary] of exchanges.entries()) {
      const exported: ExportedExchange = { summary };
      if (summary.request) exported.request = await reader.record<RequestRecord>(summary.request);
      if (summary.response) exported.response = await reader.record<ResponseRecord>(summary.response);
      yield exported;
      report(at + 1);
    }
    if (!exchanges.length) report(0);
  } finally {
    await reader.close();
  }
}

/** Every record of the exchanges in the order the log holds them (file, then byte offset). */
export async function* readRecordsInLogOrder(index: LogIndex, exchanges: readonly ExchangeSummary[], options: ExportOptions = {}): AsyncGenerator<CaptureRecord> {
  const refs = exchanges.flatMap((exchange) => [exchange.request, exchange.response].filter((ref): ref is RecordRef => ref !== undefined));
  refs.sort((a, b) => a.file - b.file || a.offset - b.offset);
  const reader = new RecordReader(index, options.mask ?? true);
  const report = progressReporter(refs.length, options);
  try {
    for (const [at, ref] of refs.entries()) {
      yield await reader.record(ref);
      report(at + 1);
    }
    if (!refs.length) report(0);
  } finally {
    await reader.close();
  }
}
