/**
 * Two bot processes (each its own discord.js client and HTTP server) sharing one Redis store, as two replicas behind
 * one public URL would: the same callback delivered to both at once produces exactly one Discord delivery, and one
 * process at a time asks the provider about a job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, replicaConfig } from './harness.js';
import { resultEdit } from './requests.js';

describe.runIf(REDIS_TESTS_ENABLED)('two processes on one Redis store', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	const bots: Bot[] = [];

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord(), startFakeMidjourney()]);
		for (let index = 0; index < 2; index++) {
			const identified = discord.waitForIdentify();
			const config = replicaConfig({ discord, mj }, `${redis.url}/0`);
			bots.push(await startBot({ config, logger: createLogger('silent') }));
			await identified;
		}
	});
	afterAll(async () => {
		for (const bot of bots) await bot.stop();
		await Promise.all([discord?.close(), mj?.close(), redis?.stop()]);
	});

	it('delivers a callback that reaches both processes at the same moment exactly once', async () => {
		const { token } = discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'twins' }] });
		const generate = await mj.waitForGenerate(0);
		const taskId = generate.taskId!;
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		mj.succeed(taskId);
		const path = new URL(String(generate.body.callBackUrl));
		const urls = bots.map((bot) => `http://127.0.0.1:${bot.port}${path.pathname}${path.search}`);
		const answers = await Promise.all(urls.map(async (url) => mj.sendCallback(taskId, { url })));
		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
		const isResult = resultEdit(token);
		await discord.waitForRequest(isResult);
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		// The provider retries later, to either replica.
		await Promise.all(urls.map(async (url) => mj.sendCallback(taskId, { url })));
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		expect(discord.requests.filter(isResult)).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(1);
	});

	it('asks the provider about a job from one process at a time (the poll lease)', async () => {
		const before = mj.generateRequests.length;
		const { token } = discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'lease' }] });
		const generate = await mj.waitForGenerate(before);
		const taskId = generate.taskId!;
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		mj.succeed(taskId);
		// A slow provider: the first process's query is still waiting when the second process gets its callback.
		const release = mj.holdRecordInfo();
		const path = new URL(String(generate.body.callBackUrl));
		const answers = await Promise.all(
			bots.map(async (bot) =>
				mj.sendCallback(taskId, { url: `http://127.0.0.1:${bot.port}${path.pathname}${path.search}` }),
			),
		);
		try {
			expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
			await eventually(() => mj.recordInfoRequests.includes(taskId), 'the first query');
			// The process without the lease gives up for now (its work settles); the other still waits for its answer.
			await Promise.race(bots.map(async (bot) => bot.jobs.idle()));
			expect(mj.recordInfoRequests.filter((id) => id === taskId)).toHaveLength(1);
		} finally {
			release();
		}
		const isResult = resultEdit(token);
		await discord.waitForRequest(isResult, 10_000);
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		expect(discord.requests.filter(isResult)).toHaveLength(1);
	});

	it('delivers a callback that reaches the other process before the submit’s answer was stored', async () => {
		const before = mj.generateRequests.length;
		const { token } = discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'early' }] });
		// The provider has the task, and calls back at once, to the replica that did not submit it.
		const generate = await mj.waitForGenerate(before);
		const taskId = generate.taskId!;
		mj.succeed(taskId);
		const path = new URL(String(generate.body.callBackUrl));
		const answers = await Promise.all(
			bots.map(async (bot) =>
				mj.sendCallback(taskId, { url: `http://127.0.0.1:${bot.port}${path.pathname}${path.search}` }),
			),
		);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
		const isResult = resultEdit(token);
		await discord.waitForRequest(isResult, 10_000);
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		expect(discord.requests.filter(isResult)).toHaveLength(1);
	});
});
