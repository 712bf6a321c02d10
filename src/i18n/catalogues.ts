/**
 * The message catalogues, one data file per language under `locales/`, keys grouped by screen. English is the
 * reference: its keys type every lookup, and the other catalogues must have exactly the same keys and placeholders
 * (tested). Imported as JSON so the build ships them with the code.
 */
import de from './locales/de.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import es from './locales/es.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import ptBR from './locales/pt-BR.json' with { type: 'json' };

/** The languages the bot speaks, as BCP 47 tags (also what `Intl` formats with). */
export const LANGUAGES = ['en', 'de', 'es', 'fr', 'ja', 'pt-BR'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language by its own name, as an admin choosing one looks for it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
	en: 'English',
	de: 'Deutsch',
	es: 'Español',
	fr: 'Français',
	ja: '日本語',
	'pt-BR': 'Português (Brasil)',
};

export type Catalogue = typeof en;

/** A nested catalogue, as the other languages are checked against English. */
export interface CatalogueTree {
	readonly [key: string]: string | CatalogueTree;
}

export const CATALOGUES: Readonly<Record<Language, CatalogueTree>> = { en, de, es, fr, ja, 'pt-BR': ptBR };

export function isLanguage(value: unknown): value is Language {
	return (LANGUAGES as readonly unknown[]).includes(value);
}

type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type Paths<T> = {
	[K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}`;
}[keyof T & string];
type WithoutPlural<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;

/** Every message's key, as `screen.name`; a plural message is named without its `_one`/`_other` suffix. */
export type MessageKey = WithoutPlural<Paths<Catalogue>>;
