/**
 * A server's limits hold across bot processes: two processes (each its own discord.js client, HTTP server and store
 * connections) on one Redis store, and one member's two `/imagine` reaching one each at the same moment.
 *
 * The fake Discord sends a guild's events to the last client that identified its shard, so two replicas on one fake
 * cannot each be sent a command. Each process has a fake Discord of its own instead (the same fixed ids: the same
 * server, channel and member), as if each held its own gateway connection; the store and the fake Midjourney are
 * shared.
 */
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { startBot, type Bot } from '../../src/bot.js';
import { createLogger } from '../../src/logger.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { replicaConfig } from './harness.js';
import { answerTo } from './requests.js';

interface CallbackBody {
	type?: number;
	data?: { content?: string; flags?: number };
}

describe.runIf(REDIS_TESTS_ENABLED)('limits across two processes on one Redis store', () => {
	let redis: RedisServer;
	let mj: FakeMidjourney;
	let storeUrl: string;
	const discords: FakeDiscord[] = [];
	const bots: Bot[] = [];

	beforeAll(async () => {
		[redis, mj] = await Promise.all([startRedis(), startFakeMidjourney()]);
		storeUrl = `${redis.url}/0`;
		for (let index = 0; index < 2; index++) {
			const discord = await startFakeDiscord();
			const identified = discord.waitForIdentify();
			bots.push(await startBot({ config: replicaConfig({ discord, mj }, storeUrl), logger: createLogger('silent') }));
			await identified;
			discords.push(discord);
		}
	});
	afterAll(async () => {
		for (const bot of bots) await bot.stop();
		await Promise.all([...discords.map(async (discord) => discord.close()), mj?.close()]);
		await redis?.stop();
	});

	/** What the member sees first: the reply's callback (4: a message, 5: "thinking…", deferred). */
	async function firstAnswer(discord: FakeDiscord, token: string): Promise<CallbackBody> {
		const callback = await discord.waitForRequest(
			(r) => r.method === 'POST' && r.path.endsWith(`/${token}/callback`),
			10_000,
		);
		return callback.body as CallbackBody;
	}

	/**
	 * Watches Redis for attempts to take the server's limits lock, by client connection: resolves once `count`
	 * different connections (processes) have tried.
	 */
	async function lockAttemptsFrom(
		count: number,
		guildId: string,
	): Promise<{ seen: Promise<void>; stop(): Promise<void> }> {
		const monitor = createClient({ url: storeUrl });
		await monitor.connect();
		const clients = new Set<string>();
		let resolve = () => undefined as void;
		const seen = new Promise<void>((done) => {
			resolve = done;
		});
		// MONITOR lines look like `1700000000.123456 [0 127.0.0.1:54321] "SET" "claims:lock:limits:<guild>" …`.
		await monitor.monitor((line) => {
			const match = /^\S+ \[\d+ ([^\]]+)\] "SET" "claims:lock:limits:(\d+)"/i.exec(String(line));
			if (match?.[2] !== guildId) return;
			clients.add(match[1]!);
			if (clients.size >= count) resolve();
		});
		// A monitoring connection answers nothing else, QUIT included: it is simply dropped.
		return { seen, stop: async () => monitor.destroy() };
	}

	it('submits one job when a member’s two requests reach the two processes at once, and refuses the other', async () => {
		const { ids } = discords[0]!;
		const [discordA, discordB] = [discords[0]!, discords[1]!];
		// The admin sets the limit through one process; the other reads it from the store.
		const set = discordA.sendCommand({
			name: 'server-settings',
			options: [{ name: 'set', type: 1, options: [{ name: 'member_running_limit', type: 4, value: 1 }] }],
			userId: ids.admin,
		});
		expect((await firstAnswer(discordA, set.token)).type).toBe(5);
		await discordA.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${set.token}/messages/@original`));
		expect((await bots[1]!.settings.settings.server(ids.guild)).limits).toEqual({ memberRunning: 1 });

		// Hold the server's limits lock as a third process would, so that both requests are certainly waiting for it
		// at once (not merely sent at once); then let go and let them race.
		const holder: Claims = createClaims(storeUrl);
		expect(await holder.claim(`lock:limits:${ids.guild}`, 60_000, 'the test')).toBe(true);
		const watch = await lockAttemptsFrom(2, ids.guild);
		const imagine = { name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'one at a time' }] };
		const fromA = discordA.sendCommand(imagine);
		const fromB = discordB.sendCommand(imagine);
		await watch.seen;
		await holder.release(`lock:limits:${ids.guild}`, 'the test');
		await Promise.all([watch.stop(), holder.close()]);

		const answers = await Promise.all([answerTo(discordA, fromA), answerTo(discordB, fromB)]);
		const accepted = answers.findIndex((answer) => !answer.ephemeral);
		expect(accepted).not.toBe(-1);
		const refusal = answers[1 - accepted]!;
		expect(refusal.ephemeral).toBe(true);
		expect(refusal.content).toBe(
			'⚠️ Nothing was submitted. You already have 1 job running, and this server allows 1 at once. You can start another as soon as one finishes (see `/jobs`). A server admin controls this with `/server-settings set member_running_limit`.',
		);
		const generate = await mj.waitForGenerate(0);
		await Promise.all(bots.map(async (bot) => bot.jobs.idle()));
		expect(mj.generateRequests).toHaveLength(1);
		for (const bot of bots) {
			expect(await bot.settings.guildUsage(ids.guild)).toEqual({ today: 1, failedToday: 0, running: 1, members: 1 });
		}

		// Once the job is done, the member may start another through the process that refused them. (The callback goes
		// to the process that started the job: each process here talks to its own fake Discord, which alone knows the
		// interaction.)
		mj.succeed(generate.taskId!);
		const path = new URL(String(generate.body.callBackUrl));
		const callback = await mj.sendCallback(generate.taskId!, {
			url: `http://127.0.0.1:${bots[accepted]!.port}${path.pathname}${path.search}`,
		});
		expect(callback.status).toBe(200);
		const acceptedDiscord = discords[accepted]!;
		const acceptedToken = [fromA, fromB][accepted]!.token;
		await acceptedDiscord.waitForRequest(
			(r: RecordedRequest) =>
				r.method === 'PATCH' && r.path.endsWith(`/${acceptedToken}/messages/@original`) && r.files.length > 0,
			10_000,
		);
		const refusedDiscord = discords[1 - accepted]!;
		const again = refusedDiscord.sendCommand(imagine);
		expect((await answerTo(refusedDiscord, again)).ephemeral).toBe(false);
		await mj.waitForGenerate(1);
		for (const discord of discords) expect(discord.violations).toEqual([]);
		expect(mj.violations).toEqual([]);
	});
});
