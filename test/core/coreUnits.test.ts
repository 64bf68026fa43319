// Small pure pieces of the capture core: listener specs, the loopback guard, header
// filtering, body decoding and log naming.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { BodyDecodeError, bodyText, decodeContent } from '../../src/core/capture/bodyDecode';
import { logFileName } from '../../src/core/capture/captureLog';
import { loggedRequestHeaders, relayedResponseHeaders, upstreamRequestHeaders } from '../../src/core/capture/headers';
import { DEFAULT_LISTENERS, ListenerSpecError, parseListenerArg, validateListener } from '../../src/core/capture/listeners';
import { isLoopbackHostname, refusalReason } from '../../src/core/capture/requestGuard';

describe('listener specs', () => {
  it('defaults are the original three listeners', () => {
    assert.deepEqual(
      DEFAULT_LISTENERS.map(({ port, upstream, agent }) => `${port} ${agent} ${upstream}`),
      ['8788 claude https://api.anthropic.com', '8789 codex https://api.openai.com', '8790 codex https://chatgpt.com'],
    );
  });

  it('parses PORT=AGENT=UPSTREAM, keeping colons and paths in the URL', () => {
    assert.deepEqual(parseListenerArg('0=codex=http://127.0.0.1:9000/prefix'), {
      port: 0,
      agent: 'codex',
      upstream: 'http://127.0.0.1:9000/prefix',
    });
  });

  it('rejects bad ports, labels and upstreams with a readable reason', () => {
    assert.throws(() => parseListenerArg('claude:8788'), ListenerSpecError);
    assert.throws(() => validateListener({ port: 70000, agent: 'a', upstream: 'https://x' }), /not a TCP port/);
    assert.throws(() => validateListener({ port: 1, agent: 'a b', upstream: 'https://x' }), /agent label/);
    assert.throws(() => validateListener({ port: 1, agent: 'a', upstream: 'ftp://x' }), /http:\/\/ or https:\/\//);
    assert.throws(() => validateListener({ port: 1, agent: 'a', upstream: 'https://u:p@x' }), /credentials/);
  });
});

describe('loopback guard', () => {
  it('knows loopback host names', () => {
    for (const name of ['localhost', 'LOCALHOST.', 'api.localhost', '127.0.0.1', '127.9.9.9', '::1']) {
      assert.equal(isLoopbackHostname(name), true, name);
    }
    for (const name of ['example.com', '10.0.0.1', '0.0.0.0', '::', 'localhost.evil.com', '127.0.0.1.evil.com']) {
      assert.equal(isLoopbackHostname(name), false, name);
    }
  });

  it('passes local agents and refuses rebinding, missing Host and browser requests', () => {
    assert.equal(refusalReason({ host: '127.0.0.1:8788', 'sec-fetch-mode': 'cors' }), undefined);
    assert.equal(refusalReason({ host: '[::1]:8788' }), undefined);
    assert.match(String(refusalReason({ host: 'attacker.example:8788' })), /not a loopback address/);
    assert.match(String(refusalReason({})), /no Host header/);
    assert.match(String(refusalReason({ host: 'localhost:8788', origin: 'null' })), /browser page/);
    assert.match(String(refusalReason({ host: 'localhost:8788', 'sec-fetch-site': 'cross-site' })), /browser/);
  });
});

describe('header filtering', () => {
  const incoming = {
    host: '127.0.0.1:8788',
    connection: 'keep-alive, x-hop',
    'x-hop': 'drop me',
    'accept-encoding': 'gzip, br, zstd',
    'transfer-encoding': 'chunked',
    authorization: 'Bearer secret',
    'x-api-key': 'secret',
    'content-type': 'application/json',
    'anthropic-beta': 'a,b',
    'user-agent': 'claude-cli/2.1',
  };

  it('forwards credentials and content headers, not hop-by-hop ones or accept-encoding', () => {
    const forwarded = upstreamRequestHeaders(incoming);
    assert.deepEqual(Object.keys(forwarded).sort(), ['anthropic-beta', 'authorization', 'content-type', 'user-agent', 'x-api-key']);
  });

  it('logs only the allowlist', () => {
    assert.deepEqual(loggedRequestHeaders(incoming), {
      'content-type': 'application/json',
      'anthropic-beta': 'a,b',
      'user-agent': 'claude-cli/2.1',
    });
  });

  it('relays response headers except hop-by-hop ones', () => {
    const relayed = relayedResponseHeaders({ 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked', connection: 'close', 'request-id': 'r1' });
    assert.deepEqual(relayed, { 'content-type': 'text/event-stream', 'request-id': 'r1' });
  });
});

describe('body decoding for the log', () => {
  const text = JSON.stringify({ messages: [{ role: 'user', content: 'héllo' }] });
  const plain = Buffer.from(text);

  it('undoes gzip, deflate (wrapped or raw), br and zstd', () => {
    assert.equal(decodeContent(gzipSync(plain), 'gzip').toString(), text);
    assert.equal(decodeContent(deflateSync(plain), 'deflate').toString(), text);
    assert.equal(decodeContent(deflateRawSync(plain), 'deflate').toString(), text);
    assert.equal(decodeContent(brotliCompressSync(plain), 'br').toString(), text);
    const zstd = execFileSync('zstd', ['-q', '-c'], { input: plain });
    assert.equal(decodeContent(zstd, 'zstd').toString(), text);
  });

  it('undoes stacked encodings in reverse order', () => {
    assert.equal(decodeContent(brotliCompressSync(gzipSync(plain)), 'gzip, br').toString(), text);
  });

  it('refuses unknown encodings and caps decoded size (zip bombs)', () => {
    assert.throws(() => decodeContent(plain, 'compress'), BodyDecodeError);
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    assert.throws(() => decodeContent(bomb, 'gzip', 1024 * 1024), BodyDecodeError);
    const zstdBomb = execFileSync('zstd', ['-q', '-c'], { input: Buffer.alloc(10 * 1024 * 1024) });
    assert.throws(() => decodeContent(zstdBomb, 'zstd', 1024 * 1024), /exceeds/);
  });

  it('reports invalid UTF-8 and replaces it', () => {
    assert.deepEqual(bodyText(Buffer.from([0x61, 0xff])), { text: 'a\uFFFD', validUtf8: false });
    assert.deepEqual(bodyText(Buffer.from('é')), { text: 'é', validUtf8: true });
  });
});

describe('capture log naming', () => {
  it('uses the original log-YYYYMMDDTHHMMSSZ.jsonl form', () => {
    assert.equal(logFileName(new Date('2026-11-29T07:05:09.123Z')), 'log-20261129T070509Z.jsonl');
  });
});
