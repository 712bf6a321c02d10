/**
 * The record of a post: what an earlier attempt posted is found again by the job it names (see `publisher.ts`), and
 * what landed is read back as the job's delivered files.
 */
import { Routes, SnowflakeUtil, makeURLSearchParams, type APIMessage, type APIUser, type REST } from 'discord.js';
import type { PublishedMessage } from '../jobs/contracts.js';
import type { DeliveredAttachment, DeliveryRoute, FinishedJob, PostAttempt } from '../jobs/types.js';
import { decodeActionId } from './customId.js';

/** A recorded post is looked for among messages from this long before the record (clocks differ a little). */
const CLOCK_SKEW_MS = 60_000;

/** Finds the message an earlier attempt posted, among the bot's own messages. */
export class PostedMessages {
	private botId: Promise<string> | undefined;

	public constructor(private readonly rest: REST) {}

	/** The message an earlier attempt posted (see the module's comment), if it is there. */
	public async find(job: FinishedJob, posting: PostAttempt): Promise<APIMessage | undefined> {
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

/** Whether a message is this job's own: a button for the whole job, or the line that names it. */
function namesJob(message: APIMessage, jobId: string): boolean {
	// The line is in the job's language; its id, in a code span, is the same in every one.
	if (message.content.includes(`\`${jobId}\``)) return true;
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
export function published(
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
