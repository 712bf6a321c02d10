/**
 * Results can end up in a member's DMs (the delivery's last fallback). Their buttons and reactions stay the server's:
 * they act only while the member is still in that server, under its rules, judged with the member's roles there and
 * in the channel the job was asked for in, as if the member had acted in the server.
 */
import {
	ChannelType,
	DiscordAPIError,
	PermissionFlagsBits,
	RESTJSONErrorCodes,
	Routes,
	type APIChannel,
	type APIGuild,
	type APIGuildMember,
	type REST,
} from 'discord.js';
import { t } from '../i18n/index.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobRecord } from '../jobs/types.js';
import { UserError } from '../userError.js';
import type { Invocation, ServerView } from './invocation.js';

export const NOT_A_MEMBER = t('en', 'actions.notAMember');
export const BOT_NOT_IN_SERVER = t('en', 'actions.botNotInServer');

/** How far up a chain of jobs started from DMs to look for the channel the first was asked for in. */
const MAX_ANCESTORS = 20;
const THREAD_TYPES: readonly ChannelType[] = [
	ChannelType.PublicThread,
	ChannelType.PrivateThread,
	ChannelType.AnnouncementThread,
];

/** The member as the server knows them now; refuses a member who left (or was banned) and a server the bot left. */
export async function fetchServerMember(rest: REST, guildId: string, userId: string): Promise<APIGuildMember> {
	try {
		return (await rest.get(Routes.guildMember(guildId, userId))) as APIGuildMember;
	} catch (error) {
		const code = discordCode(error);
		if (code === RESTJSONErrorCodes.UnknownMember || code === RESTJSONErrorCodes.UnknownUser) {
			throw UserError.localized('not-a-member', 'actions.notAMember');
		}
		if (code === RESTJSONErrorCodes.UnknownGuild || code === RESTJSONErrorCodes.MissingAccess) {
			throw UserError.localized('unavailable', 'actions.botNotInServer');
		}
		throw error;
	}
}

/** The server view of an action on a result in DMs: `job` is the result's job, `invocation` the DM action. */
export async function serverViewFromDm(
	deps: { rest: REST; repository: JobRepository },
	invocation: Pick<Invocation, 'userId' | 'channelId'>,
	job: JobRecord,
): Promise<ServerView> {
	const guildId = job.target.guildId;
	const member = await fetchServerMember(deps.rest, guildId, invocation.userId);
	// A job started from a result in DMs has that DM as its channel: its rules are those of its first ancestor's.
	const channelId = (await originChannel(deps.repository, job, invocation.channelId)) ?? invocation.channelId;
	const parentChannelId = channelId === invocation.channelId ? null : await threadParent(deps.rest, channelId);
	let permissions: Promise<bigint> | undefined;
	return {
		guildId,
		channelId,
		parentChannelId,
		roleIds: async () => member.roles,
		permissions: async () => (permissions ??= guildPermissions(deps.rest, guildId, member)),
	};
}

/** The channel of the nearest job in the chain that was not asked for in this DM, if the chain still has one. */
async function originChannel(
	repository: JobRepository,
	job: JobRecord,
	dmChannelId: string,
): Promise<string | undefined> {
	let current: JobRecord | undefined = job;
	for (let depth = 0; current && depth < MAX_ANCESTORS; depth++) {
		if (current.target.channelId !== dmChannelId) return current.target.channelId;
		current = current.parent ? await repository.get(current.parent.jobId) : undefined;
	}
	return undefined;
}

/** A thread's parent channel; null for other channels and for channels the bot can no longer read. */
async function threadParent(rest: REST, channelId: string): Promise<string | null> {
	try {
		const channel = (await rest.get(Routes.channel(channelId))) as APIChannel;
		return THREAD_TYPES.includes(channel.type) && 'parent_id' in channel ? (channel.parent_id ?? null) : null;
	} catch (error) {
		if (discordCode(error) !== undefined) return null;
		throw error;
	}
}

/**
 * The member's permissions in the server as a whole (from a DM the bot judges no channel overwrites: the result's
 * channel may be gone, which is often why it was sent by DM).
 */
async function guildPermissions(rest: REST, guildId: string, member: APIGuildMember): Promise<bigint> {
	const guild = (await rest.get(Routes.guild(guildId))) as APIGuild;
	return basePermissions(guild, member);
}

/** Discord's base permissions: the owner has all; else @everyone's and the member's roles', all when Administrator. */
export function basePermissions(
	guild: Pick<APIGuild, 'id' | 'owner_id' | 'roles'>,
	member: Pick<APIGuildMember, 'user' | 'roles'>,
): bigint {
	const all = Object.values(PermissionFlagsBits).reduce((sum, bit) => sum | bit, 0n);
	if (member.user.id === guild.owner_id) return all;
	const roleIds = new Set([guild.id, ...member.roles]);
	const permissions = guild.roles
		.filter((role) => roleIds.has(role.id))
		.reduce((sum, role) => sum | BigInt(role.permissions), 0n);
	return (permissions & PermissionFlagsBits.Administrator) !== 0n ? all : permissions;
}

function discordCode(error: unknown): number | undefined {
	return error instanceof DiscordAPIError && typeof error.code === 'number' ? error.code : undefined;
}
