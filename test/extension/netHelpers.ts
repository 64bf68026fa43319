// Plain Node networking for the extension suites: a POST through a listener, a port blocker.
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import * as vscode from 'vscode';

export function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, rejectPost) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', rejectPost);
      },
    );
    req.on('error', rejectPost);
    req.end(body);
  });
}

export function listen(port: number): Promise<Server> {
  return new Promise((resolveListen, rejectListen) => {
    const server = createServer();
    server.once('error', rejectListen);
    server.listen(port, '127.0.0.1', () => resolveListen(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}

export async function setSetting(name: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('agentInterlude').update(name, value, vscode.ConfigurationTarget.Global);
}

export const CLAUDE_BODY = JSON.stringify({
  model: 'm',
  max_tokens: 8,
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
});
