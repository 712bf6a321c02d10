/**
 * Two bot processes starting at once on a Redis store that holds pending deliveries (a first process stopped while
 * Discord was down): both resume them, and each result is posted once, including the one that can only go as a new
 * message (its reply deleted, its interaction token expired), which Discord does not make idempotent for long.
 */
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { eventually, replicaConfig } from '../e2e/harness.js';
import { content, originalEdit } from '../e2e/requests.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';

const STRING = 3;
/** The first process waits a minute between attempts: its deliveries are still pending when it stops. */
const SLOW_RETRIES = { DELIVERY_RETRY_BASE_MS: '60000', DELIVERY_RETRY_MAX_MS: '60000' };

describe.runIf(REDIS_TESTS_ENABLED)('two processes resuming the same pending deliveries', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	const bots: Bot[] = [];

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord(), startFakeMidjourney()]);
	});
	afterAll(async () => {
		for (const bot of bots) await bot.stop();
		await Promise.all([discord?.close(), mj?.close(), redis?.stop()]);
	});

	const start = async (): Promise<Bot> => {
		const config = replicaConfig({ discord, mj }, `${redis.url}/0`, SLOW_RETRIES);
		const bot = await startBot({ config, logger: createLogger('silent') });
		bots.push(bot);
		return bot;
	};

	/** A job finished while Discord refuses every upload: resolves with its reply token, job id and reply id. */
	async function finishedWhileDown(bot: Bot, prompt: string) {
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: prompt }],
		});
		const generate = await mj.waitForGenerate(mj.generateRequests.length);
		const shown = await discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('Working'));
		await bot.jobs.idle();
		const jobId = /\/callbacks\/mj\/([\w-]+)/.exec(String(generate.body.callBackUrl))![1]!;
		const callback = new URL(String(generate.body.callBackUrl));
		return { token, taskId: generate.taskId!, jobId, callback, replyId: (shown.response.body as APIMessage).id };
	}

	it('posts each result once', async () => {
		const first = await start();
		await first.jobs.idle();
		let down = true;
		discord.failNext(
			(r) => down && r.files.length > 0,
			{
				status: 502,
				body: undefined,
				raw: { data: Buffer.from('<h1>502 Bad Gateway</h1>'), contentType: 'text/html' },
			},
			1_000,
		);
		const edited = await finishedWhileDown(first, 'edited in place');
		// This one can only be posted as a new message.
		const posted = await finishedWhileDown(first, 'posted anew');
		discord.expireToken(posted.token);
		discord.messages.delete(posted.replyId);
		for (const job of [edited, posted]) {
			mj.succeed(job.taskId);
			const url = `http://127.0.0.1:${first.port}${job.callback.pathname}${job.callback.search}`;
			expect((await mj.sendCallback(job.taskId, { url })).status).toBe(200);
		}
		const jobs = first.store.collection<JobRecord>('jobs');
		await eventually(async () => {
			const stored = await Promise.all([edited, posted].map(async (job) => jobs.get(job.jobId)));
			return stored.every(
				(job) =>
					job?.state.phase === 'finished' && job.state.delivery.state === 'pending' && job.state.delivery.attempts > 0,
			);
		}, 'both deliveries failed once, and pending');
		await first.stop();
		bots.splice(bots.indexOf(first), 1);
		down = false;

		// The new message is held at Discord until both processes have resumed: the other one must not post it too.
		const channelPost = (r: RecordedRequest) =>
			r.method === 'POST' && r.path === `/channels/${discord.ids.channel}/messages` && r.files.length > 0;
		const held = discord.holdNext(channelPost);
		const [a, b] = await Promise.all([start(), start()]);
		await held.arrived;
		await Promise.race([a!.jobs.idle(), b!.jobs.idle()]);
		held.release();

		const store = a!.store.collection<JobRecord>('jobs');
		await eventually(
			async () => {
				const stored = await Promise.all([edited, posted].map(async (job) => store.get(job.jobId)));
				return stored.every((job) => job?.state.phase === 'finished' && job.state.delivery.state === 'delivered');
			},
			'both results delivered',
			15_000,
		);
		await Promise.all([a!.jobs.idle(), b!.jobs.idle()]);
		const taken = (r: RecordedRequest) => r.response.status === 200 && r.files.length > 0;
		expect(discord.requests.filter((r) => taken(r) && originalEdit(edited.token)(r))).toHaveLength(1);
		expect(discord.requests.filter((r) => taken(r) && channelPost(r))).toHaveLength(1);
		const shown = [...discord.messages.values()].filter((message) =>
			JSON.stringify(message.components ?? []).includes(`:${posted.jobId}`),
		);
		expect(shown).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(2);
	}, 60_000);
});
