/**
 * The provider's limits are per account, not per process: two bot processes on one Redis store (here each running one
 * of two gateway shards, so each receives its own servers' commands) share one submission window between them, and a
 * job waiting for a grant when its process stops is submitted after the next start — never lost, never paid twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type Bot } from '../../src/bot.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { createLogger } from '../../src/logger.js';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../fakes/midjourney.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, replicaConfig } from './harness.js';

const STRING = 3;
/** One submission per window for the whole account; short enough that the test can wait for the next one. */
const LIMITS = { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '1500' };

describe.runIf(REDIS_TESTS_ENABLED)('rate limits shared by two processes on one Redis store', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	const bots: Bot[] = [];

	async function startProcess(shardId: '0' | '1'): Promise<Bot> {
		const identified = discord.waitForIdentify();
		const config = replicaConfig({ discord, mj }, `${redis.url}/0`, {
			SHARD_COUNT: '2',
			SHARD_IDS: shardId,
			...LIMITS,
		});
		const bot = await startBot({ config, logger: createLogger('silent') });
		await identified;
		return bot;
	}

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord({ shards: 2 }), startFakeMidjourney()]);
		bots.push(await startProcess('0'), await startProcess('1'));
	});
	afterAll(async () => {
		for (const bot of bots) await bot.stop();
		await Promise.all([discord?.close(), mj?.close(), redis?.stop()]);
	});

	it('lets one process submit while the other waits its turn, and keeps a waiting job across a restart', async () => {
		// Shard 0's server asks first and takes the window's only grant.
		discord.sendCommand({
			name: 'imagine',
			guildId: FAKE_IDS.guild,
			options: [{ name: 'prompt', type: STRING, value: 'first' }],
		});
		await mj.waitForGenerate(0);
		const submittedAt = Date.now();

		// Shard 1's server asks on the other process, whose own limiter has room: the shared window has not.
		discord.sendCommand({
			name: 'imagine',
			guildId: FAKE_IDS.guild2,
			options: [{ name: 'prompt', type: STRING, value: 'second' }],
		});
		const jobs = new JobRepository(bots[1]!.store);
		const waiting = await eventually(async () => {
			for (const id of await jobs.listOpen()) {
				const job = await jobs.get(id);
				if (job?.request.prompt === 'second' && job.state.phase === 'submitting') return job;
			}
			return undefined;
		}, 'the second job to wait for its grant');
		expect(mj.generateRequests).toHaveLength(1);

		// Its process stops while it waits (a deploy): nothing was sent, so the job goes back to the queue…
		await bots[1]!.stop();
		expect((await new JobRepository(bots[0]!.store).get(waiting.id))?.state).toEqual({ phase: 'queued', attempts: 0 });
		// …and the next start submits it, once the window allows.
		bots[1] = await startProcess('1');
		const second = await mj.waitForGenerate(1, 10_000);
		expect(second.body['prompt']).toBe('second');
		expect(Date.now() - submittedAt).toBeGreaterThanOrEqual(1_500);
		expect(mj.generateRequests).toHaveLength(2);
	});
});
