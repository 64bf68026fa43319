// Copy Agent Setup's text: README's commands with the real ports, each Codex route on the right listener.
import assert from 'node:assert/strict';
import type { ListenerStatus } from '../../src/core/capture/proxy';
import { agentSetups } from '../../src/extension/agents/agentSetupLines';

function running(port: number, agent: string, upstream: string): ListenerStatus {
  return { spec: { port: 0, agent, upstream }, port, url: `http://127.0.0.1:${port}` };
}

describe('agent setup lines', () => {
  it('maps the default upstreams to Claude, Codex API key and Codex ChatGPT login, with the real ports', () => {
    const setups = agentSetups([
      running(41001, 'claude', 'https://api.anthropic.com'),
      running(41003, 'codex', 'https://chatgpt.com'),
      running(41002, 'codex', 'https://api.openai.com'),
    ]);
    assert.deepEqual(setups.map((setup) => [setup.id, setup.port]), [
      ['claude', 41001],
      ['codexApiKey', 41002],
      ['codexChatGpt', 41003],
    ]);
    assert.equal(setups[0].text, 'ANTHROPIC_BASE_URL=http://127.0.0.1:41001 claude');
    assert.equal(
      setups[1].text,
      [
        'codex -c model_provider=interlude',
        `  -c 'model_providers.interlude.name="interlude"'`,
        `  -c 'model_providers.interlude.base_url="http://127.0.0.1:41002/v1"'`,
        `  -c 'model_providers.interlude.wire_api="responses"'`,
        `  -c 'model_providers.interlude.env_key="OPENAI_API_KEY"'`,
      ].join(' \\\n'),
    );
    assert.match(setups[2].text, /base_url="http:\/\/127\.0\.0\.1:41003\/backend-api\/codex"/);
    assert.match(setups[2].text, /requires_openai_auth=true'$/);
  });

  it('leaves out routes with no running listener', () => {
    const stopped: ListenerStatus = { spec: { port: 8788, agent: 'claude', upstream: 'https://api.anthropic.com' }, error: 'x' };
    const setups = agentSetups([stopped, running(41002, 'codex', 'https://api.openai.com')]);
    assert.deepEqual(setups.map((setup) => setup.id), ['codexApiKey']);
  });

  it('Run Codex through Interlude: each Codex route as one line with no quotes, the same in every shell', () => {
    const setups = agentSetups([
      running(41001, 'claude', 'https://api.anthropic.com'),
      running(41002, 'codex', 'https://api.openai.com'),
      running(41003, 'codex', 'https://chatgpt.com'),
    ]);
    assert.equal(setups[0].terminalLine, undefined, 'Claude Code needs no line: new terminals get ANTHROPIC_BASE_URL');
    assert.equal(
      setups[1].terminalLine,
      'codex -c model_provider=interlude -c model_providers.interlude.name=interlude -c model_providers.interlude.base_url=http://127.0.0.1:41002/v1 ' +
        '-c model_providers.interlude.wire_api=responses -c model_providers.interlude.env_key=OPENAI_API_KEY',
    );
    assert.match(setups[2].terminalLine ?? '', /base_url=http:\/\/127\.0\.0\.1:41003\/backend-api\/codex .* -c model_providers\.interlude\.requires_openai_auth=true$/);
    for (const setup of setups.slice(1)) {
      // Nothing a shell would interpret: no quotes, no $, no globs, no separators.
      assert.match(setup.terminalLine ?? '', /^[A-Za-z0-9_ .:=/-]+$/);
    }
  });
});
