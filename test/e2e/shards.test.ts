/**
 * Gateway sharding through the real discord.js client, Hono server and store, against the fake Discord with two
 * shards: `ids.guild` is on shard 0 and `ids.guild2` on shard 1 (Discord's `(guild_id >> 22) % 2`). Commands and
 * reactions work on either shard, in one process (SHARD_COUNT=2, or `auto`) and with the shards split over two
 * processes on one Redis store, where a callback reaching the process without the job's shard still delivers (REST).
 */
import { Writable } from 'node:stream';
import { GatewayDispatchEvents, ShardClientUtil } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_IDS, startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, replicaConfig, startWorld, type World } from './harness.js';
import { jobIdOf, resultEdit } from './requests.js';
import { waitForDelivery } from './stored.js';

const STRING = 3;
const METRICS_TOKEN = 'metrics-token-of-the-shard-tests-0123';
type Logs = Array<Record<string, unknown>>;

const isPickPost = (channelId: string, messageId: string) => (r: RecordedRequest) =>
	r.method === 'POST' &&
	r.path === `/channels/${channelId}/messages` &&
	r.files.length === 1 &&
	JSON.stringify(r.body).includes(messageId);

/** Which shard each gateway event of a kind reached a client on, by the event's id (interactions) or message. */
function shardLog(bot: Bot): { interactions: Map<string, number>; reactions: Map<string, number> } {
	const seen = { interactions: new Map<string, number>(), reactions: new Map<string, number>() };
	bot.client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: { id: string }, shardId: number) => {
		seen.interactions.set(data.id, shardId);
	});
	bot.client.ws.on(GatewayDispatchEvents.MessageReactionAdd, (data: { message_id: string }, shardId: number) => {
		seen.reactions.set(data.message_id, shardId);
	});
	return seen;
}

/** Sends /imagine in a guild's channel and waits until the provider got it: its token and job. */
async function imagine(
	discord: FakeDiscord,
	mj: FakeMidjourney,
	guildId: string,
	prompt: string,
): Promise<{ id: string; token: string; taskId: string; jobId: string; callbackUrl: URL }> {
	const before = mj.generateRequests.length;
	const { id, token } = discord.sendCommand({
		name: 'imagine',
		guildId,
		options: [{ name: 'prompt', type: STRING, value: prompt }],
	});
	const generate = await mj.waitForGenerate(before);
	expect(generate.body['prompt']).toBe(prompt);
	return {
		id,
		token,
		taskId: generate.taskId!,
		jobId: jobIdOf(generate),
		callbackUrl: new URL(String(generate.body['callBackUrl'])),
	};
}

describe('the fake Discord places the guilds as Discord would', () => {
	it('puts ids.guild on shard 0 and ids.guild2 on shard 1 of 2, by discord.js’s own formula', () => {
		expect(ShardClientUtil.shardIdForGuildId(FAKE_IDS.guild, 2)).toBe(0);
		expect(ShardClientUtil.shardIdForGuildId(FAKE_IDS.guild2, 2)).toBe(1);
	});
});

describe.each<{ mode: string; env: Record<string, string> }>([
	{ mode: 'SHARD_COUNT=2', env: { SHARD_COUNT: '2' } },
	{ mode: 'SHARD_COUNT unset (auto: as many as GET /gateway/bot recommends)', env: {} },
])('two shards in one process, $mode', ({ env }) => {
	let world: World;
	let seen: ReturnType<typeof shardLog>;

	beforeAll(async () => {
		world = await startWorld({ callbacks: true, env, discord: { shards: 2 } });
		seen = shardLog(world.bot);
	});
	afterEach((context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
	});
	afterAll(async () => {
		await world?.close();
	});

	it('identifies both shards, each with the guild on it', () => {
		const { discord, bot } = world;
		expect(discord.sessions).toEqual([
			{ shard: [0, 2], connected: true },
			{ shard: [1, 2], connected: true },
		]);
		expect(discord.identifyCount).toBe(2);
		expect(bot.client.ws.shards.size).toBe(2);
		expect(bot.client.options.shardCount).toBe(2);
		expect(bot.client.guilds.cache.get(discord.ids.guild)?.shardId).toBe(0);
		expect(bot.client.guilds.cache.get(discord.ids.guild2)?.shardId).toBe(1);
		expect(discord.warnings).toEqual([]);
	});

	it('delivers /imagine results in a guild on each shard', async () => {
		const { discord, mj } = world;
		const first = await imagine(discord, mj, discord.ids.guild, 'a lighthouse on shard zero');
		const second = await imagine(discord, mj, discord.ids.guild2, 'a lighthouse on shard one');
		expect(seen.interactions.get(first.id)).toBe(0);
		expect(seen.interactions.get(second.id)).toBe(1);
		for (const job of [second, first]) {
			mj.succeed(job.taskId);
			expect((await mj.sendCallback(job.taskId)).status).toBe(200);
		}
		const results = await Promise.all(
			[first, second].map(async (job) => discord.waitForRequest(resultEdit(job.token))),
		);
		expect(results.map((result) => result.files.length)).toEqual([4, 4]);
		const channels = results.map(
			(result) => discord.messages.get((result.response.body as { id: string }).id)?.channel_id,
		);
		expect(channels).toEqual([discord.ids.channel, discord.ids.channel2]);
		expect(discord.violations).toEqual([]);
	});

	it('acts on a reaction to a result in the guild on shard 1', async () => {
		const { discord, mj } = world;
		const job = await imagine(discord, mj, discord.ids.guild2, 'a harbour at dusk');
		const generated = mj.generateRequests.length;
		mj.succeed(job.taskId);
		expect((await mj.sendCallback(job.taskId)).status).toBe(200);
		const { messageId } = await waitForDelivery(() => world.bot.store, job.jobId);
		expect(discord.messages.get(messageId)?.channel_id).toBe(discord.ids.channel2);

		discord.sendReaction({ messageId, emoji: { id: null, name: '2️⃣' } });
		const post = await discord.waitForRequest(isPickPost(discord.ids.channel2, messageId));
		expect(post.files[0]!.data.equals(discord.messages.get(messageId)!.files[1]!.data)).toBe(true);
		expect(seen.reactions.get(messageId)).toBe(1);
		// The member's reaction is taken off, in the shard-1 guild's channel.
		await discord.waitForRequest(
			(r) =>
				r.method === 'DELETE' &&
				r.path === `/channels/${discord.ids.channel2}/messages/${messageId}/reactions/2️⃣/${discord.ids.user}`,
		);
		// A pick posts an image of the result; nothing is generated.
		expect(mj.generateRequests).toHaveLength(generated);
		expect(discord.violations).toEqual([]);
	});
});

describe.runIf(REDIS_TESTS_ENABLED)('two processes splitting two shards on one Redis store', () => {
	let redis: RedisServer;
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	const processes: Array<{ bot: Bot; logs: Logs; seen: ReturnType<typeof shardLog> }> = [];

	beforeAll(async () => {
		[redis, discord, mj] = await Promise.all([startRedis(), startFakeDiscord({ shards: 2 }), startFakeMidjourney()]);
		for (const shardIds of ['0', '1']) {
			const logs: Logs = [];
			const identified = discord.waitForIdentify();
			const config = replicaConfig({ discord, mj }, `${redis.url}/0`, {
				SHARD_COUNT: '2',
				SHARD_IDS: shardIds,
				METRICS_TOKEN,
			});
			const bot = await startBot({ config, logger: createLogger('debug', logSink(logs)) });
			await identified;
			processes.push({ bot, logs, seen: shardLog(bot) });
		}
	});
	afterEach((context) => {
		if (context.task.result?.state !== 'fail') return;
		for (const [index, { logs }] of processes.entries()) {
			console.log(`process ${index}:\n${logs.map((line) => JSON.stringify(line)).join('\n')}`);
		}
	});
	afterAll(async () => {
		for (const { bot } of processes) await bot.stop();
		await Promise.all([discord?.close(), mj?.close(), redis?.stop()]);
	});

	/**
	 * The submitting process has stored the job's task id. (A callback that reaches the other process while the
	 * submit's answer is being stored can be lost: the job lock is per process.)
	 */
	const submitted = async (jobId: string) => {
		const jobs = new JobRepository(processes[0]!.bot.store);
		await eventually(async () => (await jobs.get(jobId))?.state.phase === 'submitted', 'the task id to be stored');
	};
	/** How many results a process has delivered, by its own count (`/metrics`). */
	const deliveriesBy = async (bot: Bot): Promise<number> => {
		const response = await fetch(`http://127.0.0.1:${bot.port}/metrics`, {
			headers: { authorization: `Bearer ${METRICS_TOKEN}` },
		});
		expect(response.status).toBe(200);
		const counts = [...(await response.text()).matchAll(/^mjbot_deliveries_total\{[^}]*\} (\d+)$/gm)];
		return counts.reduce((sum, [, count]) => sum + Number(count), 0);
	};
	/** Resolves once `bot` has delivered one result more than the `before` it had, and the job's is recorded. */
	const deliveredBy = async (bot: Bot, before: number, jobId: string) => {
		await eventually(async () => (await deliveriesBy(bot)) === before + 1, 'the delivery by that process');
		return waitForDelivery(() => bot.store, jobId);
	};

	it('runs one shard in each process, each with only its shard’s guild', () => {
		const [zero, one] = processes;
		expect(discord.sessions).toEqual([
			{ shard: [0, 2], connected: true },
			{ shard: [1, 2], connected: true },
		]);
		expect([...zero!.bot.client.ws.shards.keys()]).toEqual([0]);
		expect([...one!.bot.client.ws.shards.keys()]).toEqual([1]);
		expect([...zero!.bot.client.guilds.cache.keys()]).toEqual([discord.ids.guild]);
		expect([...one!.bot.client.guilds.cache.keys()]).toEqual([discord.ids.guild2]);
		expect(discord.warnings).toEqual([]);
	});

	it('each process handles its shard’s interactions, and a callback to the other process still delivers', async () => {
		const [zero, one] = processes;
		const onZero = await imagine(discord, mj, discord.ids.guild, 'a fox on shard zero');
		const onOne = await imagine(discord, mj, discord.ids.guild2, 'a fox on shard one');
		await Promise.all([onZero, onOne].map(async (job) => submitted(job.jobId)));
		// Only the process running a guild's shard got its interaction.
		expect(zero!.seen.interactions.get(onZero.id)).toBe(0);
		expect(one!.seen.interactions.get(onOne.id)).toBe(1);
		expect(zero!.seen.interactions.has(onOne.id)).toBe(false);
		expect(one!.seen.interactions.has(onZero.id)).toBe(false);

		// Each provider callback reaches the process that does not run the job's shard.
		const crossed = [
			{ job: onZero, to: one!, before: await deliveriesBy(one!.bot) },
			{ job: onOne, to: zero!, before: await deliveriesBy(zero!.bot) },
		];
		for (const { job, to } of crossed) {
			mj.succeed(job.taskId);
			const url = `http://127.0.0.1:${to.bot.port}${job.callbackUrl.pathname}${job.callbackUrl.search}`;
			expect((await mj.sendCallback(job.taskId, { url })).status).toBe(200);
		}
		for (const { job, to, before } of crossed) {
			const result = await discord.waitForRequest(resultEdit(job.token));
			expect(result.files).toHaveLength(4);
			// Delivered by the process the callback reached.
			await deliveredBy(to.bot, before, job.jobId);
		}
		expect(discord.violations).toEqual([]);
	});

	it('a reaction on a result in the shard-1 guild is handled by the shard-1 process', async () => {
		const [zero, one] = processes;
		const job = await imagine(discord, mj, discord.ids.guild2, 'a heron on shard one');
		await submitted(job.jobId);
		mj.succeed(job.taskId);
		// Delivered by the shard-0 process, through REST.
		const before = await deliveriesBy(zero!.bot);
		const url = `http://127.0.0.1:${zero!.bot.port}${job.callbackUrl.pathname}${job.callbackUrl.search}`;
		expect((await mj.sendCallback(job.taskId, { url })).status).toBe(200);
		const { messageId } = await deliveredBy(zero!.bot, before, job.jobId);

		discord.sendReaction({ messageId, emoji: { id: null, name: '3️⃣' } });
		await discord.waitForRequest(isPickPost(discord.ids.channel2, messageId));
		expect(one!.seen.reactions.get(messageId)).toBe(1);
		expect(zero!.seen.reactions.has(messageId)).toBe(false);
		expect(discord.violations).toEqual([]);
	});
});

function logSink(lines: Logs): Writable {
	return new Writable({
		write(chunk: Buffer, _encoding, callback) {
			for (const line of chunk.toString('utf8').split('\n')) {
				if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
			}
			callback();
		},
	});
}
