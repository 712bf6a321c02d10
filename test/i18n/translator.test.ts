import { describe, expect, it } from 'vitest';
import { formatDate, formatList, formatNumber, t, translatorFor } from '../../src/i18n/index.js';
import { lookup } from '../../src/i18n/translator.js';

describe('t', () => {
	it('fills placeholders without HTML-escaping them', () => {
		expect(t('en', 'refusals.role', { role: '<@&123>' })).toContain('with the <@&123> role');
		expect(t('en', 'errors.nothingSubmitted', { reason: 'a & b "c" <d>' })).toBe(
			'Nothing was submitted. a & b "c" <d>',
		);
	});

	it('picks the plural form for the count, in each language', () => {
		expect(t('en', 'provider.timedOut', { count: 1 })).toBe('Midjourney did not finish the job within 1 minute.');
		expect(t('en', 'provider.timedOut', { count: 30 })).toBe('Midjourney did not finish the job within 30 minutes.');
		expect(t('de', 'provider.timedOut', { count: 1 })).toContain('1 Minute');
		expect(t('de', 'provider.timedOut', { count: 30 })).toContain('30 Minuten');
		expect(t('ja', 'provider.timedOut', { count: 30 })).toContain('30');
	});

	it('formats marked numbers for the language', () => {
		expect(t('en', 'serverSettings.credits', { credits: 12345 })).toContain('12,345');
		expect(t('de', 'serverSettings.credits', { credits: 12345 })).toContain('12.345');
		expect(t('fr', 'serverSettings.credits', { credits: 12345 })).toMatch(/12\s345/u);
		expect(t('pt-BR', 'serverSettings.credits', { credits: 12345 })).toContain('12.345');
	});

	it('keeps a variable named like an i18next option a variable', () => {
		expect(t('en', 'result.jobLine', { jobId: 'j1', lng: 'de', ns: 'x' })).toBe('-# Job `j1`');
	});

	it('binds a language with translatorFor', () => {
		expect(translatorFor('fr')('buttons.tryAgain')).toBe(t('fr', 'buttons.tryAgain'));
		expect(translatorFor('de')('buttons.tryAgain')).not.toBe(t('en', 'buttons.tryAgain'));
	});
});

describe('Intl formatting', () => {
	it.each([
		['en', 1234567.5, '1,234,567.5'],
		['de', 1234567.5, '1.234.567,5'],
		['es', 1234567.5, '1.234.567,5'],
		['ja', 1234567.5, '1,234,567.5'],
		['pt-BR', 1234567.5, '1.234.567,5'],
	] as const)('%s writes %d as %s', (language, value, written) => {
		expect(formatNumber(language, value)).toBe(written);
	});

	it('writes lists and dates in the language', () => {
		expect(formatList('en', ['a', 'b', 'c'])).toBe('a, b, and c');
		expect(formatList('de', ['a', 'b', 'c'])).toBe('a, b und c');
		expect(formatList('ja', ['a', 'b'])).toBe('a、b');
		const at = Date.UTC(2026, 11, 2, 15, 4);
		expect(formatDate('en', at)).toBe('Dec 2, 2026, 3:04 PM');
		expect(formatDate('de', at)).toBe('02.12.2026, 15:04');
	});
});

describe('lookup', () => {
	it('finds messages at keys built at run time, and nothing at a group or a missing key', () => {
		expect(lookup('de', 'options.hd')).toBe('Ein HD-Video generieren (kostet mehr)');
		expect(lookup('de', 'commands.settings')).toBeUndefined();
		expect(lookup('de', 'options.nope')).toBeUndefined();
	});
});
