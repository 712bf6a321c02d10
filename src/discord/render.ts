/**
 * Turns jobs into Discord message content. Pure functions: no I/O, easy to test.
 */
import type { MessageFlags } from 'discord.js';
import { type APIAllowedMentions } from 'discord.js';
import type { GenerateRequest } from '../api/types.js';
import type { DownloadResult } from '../jobs/download.js';
import type { FinishedJob, JobRecord } from '../jobs/types.js';

const CONTENT_LIMIT = 2000;

export const NO_PINGS: APIAllowedMentions = { parse: [] };

export interface RenderedMessage {
	content: string;
	allowed_mentions: APIAllowedMentions;
	flags?: MessageFlags;
}

/** The parameters as they were sent, named like the slash-command options members typed. */
export function describeParameters(request: GenerateRequest): string {
	const parts: string[] = [];
	const params = new Map<string, unknown>(Object.entries(request.params));
	const labels: Array<[string, string]> = [
		['aspectRatio', 'aspect_ratio'],
		['version', 'version'],
		['speed', 'speed'],
		['variety', 'variety'],
		['stylization', 'stylization'],
		['weirdness', 'weirdness'],
		['omniWeight', 'omni_weight'],
		['motion', 'motion'],
		['videoBatchSize', 'batch_size'],
	];
	for (const [field, label] of labels) {
		const value = params.get(field);
		if (value !== undefined) parts.push(`${label}: ${String(value)}`);
	}
	if (request.taskType === 'mj_video_hd') parts.push('hd: true');
	return parts.length > 0 ? parts.map((part) => `\`${part}\``).join(' · ') : '`API defaults`';
}

function header(job: JobRecord, icon: string, verb: string, at: number, mention = false): string {
	// In a fallback message the requester must be pinged (and is, through allowed_mentions); elsewhere it's a label.
	const prefix = mention ? `<@${job.target.requesterId}> ` : '';
	return `${prefix}${icon} **/${job.kind}** for <@${job.target.requesterId}> — ${verb} <t:${Math.floor(at / 1000)}:R>`;
}

/** Quotes the prompt, shortened so the whole message stays within Discord's limit. */
function quotePrompt(prompt: string, budget: number): string {
	const room = Math.max(20, budget);
	// Cut by code points so an emoji is never split into a broken half.
	const points = Array.from(prompt);
	const shown =
		prompt.length > room
			? `${points.slice(0, Math.max(1, room - 1 - (prompt.length - points.length))).join('')}…`
			: prompt;
	return shown
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}

function compose(lines: { head: string; tail: string[] }, prompt: string): string {
	const tail = lines.tail.join('\n');
	// The prompt is the only unbounded part: give it whatever the rest leaves, line markers included.
	const budget = CONTENT_LIMIT - lines.head.length - tail.length - 10 - prompt.split('\n').length * 2;
	return [lines.head, quotePrompt(prompt, budget), tail].filter(Boolean).join('\n').slice(0, CONTENT_LIMIT);
}

/** The reply while a job waits (`queuePosition` ≥ 1: its place in the submission queue) or is being generated. */
export function renderWorking(job: JobRecord, queuePosition?: number): RenderedMessage {
	return {
		content: compose(
			{
				head: header(job, '⏳', 'started', job.createdAt),
				tail: [describeParameters(job.request), workingStatus(job, queuePosition)],
			},
			job.request.prompt,
		),
		allowed_mentions: NO_PINGS,
	};
}

function workingStatus(job: JobRecord, queuePosition: number | undefined): string {
	if (job.state.phase === 'submitting' && job.state.unknownSince !== undefined) {
		return '⚠️ Midjourney did not confirm whether it started this job. It was not sent again, so it cannot be charged twice; if it did start, the result will appear here, and otherwise this message will say so.';
	}
	return queuePosition !== undefined && queuePosition > 0
		? `🕒 Queued — position ${queuePosition}. Midjourney accepts a limited number of jobs per minute; yours starts automatically.`
		: 'Working on it… this message will update with the result.';
}

export function renderFinished(
	job: FinishedJob,
	files: DownloadResult[],
	options: { mention?: boolean } = {},
): RenderedMessage {
	const { outcome, finishedAt } = job.state;
	if (outcome.status === 'failed') {
		return {
			content: compose(
				{
					head: header(job, '❌', 'failed', finishedAt, options.mention),
					tail: [describeParameters(job.request), `**Reason:** ${outcome.reason.slice(0, 500)}`],
				},
				job.request.prompt,
			),
			allowed_mentions: NO_PINGS,
		};
	}
	const tail = [describeParameters(job.request)];
	const links = linkLine(files);
	if (links) tail.push(links);
	return {
		content: compose({ head: header(job, '✅', 'finished', finishedAt, options.mention), tail }, job.request.prompt),
		allowed_mentions: NO_PINGS,
	};
}

/** Links to results that could not be uploaded, numbered like the results themselves; as many as fit whole. */
function linkLine(files: DownloadResult[]): string | undefined {
	const links = files.flatMap((file, index) => (file.ok ? [] : [`[result ${index + 1}](${file.url})`]));
	if (links.length === 0) return undefined;
	const LINK_BUDGET = 1200;
	const shown: string[] = [];
	let length = 0;
	for (const link of links) {
		if (length + link.length + 1 > LINK_BUDGET) break;
		shown.push(link);
		length += link.length + 1;
	}
	const hidden = links.length - shown.length;
	return `Not uploaded here, open before the links expire: ${shown.join(' ')}${hidden > 0 ? ` (+${hidden} more, too long to show)` : ''}`;
}
