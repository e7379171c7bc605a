// Lint rules, including the machine-checked rule of which process a file may run in:
// - only electron/app/ may import 'electron' (everything else must run in plain Node or a browser);
// - shared/ is pure TypeScript: no node:*, no electron, no DOM-only packages;
// - renderer/ never reaches into the main process.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronBan = {
  name: 'electron',
  message: "Only electron/app/ may import 'electron'; keep this module framework-free.",
};
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'net', 'child_process', 'url', 'util', 'events', 'stream'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', 'playwright-report/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly',
        TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly',
        window: 'readonly', document: 'readonly', navigator: 'readonly', performance: 'readonly',
        crypto: 'readonly', btoa: 'readonly', atob: 'readonly', WebSocket: 'readonly', location: 'readonly',
        history: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', requestAnimationFrame: 'readonly',
        AbortController: 'readonly', fetch: 'readonly', globalThis: 'readonly', __dirname: 'readonly',
        require: 'readonly', module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: [electronBan] }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name='require'][arguments.0.value='electron']",
        message: "Only electron/app/ may require 'electron'.",
      }],
    },
  },
  {
    files: ['electron/app/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    files: ['shared/**'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan, { name: 'react', message: 'shared/ is framework-free.' }],
        patterns: [
          { group: nodeBuiltins, message: 'shared/ runs in every process: no Node built-ins.' },
          { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ may import only shared/.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: [
          { group: nodeBuiltins, message: 'The renderer is a sandboxed browser page.' },
          { group: ['**/electron/**'], message: 'The renderer talks to the gateway over the protocol only.' },
        ],
      }],
    },
  },
);
