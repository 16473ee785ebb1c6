import tseslint from 'typescript-eslint';
import strataRules from './tools/eslint/layering.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-output/'] },
  ...tseslint.configs.recommended,
  {
    plugins: { strata: strataRules },
    rules: {
      'strata/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
