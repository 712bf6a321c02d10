/**
 * Turns jobs into Discord message content. Pure functions: no I/O, easy to test.
 */
import { escapeMarkdown, type APIAllowedMentions } from 'discord.js';
import { isFollowUp, type SubmitRequest } from '../api/types.js';
import { DEFAULT_LANGUAGE, t, translatorFor, type Language, type Translate } from '../i18n/index.js';
import type { DownloadResult } from '../jobs/download.js';
import { failureReason } from '../jobs/failureReason.js';
import { promptOf, type FinishedJob, type JobRecord, type LineageStep } from '../jobs/types.js';
import { wordIn, type Wording } from '../userError.js';
import { NO_PINGS, MESSAGE_CONTENT_LIMIT } from './respond.js';
import { discordTimestamp } from './timestamp.js';

export interface RenderedMessage {
	content: string;
	allowed_mentions: APIAllowedMentions;
}

/** The parameters as they were sent, named like the slash-command options members typed. */
export function describeParameters(request: SubmitRequest, translate: Translate = translatorFor('en')): string {
	// A follow-up sends no parameters of its own: its line in the header already names what it acted on.
	if (isFollowUp(request)) return request.action === 'extend' ? `\`${request.mode}\`` : '';
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
	if (request.enableTranslation) parts.push('translate_prompt: true');
	return parts.length > 0 ? parts.map((part) => `\`${part}\``).join(' · ') : `\`${translate('result.apiDefaults')}\``;
}

/** The job's messages speak the language recorded on it (the channel's, when it was asked for). */
function translatorOf(job: JobRecord): Translate {
	return translatorFor(job.target.language ?? 'en');
}

function header(
	job: JobRecord,
	icon: string,
	state: 'result.started' | 'result.finished' | 'result.failed',
	at: number,
	mention = false,
): string {
	// In a fallback message the requester must be pinged (and is, through allowed_mentions); elsewhere it's a label.
	const prefix = mention ? `<@${job.target.requesterId}> ` : '';
	const language = job.target.language ?? 'en';
	return `${prefix}${t(language, 'result.header', {
		icon,
		title: jobTitle(job),
		requester: `<@${job.target.requesterId}>`,
		state: t(language, state),
		at: `<t:${Math.floor(at / 1000)}:R>`,
	})}`;
}

/**
 * What a job is, as its messages name it: the slash command in bold (`/imagine`), or a follow-up with what it acted on
 * (`**Vary of image 2**`) and a jump link to the result it came from.
 */
export function jobTitle(job: Pick<JobRecord, 'kind' | 'parent' | 'target'>): string {
	const language = job.target.language ?? DEFAULT_LANGUAGE;
	const step = followUpStep(job, language);
	if (!step) return `**/${job.kind}**`;
	const { parent, target } = job;
	const from =
		parent?.messageId === undefined
			? ''
			: ` ${t(language, 'followUps.fromMessage', { link: messageLink(target.guildId, target.channelId, parent.messageId) })}`;
	return `**${step}**${from}`;
}

/** What a job is named in a line about it: `/imagine`, or a follow-up's step (`Vary of image 2`). */
export function jobName(job: Pick<JobRecord, 'kind' | 'parent'>, language: Language = DEFAULT_LANGUAGE): string {
	return followUpStep(job, language) ?? `/${job.kind}`;
}

/** `Vary of image 2`, `Upscale of image 1`, `Extend of video 2`; undefined for a job started by a command. */
export function followUpStep(
	job: Pick<JobRecord, 'kind' | 'parent'>,
	language: Language = DEFAULT_LANGUAGE,
): string | undefined {
	const number = (job.parent?.imageIndex ?? 0) + 1;
	switch (job.kind) {
		case 'vary':
			return t(language, 'followUps.varyOf', { number });
		case 'upscale':
			return t(language, 'followUps.upscaleOf', { number });
		case 'extend':
			return t(language, 'followUps.extendOf', { number });
		default:
			return undefined;
	}
}

/** One step of a lineage as members know it: `/imagine`, `V2`, `Upscale 2`, `Extend 1`, `/remix 3`. */
function lineageLabel(step: LineageStep, language: Language): string {
	const number = (step.index ?? 0) + 1;
	switch (step.kind) {
		case 'vary':
			return t(language, 'followUps.lineageVary', { number });
		case 'upscale':
			return t(language, 'followUps.lineageUpscale', { number });
		case 'extend':
			return t(language, 'followUps.lineageExtend', { number });
		default:
			return step.index === undefined ? `/${step.kind}` : `/${step.kind} ${number}`;
	}
}

/** How a job came to be, oldest first (`/imagine → V2 → Upscale 1`); undefined for a job started by a command. */
export function describeLineage(
	job: Pick<JobRecord, 'kind' | 'parent'>,
	language: Language = DEFAULT_LANGUAGE,
): string | undefined {
	if (!job.parent) return undefined;
	const own: LineageStep = {
		kind: job.kind,
		...(job.parent.imageIndex === undefined ? {} : { index: job.parent.imageIndex }),
	};
	return [...(job.parent.lineage ?? []), own].map((step) => lineageLabel(step, language)).join(' → ');
}

/** A link that opens a message in Discord. */
export function messageLink(guildId: string | null, channelId: string, messageId: string): string {
	return `https://discord.com/channels/${guildId ?? '@me'}/${channelId}/${messageId}`;
}

/**
 * A member's text as Discord shows it literally: no bold, italics, code, strikethrough, spoilers, headings, subtext,
 * block quotes, lists, masked links or mentions. `allowed_mentions` already keeps a mention from pinging; escaping
 * keeps it (and a fake "# FREE NITRO" heading or a disguised link) from rendering at all.
 */
export function escapePrompt(text: string): string {
	// escapeMarkdown first doubles every backslash the member typed, so each escape added here or there stands alone.
	return (
		escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true })
			// What it leaves: subtext, block quotes, and links (an opening bracket escaped is never a masked link).
			.replace(/^([ \t]*)(-#|>)/gm, '$1\\$2')
			.replaceAll('[', '\\[')
			// Mentions of members, roles, channels and commands, and @everyone / @here.
			.replace(/<(?=[@#/])/g, '\\<')
			.replace(/@(?=everyone|here)/g, '@\u200B')
			// And the odd star, underscore, tilde, bar or backtick of a long run (`****`, `~~~`) that it leaves bare,
			// except inside links and custom emoji, which it leaves whole on purpose.
			.replace(LEFT_BARE, (match, kept?: string) => kept ?? (match.startsWith('\\') ? match : `\\${match}`))
	);
}

/** Links and custom emoji (kept), escape pairs (kept), or a markdown character still bare. */
const LEFT_BARE = /(https?:\/\/\S+|<a?:\w+:\d+>)|\\[^]|[*_~|`]/g;

/**
 * Quotes the prompt, escaped, in at most `max` characters in all (line markers and escapes included). A prompt too
 * long is cut, never inside a character (an emoji's surrogate pair) nor between an escape and what it escapes, and
 * marked with "…". Escaped once and then cut, rather than cut and escaped again: escaping is the costly part.
 */
export function quotePrompt(prompt: string, max: number): string {
	const quoted = escapedLines(prompt);
	if (quoted.length <= max) return quoted;
	let end = Math.max(0, max - 1);
	// A high surrogate without its low half, or a backslash cut from what it escapes, goes too.
	if (end > 0 && /[\uD800-\uDBFF]/.test(quoted[end - 1] ?? '')) end -= 1;
	const trailing = /\\*$/.exec(quoted.slice(0, end))?.[0].length ?? 0;
	if (trailing % 2 === 1) end -= 1;
	return `${quoted.slice(0, end)}…`;
}

/** The last prompts quoted: each message is rendered more than once (with and without a mention, then edited). */
const recentlyQuoted = new Map<string, string>();
const RECENTLY_QUOTED_MAX = 32;

function escapedLines(prompt: string): string {
	const known = recentlyQuoted.get(prompt);
	if (known !== undefined) return known;
	const quoted = escapePrompt(prompt)
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
	if (recentlyQuoted.size >= RECENTLY_QUOTED_MAX) recentlyQuoted.delete(recentlyQuoted.keys().next().value ?? '');
	recentlyQuoted.set(prompt, quoted);
	return quoted;
}

function compose(lines: { head: string; tail: string[] }, prompt: string): string {
	const tail = lines.tail.filter(Boolean).join('\n');
	// The prompt is the only unbounded part: give it whatever the rest leaves.
	const budget = Math.max(20, MESSAGE_CONTENT_LIMIT - lines.head.length - tail.length - 2);
	return [lines.head, quotePrompt(prompt, budget), tail].filter(Boolean).join('\n').slice(0, MESSAGE_CONTENT_LIMIT);
}

/**
 * The reply while a job waits (`queuePosition` ≥ 1: its place in the submission queue; `startsAt`: its estimated
 * start) or is being generated.
 */
export function renderWorking(job: JobRecord, queuePosition?: number, startsAt?: number): RenderedMessage {
	return {
		content: compose(
			{
				head: header(job, '⏳', 'result.started', job.createdAt),
				tail: [describeParameters(job.request, translatorOf(job)), workingStatus(job, queuePosition, startsAt)],
			},
			promptOf(job),
		),
		allowed_mentions: NO_PINGS,
	};
}

function workingStatus(job: JobRecord, queuePosition: number | undefined, startsAt: number | undefined): string {
	const translate = translatorOf(job);
	if (job.state.phase === 'submitting' && job.state.unknownSince !== undefined) return translate('result.unconfirmed');
	if (queuePosition !== undefined && queuePosition > 0 && startsAt !== undefined) {
		// A live stamp: Discord counts it down, so the reply needs no edit as the queue moves as estimated.
		return translate('queue.estimatedStart', { position: queuePosition, startsAt: discordTimestamp(startsAt) });
	}
	return queuePosition !== undefined && queuePosition > 0
		? translate('result.queued', { position: queuePosition })
		: translate('result.working');
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
					head: header(job, '❌', 'result.failed', finishedAt, options.mention),
					tail: [
						describeParameters(job.request, translatorOf(job)),
						translatorOf(job)('result.reason', { reason: failureReason(outcome, job.target.language).slice(0, 500) }),
					],
				},
				promptOf(job),
			),
			allowed_mentions: NO_PINGS,
		};
	}
	const tail = [describeParameters(job.request, translatorOf(job))];
	const links = linkLine(files, translatorOf(job));
	if (links) tail.push(links);
	return {
		content: compose({ head: header(job, '✅', 'result.finished', finishedAt, options.mention), tail }, promptOf(job)),
		allowed_mentions: NO_PINGS,
	};
}

/**
 * The short final message when a finished job's own message could not be posted anywhere: what happened, and the
 * job's id to ask about it. Nothing of the member's text, so nothing in it can be refused again.
 */
export function renderUndeliverable(
	job: FinishedJob,
	why: Wording,
	options: { mention?: boolean } = {},
): RenderedMessage {
	const { outcome, finishedAt } = job.state;
	const language = job.target.language ?? DEFAULT_LANGUAGE;
	const translate = translatorFor(language);
	const what =
		outcome.status === 'succeeded'
			? translate('result.undeliverableResult')
			: translate('result.undeliverableFailure', { reason: failureReason(outcome, language).slice(0, 300) });
	const head = header(job, '⚠️', 'result.finished', finishedAt, options.mention);
	return {
		content: `${head}\n${what}: ${wordIn(why, language).slice(0, 1000)}\n${jobLine(job.id, language)}`.slice(
			0,
			MESSAGE_CONTENT_LIMIT,
		),
		allowed_mentions: NO_PINGS,
	};
}

/** Where a job's message went instead of its reply; `explained`: a notice saying why went there. */
export interface Elsewhere {
	via: 'dm' | 'channel';
	explained: boolean;
}

const ELSEWHERE_KEYS = {
	dm: { plain: 'result.elsewhereSentByDm', explained: 'result.elsewhereExplainedByDm' },
	channel: { plain: 'result.elsewherePostedBelow', explained: 'result.elsewhereExplainedBelow' },
} as const;

/** The reply, when the job's message could not be shown in it and went elsewhere. */
export function renderElsewhere(job: FinishedJob, elsewhere: Elsewhere): RenderedMessage {
	const translate = translatorOf(job);
	const head = header(job, '📨', 'result.finished', job.state.finishedAt);
	const where = translate(ELSEWHERE_KEYS[elsewhere.via][elsewhere.explained ? 'explained' : 'plain']);
	return { content: `${head}\n${translate('result.elsewhere', { where })}`, allowed_mentions: NO_PINGS };
}

/** Names the job in a message, so it can be told apart later (see `DiscordPublisher`): its id in a code span. */
export function jobLine(jobId: string, language: Language = DEFAULT_LANGUAGE): string {
	return t(language, 'result.jobLine', { jobId });
}

/** Links to results that could not be uploaded, numbered like the results themselves; as many as fit whole. */
function linkLine(files: DownloadResult[], translate: Translate): string | undefined {
	const links = files.flatMap((file, index) =>
		file.ok ? [] : [`[${translate('result.resultLink', { number: index + 1 })}](${file.url})`],
	);
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
	return hidden > 0
		? translate('result.notUploadedMore', { links: shown.join(' '), count: hidden })
		: translate('result.notUploaded', { links: shown.join(' ') });
}
