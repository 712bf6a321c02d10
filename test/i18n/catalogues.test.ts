/**
 * The catalogues stay in step with English: the same messages, the same placeholders, the same Discord markdown
 * (code spans, bold, emoji), plural forms for each language's own plural categories, and texts that fit Discord's
 * limits. A translator who drops a `{{count}}` or translates an option's name in backticks is told here.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUES, LANGUAGES, type CatalogueTree, type Language } from '../../src/i18n/catalogues.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: CatalogueTree, prefix = ''): Map<string, string> {
	const entries = new Map<string, string>();
	for (const [key, value] of Object.entries(tree)) {
		const path = prefix === '' ? key : `${prefix}.${key}`;
		if (typeof value === 'string') entries.set(path, value);
		else for (const [inner, text] of flatten(value, path)) entries.set(inner, text);
	}
	return entries;
}

const base = (key: string): string => key.replace(PLURAL, '');
const placeholders = (text: string): string[] =>
	Array.from(text.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g), (match) => match[1]!.replace(/\s*,\s*/g, ', ')).sort();
const codeSpans = (text: string): string[] => Array.from(text.matchAll(/`[^`]+`/g), (match) => match[0]).sort();
const emoji = (text: string): string[] => Array.from(text.matchAll(/\p{Extended_Pictographic}/gu), (m) => m[0]).sort();
const bold = (text: string): number => text.split('**').length - 1;

const english = flatten(CATALOGUES.en);
/** English's text for a message: its `_other` form when it is plural. */
const englishFor = (key: string): string => english.get(key) ?? english.get(`${base(key)}_other`)!;

describe.each(LANGUAGES)('the %s catalogue', (language: Language) => {
	const messages = flatten(CATALOGUES[language]);
	const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;

	it('has every message English has, and no other', () => {
		const bases = (entries: Map<string, string>) => [...new Set([...entries.keys()].map(base))].sort();
		expect(bases(messages)).toEqual(bases(english));
	});

	it('gives each plural message exactly the plural forms of the language', () => {
		const plurals = [...new Set([...english.keys()].filter((key) => PLURAL.test(key)).map(base))];
		for (const key of plurals) {
			const forms = [...messages.keys()].filter((entry) => base(entry) === key && PLURAL.test(entry));
			expect(forms.map((form) => PLURAL.exec(form)![1]).sort(), key).toEqual([...categories].sort());
		}
	});

	it('keeps every placeholder, code span, emoji and bold of English', () => {
		for (const [key, text] of messages) {
			const source = englishFor(key);
			expect(placeholders(text), key).toEqual(placeholders(source));
			expect(codeSpans(text), key).toEqual(codeSpans(source));
			expect(emoji(text), key).toEqual(emoji(source));
			expect(bold(text), key).toBe(bold(source));
			expect(text.trim(), key).not.toBe('');
		}
	});

	it('fits Discord’s limits', () => {
		// Placeholders filled with the widest values they take in a command definition.
		const filled = (text: string) => text.replace(/\{\{[^}]+\}\}/g, '100000');
		const limits: Array<[RegExp, number]> = [
			[/^commands\./, 100],
			[/^options\./, 100],
			[/^choices\./, 100],
			[/^buttons\./, 80],
			[/^promptCheck\.(submit|edit)$/, 80],
			[/^remixModal\.(title|promptLabel)$/, 45],
			[/^remixModal\.promptDescription$/, 100],
		];
		for (const [key, text] of messages) {
			const limit = limits.find(([pattern]) => pattern.test(key))?.[1];
			if (limit !== undefined) expect(filled(text).length, `${key}: ${filled(text)}`).toBeLessThanOrEqual(limit);
		}
	});
});
