/**
 * Looks messages up in the catalogues through one i18next instance, initialised synchronously at import (the
 * catalogues are bundled, nothing is loaded at run time). A missing message falls back to English.
 */
import i18next from 'i18next';
import { CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES, type Language, type MessageKey } from './catalogues.js';

/** The variable parts of a message; `count` also picks the plural form. */
export type MessageVars = Readonly<Record<string, string | number>>;

const instance = i18next.createInstance();
void instance.init({
	resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: CATALOGUES[language] }])),
	lng: DEFAULT_LANGUAGE,
	fallbackLng: DEFAULT_LANGUAGE,
	supportedLngs: [...LANGUAGES],
	initAsync: false,
	nsSeparator: false,
	returnNull: false,
	returnEmptyString: false,
	// Messages go to Discord, not to HTML: callers escape Discord markdown where they quote members' or the
	// provider's text, and HTML entities would show literally.
	interpolation: { escapeValue: false },
});

/**
 * Messages already written, by language, key and variables. The catalogues never change while the bot runs, and a
 * lookup through i18next (key resolution, fallbacks, plurals, interpolation) costs tens of microseconds: a result or
 * a queue reply is a few dozen of them, the same labels every time. Bounded: emptied when full.
 */
const written = new Map<string, string>();
const MAX_WRITTEN = 5_000;

/** The message `key` in `language`, with `vars` filled in (numbers formatted for the language where marked). */
export function t(language: Language, key: MessageKey, vars: MessageVars = {}): string {
	const id = `${language}\u0000${key}\u0000${JSON.stringify(vars)}`;
	let message = written.get(id);
	if (message === undefined) {
		// Variables go through `replace`, so a variable named like an i18next option (`lng`, `ns`…) stays a variable.
		message = instance.t(key, {
			lng: language,
			replace: vars,
			...(typeof vars.count === 'number' ? { count: vars.count } : {}),
		});
		if (written.size >= MAX_WRITTEN) written.clear();
		written.set(id, message);
	}
	return message;
}

export type Translate = (key: MessageKey, vars?: MessageVars) => string;

/** `t` bound to one language: what a reply or a channel message is written with. */
export function translatorFor(language: Language): Translate {
	return (key, vars) => t(language, key, vars);
}

/** The message at a key built at run time (a command's option, a choice), or undefined when there is none. */
export function lookup(language: Language, key: string, vars: MessageVars = {}): string | undefined {
	if (!instance.exists(key, { lng: language, fallbackLng: false })) return undefined;
	// A key naming a group of messages (`commands.settings`) is not a message.
	if (typeof instance.getResource(language, 'translation', key) === 'object') return undefined;
	return instance.t(key, { lng: language, replace: vars });
}
