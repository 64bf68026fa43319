// Lint is where the layering lives: which folder may import which, checked on every `npm test`.
//   src/shared   pure helpers both the extension host and the webviews run: imports nothing of ours
//   src/core     runs in the CLI and the extension host alike: never `vscode`, never a host or a webview
//   src/webview  runs in a webview: never `vscode`; core only for types (its code is bundled for Node)
//   src/extension, src/cli  the hosts: may import core and shared
//   src/core/<part>, src/extension/<part>  which part may import which: the layout rules below (README "Source layout")
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'Only src/extension talks to VS Code; keep this code host-free.' };
const hosts = { group: ['**/extension', '**/extension/**', '**/cli', '**/cli/**'], message: 'Core, shared and webview code never import a host.' };
const webview = { group: ['**/webview', '**/webview/**'], message: 'Only the extension host may import the webview protocols.' };

// regroup:layout-begin
// The source layout (README "Source layout"): which part of src/core and src/extension may import which. A part is
// matched by its folder name anywhere in the import path ('../capture/proxy', '../../core/capture/proxy'). ESLint
// keeps only the last options given for a rule, so each core part repeats the core-wide restrictions above.
const part = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`]);
const inCore = (names, message) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [hosts, webview, { group: part(...names), message }] }],
});
const inHost = (names, message) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: part(...names), message }] }],
});
const layoutRules = [
  {
    files: ['src/core/*.ts'],
    rules: inCore(['capture', 'logIndex', 'analysis', 'export', 'secrets'], 'The files at the top of src/core (record schema, limits, JSON helpers) are what every part shares: they import only each other and wire/.'),
  },
  {
    files: ['src/core/wire/**/*.ts'],
    rules: inCore(['capture', 'logIndex', 'analysis', 'export', 'secrets'], 'wire/ knows the three APIs and nothing else: it imports only the shared files at the top of src/core.'),
  },
  {
    files: ['src/core/secrets/**/*.ts'],
    rules: inCore(['capture', 'logIndex', 'analysis', 'export', 'wire'], 'secrets/ stands alone: the scanner and the redactor know no record, wire or log.'),
  },
  {
    files: ['src/core/logIndex/**/*.ts'],
    rules: inCore(['capture', 'analysis', 'export'], 'logIndex/ reads the log: it never imports the capture side, nor analysis/ or export/, which are built on it.'),
  },
  {
    files: ['src/core/analysis/**/*.ts'],
    rules: inCore(['capture', 'export'], 'analysis/ works on the index model: it never imports the capture side or export/ (which is built on it).'),
  },
  {
    files: ['src/core/export/**/*.ts'],
    rules: inCore(['capture'], 'export/ turns captures into files and spans: it never imports the capture side (the recorder imports it).'),
  },
  {
    files: ['src/core/capture/**/*.ts'],
    rules: inCore(['logIndex', 'analysis'], 'capture/ relays and records: it writes the log and never imports what reads it (logIndex/, analysis/).'),
  },
  {
    files: ['src/extension/views/**/*.ts'],
    rules: inHost(['panels', 'diffs', 'agents'], 'The parts of the extension meet only in extension.ts: views/ never imports panels/, diffs/ or agents/.'),
  },
  {
    files: ['src/extension/panels/**/*.ts'],
    rules: inHost(['views', 'diffs', 'agents'], 'The parts of the extension meet only in extension.ts: panels/ never imports views/, diffs/ or agents/.'),
  },
  {
    files: ['src/extension/diffs/**/*.ts'],
    rules: inHost(['views', 'panels', 'agents'], 'The parts of the extension meet only in extension.ts: diffs/ never imports views/, panels/ or agents/.'),
  },
  {
    files: ['src/extension/agents/**/*.ts'],
    rules: inHost(['views', 'panels', 'diffs'], 'The parts of the extension meet only in extension.ts: agents/ never imports views/, panels/ or diffs/.'),
  },
  {
    files: ['src/extension/*.ts'],
    ignores: ['src/extension/extension.ts'],
    rules: inHost(['views', 'panels', 'diffs', 'agents'], 'What the parts share (watcher, settings, command ids) sits at the top of src/extension and imports no part; extension.ts composes them.'),
  },
];
// regroup:layout-end

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
  ...layoutRules,
);
