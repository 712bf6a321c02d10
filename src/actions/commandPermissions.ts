/**
 * Whether Discord would let a member run a slash command, from the server's Integrations settings (application
 * command permissions) and the command's `default_member_permissions`. A pure decision: buttons and reactions that
 * stand for a command apply it, so that a member denied the command cannot start it another way.
 *
 * Discord's order: Administrator may use every command; then where (channel entries), then who (user, role and
 * @everyone entries). A command's own entries override the app-wide ones (the entry whose id is the application's),
 * one kind at a time: where there is no command entry of a kind, the app-wide entry of that kind decides. An app-wide
 * grant still leaves the command's `default_member_permissions` to be met; a command-level grant does not.
 */
import { ApplicationCommandPermissionType, PermissionFlagsBits } from 'discord.js';

export interface CommandPermissionEntry {
	/** A user, role or channel id; the guild's id is @everyone, the guild's id − 1 is "all channels". */
	id: string;
	type: ApplicationCommandPermissionType;
	permission: boolean;
}

export interface CommandAccessInput {
	guildId: string;
	userId: string;
	/** The member's roles in the guild (with or without @everyone). */
	roleIds: readonly string[];
	/** The channel whose entries apply: for a thread, its parent (threads follow their channel). */
	channelId: string;
	/** The member's permissions there. */
	memberPermissions: bigint;
	/** The command's own entries in the guild (none when it is synced with the app-wide ones). */
	commandEntries: readonly CommandPermissionEntry[];
	/** The app-wide entries in the guild. */
	appEntries: readonly CommandPermissionEntry[];
	/** The command's `default_member_permissions`: null = everyone, 0 = administrators only. */
	defaultMemberPermissions: bigint | null;
}

/** Why Discord would not let the member run the command. */
export type CommandDenial = 'use-application-commands' | 'channel' | 'member' | 'default-permissions';

export type CommandAccess = { ok: true } | { ok: false; denial: CommandDenial };

const OK: CommandAccess = { ok: true };
const deny = (denial: CommandDenial): CommandAccess => ({ ok: false, denial });

export function allChannelsId(guildId: string): string {
	return (BigInt(guildId) - 1n).toString();
}

export function decideCommandAccess(input: CommandAccessInput): CommandAccess {
	const permissions = input.memberPermissions;
	if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return OK;
	if ((permissions & PermissionFlagsBits.UseApplicationCommands) === 0n) return deny('use-application-commands');

	const where = channelVerdict(input.commandEntries, input) ?? channelVerdict(input.appEntries, input);
	if (where === false) return deny('channel');

	const byCommand = memberVerdict(input.commandEntries, input);
	if (byCommand !== undefined) return byCommand ? OK : deny('member');
	if (memberVerdict(input.appEntries, input) === false) return deny('member');

	// "0" keeps the command for administrators (and explicit grants) only.
	const required = input.defaultMemberPermissions;
	if (required === null || (required !== 0n && (permissions & required) === required)) return OK;
	return deny('default-permissions');
}

/** The channel's own entry, else the "all channels" entry; undefined when the level has neither. */
function channelVerdict(entries: readonly CommandPermissionEntry[], input: CommandAccessInput): boolean | undefined {
	const channels = entries.filter((entry) => entry.type === ApplicationCommandPermissionType.Channel);
	const all = allChannelsId(input.guildId);
	return (
		channels.find((entry) => entry.id === input.channelId)?.permission ??
		channels.find((entry) => entry.id === all)?.permission
	);
}

/**
 * The member's user entry, else their roles' entries (any allowing role allows), else @everyone's; undefined when
 * the level has none that applies.
 */
function memberVerdict(entries: readonly CommandPermissionEntry[], input: CommandAccessInput): boolean | undefined {
	const user = entries.find(
		(entry) => entry.type === ApplicationCommandPermissionType.User && entry.id === input.userId,
	);
	if (user) return user.permission;
	const roles = entries.filter(
		(entry) =>
			entry.type === ApplicationCommandPermissionType.Role &&
			entry.id !== input.guildId &&
			input.roleIds.includes(entry.id),
	);
	if (roles.length > 0) return roles.some((entry) => entry.permission);
	return entries.find((entry) => entry.type === ApplicationCommandPermissionType.Role && entry.id === input.guildId)
		?.permission;
}
