import { describe, expect, it } from 'vitest';
import { jumpLink, quotePrompt } from '../../src/actions/text.js';

describe('quotePrompt', () => {
	it('quotes every line of a short prompt as it is', () => {
		expect(quotePrompt('a lighthouse\nat dawn', 100)).toBe('> a lighthouse\n> at dawn');
	});

	it('cuts a long prompt to fit, markers included, and never inside an emoji', () => {
		const quoted = quotePrompt('🎨'.repeat(50), 21);
		expect(quoted.length).toBeLessThanOrEqual(21);
		expect(quoted).toMatch(/^> (🎨)+…$/u);
		const lines = quotePrompt('x\n'.repeat(1000), 1500);
		expect(lines.length).toBeLessThanOrEqual(1500);
		expect(lines.endsWith('…')).toBe(true);
	});
});

describe('jumpLink', () => {
	it('links a guild message, or a DM with @me', () => {
		expect(jumpLink('1', '2', '3')).toBe('https://discord.com/channels/1/2/3');
		expect(jumpLink(null, '2', '3')).toBe('https://discord.com/channels/@me/2/3');
	});
});
