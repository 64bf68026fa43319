// Which headers cross the proxy, and which few are ever written to the log.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Per-connection headers (RFC 9110 §7.6.1): they describe one hop, not the message. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * `accept-encoding` is dropped so the upstream answers uncompressed and the log copy is
 * readable (the original did the same); `expect` because the upstream client negotiates
 * its own; `host` because the upstream's is set from its URL.
 */
const REQUEST_HEADERS_NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'accept-encoding', 'expect']);

const RESPONSE_HEADERS_NOT_RELAYED = new Set(HOP_BY_HOP);

/**
 * The only request headers written to the log. An allowlist, not a denylist: any
 * credential header, including ones that do not exist yet, stays out of the log.
 */
export const LOGGED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
  'openai-organization',
  'user-agent',
  // The agents' own conversation ids (non-secret): what ties a request to its conversation (SPEC §6).
  'x-claude-code-session-id',
  'session_id',
  'x-codex-turn-metadata',
]);

/** Headers named in `Connection:` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Set<string> {
  const value = headers['connection'];
  const joined = Array.isArray(value) ? value.join(',') : value ?? '';
  return new Set(joined.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

export function upstreamRequestHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionTokens(headers);
  const forwarded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || REQUEST_HEADERS_NOT_FORWARDED.has(name) || named.has(name)) continue;
    forwarded[name] = value;
  }
  return forwarded;
}

export function relayedResponseHeaders(headers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const relayed: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || RESPONSE_HEADERS_NOT_RELAYED.has(name) || named.has(name)) continue;
    relayed[name] = value;
  }
  return relayed;
}

export function loggedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !LOGGED_REQUEST_HEADERS.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

export function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : value ?? '';
}
