/**
 * A reaction has no interaction to answer privately, so when one is refused the member is told by DM, with the same
 * words a button or command would show. When their DMs are closed, a short reply in the channel mentions only them
 * and deletes itself after a while. At most one notice per member per result message per repeat window, whatever
 * they react with, so a member spamming reactions does not make the bot spam.
 */
import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIChannel, type APIMessage, type REST } from 'discord.js';
import type Keyv from 'keyv';
import { NO_PINGS, pingOnly, fitContent, MESSAGE_CONTENT_LIMIT } from '../discord/respond.js';
import { t, type Language } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { wordIn, type Wording } from '../userError.js';
import type { ActionClaims } from './records.js';
import { jumpLink } from './text.js';

export interface RefusalNotice {
	userId: string;
	/** Where the result is: a server, or null for DMs (then the DM is the only place to say it). */
	guildId: string | null;
	channelId: string;
	/** The result message reacted on. */
	messageId: string;
	/** The reaction as members see it (`🔁`, `<:name:id>`). */
	emoji: string;
	/** Why it did nothing, in words for the member. */
	reason: Wording;
	/** The server's language: a reaction does not say the member's. */
	language: Language;
	/** The refusal is that the member's DMs are closed: say it in the channel straight away. */
	dmsClosed?: boolean;
}

export interface RefusalNoticesOptions {
	rest: REST;
	store: Store;
	claims: ActionClaims;
	logger: Logger;
	/** How long a notice posted in the channel stays before it deletes itself. */
	deleteAfterMs: number;
	now?: () => number;
}

/** A notice posted in a channel, kept until it is deleted so that a restart does not leave it for ever. */
interface PostedNotice {
	channelId: string;
	deleteAt: number;
}

/** How long a posted notice is remembered: a bot down for longer leaves it in place. */
const POSTED_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const DMS_CLOSED: ReadonlySet<number> = new Set([
	RESTJSONErrorCodes.CannotSendMessagesToThisUser,
	RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds,
]);
/** Deleting a notice that is already gone (or whose channel is) is done. */
const ALREADY_GONE: ReadonlySet<number> = new Set([
	RESTJSONErrorCodes.UnknownMessage,
	RESTJSONErrorCodes.UnknownChannel,
	RESTJSONErrorCodes.MissingAccess,
]);

export function isDmClosed(error: unknown): boolean {
	return error instanceof DiscordAPIError && typeof error.code === 'number' && DMS_CLOSED.has(error.code);
}

export class RefusalNotices {
	private readonly rest: REST;
	private readonly claims: ActionClaims;
	private readonly logger: Logger;
	private readonly deleteAfterMs: number;
	private readonly now: () => number;
	private readonly posted: Keyv<PostedNotice>;
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private stopped = false;

	public constructor(options: RefusalNoticesOptions) {
		this.rest = options.rest;
		this.claims = options.claims;
		this.logger = options.logger;
		this.deleteAfterMs = options.deleteAfterMs;
		this.now = options.now ?? Date.now;
		this.posted = options.store.collection<PostedNotice>('notices');
	}

	/** Tells the member; never throws (a notice that cannot be sent is logged). */
	public async tell(notice: RefusalNotice): Promise<void> {
		const log = this.logger.child({ messageId: notice.messageId, userId: notice.userId });
		try {
			if (!(await this.claims.claimNotice(notice.messageId, notice.userId))) {
				log.debug('Refusal already told within the window');
				return;
			}
		} catch (error) {
			log.warn({ err: error }, 'Could not tell a member why their reaction did nothing');
			return;
		}
		try {
			if (!notice.dmsClosed && (await this.sendDm(notice))) {
				log.info('Reaction refusal told by DM');
				return;
			}
			if (notice.guildId === null) {
				log.info('Reaction refusal not told: the member’s DMs are closed');
				return;
			}
			await this.postInChannel(notice);
			log.info('Reaction refusal told in the channel');
		} catch (error) {
			log.warn({ err: error }, 'Could not tell a member why their reaction did nothing');
			// Nothing reached them: a next reaction may try again.
			await this.claims.releaseNotice(notice.messageId, notice.userId).catch(() => undefined);
		}
	}

	/** Deletes the notices a previous run posted and did not get to delete (at once when their time has passed). */
	public async resume(): Promise<void> {
		if (!this.posted.iterator) return;
		try {
			for await (const [id, notice] of this.posted.iterator(undefined)) {
				if (isPostedNotice(notice)) this.schedule(String(id), notice);
			}
		} catch (error) {
			this.logger.warn({ err: error }, 'Could not list the refusal notices left to delete');
		}
	}

	/** Stops the deletion timers; the notices stay recorded, and the next start deletes them. */
	public stop(): void {
		this.stopped = true;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
	}

	/** False when the member's DMs are closed. */
	private async sendDm(notice: RefusalNotice): Promise<boolean> {
		const where = jumpLink(notice.guildId, notice.channelId, notice.messageId);
		const { language, emoji } = notice;
		const text = t(language, 'notices.dm', { emoji, where, reason: wordIn(notice.reason, language) });
		try {
			const channel = (await this.rest.post(Routes.userChannels(), {
				body: { recipient_id: notice.userId },
			})) as APIChannel;
			await this.rest.post(Routes.channelMessages(channel.id), {
				body: {
					content: fitContent(text),
					allowed_mentions: NO_PINGS,
				},
			});
			return true;
		} catch (error) {
			if (isDmClosed(error)) return false;
			throw error;
		}
	}

	private async postInChannel(notice: RefusalNotice): Promise<void> {
		const seconds = Math.max(1, Math.round(this.deleteAfterMs / 1000));
		const { language, emoji } = notice;
		const reason = wordIn(notice.reason, language);
		const text = t(language, 'notices.channel', { member: `<@${notice.userId}>`, emoji, reason });
		const footer = `\n${t(language, 'notices.selfDeleting', { count: seconds })}`;
		const sent = (await this.rest.post(Routes.channelMessages(notice.channelId), {
			body: {
				content: `${fitContent(text, MESSAGE_CONTENT_LIMIT - footer.length)}${footer}`,
				// Only the member is pinged: not the roles or channels a reason names, nor the result's author.
				allowed_mentions: { ...pingOnly(notice.userId), replied_user: false },
				message_reference: { message_id: notice.messageId, fail_if_not_exists: false },
			},
		})) as APIMessage;
		const posted: PostedNotice = { channelId: notice.channelId, deleteAt: this.now() + this.deleteAfterMs };
		this.schedule(sent.id, posted);
		try {
			await this.posted.set(sent.id, posted, POSTED_RECORD_TTL_MS);
		} catch (error) {
			// Its timer still deletes it; only a restart before then would leave it.
			this.logger.warn({ err: error, noticeId: sent.id }, 'Could not record a refusal notice for deletion');
		}
	}

	private schedule(id: string, notice: PostedNotice): void {
		if (this.stopped || this.timers.has(id)) return;
		const timer = setTimeout(
			() => {
				this.timers.delete(id);
				void this.remove(id, notice.channelId);
			},
			Math.max(0, notice.deleteAt - this.now()),
		);
		timer.unref();
		this.timers.set(id, timer);
	}

	private async remove(id: string, channelId: string): Promise<void> {
		try {
			await this.rest.delete(Routes.channelMessage(channelId, id));
		} catch (error) {
			const gone = error instanceof DiscordAPIError && typeof error.code === 'number' && ALREADY_GONE.has(error.code);
			if (!gone) {
				// Kept recorded: the next start tries again.
				this.logger.warn({ err: error, noticeId: id, channelId }, 'Could not delete a refusal notice');
				return;
			}
		}
		await this.posted.delete(id).catch((error: unknown) => {
			this.logger.warn({ err: error, noticeId: id }, 'Could not forget a deleted refusal notice');
		});
	}
}

function isPostedNotice(value: unknown): value is PostedNotice {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as PostedNotice).channelId === 'string' &&
		typeof (value as PostedNotice).deleteAt === 'number'
	);
}
