// ESLint flat config: typescript-eslint's type-aware rules for TypeScript (through the project
// service, so each file is checked with the tsconfig that includes it), the recommended rules for
// JavaScript. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'test/artifacts/', '.tmp/', 'node_modules/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // `_` marks a parameter a signature requires but the body does not use (verify's accessToken).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Type-only imports stay type-only in the emitted JavaScript.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // `async (accessToken, profile) => user` is the documented verify form, await or not.
      '@typescript-eslint/require-await': 'off',
      // A promise handed to a callback-style API (Node's server.close, Passport) is intended.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
    },
  },
  {
    // Tests assert on loosely typed HTTP bodies; `expect.any()` and friends are `any` by design.
    files: ['test/**/*.ts', 'test/**/*.mts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // JavaScript: config files, build and smoke scripts, the example's browser code. No types.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // The emulator's stand-in for Amazon's browser SDK: a classic script the emulator serves.
    files: ['lib/testing/browser-sdk.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['example/public/**/*.js'],
    // `amazon`: the Login with Amazon SDK's global (login-with-amazon-sdk.js).
    languageOptions: { globals: { ...globals.browser, amazon: 'readonly' } },
  },
);
