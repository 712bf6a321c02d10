/**
 * Delivers a job's messages through Discord's REST API, by the best route still open:
 * the interaction webhook while its token lives, then the bot's own edit of the reply, then a new message in the
 * channel that mentions the requester, then a DM. discord.js's REST client already retries 5xx and network errors
 * and waits out 429s, so this module only decides *where* to deliver.
 */
import { DiscordAPIError, Routes, type REST, type RawFile } from 'discord.js';
import type { DownloadResult } from '../jobs/download.js';
import type { JobPublisher } from '../jobs/service.js';
import type { DeliveryRoute, FinishedJob, JobRecord } from '../jobs/types.js';
import type { Logger } from '../logger.js';
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
}

export class DiscordPublisher implements JobPublisher {
	public constructor(
		private readonly rest: REST,
		private readonly logger: Logger,
		private readonly now: () => number = Date.now,
	) {}

	public async showWorking(job: JobRecord): Promise<string> {
		const { applicationId, interactionToken } = job.target;
		const message = (await this.rest.patch(Routes.webhookMessage(applicationId, interactionToken, '@original'), {
			body: renderWorking(job),
			auth: false,
		})) as { id: string };
		return message.id;
	}

	public async publish(
		job: FinishedJob,
		downloads: DownloadResult[],
	): Promise<{ via: DeliveryRoute; messageId: string }> {
		const limit = job.target.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
		const fitted = fitUploads(downloads, limit);
		const rendered = renderFinished(job, fitted);
		const mentioned = renderFinished(job, fitted, { mention: true });
		const files: RawFile[] = [];
		for (const download of fitted) {
			if (download.ok)
				files.push({ name: download.file.name, data: download.file.data, contentType: download.file.contentType });
		}
		// String ids, as discord.js sends them: the official schema types attachment ids as snowflake strings.
		const attachments = files.map((file, index) => ({ id: String(index), filename: file.name }));
		return this.deliver(
			job,
			{ body: { ...rendered, attachments }, files },
			{ body: { ...mentioned, attachments }, files },
		);
	}

	/** `withMention` is the same message addressed to the requester, for routes where they must be pinged. */
	private async deliver(
		job: JobRecord,
		payload: Payload,
		withMention: Payload,
	): Promise<{ via: DeliveryRoute; messageId: string }> {
		const { target } = job;
		const log = this.logger.child({ jobId: job.id, guildId: target.guildId, channelId: target.channelId });

		if (this.now() < target.tokenExpiresAt - TOKEN_SAFETY_MARGIN_MS) {
			try {
				const message = await this.send(
					'PATCH',
					Routes.webhookMessage(target.applicationId, target.interactionToken, '@original'),
					payload,
					false,
				);
				return { via: 'interaction', messageId: message.id };
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
				return { via: 'channel-edit', messageId: message.id };
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
				return { via: 'channel-message', messageId: message.id };
			} catch (error) {
				if (!isChannelUnreachable(error)) throw error;
				log.info({ code: codeOf(error) }, 'Channel unreachable; sending by DM');
			}
		}

		const dm = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: target.requesterId } })) as {
			id: string;
		};
		const message = await this.send('POST', Routes.channelMessages(dm.id), payload, true);
		return { via: 'dm', messageId: message.id };
	}

	private async send(
		method: 'PATCH' | 'POST',
		route: `/${string}`,
		payload: Payload,
		auth: boolean,
	): Promise<{ id: string }> {
		const options = { body: payload.body, files: payload.files, auth };
		return (await (method === 'PATCH' ? this.rest.patch(route, options) : this.rest.post(route, options))) as {
			id: string;
		};
	}
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

function codeOf(error: unknown): number | string | undefined {
	return error instanceof DiscordAPIError ? error.code : undefined;
}
