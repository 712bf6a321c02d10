import { Events, type Guild } from 'discord.js';
import type { Event } from './types.js';

/**
 * The bot left (or was removed from) a server: its settings, usage, spending and key go with it. discord.js emits this only for a
 * real leave; an outage (`unavailable: true`) is `guildUnavailable` instead.
 */
export default {
	name: Events.GuildDelete,
	async execute(context, guild: Guild) {
		await context.settings.removeGuild(guild.id);
		await context.keys?.forget(guild.id);
	},
} satisfies Event<Events.GuildDelete>;
