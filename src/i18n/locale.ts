/**
 * Which language a message is written in, as pure functions of what Discord tells the bot: a reply to an interaction
 * speaks the member's language; a message posted in a channel (a result, a queue state, a fallback) is read by
 * everyone there, so it speaks the server's.
 */
import { DEFAULT_LANGUAGE, isLanguage, type Language } from './catalogues.js';

/** Discord's locales (`interaction.locale`, `guild.preferredLocale`) that have a catalogue. */
const DISCORD_LOCALES: Readonly<Record<string, Language>> = {
	'en-US': 'en',
	'en-GB': 'en',
	de: 'de',
	'es-ES': 'es',
	'es-419': 'es',
	fr: 'fr',
	ja: 'ja',
	'pt-BR': 'pt-BR',
};

/** The catalogue for a Discord locale, or undefined when the bot does not speak it. */
export function languageOf(discordLocale: string | null | undefined): Language | undefined {
	if (discordLocale == null) return undefined;
	return DISCORD_LOCALES[discordLocale] ?? (isLanguage(discordLocale) ? discordLocale : undefined);
}

export interface ServerLanguageFacts {
	/** The server's `language` setting, when its admins chose one. */
	readonly serverLanguage?: Language | undefined;
	/** `guild.preferredLocale`: the Community server's language, `en-US` for most others. */
	readonly guildLocale?: string | null | undefined;
}

/** A message in a channel: the server's `language` setting, else the server's preferred locale, else English. */
export function channelLanguage(facts: ServerLanguageFacts): Language {
	return facts.serverLanguage ?? languageOf(facts.guildLocale) ?? DEFAULT_LANGUAGE;
}

/**
 * A reply to an interaction: the member's own locale. A member whose locale has no catalogue reads what the channel
 * reads rather than English, since the server's language is the one they share with it.
 */
export function replyLanguage(memberLocale: string | null | undefined, server: ServerLanguageFacts = {}): Language {
	return languageOf(memberLocale) ?? channelLanguage(server);
}
