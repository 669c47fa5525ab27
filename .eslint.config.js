// ESLint flat config. It is a dotfile because the design card fixes the top
// level of the repository; `npm run lint` passes it with -c.
//
// `npm run lint` keeps a cache in dist/.eslintcache: a file is linted again
// when its text or this config changes. The type-aware rules can also change
// their verdict on a file when a file it imports changes its types, which the
// cache does not see; CI lints from a clean clone, and `rm -rf dist` (or
// `npx eslint -c .eslint.config.js src test`) lints everything again here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:child_process', message: 'No shell, no subprocesses in the program (tests may spawn).' },
            { name: 'child_process', message: 'No shell, no subprocesses in the program (tests may spawn).' },
          ],
        },
      ],
    },
  },
  {
    // Functions are split by concern before they pass a screen (STYLE.md); files likewise before 400 lines.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80 }],
      'max-lines': ['error', { max: 400 }],
    },
  },
  {
    files: ['test/**/*.ts', 'src/simulate/demo.ts', 'src/build/**/*.ts', 'src/bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // node:test's describe() and it() return promises the runner tracks itself.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    // The launcher: CommonJS JavaScript with JSDoc types, type-checked by
    // `npm run typecheck` (src/build/typecheck.ts), since it is in no
    // TypeScript project the type-aware rules could use. The only code that
    // touches `process`; no shell and no subprocess here either.
    files: ['bin/telegraf-homenet'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      // require() is how CommonJS loads Node's modules, lazily where the start-up counts.
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-modules': ['error', 'child_process', 'node:child_process'],
    },
  },
  {
    // This file: plain ES module JavaScript, in no TypeScript project either.
    files: ['.eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
