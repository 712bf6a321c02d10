/**
 * Which language the bot speaks to whom: a reply to an interaction speaks the member's Discord language; a message in
 * a channel speaks the server's (its `language` setting, else its preferred locale).
 */
import {
	channelLanguage,
	languageOf,
	replyLanguage,
	translatorFor,
	type Language,
	type Translate,
} from '../i18n/index.js';
import type { ServerSettings } from '../settings/types.js';

/** What an interaction tells about languages (discord.js `Interaction`). */
export interface InteractionLocales {
	readonly locale: string;
	readonly guildLocale?: string | null;
}

/**
 * The server's `language` setting, noted on an interaction whose member's locale has no catalogue (see
 * `noteServerLanguage`): their replies fall back to it, as the channel's messages do.
 */
const notedServerLanguages = new WeakMap<InteractionLocales, Language>();

/** Notes the server's `language` setting for the rest of this interaction's replies. */
export function noteServerLanguage(interaction: InteractionLocales, language: Language | undefined): void {
	if (language) notedServerLanguages.set(interaction, language);
}

/** Whether the member's locale has no catalogue, so that their replies depend on the server's language. */
export function needsServerLanguage(interaction: InteractionLocales): boolean {
	return languageOf(interaction.locale) === undefined;
}

export function memberLanguage(interaction: InteractionLocales, server?: Pick<ServerSettings, 'language'>): Language {
	return replyLanguage(interaction.locale, {
		serverLanguage: server?.language ?? notedServerLanguages.get(interaction),
		guildLocale: interaction.guildLocale ?? null,
	});
}

export function memberTranslator(interaction: InteractionLocales): Translate {
	return translatorFor(memberLanguage(interaction));
}

/** The language of messages posted in the interaction's channel (a job's working message and result). */
export function serverLanguage(interaction: InteractionLocales, server: Pick<ServerSettings, 'language'>): Language {
	return channelLanguage({ serverLanguage: server.language, guildLocale: interaction.guildLocale ?? null });
}
