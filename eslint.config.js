// Lint, and the process boundaries of ARCHITECTURE.md enforced as rules (STYLE.md habit 1).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Bare names are exact module names ("paths"); a pattern like "stream" would also
// match our own ../protocol/stream. "node:*" is a pattern.
const NODE_BUILTIN_NAMES = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'stream', 'util', 'events', 'worker_threads'];
const noNode = (message) => ({
  paths: NODE_BUILTIN_NAMES.map((name) => ({ name, message })),
  patterns: [{ group: ['node:*'], message }],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // shared/: runs in every process, so it imports nothing platform-specific.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noNode('shared/ runs in the renderer too: no Node built-ins.').paths,
          patterns: [
            ...noNode('shared/ runs in the renderer too: no Node built-ins.').patterns,
            { group: ['electron', 'electron/*'], message: 'shared/ must not import Electron.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing from the processes.' },
            { group: ['react', 'react-dom', 'zustand', 'ws', 'libsql'], message: 'shared/ stays platform-free.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'window', 'document', 'require', '__dirname'],
    },
  },
  {
    // The hub, the CLI and speech are plain Node: they run without Electron (`npm run hub`).
    files: ['electron/hub/**/*.ts', 'electron/cli/**/*.ts', 'electron/speech/**/*.ts', 'electron/airpods/**/*.ts', 'electron/telemetry/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The hub and CLI never import Electron.' },
            { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'The hub depends only on shared/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    // The renderer talks only to window.earshot; it never reaches into Node or Electron.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noNode('The renderer has no Node.').paths,
          patterns: [
            ...noNode('The renderer has no Node.').patterns,
            { group: ['electron', 'electron/*'], message: 'The renderer uses window.earshot, never Electron.' },
            { group: ['**/electron/**'], message: 'The renderer never imports electron/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}', '*.config.{js,ts}', 'electron.vite.config.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    // Tests read JSON answers structurally; `any` there saves casts without hiding production types.
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
