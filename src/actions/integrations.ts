/**
 * The server's Integrations settings (Server Settings → Integrations → the bot: who may use which command, where),
 * read with the bot token and kept for a short while, so that a button or reaction standing for a command is refused
 * to a member Discord would not let run that command.
 */
import {
	DiscordAPIError,
	RESTJSONErrorCodes,
	Routes,
	type APIApplicationCommand,
	type APIGuildApplicationCommandPermissions,
	type REST,
} from 'discord.js';
import { t, type MessageKey } from '../i18n/index.js';
import type { Wording } from '../userError.js';
import { decideCommandAccess, type CommandDenial, type CommandPermissionEntry } from './commandPermissions.js';
import type { ServerView } from './invocation.js';

/** How long a server's settings are trusted before they are read again: an admin's change applies within this. */
export const INTEGRATIONS_TTL_MS = 60_000;
/** The command list changes only when the bot registers it (at start). */
const COMMANDS_TTL_MS = 10 * 60_000;
/** Beyond this many cached entries, expired ones are swept on the next write. */
const SWEEP_ABOVE = 1_000;

export interface IntegrationsOptions {
	rest: REST;
	/** The server the commands are registered to (`DEV_GUILD_ID`); undefined: registered globally. */
	commandGuildId?: string | undefined;
	ttlMs?: number;
	now?: () => number;
}

export interface CommandUse {
	applicationId: string;
	/** The slash command the action stands for, e.g. `animate`. */
	command: string;
	userId: string;
	server: ServerView;
}

export class Integrations {
	private readonly rest: REST;
	private readonly commandGuildId: string | undefined;
	private readonly permissions: TtlCache<APIGuildApplicationCommandPermissions[]>;
	private readonly commands: TtlCache<APIApplicationCommand[]>;

	public constructor(options: IntegrationsOptions) {
		const now = options.now ?? Date.now;
		this.rest = options.rest;
		this.commandGuildId = options.commandGuildId;
		this.permissions = new TtlCache(options.ttlMs ?? INTEGRATIONS_TTL_MS, now);
		this.commands = new TtlCache(COMMANDS_TTL_MS, now);
	}

	/** Why the member may not run the command there, in words for them; undefined when Discord would let them. */
	public async refusal(use: CommandUse): Promise<Wording | undefined> {
		const { server } = use;
		const [settings, commands] = await Promise.all([
			this.guildPermissions(use.applicationId, server.guildId),
			this.commandList(use.applicationId),
		]);
		const command = commands.find((entry) => entry.name === use.command && entry.type === 1);
		const entriesOf = (id: string | undefined): CommandPermissionEntry[] =>
			id === undefined ? [] : (settings.find((entry) => entry.id === id)?.permissions ?? []);
		const [roleIds, memberPermissions] = await Promise.all([server.roleIds(), server.permissions()]);
		const channelId = server.parentChannelId ?? server.channelId;
		const access = decideCommandAccess({
			guildId: server.guildId,
			userId: use.userId,
			roleIds,
			channelId,
			memberPermissions,
			commandEntries: entriesOf(command?.id),
			appEntries: entriesOf(use.applicationId),
			defaultMemberPermissions:
				command?.default_member_permissions == null ? null : BigInt(command.default_member_permissions),
		});
		return access.ok ? undefined : explain(access.denial, use.command, channelId);
	}

	private async guildPermissions(
		applicationId: string,
		guildId: string,
	): Promise<APIGuildApplicationCommandPermissions[]> {
		return this.permissions.get(guildId, async () => {
			try {
				return (await this.rest.get(
					Routes.guildApplicationCommandsPermissions(applicationId, guildId),
				)) as APIGuildApplicationCommandPermissions[];
			} catch (error) {
				// Nothing set in this server.
				if (
					error instanceof DiscordAPIError &&
					error.code === RESTJSONErrorCodes.UnknownApplicationCommandPermissions
				) {
					return [];
				}
				throw error;
			}
		});
	}

	private async commandList(applicationId: string): Promise<APIApplicationCommand[]> {
		const guildId = this.commandGuildId;
		return this.commands.get(guildId ?? 'global', async () => {
			const route = guildId
				? Routes.applicationGuildCommands(applicationId, guildId)
				: Routes.applicationCommands(applicationId);
			return (await this.rest.get(route)) as APIApplicationCommand[];
		});
	}
}

const DENIAL_KEYS: Readonly<Record<CommandDenial, MessageKey>> = {
	'use-application-commands': 'integrations.useApplicationCommands',
	channel: 'integrations.channel',
	member: 'integrations.member',
	'default-permissions': 'integrations.defaultPermissions',
};

function explain(denial: CommandDenial, command: string, channelId: string): Wording {
	const vars = { command: `\`/${command}\``, channel: `<#${channelId}>` };
	return (language) => t(language, DENIAL_KEYS[denial], vars);
}

/** Values kept for a while per key; a failed load is not kept, so the next call tries again. */
class TtlCache<Value> {
	private readonly entries = new Map<string, { until: number; value: Promise<Value> }>();

	public constructor(
		private readonly ttlMs: number,
		private readonly now: () => number,
	) {}

	public async get(key: string, load: () => Promise<Value>): Promise<Value> {
		const now = this.now();
		const hit = this.entries.get(key);
		if (hit && hit.until > now) return hit.value;
		if (this.entries.size > SWEEP_ABOVE) {
			for (const [stale, entry] of this.entries) if (entry.until <= now) this.entries.delete(stale);
		}
		const value = load();
		this.entries.set(key, { until: now + this.ttlMs, value });
		value.catch(() => {
			if (this.entries.get(key)?.value === value) this.entries.delete(key);
		});
		return value;
	}
}
