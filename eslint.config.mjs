// Lint is where the layering lives: which folder may import which, checked on every `npm test`.
//   src/shared   pure helpers both the extension host and the webviews run: imports nothing of ours
//   src/core     runs in the CLI and the extension host alike: never `vscode`, never a host or a webview
//   src/webview  runs in a webview: never `vscode`; core only for types (its code is bundled for Node)
//   src/extension, src/cli  the hosts: may import core and shared
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'Only src/extension talks to VS Code; keep this code host-free.' };
const hosts = { group: ['**/extension', '**/extension/**', '**/cli', '**/cli/**'], message: 'Core, shared and webview code never import a host.' };
const webview = { group: ['**/webview', '**/webview/**'], message: 'Only the extension host may import the webview protocols.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', '.vscode-test/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // lintProbe.ts never exists on disk: test/integration/lint.test.ts lints such text to show each rule bites.
        projectService: { allowDefaultProject: ['src/*/lintProbe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // A leading underscore names what is dropped on purpose (`const { _type, ...rest } = message`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [hosts, webview] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noVscode],
        patterns: [hosts, webview, { group: ['**/core', '**/core/**'], message: 'Shared helpers stand alone: move what they need here.' }],
      }],
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noVscode],
        patterns: [hosts, {
          group: ['**/core', '**/core/**'],
          allowTypeImports: true,
          message: 'A webview takes only types from core; a helper both sides run belongs in src/shared.',
        }],
      }],
    },
  },
);
