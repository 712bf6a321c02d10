/**
 * The provider's limits are per account, not per process: two bot processes on one Redis store (here each running one
 * of two gateway shards, so each receives its own servers' commands) share one submission window between them, and a
 * job waiting for a grant when its process stops (or dies: the store says nothing else) is submitted after the next
 * start — never lost, never paid twice.
 */
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { promptOf, type JobRecord } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, logSink, replicaConfig } from './harness.js';

const STRING = 3;
/** One submission per window for the whole account; short enough that the test can wait for the next one. */
const LIMITS = { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '1500' };

describe.runIf(REDIS_TESTS_ENABLED)('rate limits shared by two processes on one Redis store', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	const bots: Bot[] = [];
	/** Each process's log lines, by shard: shown when a test fails. */
	const logs: Record<'0' | '1', Array<Record<string, unknown>>> = { '0': [], '1': [] };

	async function startProcess(shardId: '0' | '1'): Promise<Bot> {
		const identified = discord.waitForIdentify();
		const config = replicaConfig({ discord, mj }, `${redis.url}/0`, {
			SHARD_COUNT: '2',
			SHARD_IDS: shardId,
			...LIMITS,
		});
		const bot = await startBot({ config, logger: createLogger('debug', logSink(logs[shardId])) });
		await identified;
		return bot;
	}

	/** Whether a key exists in the store's Redis database (a claim, say). */
	async function redisHas(key: string): Promise<boolean> {
		const client = createClient({ url: `${redis.url}/0` });
		await client.connect();
		try {
			return (await client.exists(key)) === 1;
		} finally {
			await client.close();
		}
	}

	/** An edit of the reply to the interaction with `token` whose text includes `text`. */
	const replyEdit = (token: string, text: string) => (request: { method: string; path: string; body: unknown }) =>
		request.method === 'PATCH' &&
		request.path.endsWith(`/${token}/messages/@original`) &&
		String((request.body as { content?: string }).content).includes(text);
	/** The open job whose prompt is `prompt`, as the store holds it. */
	async function openJob(bot: Bot, prompt: string): Promise<JobRecord | undefined> {
		const jobs = new JobRepository(bot.store);
		for (const id of await jobs.listOpen()) {
			const job = await jobs.get(id);
			if (job && promptOf(job) === prompt) return job;
		}
		return undefined;
	}
	const QUEUED = '🕒 Queued — position 1.';

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord({ shards: 2 }), startFakeMidjourney()]);
		bots.push(await startProcess('0'), await startProcess('1'));
	});
	afterEach((context) => {
		if (context.task.result?.state !== 'fail') return;
		for (const shardId of ['0', '1'] as const) {
			console.log(`process ${shardId}:\n${logs[shardId].map((line) => JSON.stringify(line)).join('\n')}`);
		}
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
		const { token } = discord.sendCommand({
			name: 'imagine',
			guildId: FAKE_IDS.guild2,
			options: [{ name: 'prompt', type: STRING, value: 'second' }],
		});
		// The member is told it waits its turn, not that it is being generated.
		await discord.waitForRequest(replyEdit(token, QUEUED));
		expect(mj.generateRequests).toHaveLength(1);
		// While it waits, the store holds what a crash must leave behind: a job still queued, its submission unclaimed.
		const waiting = await openJob(bots[1]!, 'second');
		expect(waiting?.state).toEqual({ phase: 'queued', attempts: 0 });
		const waitingId = waiting!.id;
		expect(await redisHas(`claims:submit:${waitingId}:0`)).toBe(false);

		// Its process stops while it waits (a deploy): nothing was sent, and the job is still in the queue…
		await bots[1]!.stop();
		expect((await new JobRepository(bots[0]!.store).get(waitingId))?.state).toEqual({ phase: 'queued', attempts: 0 });
		// …and the next start submits it. (Started once the window has room, so that it does not wait again: its
		// reply, last edited "queued" by the process that stopped, must still be told the job is being generated.)
		await eventually(async () => !(await redisHas('claims:rate:submit:0')), 'the shared window to have room');
		const queuedEdit = discord.requests.findIndex(replyEdit(token, QUEUED));
		bots[1] = await startProcess('1');
		const second = await mj.waitForGenerate(1, 10_000);
		expect(second.body['prompt']).toBe('second');
		// The claim that makes it one submission is taken now, by the process that sent it.
		expect(await redisHas(`claims:submit:${waitingId}:0`)).toBe(true);
		await discord.waitForRequest(replyEdit(token, 'Working on it'), 5_000, queuedEdit + 1);
		expect(Date.now() - submittedAt).toBeGreaterThanOrEqual(1_500);
		expect(mj.generateRequests).toHaveLength(2);
	});

	it('shows a job waiting for the shared window as queued, then as being generated once its turn comes', async () => {
		const before = mj.generateRequests.length;
		discord.sendCommand({
			name: 'imagine',
			guildId: FAKE_IDS.guild,
			options: [{ name: 'prompt', type: STRING, value: 'third' }],
		});
		await mj.waitForGenerate(before);
		// The grant "third" just took is newer than those "second" took from its process's own window and then from the
		// shared one: the process of shard 1 has room of its own, and "fourth" waits for the shared window only.
		const { token } = discord.sendCommand({
			name: 'imagine',
			guildId: FAKE_IDS.guild2,
			options: [{ name: 'prompt', type: STRING, value: 'fourth' }],
		});
		await discord.waitForRequest(replyEdit(token, QUEUED));
		const fourth = await mj.waitForGenerate(before + 1, 10_000);
		expect(fourth.body['prompt']).toBe('fourth');
		// After the "queued" edit, not before it: the reply now says it is being generated.
		const queuedEdit = discord.requests.findIndex(replyEdit(token, QUEUED));
		await discord.waitForRequest(replyEdit(token, 'Working on it'), 5_000, queuedEdit + 1);
	});
});
