// The benchmark's yardstick: a bare pass-through relay that records nothing. node:http in front, undici behind
// (as in the proxy), request body and response streamed straight through, hop-by-hop headers dropped, Nagle off.
// What the proxy costs beyond this is the cost of capturing; what this costs beyond a direct connection is the
// cost of any relay on this machine. Prints `BARE_RELAY_URL=<origin>` once it listens; exits when stdin closes.
//
// Run: node --import tsx bench/bareRelay.ts <upstream origin>

import { createServer, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';

const READY_PREFIX = 'BARE_RELAY_URL=';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'te', 'trailer']);

function forwardedHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function main(): void {
  const upstream = process.argv[2];
  if (!upstream) throw new Error('usage: bareRelay.ts <upstream origin>');
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: { noDelay: true } });
  const server = createServer({ noDelay: true, requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    dispatcher
      .request({
        origin: upstream,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: forwardedHeaders(req.headers),
        body: hasBody ? req : null,
        headersTimeout: 600_000,
        bodyTimeout: 600_000,
      })
      .then((response) => {
        res.writeHead(response.statusCode, forwardedHeaders(response.headers));
        res.flushHeaders();
        pipeline(response.body, res, () => undefined);
      })
      .catch((error: Error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(error.message);
      });
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    process.stdout.write(`${READY_PREFIX}http://127.0.0.1:${address.port}\n`);
  });
  const stop = (): void => process.exit(0);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
