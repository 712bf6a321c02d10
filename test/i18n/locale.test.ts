import { describe, expect, it } from 'vitest';
import { channelLanguage, languageOf, replyLanguage } from '../../src/i18n/index.js';

describe('languageOf', () => {
	it.each([
		['en-US', 'en'],
		['en-GB', 'en'],
		['de', 'de'],
		['es-ES', 'es'],
		['es-419', 'es'],
		['fr', 'fr'],
		['ja', 'ja'],
		['pt-BR', 'pt-BR'],
		['ko', undefined],
		['zh-CN', undefined],
		[null, undefined],
		[undefined, undefined],
	])('%s → %s', (locale, language) => {
		expect(languageOf(locale)).toBe(language);
	});
});

describe('replyLanguage: a reply speaks the member’s language', () => {
	it.each([
		['de', {}, 'de'],
		['de', { serverLanguage: 'ja' }, 'de'],
		['es-419', { guildLocale: 'fr' }, 'es'],
		['ko', { serverLanguage: 'ja', guildLocale: 'fr' }, 'ja'],
		['ko', { guildLocale: 'fr' }, 'fr'],
		['ko', {}, 'en'],
		[undefined, {}, 'en'],
	] as const)('member %s in %j → %s', (member, server, language) => {
		expect(replyLanguage(member, server)).toBe(language);
	});
});

describe('channelLanguage: a channel message speaks the server’s', () => {
	it.each([
		[{ serverLanguage: 'ja', guildLocale: 'de' }, 'ja'],
		[{ guildLocale: 'de' }, 'de'],
		[{ guildLocale: 'pt-BR' }, 'pt-BR'],
		[{ guildLocale: 'ko' }, 'en'],
		[{ guildLocale: null }, 'en'],
		[{}, 'en'],
	] as const)('%j → %s', (facts, language) => {
		expect(channelLanguage(facts)).toBe(language);
	});
});
