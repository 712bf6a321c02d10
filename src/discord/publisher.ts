/**
 * Delivers a job's messages through Discord's REST API, by the best route still open:
 * the interaction webhook while its token lives, then the bot's own edit of the reply, then a new message in the
 * channel that mentions the requester, then a DM. discord.js's REST client already retries 5xx and network errors
 * and waits out 429s, so this module only decides *where* to deliver.
 */
import { DiscordAPIError, HTTPError, Routes, type APIMessage, type REST, type RawFile } from 'discord.js';
import type { DownloadResult } from '../jobs/download.js';
import { DeliveryError } from '../jobs/errors.js';
import type { JobPublisher, PublishedMessage } from '../jobs/service.js';
import type { DeliveredAttachment, DeliveryRoute, FinishedJob, JobRecord } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { ActionEmojiSet } from '../actions/emoji.js';
import { withResultActions } from './components.js';
import { renderFinished, renderWorking, type RenderedMessage } from './render.js';

/** Don't start an edit with a token that is about to expire. */
const TOKEN_SAFETY_MARGIN_MS = 60_000;
/** Discord's default upload limit for a message without boosts. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;

const DISCORD_ERRORS = {
	unknownChannel: 10003,
	unknownMessage: 10008,
	unknownWebhook: 10015,
	missingAccess: 50001,
	cannotSendToUser: 50007,
	missingPermissions: 50013,
	invalidWebhookToken: 50027,
} as const;

interface Payload {
	body: RenderedMessage & { attachments: Array<{ id: string; filename: string }> };
	files: RawFile[];
	/** Uploaded file name → the result's index, to map Discord's attachments back to results. */
	resultIndexes: Map<string, number>;
}

export class DiscordPublisher implements JobPublisher {
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
		if (
			job.target.messageId &&
			(!job.target.interaction || this.now() >= job.target.interaction.expiresAt - TOKEN_SAFETY_MARGIN_MS)
		) {
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
				allowed_mentions: { parse: [], users: [requesterId], replied_user: false },
				...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
			},
		})) as APIMessage;
		return message.id;
	}

	public async publish(job: FinishedJob, downloads: DownloadResult[]): Promise<PublishedMessage> {
		try {
			return await this.publishOnce(job, downloads);
		} catch (error) {
			throw new DeliveryError(describeError(error), isTransient(error), { cause: error });
		}
	}

	private async publishOnce(job: FinishedJob, downloads: DownloadResult[]): Promise<PublishedMessage> {
		const limit = job.target.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
		const fitted = fitUploads(downloads, limit);
		// Succeeded results carry their buttons and a hint of the reactions (see `actions/`).
		const emoji = await this.emojiFor?.(job.target.guildId).catch((error: unknown) => {
			this.logger.warn({ err: error, guildId: job.target.guildId }, 'Server emoji unavailable; using the defaults');
			return undefined;
		});
		const rendered = withResultActions(job, renderFinished(job, fitted), emoji);
		const mentioned = withResultActions(job, renderFinished(job, fitted, { mention: true }), emoji);
		const files: RawFile[] = [];
		const resultIndexes = new Map<string, number>();
		for (const [index, download] of fitted.entries()) {
			if (!download.ok) continue;
			files.push({ name: download.file.name, data: download.file.data, contentType: download.file.contentType });
			resultIndexes.set(download.file.name, index);
		}
		// String ids, as discord.js sends them: the official schema types attachment ids as snowflake strings.
		const attachments = files.map((file, index) => ({ id: String(index), filename: file.name }));
		return this.deliver(
			job,
			{ body: { ...rendered, attachments }, files, resultIndexes },
			{ body: { ...mentioned, attachments }, files, resultIndexes },
		);
	}

	/** `withMention` is the same message addressed to the requester, for routes where they must be pinged. */
	private async deliver(job: JobRecord, payload: Payload, withMention: Payload): Promise<PublishedMessage> {
		const { target } = job;
		const log = this.logger.child({ jobId: job.id, guildId: target.guildId, channelId: target.channelId });

		if (target.interaction && this.now() < target.interaction.expiresAt - TOKEN_SAFETY_MARGIN_MS) {
			const { applicationId, token } = target.interaction;
			try {
				const message = await this.send(
					'PATCH',
					Routes.webhookMessage(applicationId, token, '@original'),
					payload,
					false,
				);
				return published('interaction', message, payload);
			} catch (error) {
				if (
					!isDiscordError(
						error,
						DISCORD_ERRORS.invalidWebhookToken,
						DISCORD_ERRORS.unknownWebhook,
						DISCORD_ERRORS.unknownMessage,
					) &&
					!hasStatus(error, 401)
				)
					throw error;
				log.info({ code: codeOf(error) }, 'Interaction token unusable; editing as the bot');
			}
		}

		let channelGone = false;
		if (target.messageId) {
			try {
				const message = await this.send(
					'PATCH',
					Routes.channelMessage(target.channelId, target.messageId),
					payload,
					true,
				);
				return published('channel-edit', message, payload);
			} catch (error) {
				channelGone = isChannelUnreachable(error);
				if (!channelGone && !isDiscordError(error, DISCORD_ERRORS.unknownMessage)) throw error;
				log.info(
					{ code: codeOf(error) },
					channelGone ? 'Channel unreachable; sending by DM' : 'Reply is gone; posting a new message',
				);
			}
		}

		const mentioned: Payload = {
			...withMention,
			body: { ...withMention.body, allowed_mentions: { parse: [], users: [target.requesterId] } },
		};
		if (!channelGone) {
			try {
				const message = await this.send('POST', Routes.channelMessages(target.channelId), mentioned, true);
				return published('channel-message', message, payload);
			} catch (error) {
				if (!isChannelUnreachable(error)) throw error;
				log.info({ code: codeOf(error) }, 'Channel unreachable; sending by DM');
			}
		}

		const dm = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: target.requesterId } })) as {
			id: string;
		};
		const message = await this.send('POST', Routes.channelMessages(dm.id), payload, true);
		return published('dm', message, payload);
	}

	private async send(
		method: 'PATCH' | 'POST',
		route: `/${string}`,
		payload: Payload,
		auth: boolean,
	): Promise<APIMessage> {
		const options = { body: payload.body, files: payload.files, auth };
		return (await (method === 'PATCH'
			? this.rest.patch(route, options)
			: this.rest.post(route, options))) as APIMessage;
	}
}

/** What was posted, with the files as Discord now hosts them (their URLs outlive the provider's). */
function published(via: DeliveryRoute, message: APIMessage, payload: Payload): PublishedMessage {
	const attachments: DeliveredAttachment[] = [];
	for (const attachment of message.attachments) {
		const sent = payload.resultIndexes.get(attachment.filename);
		if (sent === undefined) continue;
		attachments.push({
			index: sent,
			url: attachment.url,
			filename: attachment.filename,
			contentType: attachment.content_type ?? null,
		});
	}
	return { via, messageId: message.id, attachments };
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

function isDiscordError(error: unknown, ...codes: number[]): error is DiscordAPIError {
	return error instanceof DiscordAPIError && codes.includes(Number(error.code));
}

function hasStatus(error: unknown, status: number): boolean {
	return error instanceof DiscordAPIError && error.status === status;
}

function isChannelUnreachable(error: unknown): boolean {
	return (
		isDiscordError(
			error,
			DISCORD_ERRORS.unknownChannel,
			DISCORD_ERRORS.missingAccess,
			DISCORD_ERRORS.missingPermissions,
		) || hasStatus(error, 403)
	);
}

/** Discord 5xx (after discord.js's own retries) and network failures may pass; 4xx answers will not. */
function isTransient(error: unknown): boolean {
	if (error instanceof DiscordAPIError) return error.status >= 500;
	if (error instanceof HTTPError) return error.status >= 500 || error.status === 0;
	return true;
}

function describeError(error: unknown): string {
	if (error instanceof DiscordAPIError) return `Discord refused (${error.status}/${error.code}): ${error.message}`;
	return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): number | string | undefined {
	return error instanceof DiscordAPIError ? error.code : undefined;
}
