/**
 * Which language the bot speaks to whom: a reply to an interaction speaks the member's Discord language; a message in
 * a channel speaks the server's (its `language` setting, else its preferred locale).
 */
import { channelLanguage, replyLanguage, translatorFor, type Language, type Translate } from '../i18n/index.js';
import type { ServerSettings } from '../settings/types.js';

/** What an interaction tells about languages (discord.js `Interaction`). */
export interface InteractionLocales {
	readonly locale: string;
	readonly guildLocale?: string | null;
}

export function memberLanguage(interaction: InteractionLocales, server?: Pick<ServerSettings, 'language'>): Language {
	return replyLanguage(interaction.locale, {
		serverLanguage: server?.language,
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
