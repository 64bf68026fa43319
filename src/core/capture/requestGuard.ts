// Only a local agent process may use a listener. A web page in the user's browser can
// reach 127.0.0.1 too: DNS rebinding gives it a foreign Host, and a cross-site fetch
// carries an Origin. Refusing both keeps pages from spending the user's API keys
// through us or injecting fake captures into the log.

import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

function hostnameOf(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(1, end) : authority;
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}

export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/** Returns why the request is refused, or undefined when it may pass. */
export function refusalReason(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host;
  if (!host) return 'the request has no Host header';
  if (!isLoopbackHostname(hostnameOf(host.trim()))) {
    return `Host "${host}" is not a loopback address; agent-interlude only serves local agents`;
  }
  if (headers.origin !== undefined) {
    return `requests from a browser page (Origin "${headers.origin}") are refused; agent-interlude only serves local agents`;
  }
  // Only browsers send Sec-Fetch-Site (a cross-site <img> GET carries no Origin).
  // Not Sec-Fetch-Mode: Node's fetch, which the SDKs use, sends that one too.
  if (headers['sec-fetch-site'] !== undefined) {
    return 'requests from a browser are refused; agent-interlude only serves local agents';
  }
  return undefined;
}
