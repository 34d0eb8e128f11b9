// ESLint flat config: typescript-eslint with type information, plus Temporal's workflow sandbox rules.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'lib/',
      'node_modules/',
      '.temporal/',
      'artifacts/',
      'test/histories/',
      // Compiled by package-consumer.test.ts against the built package, outside this project.
      'test/fixtures/consumer/**/*.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises that the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'object-shorthand': 'error',
      // Activities are async by contract even when a particular one has nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // and activities only as types.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code.' })),
            { name: 'node-fetch', message: 'Workflows do no I/O; call an activity.' },
            { name: '@temporalio/activity', message: 'Workflows cannot use the activity API.' },
            { name: '@temporalio/worker', message: 'Workflows cannot use the worker API.' },
            { name: '@temporalio/client', message: 'Workflows cannot use the client API.' },
            { name: 'zod', message: 'Shape checks in workflows are plain functions of the pure core (src/domain).' },
          ],
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'Import activities as types only and call them through proxyActivities.',
            },
            {
              group: ['**/swedbank/*', '**/client/*', '**/callbacks/*', '**/emulator/*', '**/config/*', '**/cli/*'],
              message: 'Workflows depend on the contract and the pure core only (no HTTP client, zod or I/O).',
            },
          ],
        },
      ],
    },
  },
  {
    // The wire contract depends on nothing of this package: clients in any role import it.
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!./*'], message: 'The contract imports nothing of this package.' }] },
      ],
    },
  },
  {
    // The pure core: no I/O, no Temporal, nothing of this package but the contract's names and types.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../contract', '!../contract/*'],
              message: 'The core imports only itself and the contract.',
            },
            { group: ['@temporalio/*', 'node:*', 'zod', 'node-fetch'], message: 'The core is pure TypeScript.' },
          ],
        },
      ],
    },
  },
  {
    // Activities run in the worker; they never depend on workflow code.
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/workflows/*', '**/workflows'], message: 'Activities do not import workflow code.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    // Plain JavaScript here runs on Node (the CLI launcher): its globals exist.
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
