import type { Client, ClientEvents } from 'discord.js';
import clientReady from './clientReady.js';
import guildDelete from './guildDelete.js';
import interactionCreate from './interactionCreate.js';
import messageReactionAdd from './messageReactionAdd.js';
import type { Event, EventContext } from './types.js';

export const EVENTS = [clientReady, interactionCreate, messageReactionAdd, guildDelete] as const;

/** Attaches every event; a throwing handler is logged, never allowed to crash the process. */
export function registerEvents(client: Client, context: EventContext): void {
	for (const event of EVENTS as readonly Event[]) {
		const listener = (...args: ClientEvents[keyof ClientEvents]) => {
			void (async () => {
				try {
					await event.execute(context, ...args);
				} catch (error) {
					context.logger.error({ err: error, event: event.name }, 'Event handler failed');
				}
			})();
		};
		if (event.once) client.once(event.name, listener);
		else client.on(event.name, listener);
	}
}
