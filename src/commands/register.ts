import { createHash } from 'node:crypto';
import { Routes, type REST } from 'discord.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { COMMANDS } from './index.js';

export interface RegisterOptions {
	rest: REST;
	applicationId: string;
	/** Register to one guild (instant) instead of globally. */
	guildId: string | undefined;
	store: Store;
	logger: Logger;
	/** Register even when the stored hash says nothing changed. */
	force?: boolean;
}

export function commandDefinitions() {
	return COMMANDS.map((command) => command.data.toJSON());
}

/** Registers the slash commands when their definitions changed since the last registration to the same scope. */
export async function registerCommands(options: RegisterOptions): Promise<'registered' | 'unchanged'> {
	const { rest, applicationId, guildId, store, logger } = options;
	const definitions = commandDefinitions();
	const scope = guildId ? `guild:${guildId}` : 'global';
	const hash = createHash('sha256').update(JSON.stringify(definitions)).digest('hex');
	const meta = store.collection<string>('meta');
	const key = `commands-hash:${applicationId}:${scope}`;
	if (!options.force && (await meta.get(key)) === hash) {
		logger.debug({ scope }, 'Slash commands unchanged; not registering');
		return 'unchanged';
	}
	const route = guildId
		? Routes.applicationGuildCommands(applicationId, guildId)
		: Routes.applicationCommands(applicationId);
	await rest.put(route, { body: definitions });
	await meta.set(key, hash);
	logger.info({ scope, count: definitions.length }, 'Slash commands registered');
	return 'registered';
}
