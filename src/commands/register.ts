import { DiscordAPIError, RESTJSONErrorCodes, Routes, type REST } from 'discord.js';
import { localizeCommand } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { commandDiff, isSame } from './commandDiff.js';
import { COMMANDS } from './index.js';
import { JOBS_DEFAULT_COUNT } from './jobs.js';

export interface RegisterOptions {
	rest: REST;
	applicationId: string;
	/** Register to one guild (instant) instead of globally. */
	guildId: string | undefined;
	store: Store;
	logger: Logger;
	/** Register even when Discord already has the commands as defined. */
	force?: boolean;
}

/**
 * The definitions as registered: descriptions and choices in every language the bot speaks (names stay English). A
 * changed translation is a changed definition, so it is registered again at the next start.
 */
export function commandDefinitions() {
	return COMMANDS.map((command) => localizeCommand(command.data.toJSON(), LOCALIZATION_VARS));
}

/** Placeholders in command descriptions that the definitions fill in. */
const LOCALIZATION_VARS = { 'commands.jobs.options.count': { default: JOBS_DEFAULT_COUNT } };

/**
 * Makes the commands Discord has in the scope in use (DEV_GUILD_ID's server, or global) the ones the bot defines,
 * judged from what Discord answers, so commands deleted by hand, or changed by another version of the bot, come back
 * at the next start. Then empties the scopes no longer in use: a command both global and in a server is listed twice
 * there.
 */
export async function registerCommands(options: RegisterOptions): Promise<'registered' | 'unchanged'> {
	const { rest, applicationId, guildId, store, logger } = options;
	const definitions = commandDefinitions();
	const scope = scopeName(guildId);
	const guilds = new RegisteredGuilds(store, applicationId);
	// Remembered before the request: its answer may be lost after Discord acted on it.
	if (guildId !== undefined) await guilds.add(guildId);
	const route = commandsRoute(applicationId, guildId);
	const registered = await listCommands(rest, route);
	const diff = commandDiff(definitions, registered);
	let outcome: 'registered' | 'unchanged' = 'unchanged';
	if (options.force || !isSame(diff)) {
		await rest.put(route, { body: definitions });
		// What was wrong, unless nothing was there (a first start).
		logger.info(
			{ scope, count: definitions.length, ...(registered.length > 0 ? diff : {}) },
			'Slash commands registered',
		);
		outcome = 'registered';
	} else {
		logger.debug({ scope }, 'Slash commands already registered as defined');
	}
	await emptyUnusedScopes({ ...options, guilds });
	return outcome;
}

/** The scopes the bot no longer registers to: global when a server is in use, and every other server it used. */
async function emptyUnusedScopes(options: RegisterOptions & { guilds: RegisteredGuilds }): Promise<void> {
	const { rest, applicationId, guildId, logger, guilds } = options;
	if (guildId !== undefined) {
		try {
			const route = commandsRoute(applicationId, undefined);
			const global = await listCommands(rest, route);
			if (global.length > 0) {
				await rest.put(route, { body: [] });
				logger.info({ scope: 'global', count: global.length }, 'Slash commands removed from a scope no longer used');
			}
		} catch (error) {
			logger.warn({ err: error, scope: 'global' }, 'Could not remove slash commands from a scope no longer used');
		}
	}
	for (const other of await guilds.list()) {
		if (other === guildId) continue;
		const scope = scopeName(other);
		try {
			await rest.put(commandsRoute(applicationId, other), { body: [] });
			logger.info({ scope }, 'Slash commands removed from a scope no longer used');
		} catch (error) {
			if (!isGone(error)) {
				// Tried again at the next start.
				logger.warn({ err: error, scope }, 'Could not remove slash commands from a scope no longer used');
				continue;
			}
			// The bot is no longer in that server: its commands left with it.
			logger.debug({ scope }, 'Slash commands of a server the bot left are gone with it');
		}
		await guilds.remove(other);
	}
}

function commandsRoute(applicationId: string, guildId: string | undefined): `/${string}` {
	return guildId === undefined
		? Routes.applicationCommands(applicationId)
		: Routes.applicationGuildCommands(applicationId, guildId);
}

function scopeName(guildId: string | undefined): string {
	return guildId === undefined ? 'global' : `guild:${guildId}`;
}

async function listCommands(rest: REST, route: `/${string}`): Promise<unknown[]> {
	// With their localisations, which Discord leaves out otherwise: they are part of the definitions.
	const answer = await rest.get(route, { query: new URLSearchParams({ with_localizations: 'true' }) });
	return Array.isArray(answer) ? (answer as unknown[]) : [];
}

function isGone(error: unknown): boolean {
	return (
		error instanceof DiscordAPIError &&
		(error.code === RESTJSONErrorCodes.UnknownGuild || error.code === RESTJSONErrorCodes.MissingAccess)
	);
}

/** The servers the bot registered commands to, so that a switch of scope can empty them (Discord lists none). */
class RegisteredGuilds {
	private readonly key: string;

	public constructor(
		private readonly store: Store,
		applicationId: string,
	) {
		this.key = `command-guilds:${applicationId}`;
	}

	public async list(): Promise<string[]> {
		return (await this.store.collection<string[]>('meta').get(this.key)) ?? [];
	}

	public async add(guildId: string): Promise<void> {
		const guilds = await this.list();
		if (!guilds.includes(guildId)) await this.store.collection<string[]>('meta').set(this.key, [...guilds, guildId]);
	}

	public async remove(guildId: string): Promise<void> {
		const guilds = await this.list();
		if (guilds.includes(guildId)) {
			await this.store.collection<string[]>('meta').set(
				this.key,
				guilds.filter((guild) => guild !== guildId),
			);
		}
	}
}
