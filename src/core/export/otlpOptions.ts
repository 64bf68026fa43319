// What a live OpenTelemetry push is given, apart from the pusher itself (otlpPush.ts): argument parsing and the
// recorder's options need these, and must not load the OpenTelemetry SDK to get them (it costs every thread that
// loads it about 12 MiB of memory, and most captures push nothing).

export interface OtlpPushOptions {
  /** OTLP/HTTP endpoint: a base (`http://host:4318`) or the traces URL itself (`…/v1/traces`). */
  endpoint: string;
  headers?: Record<string, string>;
  /** Include prompt and response content (masked) in the spans. */
  content?: boolean;
  /** Spans held while the endpoint is slow or down (default 2048); older ones are dropped beyond it. */
  queueLimit?: number;
}

/** `K=V` pairs as given on the command line or in settings. */
export function parseOtlpHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`an OTLP header is NAME=VALUE, not "${pair}"`);
    headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return headers;
}
