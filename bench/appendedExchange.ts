// The exchange the index and analyze benchmarks append to a log to time a refresh: the log's last successful
// request + response pair, re-labelled with a fresh id and later timestamps, as a relay would write the next one.

import { closeSync, openSync, readSync, statSync } from 'node:fs';

export function nextExchange(path: string, sequence: number, idPrefix: string): { request: string; response: string } {
  const size = statSync(path).size;
  const tailBytes = Math.min(size, 8 * 1024 * 1024);
  const buf = Buffer.alloc(tailBytes);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, tailBytes, size - tailBytes);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').filter((line) => line.startsWith('{'));
  let responseAt = lines.length - 1;
  while (responseAt >= 0 && !(lines[responseAt]?.includes('"kind":"response"') && lines[responseAt]?.includes('"status":200'))) responseAt--;
  const response = JSON.parse(lines[responseAt] as string) as Record<string, unknown>;
  let requestAt = responseAt - 1;
  while (requestAt >= 0 && !lines[requestAt]?.includes(`"id":"${String(response.id)}"`)) requestAt--;
  const request = JSON.parse(lines[requestAt] as string) as Record<string, unknown>;
  const id = `${idPrefix}${String(process.pid % 10_000).padStart(4, '0')}${String(sequence).padStart(6, '0')}`;
  const base = Date.parse(String(response.ts)) + 1_000 * (sequence + 1);
  return {
    request: `${JSON.stringify({ ...request, id, ts: new Date(base).toISOString() })}\n`,
    response: `${JSON.stringify({ ...response, id, ts: new Date(base + 3_000).toISOString() })}\n`,
  };
}
