// What each listener does: the local port an agent points at, the real API behind it,
// and the agent label written into every record from it.

export interface ListenerSpec {
  port: number;
  upstream: string;
  agent: string;
}

/** The original's three listeners; port 8790 serves Codex when logged in with ChatGPT. */
export const DEFAULT_LISTENERS: readonly ListenerSpec[] = [
  { port: 8788, upstream: 'https://api.anthropic.com', agent: 'claude' },
  { port: 8789, upstream: 'https://api.openai.com', agent: 'codex' },
  { port: 8790, upstream: 'https://chatgpt.com', agent: 'codex' },
];

export const LOOPBACK_HOST = '127.0.0.1';

export class ListenerSpecError extends Error {}

/** Checks a spec and returns the upstream as a URL; throws ListenerSpecError with a readable reason. */
export function validateListener(spec: ListenerSpec): URL {
  if (!Number.isInteger(spec.port) || spec.port < 0 || spec.port > 65535) {
    throw new ListenerSpecError(`port ${spec.port} is not a TCP port (0-65535; 0 picks a free one)`);
  }
  if (!/^[\w.-]+$/.test(spec.agent)) {
    throw new ListenerSpecError(`agent label "${spec.agent}" must be letters, digits, '.', '_' or '-'`);
  }
  let url: URL;
  try {
    url = new URL(spec.upstream);
  } catch {
    throw new ListenerSpecError(`upstream "${spec.upstream}" is not a URL (e.g. https://api.anthropic.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ListenerSpecError(`upstream "${spec.upstream}" must be http:// or https://`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ListenerSpecError(`upstream "${spec.upstream}" may not carry a query, fragment or credentials`);
  }
  return url;
}

/**
 * Parses `PORT=AGENT=URL` (e.g. `8788=claude=https://api.anthropic.com`), the CLI's
 * form; `=` cannot appear in a port or label, so the URL may contain anything after.
 */
export function parseListenerArg(text: string): ListenerSpec {
  const match = /^(\d+)=([^=]+)=(.+)$/.exec(text.trim());
  if (!match) {
    throw new ListenerSpecError(`"${text}" is not PORT=AGENT=UPSTREAM (e.g. 8788=claude=https://api.anthropic.com)`);
  }
  const spec = { port: Number(match[1]), agent: match[2], upstream: match[3] };
  validateListener(spec);
  return spec;
}
