// A corpus of credentials in their issuers' real formats (random bodies from a seeded generator: no
// real key is in this repository; the private key and the JWT are made with node:crypto) and of the
// look-alikes that sit in real prompts: templates, documentation examples, token counts, hashes, ids.

import { createHmac, generateKeyPairSync } from 'node:crypto';
import { prng } from './prng';

export interface CorpusCase {
  name: string;
  /** The text as a tool printed it or a file holds it. */
  text: string;
  /** Kinds the detector must report (empty: a look-alike, nothing may be reported). */
  kinds: string[];
  /** The secret values that must not survive masking. */
  values: string[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URLSAFE = `${ALNUM}_-`;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE64 = `${ALNUM}+/`;

export function secretCorpus(seed = 12): CorpusCase[] {
  const random = prng(seed);
  const pick = (alphabet: string, length: number) =>
    Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const digits = (length: number) => pick('0123456789', length);

  const anthropic = `sk-ant-api03-${pick(URLSAFE, 93)}AA`;
  const anthropicAdmin = `sk-ant-admin01-${pick(URLSAFE, 93)}AA`;
  const openaiProject = `sk-proj-${pick(URLSAFE, 74)}T3BlbkFJ${pick(URLSAFE, 74)}`;
  const openaiClassic = `sk-${pick(ALNUM, 20)}T3BlbkFJ${pick(ALNUM, 20)}`;
  const awsId = `AKIA${pick(BASE32, 16)}`;
  const awsSecret = pick(BASE64, 40);
  const github = `ghp_${pick(ALNUM, 36)}`;
  const githubPat = `github_pat_${pick(ALNUM, 22)}_${pick(ALNUM, 59)}`;
  const google = `AIza${pick(URLSAFE, 35)}`;
  const slack = `xoxb-${digits(12)}-${digits(13)}-${pick(ALNUM, 24)}`;
  const slackHook = `https://hooks.slack.com/services/T${pick(BASE32, 8)}/B${pick(BASE32, 10)}/${pick(ALNUM, 24)}`;
  const stripe = `sk_live_${pick(ALNUM, 99)}`;
  const npm = `npm_${pick(ALNUM, 36)}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
  const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
  const jwtBody = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify({ sub: 'u_8812', iat: 1764633600, scope: 'deploy' }))}`;
  const jwt = `${jwtBody}.${createHmac('sha256', pick(ALNUM, 32)).update(jwtBody).digest('base64url')}`;
  const dbPassword = `${pick(ALNUM, 6)}#${pick(ALNUM, 6)}`;
  const envPassword = `Tr0ub4dor&3${pick(ALNUM, 6)}`;
  const jsonPassword = `c0rr3ct-h0rse-${pick(ALNUM, 8)}`;
  const clientSecret = pick('0123456789abcdef', 32);
  const bearer = pick(URLSAFE, 48);

  return [
    { name: '.env read by a tool', text: `ANTHROPIC_API_KEY=${anthropic}\nLOG_LEVEL=debug\n`, kinds: ['anthropic-api-key'], values: [anthropic] },
    { name: 'Anthropic admin key in a shell history', text: `$ curl -H "x-api-key: ${anthropicAdmin}" https://api.anthropic.com/v1/organizations/users`, kinds: ['anthropic-api-key'], values: [anthropicAdmin] },
    { name: 'OpenAI project key exported', text: `export OPENAI_API_KEY="${openaiProject}"`, kinds: ['openai-api-key'], values: [openaiProject] },
    { name: 'OpenAI classic key in Python', text: `client = OpenAI(api_key="${openaiClassic}")`, kinds: ['openai-api-key'], values: [openaiClassic] },
    { name: 'AWS credentials file', text: `[default]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\nregion = eu-west-1`, kinds: ['aws-access-key-id', 'assigned-secret'], values: [awsId, awsSecret] },
    { name: 'GitHub token in git remote -v', text: `origin\thttps://x-access-token:${github}@github.com/acme/app.git (fetch)`, kinds: ['github-token'], values: [github] },
    { name: 'GitHub fine-grained PAT in a config', text: `{"github": {"token": "${githubPat}"}}`, kinds: ['github-token'], values: [githubPat] },
    { name: 'Google API key in a JS config', text: `const firebaseConfig = { apiKey: "${google}", authDomain: "acme.firebaseapp.com" };`, kinds: ['google-api-key'], values: [google] },
    { name: 'Slack bot token', text: `SLACK_BOT_TOKEN=${slack}`, kinds: ['slack-token'], values: [slack] },
    { name: 'Slack webhook URL', text: `curl -X POST -d '{"text":"deployed"}' ${slackHook}`, kinds: ['slack-webhook'], values: [slackHook] },
    { name: 'Stripe live key in YAML', text: `stripe:\n  secret_key: ${stripe}\n`, kinds: ['stripe-key'], values: [stripe] },
    { name: 'npm token in .npmrc', text: `//registry.npmjs.org/:_authToken=${npm}`, kinds: ['npm-token'], values: [npm] },
    { name: 'PEM private key printed by cat', text: `$ cat deploy/key.pem\n${pem}\n`, kinds: ['private-key'], values: [pem] },
    { name: 'JWT in a curl command', text: `curl -H 'Cookie: session=${jwt}' http://localhost:3000/api/me`, kinds: ['jwt'], values: [jwt] },
    { name: 'database URL with a password', text: `DATABASE_URL=postgres://app:${dbPassword}@db.internal:5432/app`, kinds: ['url-credentials'], values: [dbPassword] },
    { name: '.env password line', text: `DB_USER=app\nDB_PASSWORD=${envPassword}\n`, kinds: ['assigned-secret'], values: [envPassword] },
    { name: 'JSON password field', text: `{"username": "deploy", "password": "${jsonPassword}"}`, kinds: ['assigned-secret'], values: [jsonPassword] },
    { name: 'YAML client secret', text: `oauth:\n  client_id: acme-web\n  client_secret: ${clientSecret}\n`, kinds: ['assigned-secret'], values: [clientSecret] },
    { name: 'Bearer token in curl -v output', text: `> GET /v2/items HTTP/1.1\n> Authorization: Bearer ${bearer}\n> Accept: */*`, kinds: ['bearer-token'], values: [bearer] },

    // Look-alikes: nothing here may be flagged.
    { name: 'template reference', text: 'ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY}\nOPENAI_API_KEY=$OPENAI_API_KEY', kinds: [], values: [] },
    { name: 'documentation placeholder', text: 'api_key: "your-api-key-here"\npassword: "********"\ntoken: <YOUR_TOKEN>', kinds: [], values: [] },
    { name: 'code reading a secret', text: 'const token = getToken();\nconst secret = process.env.CLIENT_SECRET;\npassword = config.password', kinds: [], values: [] },
    { name: 'AWS documentation example key', text: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', kinds: [], values: [] },
    { name: 'x-filled key placeholder', text: `ANTHROPIC_API_KEY=sk-ant-api03-${'x'.repeat(93)}AA`, kinds: [], values: [] },
    { name: 'token counts in usage', text: '{"usage":{"input_tokens":12873,"cache_read_input_tokens":48211,"output_tokens":512},"max_tokens":32000}', kinds: [], values: [] },
    { name: 'git log with SHAs', text: `commit ${pick('0123456789abcdef', 40)}\nAuthor: Dev <dev@acme.io>\n\n    rotate the token cache`, kinds: [], values: [] },
    { name: 'session and cache ids', text: `{"metadata":{"user_id":"{\\"session_id\\":\\"${crypto.randomUUID()}\\"}"},"prompt_cache_key":"${crypto.randomUUID()}"}`, kinds: [], values: [] },
    { name: 'thinking signature', text: `{"type":"thinking","thinking":"Let me check.","signature":"${pick(BASE64, 344)}"}`, kinds: [], values: [] },
    { name: 'documentation URL credentials', text: 'git clone https://user:password@example.com/repo.git\nsee https://github.com/acme/app', kinds: [], values: [] },
    { name: 'Bearer placeholder', text: 'Authorization: Bearer <token>\nAuthorization: Bearer $TOKEN', kinds: [], values: [] },
    { name: 'prose about keys', text: 'Pass the API key as an argument; the token expires after an hour. Set password_min_length: 12.', kinds: [], values: [] },
    { name: 'base64 image data', text: `{"type":"image","source":{"type":"base64","media_type":"image/png","data":"${pick(BASE64, 6000)}AIza${pick(URLSAFE, 35)}${pick(BASE64, 200)}"}}`, kinds: [], values: [] },
    { name: 'tokenizer setting', text: 'tokenizer: cl100k_base\ntoken_type: bearer\nauth_token_ttl: 3600', kinds: [], values: [] },
  ];
}
