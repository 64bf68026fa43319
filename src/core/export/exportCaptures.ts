// One entry for every export format, shared by `agent-interlude export` and the editor's Export… command:
// chosen exchanges of an index → a file, written as it is produced (with backpressure), secrets masked
// unless told otherwise. A failed or cancelled export removes its partial file.

import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { LogIndex } from '../logIndex/logIndex';
import { readRecordsInLogOrder, selectExchanges, type ExportOptions } from './exportRecords';
import { writeHar } from './harExport';
import { writeHtmlReport } from './htmlReport';
import { originalLine } from './jsonlExport';
import type * as OtlpExportModule from './otlpExport';

/**
 * The OTLP writer is loaded for that format only: the OpenTelemetry packages it brings are a fifth of the
 * extension's load time (dist/extension.js loads in 34 ms without them, 43 ms with), and most exports are not OTLP. A synchronous
 * require keeps it out of the bundle's start-up, hence the lint exception.
 */
function loadOtlpExport(): typeof OtlpExportModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./otlpExport') as typeof OtlpExportModule;
}

export const EXPORT_FORMATS = ['har', 'html', 'jsonl', 'otlp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = { har: 'har', html: 'html', jsonl: 'jsonl', otlp: 'otlp.jsonl' };

export interface CaptureExport extends ExportOptions {
  format: ExportFormat;
  /** Exchange ids; all exchanges when absent. */
  ids?: readonly string[];
  /** Include prompt and response content in OpenTelemetry spans (masked unless `mask` is false). */
  content?: boolean;
  title?: string;
}

export interface ExportResult {
  exchanges: number;
  bytes: number;
  path: string;
}

type Writer = (chunk: string) => Promise<void>;

export async function writeExport(index: LogIndex, request: CaptureExport, write: Writer): Promise<number> {
  const exchanges = selectExchanges(index, request.ids);
  switch (request.format) {
    case 'har':
      return writeHar(index, exchanges, write, request);
    case 'html':
      return writeHtmlReport(index, exchanges, write, request);
    case 'otlp':
      return loadOtlpExport().writeOtlpJson(index, exchanges, write, request);
    case 'jsonl': {
      for await (const record of readRecordsInLogOrder(index, exchanges, request)) await write(originalLine(record));
      return exchanges.length;
    }
  }
}

export async function exportToFile(index: LogIndex, request: CaptureExport, path: string): Promise<ExportResult> {
  const stream = createWriteStream(path);
  let bytes = 0;
  let failed: Error | undefined;
  stream.on('error', (error) => (failed ??= error));
  const write: Writer = (chunk) => {
    if (failed) return Promise.reject(failed);
    bytes += Buffer.byteLength(chunk);
    if (stream.write(chunk)) return Promise.resolve();
    return new Promise((resolveDrain, rejectDrain) => {
      const onError = (error: Error) => rejectDrain(error);
      stream.once('error', onError);
      stream.once('drain', () => {
        stream.off('error', onError);
        resolveDrain();
      });
    });
  };
  try {
    const exchanges = await writeExport(index, request, write);
    await new Promise<void>((resolveEnd, rejectEnd) => {
      if (failed) return rejectEnd(failed);
      stream.end(() => (failed ? rejectEnd(failed) : resolveEnd()));
    });
    return { exchanges, bytes, path };
  } catch (error) {
    // The stream opens its file asynchronously: removing it before the stream has closed can race the open and
    // leave an empty file behind (an unknown --ids fails before the first write).
    await new Promise<void>((closed) => {
      if (stream.closed) return closed();
      stream.once('close', () => closed());
      stream.destroy();
    });
    await rm(path, { force: true });
    throw error;
  }
}
