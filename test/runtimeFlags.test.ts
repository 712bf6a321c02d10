import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The `--` flags before the script, in a command given as words. */
function nodeFlags(words: readonly string[]): string[] {
	const node = words.indexOf('node');
	const script = words.indexOf('dist/index.js');
	return words.slice(node + 1, script).filter((word) => word.startsWith('--'));
}

// The memory figure of `npm run bench` reads the Dockerfile's flags; `npm start` must run the bot the same way.
describe('runtime flags', () => {
	it('are the same for `npm start` and the container', () => {
		const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
		const command = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
		expect(command).toBeDefined();
		const container = nodeFlags(JSON.parse(command ?? '[]') as string[]);
		const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
			scripts: Record<string, string>;
		};
		const start = packageJson.scripts['start'] ?? '';
		const npmStart = nodeFlags(start.slice(start.lastIndexOf('node ')).split(/\s+/));
		expect(container.length).toBeGreaterThan(0);
		expect(npmStart).toEqual(container);
	});
});
