/**
 * Reactions on results. A reaction has no interaction to answer, so a refusal is logged (and the reaction
 * removed), never shown. Ignored: bots (this one included), messages that are not results, emoji that mean
 * nothing there, and the same member's same emoji on the same message within a minute.
 */
import {
	PermissionFlagsBits,
	type GuildMember,
	type Message,
	type MessageReaction,
	type PartialMessage,
	type PartialMessageReaction,
	type PartialUser,
	type PermissionsBitField,
	type User,
} from 'discord.js';
import { UserError } from '../jobs/errors.js';
import { emojiSetFor, type ActionDeps } from './deps.js';
import { actionForEmoji, emojiKey, reactionMeaning } from './emoji.js';
import { ReactionResponder, type Invocation } from './invocation.js';
import { perform } from './perform.js';
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

	if (user.id === reaction.client.user.id) return ignore('the bot’s own reaction');
	const wanted = actionForEmoji(reaction.emoji, await emojiSetFor(deps, message.guildId));
	if (!wanted) return ignore('emoji means nothing');
	const reactor = user.partial ? await user.fetch() : user;
	if (reactor.bot) return ignore('reaction by a bot');
	const ref = await deps.records.messageRef(message.id);
	if (!ref) return ignore('not a result message');

	let result: ActionableResult | undefined;
	if (wanted.action !== 'delete') {
		try {
			result = await loadResult(deps.repository, ref.jobId);
		} catch (error) {
			if (!(error instanceof UserError)) throw error;
			log.info({ jobId: ref.jobId, reason: error.message }, 'Reaction on a result that cannot be acted on');
			return;
		}
	}
	const meaning = reactionMeaning(wanted, ref, result && { shape: result.shape, fileCount: result.files.length });
	if (!meaning) return ignore('emoji means nothing on this result');
	const key = emojiKey(reaction.emoji) ?? emoji;
	if (!(await deps.claims.claimReaction(message.id, user.id, key))) {
		return ignore('repeated within the window');
	}

	const invocation: Invocation = {
		userId: user.id,
		guildId: message.guildId,
		channelId: message.channelId,
		messageId: message.id,
		attachments: memoize(async () => attachmentsOf(message)),
		parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
		canManageMessages: async () => (await memberOf(message, user.id))?.permissions.has(ManageMessages) ?? false,
		roleIds: async () => [...((await memberOf(message, user.id))?.roles.cache.keys() ?? [])],
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
	} finally {
		// The member can react again to act again; a failure here (no Manage Messages) costs only that.
		if (!messageGone) {
			await reaction.users.remove(user.id).catch((error: unknown) => {
				log.warn({ err: error }, 'Could not remove the member’s reaction');
			});
		}
	}
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

/** The member from the guild cache or, failing that, the API; with their permissions in the message's channel. */
async function memberOf(
	message: Message | PartialMessage,
	userId: string,
): Promise<{ permissions: Readonly<PermissionsBitField>; roles: GuildMember['roles'] } | undefined> {
	const guild = message.guild;
	if (!guild) return undefined;
	const member = guild.members.cache.get(userId) ?? (await guild.members.fetch(userId).catch(() => undefined));
	if (!member) return undefined;
	const channel = message.channel;
	const permissions = channel.isDMBased() ? member.permissions : channel.permissionsFor(member);
	return { permissions, roles: member.roles };
}

function memoize<T>(load: () => Promise<T>): () => Promise<T> {
	let value: Promise<T> | undefined;
	return async () => (value ??= load());
}
