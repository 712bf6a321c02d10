/** Numbers, dates and lists written the way each language writes them (Discord's `<t:…>` stamps already are). */
import type { Language } from './catalogues.js';

export function formatNumber(language: Language, value: number): string {
	return new Intl.NumberFormat(language).format(value);
}

/** A calendar date and time in UTC, for the places a `<t:…>` stamp cannot go (an embed's footer, a modal). */
export function formatDate(language: Language, at: Date | number): string {
	return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at);
}

/** `a, b and c`, with the language's own conjunction and separators. */
export function formatList(language: Language, items: readonly string[]): string {
	return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(items);
}
