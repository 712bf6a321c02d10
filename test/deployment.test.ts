/**
 * What the container, Compose and `engines` promise, checked against each other and the README, so they do not
 * drift apart (Docker itself cannot run where the tests run).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;

/** Node majors with long-term support today (Node 20's ended in April 2026). */
const SUPPORTED_LTS = [22, 24];

/** Whether `engines` (alternatives of `^major.minor.patch` and `>=major`) accepts Node `major.minor`. */
function accepts(major: number, minor: number): boolean {
	return engines.split('||').some((alternative) => {
		const caret = /^\s*\^(\d+)\.(\d+)\.\d+\s*$/.exec(alternative);
		if (caret) return major === Number(caret[1]) && minor >= Number(caret[2]);
		const atLeast = /^\s*>=\s*(\d+)\s*$/.exec(alternative);
		if (atLeast) return major >= Number(atLeast[1]);
		throw new Error(`engines: "${alternative}" is not a form this test reads`);
	});
}

describe('deployment files', () => {
	it('the Dockerfile builds and runs on one supported Node LTS release, one `engines` accepts', () => {
		const majors = [...read('Dockerfile').matchAll(/^FROM\s+node:(\d+)-\S+/gm)].map((match) => Number(match[1]));
		expect(majors).toHaveLength(2);
		expect(new Set(majors).size).toBe(1);
		expect(SUPPORTED_LTS).toContain(majors[0]);
		// Any minor of an LTS release: the image follows its latest.
		expect(accepts(majors[0] ?? 0, 99)).toBe(true);
	});

	it('the Node running these tests is one `engines` accepts, and the README states them', () => {
		const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
		expect(accepts(major, minor)).toBe(true);
		expect(read('README.md')).toContain(`Node.js \`${engines}\``);
	});

	it('Compose starts the bot without .env (its config check speaks) and publishes its HTTP port', () => {
		const compose = read('compose.yaml');
		expect(compose).toMatch(/env_file:\n\s+- path: \.env\n\s+required: false\n/);
		const exposed = /^EXPOSE\s+(\d+)/m.exec(read('Dockerfile'))?.[1];
		expect(exposed).toBe('3000');
		expect(compose).toMatch(new RegExp(`ports:\\n\\s+- '127\\.0\\.0\\.1:\\d+:${exposed}'`));
		expect(compose).toContain(`PORT: '${exposed}'`);
	});
});
