/**
 * The layers of `src/` are enforced by `npm run lint`; these cases show that the rules really bite, on code that is
 * linted as if it lived in the repository (nothing is written to disk).
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function lint(filePath: string, code: string): Promise<string[]> {
	const eslint = new ESLint({ cwd: ROOT });
	const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
	return (result?.messages ?? []).map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
}

// The first lint loads the TypeScript project for the resolver: seconds, more on a busy machine.
describe('layers', { timeout: 60_000 }, () => {
	it('refuses an import from a layer above', async () => {
		const problems = await lint(
			'src/jobs/probe.ts',
			"import { startBot } from '../bot.js';\nexport const probe = startBot;\n",
		);
		expect(problems).toEqual([
			expect.stringMatching(/^import-x\/no-restricted-paths: .*jobs must not import from a layer above it/),
		]);
	});

	it('refuses discord/ importing the actions that sit above it', async () => {
		const problems = await lint(
			'src/discord/probe.ts',
			"import { handleActionReaction } from '../actions/reactions.js';\nexport const probe = handleActionReaction;\n",
		);
		expect(problems.some((problem) => problem.startsWith('import-x/no-restricted-paths'))).toBe(true);
	});

	it('refuses actions importing commands, its sibling', async () => {
		const problems = await lint(
			'src/actions/probe.ts',
			"import { commandMap } from '../commands/index.js';\nexport const probe = commandMap;\n",
		);
		expect(problems.some((problem) => problem.startsWith('import-x/no-restricted-paths'))).toBe(true);
	});

	it('keeps i18n at the bottom, importable by every layer', async () => {
		const upward = await lint(
			'src/i18n/probe.ts',
			"import { newJobId } from '../jobs/ids.js';\nexport const probe = newJobId;\n",
		);
		expect(upward.some((problem) => problem.startsWith('import-x/no-restricted-paths'))).toBe(true);
		const downward = await lint(
			'src/jobs/probe.ts',
			"import { t } from '../i18n/index.js';\nexport const probe = t;\n",
		);
		expect(downward).toEqual([]);
	});

	it('allows an import from a layer below', async () => {
		const problems = await lint(
			'src/discord/probe.ts',
			"import { newJobId } from '../jobs/ids.js';\nexport const probe = newJobId;\n",
		);
		expect(problems).toEqual([]);
	});
});
