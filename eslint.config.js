// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of `src/`, from the bottom up (README, "How it works"). A layer may import the layers below it, never
 * one above: each entry lists the folders and files its files must not import.
 */
const LAYERS = [
	{
		name: 'config, logger, metrics, timing, foreground, i18n',
		from: ['config.ts', 'logger.ts', 'logScrubber.ts', 'metrics.ts', 'timing.ts', 'foreground.ts', 'i18n'],
	},
	{ name: 'store', from: ['store'] },
	{ name: 'api', from: ['api'] },
	{ name: 'refusals', from: ['userError.ts'] },
	{ name: 'jobs', from: ['jobs'] },
	{ name: 'settings', from: ['settings'] },
	{ name: 'discord', from: ['discord'] },
	{ name: 'commands', from: ['commands'] },
	{ name: 'actions', from: ['actions'] },
	{ name: 'events', from: ['events'] },
	{ name: 'server', from: ['server'] },
	{ name: 'composition root', from: ['bot.ts', 'index.ts', 'register.ts'] },
];
/** Input handlers stand side by side: actions never import commands (commands sit below actions in the list). */
const SIDE_BY_SIDE = { actions: ['commands'] };

const src = (/** @type {string} */ path) => `./src/${path}`;
const layerZones = LAYERS.flatMap((layer, index) => {
	const above = LAYERS.slice(index + 1).flatMap((upper) => upper.from);
	const siblings = SIDE_BY_SIDE[/** @type {keyof typeof SIDE_BY_SIDE} */ (layer.name)] ?? [];
	if (above.length + siblings.length === 0) return [];
	return layer.from.map((path) => ({
		target: src(path),
		from: [...above, ...siblings].map(src),
		message: `${layer.name} must not import from a layer above it (README, "How it works").`,
	}));
});

export default tseslint.config(
	{ ignores: ['dist/', 'coverage/', 'node_modules/', 'data/', 'bench-results/'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		plugins: { 'import-x': importX },
		settings: {
			// Imports name `.js`, files are `.ts`: the TypeScript resolver maps them, and the TypeScript parser reads them
			// (without it, `no-cycle` could not follow an import into a `.ts` file and would see no cycle).
			'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
			'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
			'import-x/extensions': ['.ts', '.js'],
		},
		languageOptions: { globals: { ...globals.node } },
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			eqeqeq: ['error', 'always', { null: 'ignore' }],
			'no-console': 'error',
			'import-x/no-cycle': 'error',
			'import-x/no-self-import': 'error',
			'import-x/order': [
				'error',
				{
					groups: ['builtin', 'external', ['parent', 'sibling', 'index']],
					'newlines-between': 'never',
					alphabetize: { order: 'asc', caseInsensitive: true },
				},
			],
		},
	},
	{
		files: ['src/**'],
		rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
	},
	{
		files: ['test/**', 'bench/**', 'scripts/**', 'fakes/**', 'playground/**'],
		rules: { 'no-console': 'off' },
	},
	{
		// The playground's page: plain browser modules, no build step.
		files: ['playground/web/**/*.js'],
		languageOptions: { globals: { ...globals.browser } },
	},
);
