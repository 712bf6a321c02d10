/**
 * The state scenarios (duplicates, restart recovery by callback and by polling) on every persistent store the bot
 * supports: the embedded SQLite file and Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { startWorld, type World } from './harness.js';
import { resultEdit } from './requests.js';

const STORES = REDIS_TESTS_ENABLED ? (['sqlite', 'redis'] as const) : (['sqlite'] as const);
if (STORES.length === 1)
	console.warn('redis-server is not installed: the Redis store scenarios are not run (CI runs them).');

let redis: RedisServer;
beforeAll(async () => {
	if (STORES.length > 1) redis = await startRedis();
});
afterAll(async () => {
	await redis?.stop();
});

describe.each(STORES)('state on %s', (kind) => {
	let world: World | undefined;
	let database = 0;
	// A fresh Redis database per test (Redis has 16), so no test resumes another's jobs.
	const storeEnv = (): Record<string, string> => (kind === 'redis' ? { STORE_URL: `${redis.url}/${++database}` } : {});

	afterEach(async () => {
		await world?.close();
		world = undefined;
	});

	it('delivers a repeated callback exactly once', async () => {
		world = await startWorld({ callbacks: true, env: storeEnv() });
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'x' }],
		});
		const { taskId } = await world.mj.waitForGenerate(0);
		world.mj.succeed(taskId!);
		const answers = await Promise.all([world.mj.sendCallback(taskId!), world.mj.sendCallback(taskId!)]);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
		await world.discord.waitForRequest(resultEdit(token));
		await world.bot.jobs.idle();
		expect(world.discord.requests.filter(resultEdit(token))).toHaveLength(1);
	});

	it('recovers a submitted job after a restart, by callback', async () => {
		world = await startWorld({ callbacks: true, env: storeEnv() });
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'x' }],
		});
		const { taskId } = await world.mj.waitForGenerate(0);
		await world.bot.jobs.idle();
		await world.restart();
		world.mj.succeed(taskId!);
		expect((await world.mj.sendCallback(taskId!)).status).toBe(200);
		await world.discord.waitForRequest(resultEdit(token));
	});

	it('recovers a submitted job after a restart, by polling', async () => {
		world = await startWorld({ callbacks: false, env: { ...storeEnv(), POLL_INTERVAL_MS: '600000' } });
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'x' }],
		});
		const { taskId } = await world.mj.waitForGenerate(0);
		await world.bot.jobs.idle();
		await world.stopBot();
		world.mj.succeed(taskId!);
		await world.startBotAgain();
		await world.discord.waitForRequest(resultEdit(token));
		expect(world.mj.generateRequests).toHaveLength(1);
	});
});
