/**
 * Tells a server's admins that the provider refused the server's own key: in the server's system channel (where
 * Discord posts its own notices to admins), else by DM to the owner. Written in the server's language.
 */
import { Routes, type APIGuild, type REST } from 'discord.js';
import { channelLanguage, t } from '../i18n/index.js';
import type { ServerKeyInfo } from '../settings/keyVault.js';
import { NO_PINGS } from './respond.js';
import { discordTimestamp } from './timestamp.js';

export async function tellAdminsKeyRefused(rest: REST, guildId: string, key: ServerKeyInfo): Promise<void> {
	const guild = (await rest.get(Routes.guild(guildId))) as APIGuild;
	const language = channelLanguage({ guildLocale: guild.preferred_locale });
	const content = t(language, 'serverKey.refusedNotice', {
		server: guild.name,
		last4: key.last4,
		setAt: discordTimestamp(key.setAt),
		setBy: `<@${key.setBy}>`,
	});
	const body = { content, allowed_mentions: NO_PINGS };
	if (guild.system_channel_id) {
		try {
			await rest.post(Routes.channelMessages(guild.system_channel_id), { body });
			return;
		} catch {
			// No right to post there: the owner is told instead.
		}
	}
	const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: guild.owner_id } })) as {
		id: string;
	};
	await rest.post(Routes.channelMessages(channel.id), { body });
}
