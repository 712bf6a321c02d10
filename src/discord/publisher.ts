/**
 * Delivers a job's messages through Discord's REST API, by the best route still open: the interaction webhook while
 * its token lives, then the bot's own edit of the reply, then a new message in the channel that mentions the
 * requester, then a DM. discord.js's REST client already retries 5xx and network errors and waits out 429s, so this
 * module decides *where* to deliver, and what to do when Discord says no:
 * - a message refused for its buttons (a server emoji deleted since it was set) goes again without them, same route;
 * - a route that is closed (token expired, reply deleted, channel gone, DMs closed) or that refuses the message
 *   hands it to the next route;
 * - when the message is refused everywhere, a short notice naming the job goes by the routes still open, so the
 *   member is never left with "Working…";
 * - 5xx and network failures end the attempt; it is retried later as a whole (see `jobs/delivery.ts`).
 *
 * Exactly one post per result. Editing the reply is idempotent; creating a message is not. So each message created:
 * 1. is recorded on the job before it is sent (`beforePost`: route, channel, nonce);
 * 2. carries a nonce derived from the job and the route, with `enforce_nonce`: a repeat within Discord's few minutes
 *    (discord.js retrying a request that did land, another process racing this one) gets the message already made;
 * 3. names the job (its buttons' custom ids, or a line of text).
 * An attempt that finds such a record (after a restart, or a failure) first looks for that message among the bot's
 * messages in that channel since the record, and takes it instead of posting again. Killed between the post and the
 * record of the delivery, the next start therefore finds the post; killed before the post, it finds none and posts.
 */
import { Routes, TimestampStyles, type APIMessage, type REST, type RawFile } from 'discord.js';
import { t } from '../i18n/index.js';
import type { JobPublisher, PublishOptions, PublishedMessage } from '../jobs/contracts.js';
import type { DownloadResult } from '../jobs/download.js';
import { DeliveryError } from '../jobs/errors.js';
import type { FinishedJob, JobRecord } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { ActionEmojiSet } from '../settings/actionEmoji.js';
import { timed } from '../timing.js';
import type { Wording } from '../userError.js';
import { withResultActions, withoutActions } from './components.js';
import { classify, describeError } from './deliveryErrors.js';
import { nonceFor, routesFor, tryRoutes, type ChainResult, type MessageBody, type Outgoing } from './deliveryRoutes.js';
import { tokenUsable } from './interactionToken.js';
import { PostedMessages, published } from './postedMessages.js';
import { renderElsewhere, renderFinished, renderUndeliverable, renderWorking, type RenderedMessage } from './render.js';
import { pingOnly } from './respond.js';
import { discordTimestamp } from './timestamp.js';

/** Discord's default upload limit for a message without boosts. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

export class DiscordPublisher implements JobPublisher {
	private readonly posted: PostedMessages;

	public constructor(
		private readonly rest: REST,
		private readonly logger: Logger,
		/** The emoji a server gives the result actions (its buttons and reaction hint); default: the standard set. */
		private readonly emojiFor?: (guildId: string) => Promise<ActionEmojiSet>,
		private readonly now: () => number = Date.now,
	) {
		this.posted = new PostedMessages(rest);
	}

	public async showWorking(job: JobRecord, queuePosition?: number, startsAt?: number): Promise<string> {
		const { interaction, channelId, replyTo, requesterId } = job.target;
		const rendered = renderWorking(job, queuePosition, startsAt);
		// Once the reply exists, later status edits go to it (as the bot when the token has expired).
		if (job.target.messageId && !tokenUsable(job.target.interaction, this.now())) {
			const message = (await this.rest.patch(Routes.channelMessage(job.target.channelId, job.target.messageId), {
				body: rendered,
			})) as APIMessage;
			return message.id;
		}
		if (interaction) {
			const message = (await this.rest.patch(
				Routes.webhookMessage(interaction.applicationId, interaction.token, '@original'),
				{
					body: rendered,
					auth: false,
				},
			)) as APIMessage;
			return message.id;
		}
		// Started by a reaction: no interaction to answer, so the bot posts its own reply under the source result.
		const message = (await this.rest.post(Routes.channelMessages(channelId), {
			body: {
				...rendered,
				allowed_mentions: { ...pingOnly(requesterId), replied_user: false },
				// discord.js repeats a request that timed out: the nonce keeps a repeat that had landed from posting twice.
				nonce: nonceFor(job.id, 'working'),
				enforce_nonce: true,
				...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
			},
		})) as APIMessage;
		return message.id;
	}

	public async publish(
		job: FinishedJob,
		downloads: DownloadResult[],
		options: PublishOptions = {},
	): Promise<PublishedMessage> {
		try {
			return await this.publishOnce(job, downloads, options);
		} catch (error) {
			if (error instanceof DeliveryError) throw error;
			throw new DeliveryError(describeError(error), classify(error) === 'transient', { cause: error });
		}
	}

	/** Tells the member that Discord did not take the job's message before the bot gave up (see `jobs/delivery.ts`). */
	public async publishGaveUp(
		job: FinishedJob,
		reason: string,
		options: PublishOptions = {},
	): Promise<PublishedMessage> {
		const log = this.logger.child({ jobId: job.id, guildId: job.target.guildId, channelId: job.target.channelId });
		const since = discordTimestamp(job.state.finishedAt, TimestampStyles.ShortDateTime);
		const why: Wording = (language) => t(language, 'result.discordUnavailable', { since });
		try {
			const routes = routesFor({ rest: this.rest, job, options, log, now: this.now });
			const notice = await tryRoutes(routes, noticeMessage(job, reason, why), log);
			if (notice.landed) return published(notice.via, notice.message, job.id, new Map(), reason);
			throw new DeliveryError(`The notice could not be posted: ${notice.reasons.join('; ')}`, false);
		} catch (error) {
			if (error instanceof DeliveryError) throw error;
			throw new DeliveryError(describeError(error), classify(error) === 'transient', { cause: error });
		}
	}

	private async publishOnce(
		job: FinishedJob,
		downloads: DownloadResult[],
		options: PublishOptions,
	): Promise<PublishedMessage> {
		const log = this.logger.child({ jobId: job.id, guildId: job.target.guildId, channelId: job.target.channelId });
		const { delivery } = job.state;
		const posting = delivery.state === 'pending' ? delivery.posting : undefined;
		if (posting) {
			const found = await this.posted.find(job, posting).catch((error: unknown) => {
				// Nothing found is no proof it was not posted, but the nonce still covers a recent post.
				log.warn({ err: error, posting }, 'Could not look for an earlier post; posting again');
				return undefined;
			});
			if (found) {
				log.info({ via: posting.route, messageId: found.id }, 'Found the message an earlier attempt posted');
				return published(posting.route, found, job.id, new Map(), posting.notice);
			}
		}

		const routes = routesFor({ rest: this.rest, job, options, log, now: this.now });
		const message = await timed('rendering', job.id, async () => this.resultMessage(job, downloads));
		const result = await tryRoutes(routes, message, log);
		if (result.landed) {
			if (result.refusedEdit) await this.pointReplyTo(job, result, log);
			return published(result.via, result.message, job.id, result.sent.resultIndexes, result.sent.notice);
		}
		const reasons = result.reasons.join('; ');
		if (result.refusal === undefined) throw new DeliveryError(`No route reaches the member: ${reasons}`, false);

		// The message itself was refused: tell the member by a route still open, rather than leave them with "Working…".
		log.warn({ reasons: result.reasons }, 'The job’s message was refused everywhere; sending a notice instead');
		const why = result.refusalWording ?? result.refusal;
		const notice = await tryRoutes(result.open, noticeMessage(job, result.refusal, why), log);
		if (notice.landed) return published(notice.via, notice.message, job.id, new Map(), result.refusal);
		throw new DeliveryError(`The job’s message was refused (${reasons}), and so was the notice`, false);
	}

	/** The job's message, with its buttons, and without them as a fallback. */
	private async resultMessage(job: FinishedJob, downloads: DownloadResult[]): Promise<Outgoing> {
		const limit = job.target.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
		const fitted = fitUploads(downloads, limit);
		// Succeeded results carry their buttons and a hint of the reactions (see `actions/`).
		const emoji = await this.emojiFor?.(job.target.guildId).catch((error: unknown) => {
			this.logger.warn({ err: error, guildId: job.target.guildId }, 'Server emoji unavailable; using the defaults');
			return undefined;
		});
		const plain = renderFinished(job, fitted);
		const mentioned = renderFinished(job, fitted, { mention: true });
		const files: RawFile[] = [];
		const resultIndexes = new Map<string, number>();
		for (const [index, download] of fitted.entries()) {
			if (!download.ok) continue;
			files.push({ name: download.file.name, data: download.file.data, contentType: download.file.contentType });
			resultIndexes.set(download.file.name, index);
		}
		// String ids, as discord.js sends them: the official schema types attachment ids as snowflake strings.
		const attachments = files.map((file, index) => ({ id: String(index), filename: file.name }));
		const message = (plainBody: RenderedMessage, mentionedBody: RenderedMessage): Outgoing => ({
			plain: { ...plainBody, attachments },
			mentioned: { ...mentionedBody, attachments },
			files,
			resultIndexes,
		});
		return {
			...message(withResultActions(job, plain, emoji), withResultActions(job, mentioned, emoji)),
			withoutButtons: message(withoutActions(job, plain), withoutActions(job, mentioned)),
		};
	}

	/**
	 * The reply refused the message, which went by a new message or a DM instead: the reply says where, rather than
	 * "Working…". Not recorded, so not repeated: a nicety, the delivery is what counts.
	 */
	private async pointReplyTo(
		job: FinishedJob,
		result: Extract<ChainResult, { landed: true }>,
		log: Logger,
	): Promise<void> {
		const pointer = renderElsewhere(job, {
			via: result.via === 'dm' ? 'dm' : 'channel',
			explained: result.sent.notice !== undefined,
		});
		try {
			await result.refusedEdit?.send({
				plain: { ...pointer, components: [], attachments: [] },
				mentioned: { ...pointer, components: [], attachments: [] },
				files: [],
				resultIndexes: new Map(),
			});
		} catch (error) {
			log.warn({ err: error }, 'Could not point the reply to where the message went');
		}
	}
}

/**
 * The short notice that the job's own message could not be posted, as an outgoing message without files: `why` for
 * the member, `reason` (English) recorded on the job.
 */
function noticeMessage(job: FinishedJob, reason: string, why: Wording): Outgoing {
	const body = (rendered: RenderedMessage): MessageBody => ({ ...rendered, components: [], attachments: [] });
	return {
		plain: body(renderUndeliverable(job, why)),
		mentioned: body(renderUndeliverable(job, why, { mention: true })),
		files: [],
		resultIndexes: new Map(),
		notice: reason,
	};
}

/** Keeps downloads within one message's upload limit; the rest become links. */
export function fitUploads(downloads: DownloadResult[], limitBytes: number): DownloadResult[] {
	let total = 0;
	return downloads.map((download) => {
		if (!download.ok) return download;
		total += download.file.data.byteLength;
		return total <= limitBytes
			? download
			: { ok: false, url: download.url, failure: 'too-large', reason: 'over the upload limit' };
	});
}
