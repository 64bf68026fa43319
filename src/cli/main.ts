// `agent-interlude`: the headless capture proxy, and `agent-interlude analyze` over its logs.
// Same core as the VS Code extension.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CAPTURE_DIR } from '../core/capture/captureLog';
import { DEFAULT_LISTENERS, ListenerSpecError, parseListenerArg, type ListenerSpec } from '../core/capture/listeners';
import type * as RelayHostModule from '../core/capture/relayHost';
import type * as AnalyzeModule from './analyze';
import type * as ExportModule from './export';
import { recordingFromArgs, RECORDING_HELP, RECORDING_OPTIONS } from './recordingArgs';

// Each command loads only its own code: `analyze` never evaluates the relay host, and the relay never evaluates
// the analysis. That keeps a short `analyze` run short. The proxy itself runs on the relay's own thread.
// (A synchronous require is the point here, hence the lint exceptions.)
function loadRelayHost(): typeof RelayHostModule.RelayHost {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../core/capture/relayHost') as typeof RelayHostModule).RelayHost;
}
function loadAnalyze(): typeof AnalyzeModule.runAnalyze {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./analyze') as typeof AnalyzeModule).runAnalyze;
}
function loadExport(): typeof ExportModule.runExport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./export') as typeof ExportModule).runExport;
}

const VERSION = '0.3.0';

const HELP = `agent-interlude ${VERSION}: record what AI coding agents send to their model APIs.

Usage:
  agent-interlude [options]
  agent-interlude analyze [paths...] [--agent NAME] [--max-slots N] [--json]
  agent-interlude export --format har|html|jsonl|otlp [--out FILE] [paths...]

Starts loopback listeners that relay to the real APIs and record every exchange as
JSONL in <capture-dir>/log-<UTC stamp>.jsonl. Ctrl-C stops after flushing the log.

Default listeners:
  8788 -> https://api.anthropic.com  (claude)   ANTHROPIC_BASE_URL=http://127.0.0.1:8788 claude
  8789 -> https://api.openai.com     (codex)    Codex with an API key, base_url http://127.0.0.1:8789/v1
  8790 -> https://chatgpt.com        (codex)    Codex with ChatGPT login, base_url http://127.0.0.1:8790/backend-api/codex

Options:
  -d, --capture-dir DIR   where logs go (default ./${DEFAULT_CAPTURE_DIR}; created with a .gitignore)
  -l, --listen SPEC       PORT=AGENT=UPSTREAM, repeatable; replaces the defaults
                          e.g. --listen 8788=claude=https://api.anthropic.com (port 0 = any free port)
  -p, --ports A,B,C       keep the default upstreams but use these ports (in the order above)
      --ca-file FILE      also trust this PEM CA for https upstreams (e.g. a corporate proxy)
${RECORDING_HELP}  -q, --quiet             no per-request lines
  -h, --help              this help
  -v, --version           print the version

agent-interlude analyze reports what the captured prompts are made of (fixed skeleton vs
dynamic slots per prompt family, tools, messages, tokens, sessions, secrets); see analyze --help.
agent-interlude export writes captures as HAR, a one-file HTML report, the original's JSONL or
OpenTelemetry (OTLP/JSON), secrets masked; see export --help.
`;

function fail(message: string): never {
  process.stderr.write(`agent-interlude: ${message}\nRun agent-interlude --help for usage.\n`);
  process.exit(2);
}

function listenersFrom(listen: string[] | undefined, ports: string | undefined): ListenerSpec[] {
  if (listen?.length && ports) fail('use either --listen or --ports, not both');
  if (listen?.length) return listen.map((spec) => parseListenerArg(spec));
  if (ports) {
    const numbers = ports.split(',').map((port) => Number(port.trim()));
    if (numbers.length !== DEFAULT_LISTENERS.length || numbers.some((port) => !Number.isInteger(port))) {
      fail(`--ports takes ${DEFAULT_LISTENERS.length} comma-separated ports, e.g. 18788,18789,18790`);
    }
    return DEFAULT_LISTENERS.map((spec, index) => ({ ...spec, port: numbers[index] }));
  }
  return DEFAULT_LISTENERS.map((spec) => ({ ...spec }));
}

async function runCapture(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'capture-dir': { type: 'string', short: 'd' },
        listen: { type: 'string', short: 'l', multiple: true },
        ports: { type: 'string', short: 'p' },
        'ca-file': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        ...RECORDING_OPTIONS,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }

  let listeners: ListenerSpec[];
  try {
    listeners = listenersFrom(values.listen, values.ports);
  } catch (error) {
    if (error instanceof ListenerSpecError) fail(error.message);
    throw error;
  }
  let extraCa: Buffer | undefined;
  if (values['ca-file']) {
    try {
      extraCa = readFileSync(values['ca-file']);
    } catch (error) {
      fail(`cannot read --ca-file ${values['ca-file']}: ${(error as Error).message}`);
    }
  }

  const say = (line: string) => process.stdout.write(`[agent-interlude] ${line}\n`);
  const warn = (line: string) => process.stderr.write(`[agent-interlude] ${line}\n`);
  const RelayHost = loadRelayHost();
  const proxy = new RelayHost({
    listeners,
    captureDir: values['capture-dir'] ?? DEFAULT_CAPTURE_DIR,
    extraCa,
    recording: recordingFromArgs(values, fail),
  });
  proxy.on('problem', warn);
  // Nothing listens any more: say so and exit non-zero, so a supervisor (or the user) starts it again.
  proxy.on('crashed', () => {
    warn('exiting: the listeners are closed');
    process.exit(1);
  });
  if (!values.quiet) proxy.on('request', ({ agent, method, path }) => process.stdout.write(`[${agent}] ${method} ${path}\n`));

  const statuses = await proxy.start();
  for (const status of statuses) {
    if (status.url) say(`${status.spec.agent}: ${status.url} -> ${status.spec.upstream}`);
    else warn(`${status.spec.agent} listener not started: ${status.error}`);
  }
  if (proxy.logPath) say(`logging to ${proxy.logPath}`);
  if (!statuses.some((status) => status.url)) {
    await proxy.stop();
    warn('no listener could start; nothing to do');
    process.exitCode = 1;
    return;
  }
  say('Ctrl-C to stop');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    say('shutting down (finishing in-flight exchanges, flushing the log)');
    proxy.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        warn(`error while stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

const argv = process.argv.slice(2);
if (argv[0] === 'export') {
  loadExport()(argv.slice(1)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`agent-interlude export: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
} else if (argv[0] === 'analyze') {
  loadAnalyze()(argv.slice(1)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`agent-interlude analyze: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  process.on('uncaughtException', (error) => {
    // The relay must outlive a bug in the capture path; report it and keep serving (the relay thread does the same).
    process.stderr.write(`[agent-interlude] internal error (please report): ${error.stack ?? error.message}\n`);
  });
  runCapture(argv).catch((error: unknown) => {
    process.stderr.write(`[agent-interlude] ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
