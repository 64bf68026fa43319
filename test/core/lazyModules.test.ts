// The OpenTelemetry SDK is evaluated only where a push is configured or an OTLP file is exported. Every thread that evaluates it holds about
// 12 MiB more (the relay's, the recorder's and the CLI's own: ~13 MiB of the capture's idle RSS), and most captures
// push nothing. Each case runs in a fresh Node process: this suite's own process has loaded everything already.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const FIXTURE_LOG = join(root, 'test/fixtures/logs/original-format.jsonl');

/** Runs `body` (CommonJS, `src` bound to the source folder) in a fresh Node process; the names of loaded OTel packages. */
function openTelemetryLoadedAfter(body: string): string[] {
  const script = `
    const src = (path) => require(${JSON.stringify(join(root, 'src'))} + '/' + path);
    const loaded = () => [...new Set(Object.keys(require.cache).flatMap((path) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(path)?.[1] ?? []))];
    (async () => { ${body} })().then(() => process.stdout.write(JSON.stringify(loaded())), (error) => { console.error(error); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('the OpenTelemetry SDK loads only for a push', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'interlude-lazy-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const openRecorder = (recording: string) => `
    const { CaptureRecorder } = src('core/capture/captureRecorder');
    const { CaptureRing } = src('core/capture/captureRing');
    const { CaptureBudget } = src('core/capture/captureBudget');
    const events = [];
    const recorder = new CaptureRecorder((event) => events.push(event));
    await recorder.open({ captureDir: ${JSON.stringify(dir)}, ring: CaptureRing.create(1 << 16).buffer,
      budget: CaptureBudget.create(1 << 20).buffer, budgetLimitBytes: 1 << 20, recording: ${recording} });
    if (!events.some((event) => event.type === 'ready' && event.logPath)) throw new Error(JSON.stringify(events));
    recorder.handle({ type: 'close' });`;

  it('a capture without a push: the relay, the recorder and the CLI argument parsing load none of it', () => {
    const loaded = openTelemetryLoadedAfter(`
      src('core/capture/proxy');
      src('cli/recordingArgs');
      ${openRecorder('{}')}`);
    assert.deepEqual(loaded, []);
  });

  it("the export module (what the extension host loads at activation) loads none of it until an OTLP export", () => {
    // OTel is a fifth of the extension's load time; HAR and HTML need only the exporter's name.
    assert.deepEqual(openTelemetryLoadedAfter(`src('core/export/exportCaptures'); src('core/export/htmlReport'); src('core/export/harExport');`), []);
    const loaded = openTelemetryLoadedAfter(`
      const { LogIndex } = src('core/logIndex/logIndex');
      const { writeExport } = src('core/export/exportCaptures');
      const index = await LogIndex.open([${JSON.stringify(FIXTURE_LOG)}], { workers: false });
      let spans = 0;
      await writeExport(index, { format: 'otlp' }, async (chunk) => { spans += chunk.split('"spanId"').length - 1; });
      if (spans === 0) throw new Error('no span was written');`);
    assert.ok(loaded.includes('@opentelemetry/otlp-transformer'), loaded.join(', '));
  });

  it('a capture with a push loads the exporter on the recorder', () => {
    const loaded = openTelemetryLoadedAfter(openRecorder(`{ otlp: { endpoint: 'http://127.0.0.1:9' } }`));
    assert.ok(loaded.includes('@opentelemetry/exporter-trace-otlp-http'), loaded.join(', '));
  });
});
