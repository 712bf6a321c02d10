/**
 * `/readyz` tells a load balancer whether this process can do its work: it fails while the Redis store is down and
 * recovers when Redis is back, and the process stops cleanly afterwards (nothing waits forever on a lost connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, replicaConfig } from './harness.js';

describe.runIf(REDIS_TESTS_ENABLED)('readiness with the Redis store going away and coming back', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	let bot: Bot | undefined;

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord(), startFakeMidjourney()]);
	});
	afterAll(async () => {
		await bot?.stop();
		await Promise.all([discord?.close(), mj?.close(), redis?.stop()]);
	});

	async function readiness(): Promise<{ status: number; body: { checks: Record<string, boolean> } }> {
		const response = await fetch(`http://127.0.0.1:${bot!.port}/readyz`);
		return { status: response.status, body: (await response.json()) as { checks: Record<string, boolean> } };
	}

	it('answers 503 while the store is down, 200 once it is back, and stops cleanly after', async () => {
		const identified = discord.waitForIdentify();
		bot = await startBot({ config: replicaConfig({ discord, mj }, `${redis.url}/0`), logger: createLogger('silent') });
		await identified;
		expect(await readiness()).toEqual({
			status: 200,
			body: { status: 'ready', checks: { gateway: true, store: true } },
		});

		await redis.stop();
		// The store is asked at most every few seconds, so the answer from before may stand a moment longer.
		const down = await eventually(
			async () => {
				const answer = await readiness();
				return answer.status === 503 && answer;
			},
			'readiness while Redis is down',
			15_000,
		);
		expect(down.body.checks).toEqual({ gateway: true, store: false });
		// The liveness probe is unaffected: the process itself is fine, so it must not be restarted for this.
		expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);

		redis = await startRedis(redis.port);
		await eventually(async () => (await readiness()).status === 200, 'readiness after Redis is back', 15_000);

		const stopping = bot;
		bot = undefined;
		await stopping.stop();
	});

	it('stops cleanly while the store is still down', async () => {
		const identified = discord.waitForIdentify();
		bot = await startBot({ config: replicaConfig({ discord, mj }, `${redis.url}/0`), logger: createLogger('silent') });
		await identified;
		await redis.stop();
		expect((await readiness()).status).toBe(503);
		const stopping = bot;
		bot = undefined;
		await stopping.stop();
		redis = await startRedis(redis.port);
	});
});
