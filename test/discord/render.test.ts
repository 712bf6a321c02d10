import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src/api/types.js';
import {
	describeParameters,
	escapePrompt,
	quotePrompt,
	renderUndeliverable,
	renderFinished,
	renderWorking,
	type RenderedMessage,
} from '../../src/discord/render.js';
import { NO_PINGS } from '../../src/discord/respond.js';
import type { DownloadResult } from '../../src/jobs/download.js';
import type { FinishedJob, FinishedOutcome, JobRecord } from '../../src/jobs/types.js';

const CREATED = 1_700_000_000_123;
const FINISHED = 1_700_000_456_789;
const REQUESTER = '100000000000000003';

const IMAGINE: GenerateRequest = {
	taskType: 'mj_txt2img',
	prompt: 'a lighthouse at dusk',
	params: { aspectRatio: '16:9', version: '7', speed: 'fast', variety: 10, stylization: 250, weirdness: 0 },
};

function job(request: GenerateRequest = IMAGINE, kind: JobRecord['kind'] = 'imagine'): JobRecord {
	return {
		id: 'job-1',
		kind,
		createdAt: CREATED,
		target: {
			guildId: '100000000000000001',
			channelId: '100000000000000002',
			requesterId: REQUESTER,
			interaction: {
				applicationId: '100000000000000004',
				token: 'interaction-token',
				expiresAt: CREATED + 15 * 60_000,
			},
		},
		request,
		state: { phase: 'submitted', taskId: 'task-1', submittedAt: CREATED + 500 },
	};
}

function finishedJob(outcome: FinishedOutcome, request: GenerateRequest = IMAGINE): FinishedJob {
	return {
		...job(request),
		state: {
			phase: 'finished',
			taskId: 'task-1',
			outcome,
			finishedAt: FINISHED,
			delivery: { state: 'pending', attempts: 0 },
		},
	};
}

const SUCCEEDED: FinishedOutcome = {
	status: 'succeeded',
	resultUrls: [1, 2, 3, 4].map((index) => `https://cdn.example.com/result-${index}.png`),
};

function uploaded(url: string): DownloadResult {
	return { ok: true, url, file: { name: 'x.png', contentType: 'image/png', data: Buffer.from([1]) } };
}

function notUploaded(url: string): DownloadResult {
	return { ok: false, url, failure: 'unavailable', reason: 'HTTP 404' };
}

/** What every rendered message must respect, whatever it says. */
function expectSendable(message: RenderedMessage): void {
	expect(message.content.length).toBeGreaterThan(0);
	expect(message.content.length).toBeLessThanOrEqual(2000);
	expect(message.allowed_mentions).toEqual({ parse: [] });
	expect(message.allowed_mentions.users ?? []).toEqual([]);
	expect(message.allowed_mentions.roles ?? []).toEqual([]);
	expect(message.allowed_mentions.replied_user ?? false).toBe(false);
}

const LONG_PROMPTS: Array<[string, string]> = [
	['one 2000-character line', 'x'.repeat(2000)],
	[
		'2000 characters in 40 lines',
		Array.from({ length: 40 }, () => 'y'.repeat(49))
			.join('\n')
			.padEnd(2000, 'z'),
	],
	[
		'1000 one-character lines',
		Array.from({ length: 1000 }, () => 'a')
			.join('\n')
			.padEnd(2000, '\n'),
	],
	['2000 newlines', '\n'.repeat(2000)],
	[
		'alternating words and blank lines',
		Array.from({ length: 500 }, () => 'ab\n\n')
			.join('')
			.slice(0, 2000),
	],
];

describe('renderWorking', () => {
	it('shows the command, the requester, a live start time, the prompt and the parameters', () => {
		const message = renderWorking(job());
		expectSendable(message);
		expect(message.content).toContain('**/imagine**');
		expect(message.content).toContain(`<@${REQUESTER}>`);
		expect(message.content).toContain(`<t:${Math.floor(CREATED / 1000)}:R>`);
		expect(message.content).toContain('> a lighthouse at dusk');
		expect(message.content).toContain(describeParameters(IMAGINE));
	});

	it.each(LONG_PROMPTS)('stays within 2000 characters with %s, keeping the parameters', (_label, prompt) => {
		expect(prompt.length).toBe(2000);
		const message = renderWorking(job({ ...IMAGINE, prompt }));
		expectSendable(message);
		expect(message.content).toContain(describeParameters(IMAGINE));
		expect(message.content).toContain('Working on it');
	});

	it('quotes every line of a multi-line prompt', () => {
		const message = renderWorking(job({ ...IMAGINE, prompt: 'first line\nsecond line\nthird' }));
		expect(message.content).toContain('> first line\n> second line\n> third');
	});

	it('shortens a long prompt visibly', () => {
		const message = renderWorking(job({ ...IMAGINE, prompt: 'x'.repeat(2000) }));
		expect(message.content).toContain('…');
		expect(message.content).not.toContain('x'.repeat(2000));
	});

	it('shows a short prompt in full', () => {
		const prompt = 'p'.repeat(1500);
		expect(renderWorking(job({ ...IMAGINE, prompt })).content).toContain(`> ${prompt}\n`);
	});

	it('pings nobody, even with mentions in the prompt', () => {
		const message = renderWorking(
			job({ ...IMAGINE, prompt: '@everyone @here <@&200000000000000000> <@300000000000000000>' }),
		);
		expectSendable(message);
		expect(message.allowed_mentions).toBe(NO_PINGS);
	});
});

describe('describeParameters: as sent, named like the options', () => {
	it('lists the image parameters in option order', () => {
		expect(describeParameters(IMAGINE)).toBe(
			'`aspect_ratio: 16:9` · `version: 7` · `speed: fast` · `variety: 10` · `stylization: 250` · `weirdness: 0`',
		);
	});

	it('shows video parameters, and hd for mj_video_hd', () => {
		const request: GenerateRequest = {
			taskType: 'mj_video_hd',
			prompt: 'waves',
			imageUrl: 'https://cdn.example.com/source.png',
			params: { motion: 'high', videoBatchSize: 2 },
		};
		expect(describeParameters(request)).toBe('`motion: high` · `batch_size: 2` · `hd: true`');
		expect(describeParameters({ ...request, taskType: 'mj_video' })).toBe('`motion: high` · `batch_size: 2`');
	});

	it('shows omni_weight', () => {
		expect(
			describeParameters({
				taskType: 'mj_omni_reference',
				prompt: 'a knight',
				imageUrl: 'https://cdn.example.com/source.png',
				params: { version: '7', omniWeight: 400 },
			}),
		).toBe('`version: 7` · `omni_weight: 400`');
	});

	it('says when nothing was set', () => {
		expect(describeParameters({ taskType: 'mj_txt2img', prompt: 'a cat', params: {} })).toBe('`API defaults`');
	});
});

describe('renderFinished', () => {
	it('shows a success with its parameters and finish time', () => {
		const message = renderFinished(finishedJob(SUCCEEDED), SUCCEEDED.resultUrls.map(uploaded));
		expectSendable(message);
		expect(message.content).toContain('✅');
		expect(message.content).toContain(`<@${REQUESTER}>`);
		expect(message.content).toContain(`<t:${Math.floor(FINISHED / 1000)}:R>`);
		expect(message.content).toContain('> a lighthouse at dusk');
		expect(message.content).toContain(describeParameters(IMAGINE));
		expect(message.content).not.toContain('http');
	});

	it('links the results that could not be uploaded, and only those', () => {
		const files = [
			uploaded(SUCCEEDED.resultUrls[0]!),
			notUploaded(SUCCEEDED.resultUrls[1]!),
			uploaded(SUCCEEDED.resultUrls[2]!),
			notUploaded(SUCCEEDED.resultUrls[3]!),
		];
		const message = renderFinished(finishedJob(SUCCEEDED), files);
		expectSendable(message);
		const links = [...message.content.matchAll(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g)].map((match) => match[2]);
		expect(links).toEqual([SUCCEEDED.resultUrls[1], SUCCEEDED.resultUrls[3]]);
		expect(message.content).toMatch(/expire/);
	});

	it('links a video too large to upload', () => {
		const video = 'https://cdn.example.com/video.mp4';
		const message = renderFinished(finishedJob({ status: 'succeeded', resultUrls: [video] }), [
			{ ok: false, url: video, failure: 'too-large', reason: 'too large (over 10485760 bytes)' },
		]);
		expect(message.content).toContain(`(${video})`);
	});

	it.each(LONG_PROMPTS)('stays within 2000 characters with %s and four links', (_label, prompt) => {
		const message = renderFinished(
			finishedJob(SUCCEEDED, { ...IMAGINE, prompt }),
			SUCCEEDED.resultUrls.map(notUploaded),
		);
		expectSendable(message);
		for (const url of SUCCEEDED.resultUrls) expect(message.content).toContain(`(${url})`);
		expect(message.content).toContain(describeParameters(IMAGINE));
	});

	it('stays within 2000 characters even when the links alone are long', () => {
		const long = [1, 2, 3, 4].map((index) => `https://cdn.example.com/${'s'.repeat(600)}/${index}.png`);
		const message = renderFinished(
			finishedJob({ status: 'succeeded', resultUrls: long }, { ...IMAGINE, prompt: 'q'.repeat(2000) }),
			long.map(notUploaded),
		);
		expectSendable(message);
	});

	it('shows a failure with the API’s reason', () => {
		const outcome: FinishedOutcome = { status: 'failed', reason: 'Your prompt was flagged by moderation.', code: 400 };
		const message = renderFinished(finishedJob(outcome), []);
		expectSendable(message);
		expect(message.content).toContain('❌');
		expect(message.content).toContain('failed');
		expect(message.content).toContain('Your prompt was flagged by moderation.');
		expect(message.content).toContain(`<@${REQUESTER}>`);
		expect(message.content).toContain(describeParameters(IMAGINE));
		expect(message.content).not.toContain('✅');
	});

	it.each(LONG_PROMPTS)('stays within 2000 characters with %s and a long reason', (_label, prompt) => {
		const reason = 'r'.repeat(3000);
		const message = renderFinished(finishedJob({ status: 'failed', reason }, { ...IMAGINE, prompt }), []);
		expectSendable(message);
		expect(message.content).toContain('r'.repeat(100));
		expect(message.content).toContain(describeParameters(IMAGINE));
	});

	it('pings nobody', () => {
		const failed = renderFinished(finishedJob({ status: 'failed', reason: '@everyone broke it' }), []);
		const succeeded = renderFinished(finishedJob(SUCCEEDED, { ...IMAGINE, prompt: '@here look' }), []);
		expect(failed.allowed_mentions).toEqual({ parse: [] });
		expect(succeeded.allowed_mentions).toEqual({ parse: [] });
	});
});

describe('escapePrompt: a prompt shows as typed', () => {
	it.each([
		['a heading', '# FREE NITRO', '\\# FREE NITRO'],
		['smaller headings', '## big\n### small', '\\## big\n\\### small'],
		['subtext', '-# tiny', '\\-# tiny'],
		['a masked link', '[click](https://evil.example)', '\\[click](https://evil.example)'],
		['a link with brackets inside', '[[x]](https://evil.example)', '\\[\\[x]](https://evil.example)'],
		['@everyone and @here', '@everyone @here', '@\u200Beveryone @\u200Bhere'],
		['user, role and channel mentions', '<@123> <@!123> <@&456> <#789>', '\\<@123> \\<@!123> \\<@&456> \\<#789>'],
		['a command mention', '</imagine:123>', '\\</imagine:123>'],
		['bold', '**bold**', '\\*\\*bold\\*\\*'],
		['italics', '*it* _it_', '\\*it\\* \\_it\\_'],
		['strikethrough and spoilers', '~~gone~~ ||secret||', '\\~\\~gone\\~\\~ \\|\\|secret\\|\\|'],
		['inline code', '`code`', '\\`code\\`'],
		['a code block', '```js\nx\n```', '\\`\\`\\`js\nx\n\\`\\`\\`'],
		['a block quote', '> quoted\n>>> all', '\\> quoted\n\\>>> all'],
		['lists', '- one\n* two\n1. three', '\\- one\n\\* two\n1\\. three'],
		[
			'long runs',
			'****** ______ ~~~ ||| ````',
			'\\*\\*\\*\\*\\*\\* \\_\\_\\_\\_\\_\\_ \\~\\~\\~ \\|\\|\\| \\`\\`\\`\\`',
		],
		['a backslash that would undo an escape', '\\# x', '\\\\# x'],
	])('%s', (_label, prompt, escaped) => {
		expect(escapePrompt(prompt)).toBe(escaped);
	});

	it('leaves links and custom emoji whole', () => {
		expect(escapePrompt('like https://example.com/a_b_c <:my_emoji:123456789012345678>')).toBe(
			'like https://example.com/a_b_c <:my_emoji:123456789012345678>',
		);
	});

	it('leaves plain text, emoji and ordinary punctuation alone', () => {
		expect(escapePrompt('a lighthouse at dusk, 16:9 — 🎨 <:paint:123456789012345678> 50% (soft)')).toBe(
			'a lighthouse at dusk, 16:9 — 🎨 <:paint:123456789012345678> 50% (soft)',
		);
	});

	it('quotes escaped, within the limit, never cutting an escape from what it escapes', () => {
		const quoted = quotePrompt('**'.repeat(500), 101);
		expect(quoted.length).toBeLessThanOrEqual(101);
		expect(quoted).toMatch(/^> (\\\*)+…$/);
	});

	it('is what the working message, the result and the failure show', () => {
		const prompt = '# FREE NITRO @everyone';
		const escaped = '> \\# FREE NITRO @\u200Beveryone';
		expect(renderWorking(job({ ...IMAGINE, prompt })).content).toContain(escaped);
		expect(renderFinished(finishedJob(SUCCEEDED, { ...IMAGINE, prompt }), []).content).toContain(escaped);
		const failed = finishedJob({ status: 'failed', reason: 'moderation' }, { ...IMAGINE, prompt });
		expect(renderFinished(failed, []).content).toContain(escaped);
	});
});

describe('renderUndeliverable', () => {
	it('names the job and what happened, and pings nobody', () => {
		const message = renderUndeliverable(finishedJob(SUCCEEDED), 'Discord refused (413/40005): too large');
		expectSendable(message);
		expect(message.content).toContain('Its result could not be posted: Discord refused (413/40005): too large');
		expect(message.content).toContain('`job-1`');
		expect(message.content).not.toContain('lighthouse');
	});
});
