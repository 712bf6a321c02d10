// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['dist/', 'coverage/', 'node_modules/', 'data/', 'bench-results/'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: { globals: { ...globals.node } },
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			eqeqeq: ['error', 'always', { null: 'ignore' }],
			'no-console': 'error',
		},
	},
	{
		files: ['test/**', 'bench/**', 'scripts/**'],
		rules: { 'no-console': 'off' },
	},
	{
		// The playground's page: plain browser modules, no build step.
		files: ['playground/web/**/*.js'],
		languageOptions: { globals: { ...globals.browser } },
	},
);
