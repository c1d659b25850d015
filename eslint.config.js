// Lint with type information, and enforce the layer rules of DESIGN.md §3 with import restrictions:
// the rules live here, not only on a page. test/integration/layer-rules.test.ts proves they bite.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'http', 'https', 'net', 'child_process', 'os', 'crypto'];

/** One restriction set per layer: what code in that folder must never import. */
function layer(files, { patterns = [], paths = [] }) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns, paths }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'dist/**', 'out/**', 'coverage/**', '.data/**', '.demo/**', 'renderer/dist/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.agents.json', './tsconfig.renderer.json', './tsconfig.electron.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only (DESIGN.md §8).' },
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals: enums are not erasable syntax.' },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['eslint.config.js', '*.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },

  // --- Layer rules (DESIGN.md §3) ---
  layer(['agents/**/*.ts'], {
    paths: [
      { name: 'electron', message: 'agents/ is the headless engine: it never imports electron.' },
      { name: 'react', message: 'agents/ is the headless engine: it never imports react.' },
      { name: 'react-dom', message: 'agents/ is the headless engine: it never imports react-dom.' },
      {
        name: 'node:http',
        allowTypeImports: true,
        message: "Use nodeHttp from agents/pipeline/node-http.ts: an ES import of node:http loads Node's bundled undici (~50 ms of every start).",
      },
    ],
    patterns: [
      { regex: '(^|/)(main|preload|renderer|sandbox)/', message: 'agents/ must not import the app or the sandbox.' },
    ],
  }),
  layer(['agents/api/**/*.ts'], {
    patterns: [
      { regex: '^(?!zod$|\\./).*', message: 'agents/api is the pure public contract: it imports only zod and itself.' },
    ],
  }),
  layer(['sandbox/**/*.ts'], {
    paths: [{ name: 'electron', message: 'The sandbox cloud is a plain Node server.' }],
    patterns: [
      {
        regex: '(^|/)agents/(?!api/)|(^|/)(main|preload|renderer)/',
        message: 'The sandbox implements cloud-api.md from agents/api types only, never from agent internals.',
      },
    ],
  }),
  layer(['renderer/**/*.ts', 'renderer/**/*.tsx'], {
    paths: [{ name: 'electron', message: 'The renderer reaches the app only through the preload contract.' }],
    patterns: [
      { group: nodeBuiltins, message: 'The renderer runs in a browser sandbox: no Node modules.' },
      {
        regex: '(^|/)agents/(?!api/)|(^|/)(main|sandbox)/|(^|/)preload/(?!contract)',
        message: 'The renderer imports only agents/api and preload/contract.ts.',
      },
    ],
  }),
  layer(['main/**/*.ts'], {
    paths: [
      { name: 'react', message: 'main/ is composition only.' },
      {
        name: 'electron',
        importNames: ['ipcMain'],
        message: 'ipcMain is touched only in main/ipc/ (DESIGN.md §8).',
      },
    ],
    patterns: [
      {
        regex: '(^|/)agents/(?!api/)|(^|/)(renderer|sandbox)/',
        message: 'main/ hosts the agent as a process and talks to it through agents/api types only.',
      },
    ],
  }),
  layer(['main/ipc/**/*.ts'], {
    paths: [{ name: 'react', message: 'main/ is composition only.' }],
    patterns: [{ regex: '(^|/)agents/(?!api/)|(^|/)(renderer|sandbox)/', message: 'main/ipc uses agents/api types only.' }],
  }),
  layer(['preload/**/*.ts'], {
    patterns: [
      { regex: '(^|/)agents/(?!api/)|(^|/)(main|renderer|sandbox)/', message: 'preload exposes only its contract.' },
    ],
  }),
);
