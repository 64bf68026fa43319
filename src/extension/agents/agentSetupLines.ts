// The exact commands that point each agent at the running listeners (README "Pointing an agent at it"), built
// from the real ports. No `vscode` here: plain data in, strings out.
import * as l10n from '@vscode/l10n';
import type { ListenerStatus } from '../../core/capture/proxy';
import { LOOPBACK_HOST } from '../../core/capture/listeners';

export type AgentSetupId = 'claude' | 'codexApiKey' | 'codexChatGpt';

export interface AgentSetup {
  id: AgentSetupId;
  label: string;
  detail: string;
  port: number;
  text: string;
  /** Codex routes: the same command on one line with no quoting at all, so any shell runs it as typed. */
  terminalLine?: string;
}

const PROVIDER = 'interlude';

function codexCommand(baseUrl: string, auth: string): string {
  return [
    `codex -c model_provider=${PROVIDER}`,
    `  -c 'model_providers.${PROVIDER}.name="${PROVIDER}"'`,
    `  -c 'model_providers.${PROVIDER}.base_url="${baseUrl}"'`,
    `  -c 'model_providers.${PROVIDER}.wire_api="responses"'`,
    `  -c '${auth}'`,
  ].join(' \\\n');
}

/**
 * `codex -c model_provider=interlude -c model_providers.interlude.base_url=http://127.0.0.1:8789/v1 …`: Codex reads
 * a `-c` value as TOML and takes one that is not TOML (a URL, a bare word) as a string, so no value needs quotes, and
 * the line means the same in bash, zsh, fish, PowerShell and cmd (checked with the real Codex CLI in the dogfood suite).
 */
function codexTerminalLine(baseUrl: string, auth: string): string {
  const settings = [`model_provider=${PROVIDER}`, `model_providers.${PROVIDER}.name=${PROVIDER}`, `model_providers.${PROVIDER}.base_url=${baseUrl}`, `model_providers.${PROVIDER}.wire_api=responses`, auth];
  return ['codex', ...settings.flatMap((setting) => ['-c', setting])].join(' ');
}

function isChatGpt(listener: ListenerStatus): boolean {
  try {
    return /(^|\.)chatgpt\.com$/i.test(new URL(listener.spec.upstream).hostname);
  } catch {
    return false;
  }
}

/**
 * One entry per route that has a running listener. Claude: the first claude listener. Codex: a listener whose
 * upstream is chatgpt.com serves the ChatGPT-login route, another codex listener the API-key route; with no
 * chatgpt.com upstream the second codex listener stands for the ChatGPT route (custom upstreams, tests).
 */
export function agentSetups(listeners: readonly ListenerStatus[]): AgentSetup[] {
  const running = listeners.filter((listener) => listener.port !== undefined);
  const setups: AgentSetup[] = [];
  const claude = running.find((listener) => listener.spec.agent === 'claude');
  if (claude?.port !== undefined) {
    setups.push({
      id: 'claude',
      label: 'Claude Code',
      detail: l10n.t('ANTHROPIC_BASE_URL → port {0}', claude.port),
      port: claude.port,
      text: `ANTHROPIC_BASE_URL=http://${LOOPBACK_HOST}:${claude.port} claude`,
    });
  }
  const codex = running.filter((listener) => listener.spec.agent === 'codex');
  const chatGpt = codex.find(isChatGpt) ?? codex.filter((listener) => !isChatGpt(listener))[1];
  const apiKey = codex.find((listener) => listener !== chatGpt && !isChatGpt(listener));
  if (apiKey?.port !== undefined) {
    setups.push({
      id: 'codexApiKey',
      label: l10n.t('Codex with an OpenAI API key'),
      detail: l10n.t('custom provider → port {0}/v1, key from OPENAI_API_KEY', apiKey.port),
      port: apiKey.port,
      text: codexCommand(`http://${LOOPBACK_HOST}:${apiKey.port}/v1`, `model_providers.${PROVIDER}.env_key="OPENAI_API_KEY"`),
      terminalLine: codexTerminalLine(`http://${LOOPBACK_HOST}:${apiKey.port}/v1`, `model_providers.${PROVIDER}.env_key=OPENAI_API_KEY`),
    });
  }
  if (chatGpt?.port !== undefined) {
    setups.push({
      id: 'codexChatGpt',
      label: l10n.t('Codex with ChatGPT login'),
      detail: l10n.t('custom provider → port {0}/backend-api/codex, your ChatGPT login', chatGpt.port),
      port: chatGpt.port,
      text: codexCommand(
        `http://${LOOPBACK_HOST}:${chatGpt.port}/backend-api/codex`,
        `model_providers.${PROVIDER}.requires_openai_auth=true`,
      ),
      terminalLine: codexTerminalLine(
        `http://${LOOPBACK_HOST}:${chatGpt.port}/backend-api/codex`,
        `model_providers.${PROVIDER}.requires_openai_auth=true`,
      ),
    });
  }
  return setups;
}
