import { Events, type Client } from 'discord.js';
import type { Event } from './types.js';

export default {
	name: Events.ClientReady,
	once: true,
	async execute(context, client: Client<true>) {
		context.logger.info({ userId: client.user.id, guilds: client.guilds.cache.size }, 'Connected to Discord');
	},
} satisfies Event<Events.ClientReady>;
