/**
 * Reactions on results. A reaction has no interaction to answer: a refusal is told to the member by DM (or, with
 * their DMs closed, by a short reply in the channel; see `notices.ts`) and their reaction removed. Ignored: bots (this
 * one included), messages that are not results, emoji that mean nothing there, and the same member's same emoji on
 * the same message within a minute.
 */
import {
	DiscordAPIError,
	PermissionFlagsBits,
	RESTJSONErrorCodes,
	type GuildMember,
	type Message,
	type MessageReaction,
	type PartialMessage,
	type PartialMessageReaction,
	type PartialUser,
	type PermissionsBitField,
	type User,
} from 'discord.js';
import { actionForEmoji, emojiKey } from '../discord/emoji.js';
import { UserError } from '../userError.js';
import { emojiSetFor, type ActionDeps } from './deps.js';
import { DirectMessagesClosed } from './dm.js';
import { reactionMeaning } from './emoji.js';
import { ReactionResponder, type Invocation, type ServerView } from './invocation.js';
import { NOT_A_MEMBER } from './member.js';
import { perform } from './perform.js';
import type { ResultMessageRef } from './records.js';
import { loadResult, type ActionableResult } from './result.js';

const { ManageMessages } = PermissionFlagsBits;

export async function handleActionReaction(
	deps: ActionDeps,
	reaction: MessageReaction | PartialMessageReaction,
	user: User | PartialUser,
): Promise<void> {
	const { message } = reaction;
	const emoji = reaction.emoji.name ?? '';
	const log = deps.logger.child({
		messageId: message.id,
		channelId: message.channelId,
		guildId: message.guildId,
		userId: user.id,
		emoji,
	});
	const ignore = (reason: string): void => log.debug({ reason }, 'Reaction ignored');
	const tell = async (reason: string, dmsClosed = false): Promise<void> =>
		deps.notices?.tell({
			userId: user.id,
			guildId: message.guildId,
			channelId: message.channelId,
			messageId: message.id,
			emoji: reaction.emoji.toString(),
			reason,
			dmsClosed,
		});

	if (user.id === reaction.client.user.id) return ignore('the bot’s own reaction');
	// In DMs the result's server is known from its record only: its emoji are the ones the result was posted with.
	let ref: ResultMessageRef | undefined;
	let emojiGuildId = message.guildId;
	if (emojiGuildId === null) {
		ref = await deps.records.messageRef(message.id);
		if (!ref) return ignore('not a result message');
		emojiGuildId = (await deps.repository.get(ref.jobId))?.target.guildId ?? null;
	}
	const wanted = actionForEmoji(reaction.emoji, await emojiSetFor(deps, emojiGuildId));
	if (!wanted) return ignore('emoji means nothing');
	const reactor = user.partial ? await user.fetch() : user;
	if (reactor.bot) return ignore('reaction by a bot');
	ref ??= await deps.records.messageRef(message.id);
	if (!ref) return ignore('not a result message');

	let result: ActionableResult | undefined;
	if (wanted.action !== 'delete') {
		try {
			result = await loadResult(deps.repository, ref.jobId);
		} catch (error) {
			if (!(error instanceof UserError)) throw error;
			log.info({ jobId: ref.jobId, reason: error.message }, 'Reaction on a result that cannot be acted on');
			await tell(error.message);
			return;
		}
	}
	const meaning = reactionMeaning(wanted, ref, result && { shape: result.shape, fileCount: result.files.length });
	if (!meaning) return ignore('emoji means nothing on this result');
	const key = emojiKey(reaction.emoji) ?? emoji;
	if (!(await deps.claims.claimReaction(message.id, user.id, key))) {
		return ignore('repeated within the window');
	}

	const member = memoize(async () => memberOf(message, user.id));
	const invocation: Invocation = {
		userId: user.id,
		applicationId: reaction.client.application?.id ?? reaction.client.user.id,
		guildId: message.guildId,
		channelId: message.channelId,
		messageId: message.id,
		attachments: memoize(async () => attachmentsOf(message)),
		canManageMessages: async () => (await member())?.permissions.has(ManageMessages) ?? false,
		...(message.guildId === null ? {} : { server: serverOf(message, message.guildId, member) }),
		responder: new ReactionResponder(deps.rest, message.channelId, message.id, log),
		log: log.child({ action: meaning.action, jobId: ref.jobId }),
	};
	let messageGone = false;
	try {
		await perform(deps, invocation, { ...meaning, jobId: ref.jobId });
		messageGone = meaning.action === 'delete';
	} catch (error) {
		if (!(error instanceof UserError)) {
			// Our failure, not the member's: let them try again right away.
			await deps.claims.releaseReaction(message.id, user.id, key);
			throw error;
		}
		log.info({ action: meaning.action, reason: error.message }, 'Reaction refused');
		await tell(error.message, error instanceof DirectMessagesClosed);
	} finally {
		// The member can react again to act again; a failure here (no Manage Messages) costs only that. In DMs nobody
		// may remove another's reaction.
		if (!messageGone && message.guildId !== null) {
			await reaction.users.remove(user.id).catch((error: unknown) => {
				log.warn({ err: error }, 'Could not remove the member’s reaction');
			});
		}
	}
}

/** The result's server as its rules see the reacting member: the message's channel, their roles and permissions. */
function serverOf(
	message: Message | PartialMessage,
	guildId: string,
	member: () => Promise<MemberInChannel | undefined>,
): ServerView {
	const present = async (): Promise<MemberInChannel> => {
		const found = await member();
		if (!found) throw new UserError(NOT_A_MEMBER);
		return found;
	};
	return {
		guildId,
		channelId: message.channelId,
		parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
		roleIds: async () => [...(await present()).roles.cache.keys()],
		permissions: async () => (await present()).permissions.bitfield,
	};
}

/** The message's files as Discord signs them now; fetched when the message came as a partial (before a restart). */
async function attachmentsOf(
	message: Message | PartialMessage,
): Promise<ReadonlyArray<{ name: string; url: string }> | undefined> {
	try {
		const full = message.partial ? await message.fetch() : message;
		return full.attachments.map((attachment) => ({ name: attachment.name, url: attachment.url }));
	} catch {
		return undefined;
	}
}

interface MemberInChannel {
	permissions: Readonly<PermissionsBitField>;
	roles: GuildMember['roles'];
}

/**
 * The member from the guild cache or, failing that, the API; with their permissions in the message's channel.
 * Undefined when they are not in the server (any other failure is thrown: it says nothing about them).
 */
async function memberOf(message: Message | PartialMessage, userId: string): Promise<MemberInChannel | undefined> {
	const guild = message.guild;
	if (!guild) return undefined;
	let member = guild.members.cache.get(userId);
	if (!member) {
		try {
			member = await guild.members.fetch(userId);
		} catch (error) {
			if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMember) return undefined;
			throw error;
		}
	}
	const channel = message.channel;
	const permissions = channel.isDMBased() ? member.permissions : channel.permissionsFor(member);
	return { permissions, roles: member.roles };
}

function memoize<T>(load: () => Promise<T>): () => Promise<T> {
	let value: Promise<T> | undefined;
	return async () => (value ??= load());
}
