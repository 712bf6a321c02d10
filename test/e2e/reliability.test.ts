import { describe, expect, it } from 'vitest';
import type { FakeResponse } from '../../fakes/midjourney.js';
import { worldPerTest, type World } from './harness.js';
import { content, originalEdit, resultEdit } from './requests.js';

const STRING = 3;

const open = worldPerTest();

function imagine(w: World, prompt = 'a paper boat'): { id: string; token: string } {
	return w.discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: prompt }] });
}

describe('polling and late callbacks', () => {
	it('a callback that arrives after the safety-net poll delivered changes nothing', async () => {
		const w = await open({ callbacks: true, env: { CALLBACK_GRACE_MS: '30' } });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		w.mj.succeed(taskId!);
		await w.discord.waitForRequest(resultEdit(token));
		await w.bot.jobs.idle();
		const before = w.discord.requests.length;
		expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
		await w.bot.jobs.idle();
		expect(w.discord.requests.length).toBe(before);
		expect(w.discord.requests.filter(resultEdit(token))).toHaveLength(1);
	});
});

describe('restart recovery', () => {
	it('delivers by a callback that arrives after the bot restarted', async () => {
		const w = await open({ callbacks: true });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(originalEdit(token));
		await w.bot.jobs.idle();
		await w.restart();
		w.mj.succeed(taskId!);
		expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
		const result = await w.discord.waitForRequest(resultEdit(token));
		expect(result.files).toHaveLength(4);
		expect(w.mj.generateRequests).toHaveLength(1);
	});

	it('delivers by polling after the bot restarted', async () => {
		const w = await open({ callbacks: false, env: { POLL_INTERVAL_MS: '60000' } });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.bot.jobs.idle();
		await w.stopBot();
		w.mj.succeed(taskId!);
		await w.startBotAgain();
		// Recovery polls at once, whatever the usual interval.
		const result = await w.discord.waitForRequest(resultEdit(token));
		expect(result.files).toHaveLength(4);
		expect(w.mj.generateRequests).toHaveLength(1);
	});

	it('a graceful stop while jobs wait in the queue submits them after the restart, once each', async () => {
		const w = await open({ callbacks: false, env: { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '60000' } });
		const jobs = { first: imagine(w, 'first'), second: imagine(w, 'second') };
		// Two members at once: either may win the only slot; the other waits.
		const winner = (await w.mj.waitForGenerate(0)).body.prompt as 'first' | 'second';
		const waiting = winner === 'first' ? 'second' : 'first';
		await w.discord.waitForRequest(
			(r) => originalEdit(jobs[waiting].token)(r) && content(r).includes('Queued — position 1'),
		);
		await w.stopBot();
		expect(w.mj.generateRequests).toHaveLength(1);
		await w.startBotAgain();
		// The restarted process has a fresh window: the waiting job goes out exactly once.
		const resubmitted = await w.mj.waitForGenerate(1);
		expect(resubmitted.body.prompt).toBe(waiting);
		await w.bot.jobs.idle();
		expect(w.mj.generateRequests.map((r) => r.body.prompt)).toEqual([winner, waiting]);
	});
});

describe('delivery fallbacks when Discord refuses', () => {
	async function readyToDeliver(w: World) {
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(originalEdit(token));
		await w.bot.jobs.idle();
		w.mj.succeed(taskId!);
		return { token, taskId: taskId! };
	}

	it('edits the reply as the bot when the interaction token has expired (401/50027)', async () => {
		const w = await open({ callbacks: true });
		const { token, taskId } = await readyToDeliver(w);
		w.discord.expireToken(token);
		await w.mj.sendCallback(taskId);
		const edit = await w.discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.startsWith(`/channels/${w.discord.ids.channel}/messages/`),
		);
		expect(edit.files).toHaveLength(4);
		expect(edit.auth).toMatch(/^Bot /);
		expect(w.discord.violations).toEqual([]);
	});

	it('posts a new message mentioning the requester when the reply is gone (404/10008)', async () => {
		const w = await open({ callbacks: true });
		const { token, taskId } = await readyToDeliver(w);
		w.discord.expireToken(token);
		w.discord.failNext((r) => r.method === 'PATCH' && r.path.startsWith('/channels/'), {
			status: 404,
			body: { message: 'Unknown Message', code: 10008 },
		});
		await w.mj.sendCallback(taskId);
		const post = await w.discord.waitForRequest(
			(r) => r.method === 'POST' && r.path === `/channels/${w.discord.ids.channel}/messages`,
		);
		expect(post.files).toHaveLength(4);
		expect(content(post).startsWith(`<@${w.discord.ids.user}>`)).toBe(true);
		expect((post.body as { allowed_mentions: { users: string[] } }).allowed_mentions.users).toEqual([
			w.discord.ids.user,
		]);
		expect((post.body as { message_reference?: unknown }).message_reference).toBeUndefined();
		expect(w.discord.violations).toEqual([]);
	});

	it('sends a DM when the channel is closed to the bot (403/50001)', async () => {
		const w = await open({ callbacks: true });
		const { token, taskId } = await readyToDeliver(w);
		w.discord.expireToken(token);
		w.discord.failNext(
			(r) =>
				r.path.startsWith(`/channels/${w.discord.ids.channel}/`) ||
				r.path === `/channels/${w.discord.ids.channel}/messages`,
			{ status: 403, body: { message: 'Missing Access', code: 50001 } },
			2,
		);
		await w.mj.sendCallback(taskId);
		const dmChannel = w.discord.dmChannelId(w.discord.ids.user);
		const dm = await w.discord.waitForRequest(
			(r) => r.method === 'POST' && r.path === `/channels/${dmChannel}/messages`,
		);
		expect(dm.files).toHaveLength(4);
		expect(w.discord.violations).toEqual([]);
	});

	it('retries a delivery that failed with a Discord 5xx, and delivers once', async () => {
		const w = await open({ callbacks: true });
		const { token, taskId } = await readyToDeliver(w);
		// discord.js retries a 5xx three times itself; four 500s make the first delivery attempt fail.
		w.discord.failNext(resultEdit(token), { status: 500, body: { message: 'Internal Server Error', code: 0 } }, 4);
		await w.mj.sendCallback(taskId);
		const delivered = await w.discord.waitForRequest((r) => resultEdit(token)(r) && r.response.status === 200, 10_000);
		expect(delivered.files).toHaveLength(4);
		// discord.js gave up after its four tries: the fifth is the bot's own retry of the delivery, the only one that landed.
		expect(w.discord.requests.filter(resultEdit(token)).map((r) => r.response.status)).toEqual([
			500, 500, 500, 500, 200,
		]);
		expect(w.discord.requests.filter((r) => r.files.length > 0 && r.response.status === 200)).toEqual([delivered]);
	});
});

interface ProviderCase {
	name: string;
	responses: Array<{ response: FakeResponse; times?: number }>;
	generateCalls: number;
	/** The member's final message: the result (files) or a failure containing this text. */
	expect: 'result' | RegExp;
}

const apiError = (code: number, msg: string): FakeResponse => ({ status: code, body: { code, msg, data: null } });

const PROVIDER_CASES: ProviderCase[] = [
	{
		name: '401 invalid key',
		responses: [{ response: apiError(401, 'Unauthorized') }],
		generateCalls: 1,
		expect: /API key is invalid — a server admin must fix it/,
	},
	{
		name: '402 no credits',
		responses: [{ response: apiError(402, 'Insufficient credits') }],
		generateCalls: 1,
		expect: /out of credits/,
	},
	{
		name: '422 content policy',
		responses: [{ response: apiError(422, 'Your prompt was flagged by the content policy') }],
		generateCalls: 1,
		expect: /flagged by the content policy/,
	},
	{
		name: '429 then success',
		responses: [{ response: apiError(429, 'Too many requests') }],
		generateCalls: 2,
		expect: 'result',
	},
	{
		name: '455 then success',
		responses: [{ response: apiError(455, 'Maintenance') }],
		generateCalls: 2,
		expect: 'result',
	},
	{
		// The provider answered with its own error: final. Sending it again could pay twice if it did create a task.
		name: 'a 500 from the provider itself',
		responses: [{ response: apiError(500, 'Server error'), times: 10 }],
		generateCalls: 1,
		expect: /Midjourney API had an error \(500\)/,
	},
	{
		name: '501 generation failed',
		responses: [{ response: apiError(501, 'Generation failed') }],
		generateCalls: 1,
		expect: /Generation failed/,
	},
	{
		// Polling mode: no callback can name a task the time-out may have created, so the final word comes at once.
		name: 'a submit that times out',
		responses: [{ response: { kind: 'hang' } }],
		generateCalls: 1,
		expect: /did not confirm whether it started this job\. It was not resubmitted/,
	},
];

describe('provider errors reach the member in plain language, with no duplicate paid jobs', () => {
	it.each(PROVIDER_CASES)('$name', async ({ responses, generateCalls, expect: expected }) => {
		const w = await open({ callbacks: false, env: { MJ_RETRY_BASE_MS: '20', MJ_TIMEOUT_MS: '300' } });
		for (const { response, times } of responses) w.mj.respondToGenerate(response, times ?? 1);
		const { token } = imagine(w);
		if (expected === 'result') {
			const { taskId } = await w.mj.waitForGenerate(generateCalls - 1);
			w.mj.succeed(taskId!);
			await w.discord.waitForRequest(resultEdit(token));
		} else {
			const failure = await w.discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('❌'));
			expect(content(failure)).toMatch(expected);
		}
		await w.bot.jobs.idle();
		expect(w.mj.generateRequests).toHaveLength(generateCalls);
		expect(w.discord.violations).toEqual([]);
	});
});

describe('the submission queue', () => {
	it('submits 30 simultaneous jobs no faster than the limit, shows positions, and delivers all', async () => {
		const LIMIT = 10;
		const WINDOW = 1000;
		const w = await open({
			callbacks: true,
			env: { MJ_SUBMIT_LIMIT: String(LIMIT), MJ_SUBMIT_WINDOW_MS: String(WINDOW) },
		});
		const tokens = Array.from({ length: 30 }, (_, index) => imagine(w, `job ${index}`).token);
		const submitted = await w.mj.waitForGenerate(29, 15_000);
		expect(submitted.taskId).toBeTruthy();
		const times = w.mj.generateRequests.map((request) => request.receivedAt);
		for (let index = LIMIT; index < times.length; index++) {
			// Any LIMIT+1 consecutive submits span a window. The bot keeps a 10% margin; the test allows another 10% for
			// timestamps taken at the fake on a loaded 2-core machine (event-loop lag on either side bunches arrivals).
			expect(times[index]! - times[index - LIMIT]!).toBeGreaterThanOrEqual(WINDOW * 0.9);
		}
		const queuedEdits = w.discord.requests.filter(
			(r) => r.method === 'PATCH' && content(r).includes('Queued — position'),
		);
		expect(queuedEdits.length).toBeGreaterThan(0);

		for (const task of w.mj.tasks.values()) {
			w.mj.succeed(task.taskId);
			expect((await w.mj.sendCallback(task.taskId)).status).toBe(200);
		}
		for (const token of tokens) await w.discord.waitForRequest(resultEdit(token), 15_000);
		await w.bot.jobs.idle();
		for (const token of tokens) expect(w.discord.requests.filter(resultEdit(token))).toHaveLength(1);
		expect(w.mj.generateRequests).toHaveLength(30);
		expect(w.discord.violations).toEqual([]);
	}, 60_000);
});
