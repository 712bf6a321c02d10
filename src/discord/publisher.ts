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
import { createHash } from 'node:crypto';
import {
	DiscordAPIError,
	HTTPError,
	RESTJSONErrorCodes,
	Routes,
	SnowflakeUtil,
	makeURLSearchParams,
	type APIMessage,
	type APIUser,
	type REST,
	type RawFile,
} from 'discord.js';
import type { JobPublisher, PublishOptions, PublishedMessage } from '../jobs/contracts.js';
import type { DownloadResult } from '../jobs/download.js';
import { DeliveryError } from '../jobs/errors.js';
import type { DeliveredAttachment, DeliveryRoute, FinishedJob, JobRecord, PostAttempt } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { ActionEmojiSet } from '../settings/actionEmoji.js';
import { withResultActions, withoutActions, type ButtonRow } from './components.js';
import { decodeActionId } from './customId.js';
import { tokenUsable } from './interactionToken.js';
import {
	jobLine,
	renderElsewhere,
	renderFinished,
	renderUndeliverable,
	renderWorking,
	type RenderedMessage,
} from './render.js';
import { pingOnly } from './respond.js';

/** Discord's default upload limit for a message without boosts. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** Discord's longest nonce. */
const NONCE_LENGTH = 25;
/** A recorded post is looked for among messages from this long before the record (clocks differ a little). */
const CLOCK_SKEW_MS = 60_000;

const { InvalidFormBodyOrContentType, UnknownEmoji } = RESTJSONErrorCodes;
/** The channel is gone or closed to the bot: neither an edit nor a new message there can work. */
const CHANNEL_CLOSED: readonly number[] = [
	RESTJSONErrorCodes.UnknownChannel,
	RESTJSONErrorCodes.MissingAccess,
	RESTJSONErrorCodes.MissingPermissions,
];
/** This route is closed (whatever the message), the next may be open. */
const ROUTE_CLOSED: readonly number[] = [
	RESTJSONErrorCodes.InvalidWebhookToken,
	RESTJSONErrorCodes.UnknownWebhook,
	RESTJSONErrorCodes.UnknownMessage,
	RESTJSONErrorCodes.UnknownUser,
	RESTJSONErrorCodes.CannotSendMessagesToThisUser,
	RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds,
	RESTJSONErrorCodes.InvalidRecipients,
];

type MessageBody = RenderedMessage & {
	components?: ButtonRow[];
	attachments: Array<{ id: string; filename: string }>;
};

/** One message to deliver, as the reply (`plain`) and as a new message that pings the requester (`mentioned`). */
interface Outgoing {
	plain: MessageBody;
	mentioned: MessageBody;
	files: RawFile[];
	/** Uploaded file name → the result's index, to map Discord's attachments back to results. */
	resultIndexes: Map<string, number>;
	/** The same message without buttons, for when Discord refuses them. */
	withoutButtons?: Outgoing;
	/** Set on the notice that the job's own message could not be posted, for this reason. */
	notice?: string;
}

interface Route {
	via: DeliveryRoute;
	/** Edits the reply (idempotent), rather than creating a message. */
	edits: boolean;
	send(message: Outgoing): Promise<APIMessage>;
}

/** How a route said no. */
type Refusal = 'transient' | 'channel-closed' | 'route-closed' | 'refused';

/** What trying the routes in turn came to. */
type ChainResult =
	| { landed: true; via: DeliveryRoute; message: APIMessage; sent: Outgoing; refusedEdit?: Route }
	/** `refusal`: why the message itself was refused, if it was (rather than every route being closed). */
	| { landed: false; refusal?: string; reasons: string[]; open: Route[] };

export class DiscordPublisher implements JobPublisher {
	private botId: Promise<string> | undefined;

	public constructor(
		private readonly rest: REST,
		private readonly logger: Logger,
		/** The emoji a server gives the result actions (its buttons and reaction hint); default: the standard set. */
		private readonly emojiFor?: (guildId: string) => Promise<ActionEmojiSet>,
		private readonly now: () => number = Date.now,
	) {}

	public async showWorking(job: JobRecord, queuePosition?: number): Promise<string> {
		const { interaction, channelId, replyTo, requesterId } = job.target;
		const rendered = renderWorking(job, queuePosition);
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

	private async publishOnce(
		job: FinishedJob,
		downloads: DownloadResult[],
		options: PublishOptions,
	): Promise<PublishedMessage> {
		const log = this.logger.child({ jobId: job.id, guildId: job.target.guildId, channelId: job.target.channelId });
		const { delivery } = job.state;
		const posting = delivery.state === 'pending' ? delivery.posting : undefined;
		if (posting) {
			const found = await this.findPosted(job, posting).catch((error: unknown) => {
				// Nothing found is no proof it was not posted, but the nonce still covers a recent post.
				log.warn({ err: error, posting }, 'Could not look for an earlier post; posting again');
				return undefined;
			});
			if (found) {
				log.info({ via: posting.route, messageId: found.id }, 'Found the message an earlier attempt posted');
				return published(posting.route, found, job.id, new Map(), posting.notice);
			}
		}

		const routes = this.routesFor(job, options, log);
		const result = await this.tryRoutes(routes, await this.resultMessage(job, downloads), log);
		if (result.landed) {
			if (result.refusedEdit) await this.pointReplyTo(job, result, log);
			return published(result.via, result.message, job.id, result.sent.resultIndexes, result.sent.notice);
		}
		const reasons = result.reasons.join('; ');
		if (result.refusal === undefined) throw new DeliveryError(`No route reaches the member: ${reasons}`, false);

		// The message itself was refused: tell the member by a route still open, rather than leave them with "Working…".
		log.warn({ reasons: result.reasons }, 'The job’s message was refused everywhere; sending a notice instead');
		const notice = await this.tryRoutes(result.open, noticeMessage(job, result.refusal), log);
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

	/** The routes to the member, in order; those not open for this job (no live token, no reply) left out. */
	private routesFor(job: FinishedJob, options: PublishOptions, log: Logger): Route[] {
		const { target } = job;
		const routes: Route[] = [];
		let dmChannel: string | undefined;
		const edit = (via: DeliveryRoute, route: `/${string}`, auth: boolean): Route => ({
			via,
			edits: true,
			send: async (message) =>
				(await this.rest.patch(route, {
					body: message.plain,
					files: message.files,
					auth,
				})) as APIMessage,
		});
		const post = async (
			route: PostAttempt['route'],
			channelId: string,
			body: MessageBody,
			message: Outgoing,
		): Promise<APIMessage> => {
			const nonce = nonceFor(job.id, message.notice === undefined ? route : `${route}-notice`);
			const attempt: PostAttempt = {
				route,
				channelId,
				nonce,
				at: this.now(),
				...(message.notice === undefined ? {} : { notice: message.notice }),
			};
			await options.beforePost?.(attempt);
			log.debug({ route, channelId }, 'Posting a new message');
			return (await this.rest.post(Routes.channelMessages(channelId), {
				body: { ...body, nonce, enforce_nonce: true },
				files: message.files,
			})) as APIMessage;
		};

		if (tokenUsable(target.interaction, this.now())) {
			const { applicationId, token } = target.interaction;
			routes.push(edit('interaction', Routes.webhookMessage(applicationId, token, '@original'), false));
		}
		if (target.messageId)
			routes.push(edit('channel-edit', Routes.channelMessage(target.channelId, target.messageId), true));
		routes.push({
			via: 'channel-message',
			edits: false,
			send: async (message) =>
				post(
					'channel-message',
					target.channelId,
					{
						...message.mentioned,
						allowed_mentions: pingOnly(target.requesterId),
					},
					message,
				),
		});
		routes.push({
			via: 'dm',
			edits: false,
			send: async (message) => {
				dmChannel ??= (
					(await this.rest.post(Routes.userChannels(), {
						body: { recipient_id: target.requesterId },
					})) as { id: string }
				).id;
				return post('dm', dmChannel, message.plain, message);
			},
		});
		return routes;
	}

	/** Tries each route in turn until one takes the message; throws at once on a transient failure. */
	private async tryRoutes(routes: readonly Route[], message: Outgoing, log: Logger): Promise<ChainResult> {
		const reasons: string[] = [];
		const open: Route[] = [];
		let refusal: string | undefined;
		let refusedEdit: Route | undefined;
		let channelClosed = false;
		let sending = message;
		for (const route of routes) {
			// Both edits change the same reply: one that refused the message speaks for the other.
			if (route.edits && refusedEdit) continue;
			if (channelClosed && route.via !== 'dm') continue;
			try {
				let landed: APIMessage;
				try {
					landed = await route.send(sending);
				} catch (error) {
					if (!sending.withoutButtons || !refusesButtons(error)) throw error;
					// Refused for its buttons only: without them by this route, and by every route after it.
					log.warn({ via: route.via, err: error }, 'Discord refused the buttons; sending the message without them');
					sending = sending.withoutButtons;
					landed = await route.send(sending);
				}
				return {
					landed: true,
					via: route.via,
					message: landed,
					sent: sending,
					...(refusedEdit ? { refusedEdit } : {}),
				};
			} catch (error) {
				const kind = classify(error);
				if (kind === 'transient') throw error;
				reasons.push(`${route.via}: ${describeError(error)}`);
				if (kind === 'refused') {
					refusal ??= describeError(error);
					open.push(route);
					if (route.edits) refusedEdit = route;
				}
				if (kind === 'channel-closed' && route.via !== 'dm') channelClosed = true;
				log.info({ via: route.via, code: codeOf(error), kind }, 'Route unavailable; trying the next one');
			}
		}
		return { landed: false, reasons, open, ...(refusal === undefined ? {} : { refusal }) };
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
		const where = result.via === 'dm' ? 'sent to you by DM' : 'posted below';
		const pointer = renderElsewhere(job, result.sent.notice === undefined ? where : `explained ${where}`);
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

	/** The message an earlier attempt posted (see the module's comment), if it is there. */
	private async findPosted(job: FinishedJob, posting: PostAttempt): Promise<APIMessage | undefined> {
		const botId = await this.botUserId();
		const after = SnowflakeUtil.generate({ timestamp: Math.max(0, posting.at - CLOCK_SKEW_MS) }).toString();
		const recent = (await this.rest.get(Routes.channelMessages(posting.channelId), {
			query: makeURLSearchParams({ after, limit: 100 }),
		})) as APIMessage[];
		return recent.find(
			(message) => message.author.id === botId && message.id !== job.target.messageId && namesJob(message, job.id),
		);
	}

	private async botUserId(): Promise<string> {
		this.botId ??= (this.rest.get(Routes.user()) as Promise<APIUser>).then((user) => user.id);
		try {
			return await this.botId;
		} catch (error) {
			this.botId = undefined;
			throw error;
		}
	}
}

/** The short notice that the job's own message could not be posted, as an outgoing message without files. */
function noticeMessage(job: FinishedJob, why: string): Outgoing {
	const body = (rendered: RenderedMessage): MessageBody => ({ ...rendered, components: [], attachments: [] });
	return {
		plain: body(renderUndeliverable(job, why)),
		mentioned: body(renderUndeliverable(job, why, { mention: true })),
		files: [],
		resultIndexes: new Map(),
		notice: why,
	};
}

/** A nonce Discord can compare: the job and what the message is, hashed to its 25 characters. */
function nonceFor(jobId: string, what: string): string {
	return createHash('sha256').update(`${jobId}:${what}`).digest('base64url').slice(0, NONCE_LENGTH);
}

/** Whether a message is this job's own: a button for the whole job, or the line that names it. */
function namesJob(message: APIMessage, jobId: string): boolean {
	if (message.content.includes(jobLine(jobId))) return true;
	return customIds(message.components ?? []).some((customId) => {
		const decoded = decodeActionId(customId);
		return decoded?.jobId === jobId && decoded.index === undefined;
	});
}

function customIds(node: unknown): string[] {
	if (Array.isArray(node)) return node.flatMap(customIds);
	if (typeof node !== 'object' || node === null) return [];
	const { custom_id: own, components } = node as { custom_id?: unknown; components?: unknown };
	return [...(typeof own === 'string' ? [own] : []), ...customIds(components)];
}

/** What was posted, with the files as Discord now hosts them (their URLs outlive the provider's). */
function published(
	via: DeliveryRoute,
	message: APIMessage,
	jobId: string | undefined,
	resultIndexes: ReadonlyMap<string, number>,
	notice: string | undefined,
): PublishedMessage {
	const attachments: DeliveredAttachment[] = [];
	for (const attachment of message.attachments) {
		const sent = resultIndexes.get(attachment.filename) ?? indexFromName(jobId, attachment.filename);
		if (sent === undefined) continue;
		attachments.push({
			index: sent,
			url: attachment.url,
			filename: attachment.filename,
			contentType: attachment.content_type ?? null,
		});
	}
	return { via, messageId: message.id, attachments, ...(notice === undefined ? {} : { notice }) };
}

/** A result's index from the name it was uploaded under (`<jobId>_<n>.<ext>`, see `jobs/delivery.ts`). */
function indexFromName(jobId: string | undefined, filename: string): number | undefined {
	if (jobId === undefined || !filename.startsWith(`${jobId}_`)) return undefined;
	const number = /^(\d+)\./.exec(filename.slice(jobId.length + 1))?.[1];
	return number === undefined ? undefined : Number(number) - 1;
}

/** Keeps downloads within one message's upload limit; the rest become links. */
export function fitUploads(downloads: DownloadResult[], limitBytes: number): DownloadResult[] {
	let total = 0;
	return downloads.map((download) => {
		if (!download.ok) return download;
		total += download.file.data.byteLength;
		return total <= limitBytes ? download : { ok: false, url: download.url, reason: 'over the upload limit' };
	});
}

/** Discord refused the message for its buttons (an emoji it does not know, typically), not for the rest. */
function refusesButtons(error: unknown): boolean {
	if (!(error instanceof DiscordAPIError)) return false;
	const code = Number(error.code);
	// discord.js puts the fields Discord names (`components[0].components[1].emoji.id[…]`) in the message.
	return code === UnknownEmoji || (code === InvalidFormBodyOrContentType && /components|emoji/i.test(error.message));
}

function classify(error: unknown): Refusal {
	if (error instanceof DiscordAPIError) {
		// discord.js waits out 429s itself; one that still surfaces is as passing as a 5xx.
		if (error.status >= 500 || error.status === 429) return 'transient';
		const code = Number(error.code);
		if (CHANNEL_CLOSED.includes(code)) return 'channel-closed';
		if (ROUTE_CLOSED.includes(code) || error.status === 401) return 'route-closed';
		if (error.status === 403) return 'channel-closed';
		return 'refused';
	}
	if (error instanceof HTTPError) return error.status >= 500 || error.status === 0 ? 'transient' : 'refused';
	// Network failures and time-outs (after discord.js's own retries), and a store that could not record a post.
	return 'transient';
}

function describeError(error: unknown): string {
	if (error instanceof DiscordAPIError) {
		return `Discord refused (${error.status}/${error.code}): ${error.message.split('\n').join(' ')}`;
	}
	return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): number | string | undefined {
	return error instanceof DiscordAPIError ? error.code : undefined;
}
