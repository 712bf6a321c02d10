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
import { channelLanguage, DEFAULT_LANGUAGE, type Language } from '../i18n/index.js';
import { isUpscale } from '../jobs/resultShape.js';
import type { Logger } from '../logger.js';
import { UserError } from '../userError.js';
import { emojiSetFor, type ActionDeps } from './deps.js';
import { needsPickFirst, reactionMeaning } from './emoji.js';
import { ReactionResponder, type Invocation, type ServerView } from './invocation.js';
import { perform } from './perform.js';
import type { ResultMessageRef } from './records.js';
import { loadResult, type ActionableResult } from './result.js';

const { ManageMessages } = PermissionFlagsBits;

type AnyReaction = MessageReaction | PartialMessageReaction;
type AnyUser = User | PartialUser;
/** Tells the member why their reaction did nothing (by DM, or in the channel when their DMs are closed). */
type Tell = (refusal: UserError) => Promise<void>;
/** A reaction that means an action on a result, claimed for this member (see `claimReaction`). */
interface MeantAction {
	ref: ResultMessageRef;
	meaning: NonNullable<ReturnType<typeof reactionMeaning>>;
	/** The emoji's key in the claim, to release it on our own failure. */
	key: string;
	/** Set when the action cannot be done here whoever asks (vary on a grid): the member is told this instead. */
	refused?: UserError;
}

export async function handleActionReaction(deps: ActionDeps, reaction: AnyReaction, user: AnyUser): Promise<void> {
	const { message } = reaction;
	const log = deps.logger.child({
		messageId: message.id,
		channelId: message.channelId,
		guildId: message.guildId,
		userId: user.id,
		emoji: reaction.emoji.name ?? '',
	});
	const tell: Tell = async (refusal) =>
		deps.notices?.tell({
			userId: user.id,
			guildId: message.guildId,
			channelId: message.channelId,
			messageId: message.id,
			emoji: reaction.emoji.toString(),
			reason: (language) => refusal.wordedIn(language),
			language: await noticeLanguage(deps, reaction, log),
			dmsClosed: refusal.code === 'dms-closed',
		});
	const meant = await meaningOf(deps, reaction, user, log, tell);
	if (meant) await act(deps, reaction, user, meant, { log, tell });
}

/** What the reaction asks of which result, or undefined (logged) when it asks nothing or was just asked. */
async function meaningOf(
	deps: ActionDeps,
	reaction: AnyReaction,
	user: AnyUser,
	log: Logger,
	tell: Tell,
): Promise<MeantAction | undefined> {
	const { message } = reaction;
	const ignore = (reason: string): undefined => void log.debug({ reason }, 'Reaction ignored');
	if (user.id === reaction.client.user.id) return ignore('the bot’s own reaction');
	// In DMs the result's server is known from its record only: its emoji are the ones the result was posted with.
	let ref: ResultMessageRef | undefined;
	let emojiGuildId = message.guildId;
	if (emojiGuildId === null) {
		ref = await deps.records.messageRef(message.id);
		if (!ref) return ignore('not a result message');
		emojiGuildId = (await deps.repository.get(ref.jobId))?.target.guildId ?? null;
	}
	const emoji = await emojiSetFor(deps, emojiGuildId);
	const wanted = actionForEmoji(reaction.emoji, emoji);
	if (!wanted) return ignore('emoji means nothing');
	const reactor = user.partial ? await user.fetch() : user;
	if (reactor.bot) return ignore('reaction by a bot');
	ref ??= await deps.records.messageRef(message.id);
	if (!ref) return ignore('not a result message');

	const result = wanted.action === 'delete' ? undefined : await resultToActOn(deps, ref.jobId, log, tell);
	if (result === 'refused') return undefined;
	const meaning = reactionMeaning(
		wanted,
		ref,
		result && { shape: result.shape, fileCount: result.files.length, upscaled: isUpscale(result.job.request) },
	);
	if (!meaning) return ignore('emoji means nothing on this result');
	const key = emojiKey(reaction.emoji) ?? reaction.emoji.name ?? '';
	if (!(await deps.claims.claimReaction(message.id, user.id, key))) return ignore('repeated within the window');
	if (!needsPickFirst(meaning)) return { ref, meaning, key };
	const last = emoji.pick[Math.min(result?.files.length ?? 1, emoji.pick.length) - 1];
	const vars = { emoji: reaction.emoji.toString(), first: emoji.pick[0], last: last ?? emoji.pick[0] };
	return { ref, meaning, key, refused: UserError.localized('not-applicable', 'actions.pickFirst', vars) };
}

/** The result a reaction acts on, or `refused` once the member was told why it cannot be acted on. */
async function resultToActOn(
	deps: ActionDeps,
	jobId: string,
	log: Logger,
	tell: Tell,
): Promise<ActionableResult | 'refused'> {
	try {
		return await loadResult(deps.repository, jobId);
	} catch (error) {
		if (!(error instanceof UserError)) throw error;
		log.info({ jobId, code: error.code, reason: error.message }, 'Reaction on a result that cannot be acted on');
		await tell(error);
		return 'refused';
	}
}

/** Performs the action as the reacting member, tells them a refusal, and takes their reaction off again. */
async function act(
	deps: ActionDeps,
	reaction: AnyReaction,
	user: AnyUser,
	{ ref, meaning, key, refused }: MeantAction,
	{ log, tell }: { log: Logger; tell: Tell },
): Promise<void> {
	const { message } = reaction;
	const actionLog = log.child({ action: meaning.action, jobId: ref.jobId });
	const invocation = invocationOf(deps, reaction, user, { log, actionLog });
	let messageGone = false;
	try {
		if (refused) throw refused;
		await perform(deps, invocation, { ...meaning, jobId: ref.jobId });
		messageGone = meaning.action === 'delete';
	} catch (error) {
		if (!(error instanceof UserError)) {
			// Our failure, not the member's: let them try again right away.
			await deps.claims.releaseReaction(message.id, user.id, key);
			throw error;
		}
		log.info({ action: meaning.action, code: error.code, reason: error.message }, 'Reaction refused');
		await tell(error);
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

/**
 * A reaction carries no locale, so the member is told in the server's language, as its channel reads: the result's
 * server, for a result in DMs. English when it cannot be found out.
 */
async function noticeLanguage(deps: ActionDeps, reaction: AnyReaction, log: Logger): Promise<Language> {
	const { message } = reaction;
	try {
		let guildId = message.guildId;
		if (guildId === null) {
			const ref = await deps.records.messageRef(message.id);
			guildId = (ref && (await deps.repository.get(ref.jobId))?.target.guildId) ?? null;
		}
		if (guildId === null) return DEFAULT_LANGUAGE;
		return channelLanguage({
			serverLanguage: await deps.languageFor?.(guildId),
			guildLocale: reaction.client.guilds.cache.get(guildId)?.preferredLocale,
		});
	} catch (error) {
		log.warn({ err: error }, 'Could not find out the server’s language; telling the member in English');
		return DEFAULT_LANGUAGE;
	}
}

/** The reacting member as an action sees them: where they reacted, their permissions, how to answer them. */
function invocationOf(
	deps: ActionDeps,
	reaction: AnyReaction,
	user: AnyUser,
	{ log, actionLog }: { log: Logger; actionLog: Logger },
): Invocation {
	const { message } = reaction;
	const member = memoize(async () => memberOf(message, user.id));
	return {
		userId: user.id,
		applicationId: reaction.client.application?.id ?? reaction.client.user.id,
		guildId: message.guildId,
		channelId: message.channelId,
		messageId: message.id,
		locale: null,
		guildLocale: message.guild?.preferredLocale ?? null,
		attachments: memoize(async () => attachmentsOf(message)),
		canManageMessages: async () => (await member())?.permissions.has(ManageMessages) ?? false,
		...(message.guildId === null ? {} : { server: serverOf(message, message.guildId, member) }),
		responder: new ReactionResponder(deps.rest, message.channelId, message.id, log),
		log: actionLog,
	};
}

/** The result's server as its rules see the reacting member: the message's channel, their roles and permissions. */
function serverOf(
	message: Message | PartialMessage,
	guildId: string,
	member: () => Promise<MemberInChannel | undefined>,
): ServerView {
	const present = async (): Promise<MemberInChannel> => {
		const found = await member();
		if (!found) throw UserError.localized('not-a-member', 'actions.notAMember');
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
