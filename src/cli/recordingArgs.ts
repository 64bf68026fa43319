// The capture proxy's options for what happens to a record line besides being written: secrets flagged
// or masked, and a live OpenTelemetry push. Kept apart from main.ts so the proxy's start stays short.

import type { RecordingOptions } from '../core/capture/captureRecorder';
import { parseOtlpHeaders, type OtlpPushOptions } from '../core/export/otlpOptions';
import { REDACT_MODES, type RedactMode } from '../core/secrets/lineRedactor';

export const RECORDING_OPTIONS = {
  redact: { type: 'string' },
  'otlp-endpoint': { type: 'string' },
  'otlp-header': { type: 'string', multiple: true },
  'otlp-content': { type: 'boolean' },
} as const;

export const RECORDING_HELP = `      --redact MODE       secrets found in captured bodies: flag (default: noted in the record
                          and shown) or mask (the log holds ‹redacted:KIND:HASH› instead; the
                          upstream still gets the agent's exact bytes)
      --otlp-endpoint URL push each exchange as an OpenTelemetry span over OTLP/HTTP as it lands
                          (e.g. http://127.0.0.1:4318; /v1/traces is added when missing)
      --otlp-header K=V   a header for the OTLP endpoint (repeatable, e.g. an API key)
      --otlp-content      include prompt and response content in the spans (masked)
`;

interface RecordingArgs {
  redact?: string;
  'otlp-endpoint'?: string;
  'otlp-header'?: string[];
  'otlp-content'?: boolean;
}

export function recordingFromArgs(values: RecordingArgs, fail: (message: string) => never): RecordingOptions {
  const recording: RecordingOptions = {};
  if (values.redact !== undefined) {
    if (!REDACT_MODES.includes(values.redact as RedactMode)) fail(`--redact takes ${REDACT_MODES.join(' or ')}, not "${values.redact}"`);
    recording.redact = values.redact as RedactMode;
  }
  if (values['otlp-endpoint'] !== undefined) {
    const otlp: OtlpPushOptions = { endpoint: values['otlp-endpoint'], content: values['otlp-content'] ?? false };
    try {
      new URL(otlp.endpoint);
      otlp.headers = parseOtlpHeaders(values['otlp-header'] ?? []);
    } catch (error) {
      fail(`--otlp-endpoint / --otlp-header: ${(error as Error).message}`);
    }
    recording.otlp = otlp;
  } else if (values['otlp-header']?.length || values['otlp-content']) {
    fail('--otlp-header and --otlp-content need --otlp-endpoint');
  }
  return recording;
}
