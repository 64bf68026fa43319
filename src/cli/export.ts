// `agent-interlude export`: captures out as HAR 1.2, a one-file HTML report, the original's JSONL or
// OpenTelemetry (OTLP/JSON file, or pushed to an OTLP/HTTP endpoint). Secrets are masked unless --unmasked.

import { parseArgs } from 'node:util';
import { DEFAULT_CAPTURE_DIR } from '../core/capture/captureLog';
import { EXPORT_EXTENSIONS, EXPORT_FORMATS, exportToFile, type ExportFormat } from '../core/export/exportCaptures';
import { readExchanges, selectExchanges, type ExportProgress } from '../core/export/exportRecords';
import { threadConversations } from '../core/export/otlpExport';
import { exchangeSpan } from '../core/export/otelSpans';
import { parseOtlpHeaders } from '../core/export/otlpOptions';
import { OtlpPusher } from '../core/export/otlpPush';
import { LogIndex, LogSourceError } from '../core/logIndex/logIndex';
import { countOf } from '../shared/countText';

export const EXPORT_HELP = `Usage:
  agent-interlude export --format har|html|jsonl|otlp [--out FILE] [paths...]
  agent-interlude export --format otlp --otlp-endpoint URL [--otlp-header K=V] [paths...]

Reads capture logs (default: ./${DEFAULT_CAPTURE_DIR}; a path may be a file, a directory or a glob) and
writes them for other tools. Detected secrets are masked (‹redacted:KIND:HASH›) unless --unmasked.

Formats:
  har     HAR 1.2, one entry per exchange (browser devtools, HTTP Toolkit)
  html    one self-contained HTML report: timeline, request details, prompt skeleton (no network access)
  jsonl   the original agent-interlude's record format (its analyze and report read it)
  otlp    OpenTelemetry spans in the GenAI conventions, a trace per conversation (OTLP/JSON lines)

Options:
      --format F          one of ${EXPORT_FORMATS.join(', ')} (required)
  -o, --out FILE          where to write (default: agent-interlude-export.<ext> in this directory)
      --ids A,B,...       only these exchanges (ids as in the log)
      --unmasked          keep secrets as captured (the default masks them)
      --content           otlp: include prompt and response content (opt-in, masked)
      --otlp-endpoint URL otlp: push the spans to this OTLP/HTTP endpoint instead of writing a file
      --otlp-header K=V   a header for the endpoint (repeatable)
  -h, --help              this help
`;

function usage(message: string): number {
  process.stderr.write(`agent-interlude export: ${message}\nRun agent-interlude export --help for usage.\n`);
  return 2;
}

function progressPrinter(): (progress: ExportProgress) => void {
  let lastShown = -1;
  return ({ done, total }) => {
    if (total < 200) return;
    const tenth = Math.floor((done / total) * 10);
    if (process.stderr.isTTY) process.stderr.write(`\rexporting ${done}/${countOf(total, 'exchange')}${done === total ? '\n' : ''}`);
    else if (tenth !== lastShown) {
      lastShown = tenth;
      process.stderr.write(`exporting ${done}/${countOf(total, 'exchange')}\n`);
    }
  };
}

export async function runExport(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        out: { type: 'string', short: 'o' },
        ids: { type: 'string' },
        unmasked: { type: 'boolean' },
        content: { type: 'boolean' },
        'otlp-endpoint': { type: 'string' },
        'otlp-header': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  const format = values.format as ExportFormat | undefined;
  if (!format || !EXPORT_FORMATS.includes(format)) return usage(`--format takes one of ${EXPORT_FORMATS.join(', ')}`);
  if (values['otlp-endpoint'] && format !== 'otlp') return usage('--otlp-endpoint goes with --format otlp');
  if (values['otlp-endpoint'] && values.out) return usage('use either --out or --otlp-endpoint');
  const paths = positionals.length ? positionals : [DEFAULT_CAPTURE_DIR];

  let index: LogIndex;
  try {
    index = await LogIndex.open(paths);
  } catch (error) {
    if (!(error instanceof LogSourceError)) throw error;
    process.stderr.write(`agent-interlude export: ${error.message}\n`);
    return 1;
  }
  const ids = values.ids?.split(',').map((id) => id.trim()).filter(Boolean);
  const mask = !values.unmasked;
  const onProgress = progressPrinter();
  const started = Date.now();
  try {
    if (values['otlp-endpoint']) {
      const pusher = new OtlpPusher(
        { endpoint: values['otlp-endpoint'], headers: parseOtlpHeaders(values['otlp-header'] ?? []), content: values.content, queueLimit: 1_000_000 },
        (message) => process.stderr.write(`agent-interlude export: ${message}\n`),
      );
      const exchanges = selectExchanges(index, ids);
      const threads = threadConversations(exchanges);
      for await (const { summary, request, response } of readExchanges(index, exchanges, { mask, onProgress })) {
        pusher.enqueue(exchangeSpan(summary, request, response, { content: values.content, conversationFallback: threads.get(summary.id) }));
      }
      await pusher.close(30_000);
      const { sent, queued, dropped } = pusher.stats;
      process.stderr.write(`agent-interlude export: pushed ${countOf(sent, 'span')} to ${values['otlp-endpoint']}${queued || dropped ? `; ${queued + dropped} not delivered` : ''}\n`);
      return sent === exchanges.length ? 0 : 1;
    }
    const out = values.out ?? `agent-interlude-export.${EXPORT_EXTENSIONS[format]}`;
    const result = await exportToFile(index, { format, ids, mask, content: values.content, onProgress }, out);
    process.stderr.write(
      `agent-interlude export: ${countOf(result.exchanges, 'exchange')} → ${result.path} (${countOf(result.bytes, 'byte')}, ${format}${mask ? ', secrets masked' : ', UNMASKED'}) in ${Date.now() - started} ms\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`agent-interlude export: ${(error as Error).message}\n`);
    return 1;
  }
}
