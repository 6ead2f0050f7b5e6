// `npm run lint`: typescript-eslint's recommended rules over src/, test/, bench/ and scripts/.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', globalThis: 'readonly', performance: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', NodeJS: 'readonly'},
    },
    rules: {
      // felixctl matches control characters on purpose: escaping input before it reaches a
      // terminal (src/render/escape.ts), and the go-ini / oslo.config readers' byte rules.
      'no-control-regex': 'off',
      // An empty catch is how this code says "best effort" (clean-up, optional probes); each has a comment or is obvious.
      'no-empty': ['error', {allowEmptyCatch: true}],
      // A leading underscore marks a binding kept for its position (destructuring, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_'}],
    },
  },
  {
    // bin/run.js is CommonJS (bin/package.json).
    files: ['bin/**/*.js'],
    languageOptions: {sourceType: 'commonjs', globals: {require: 'readonly', __dirname: 'readonly', module: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // Tests read the JSON documents of many commands: typing each shape would repeat docs/json-output.md.
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off'},
  },
)
