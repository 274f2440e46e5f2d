// `npm run lint`: typescript-eslint's type-checked recommended rules over every TypeScript file, and Prettier's
// check of the layout (.prettierrc.json). Both run in `npm test` and CI; no warning is tolerated.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.node-versions/**', '.services/**', '.temporal/**', '.tools/**', '.fuzz/**', 'coverage/**', 'test-results/**', 'data/**', 'bin/**', 'server/static/**', 'wasm/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An async function without await keeps an async contract (a store's, a codec's): a throw in it still rejects
      // the promise its callers await, as it must; made plain, it would throw before they could catch.
      '@typescript-eslint/require-await': 'off',
      // A variable that closures read before its one assignment (a handler registered first) stays `let`: as a const
      // it would throw in a handler called before the assignment.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks what a signature must take and the body does not need (a destructured field left out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and benchmarks read the JSON a server answered as `any` and state its shape with `expect` (which fails
    // with the difference): typing each answer first would restate every assertion.
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
