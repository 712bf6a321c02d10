import type { ClientEvents } from 'discord.js';
import type { ResultActions } from '../actions/index.js';
import type { CommandContext, Command } from '../commands/types.js';

export interface EventContext extends CommandContext {
	commands: ReadonlyMap<string, Command>;
	/** Buttons, modals and reactions on results. */
	actions: ResultActions;
}

/** One gateway event handler, typed by the event's name. */
export interface Event<Name extends keyof ClientEvents = keyof ClientEvents> {
	name: Name;
	once?: boolean;
	execute(context: EventContext, ...args: ClientEvents[Name]): Promise<void>;
}
