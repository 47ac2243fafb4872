// Lint rules that guard the architecture: workflows and domain stay deterministic and free of I/O
// (no Node built-ins, no Prisma, no Express), and promises are never left floating.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];
const forbidden = [
  ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({
    name,
    message: 'Workflows and domain code must be deterministic and free of I/O.',
  })),
  {
    name: '@prisma/client',
    message: 'Database access belongs in activities/ and services/.',
    allowTypeImports: false,
  },
  { name: 'express', message: 'HTTP belongs in api/.' },
  { name: 'pg', message: 'Database access belongs in activities/ and services/.' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.data/',
      'generated/',
      'coverage/',
      'bench/results/',
      '**/*.cjs',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-namespace': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbidden,
          patterns: [
            {
              group: ['**/lib/**', '**/services/**', '**/api/**'],
              message:
                'Workflows and domain import only domain/, workflows/ and type-only activity definitions.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No environment access in deterministic code.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
