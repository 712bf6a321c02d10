/**
 * Faults of the Redis store, end to end: the real bot on a real redis-server that is stopped (or frozen) and brought
 * back while members work. What a paying member must get: at most one generate request per command, and the result
 * or a clear final message within a stated bound, never a silent hang; and no restart needed once Redis is back.
 *
 * Redis keeps its data in an append-only file here, so a stop and start is an outage, not a wipe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InteractionHandle, RecordedRequest } from '../../fakes/discord.js';
import { DECISION_BUDGET_MS } from '../../src/commands/runGeneration.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { eventually, startWorld, type World } from '../e2e/harness.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';

const STRING = 3;
const EPHEMERAL = 64;
/** Discord fails an interaction not acknowledged within 3 s of its creation. */
const DISCORD_ACK_DEADLINE_MS = 3_000;
/** The store time-out the bot runs with here: the default. */
const STORE_TIMEOUT_MS = 2_000;

describe.runIf(REDIS_TESTS_ENABLED)('the Redis store goes away and comes back', () => {
	let dataDir: string;
	let redis: RedisServer;
	let world: World;

	beforeEach(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'mjbot-redis-faults-'));
		redis = await startRedis(undefined, { dataDir });
		world = await startWorld({
			callbacks: true,
			env: { STORE_URL: `${redis.url}/0`, STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS) },
		});
	});
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world.close();
		await redis.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	function imagine(prompt = 'a lighthouse in fog'): InteractionHandle & { sentAt: number } {
		const handle = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: prompt }],
		});
		return { ...handle, sentAt: Date.now() };
	}

	async function restartRedis(): Promise<void> {
		redis = await startRedis(redis.port, { dataDir });
		// The bot's connection comes back on its own, in the background: wait until its store answers.
		await eventually(
			async () =>
				world.bot.store
					.collection<string>('meta')
					.get('callback-secret')
					.then(Boolean, () => false),
			'the bot’s store to answer again',
			15_000,
		);
	}

	const acknowledgement = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'POST' && r.path === `/interactions/${handle.id}/${handle.token}/callback`;
	const originalEdit = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'PATCH' && r.path.endsWith(`/${handle.token}/messages/@original`);
	const resultEdit = (handle: InteractionHandle) => (r: RecordedRequest) =>
		originalEdit(handle)(r) && r.files.length > 0;

	const followUp = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'POST' && r.path.endsWith(`/webhooks/${world.discord.ids.application}/${handle.token}`);
	const deletedReply = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'DELETE' && r.path.endsWith(`/${handle.token}/messages/@original`);

	/**
	 * Waits for the acknowledgement, within Discord's deadline, and for the member's final message, which only the
	 * member may see: an ephemeral reply; or a private acknowledgement, then its edit; or (when the store failed only
	 * after the decision) the public "thinking…" deleted and an ephemeral follow-up. Returns the times from the command.
	 */
	async function expectToldPrivately(handle: InteractionHandle & { sentAt: number }) {
		const ack = await world.discord.waitForRequest(acknowledgement(handle), DISCORD_ACK_DEADLINE_MS);
		const ackMs = Date.now() - handle.sentAt;
		const body = ack.body as { type: number; data?: { flags?: number; content?: string } };
		const ephemeral = ((body.data?.flags ?? 0) & EPHEMERAL) === EPHEMERAL;
		let message: unknown;
		let route: string;
		if (body.type === 4) {
			expect(ephemeral).toBe(true);
			message = body.data?.content;
			route = 'ephemeral reply';
		} else if (ephemeral) {
			expect(body.type).toBe(5);
			message = ((await world.discord.waitForRequest(originalEdit(handle))).body as { content?: unknown }).content;
			route = 'private defer, then its edit';
		} else {
			expect(body.type).toBe(5);
			const told = await world.discord.waitForRequest(followUp(handle));
			expect(world.discord.requests.some(deletedReply(handle))).toBe(true);
			const data = told.body as { content?: unknown; flags?: number };
			expect((data.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
			message = data.content;
			route = 'public defer deleted, ephemeral follow-up';
		}
		const messageMs = Date.now() - handle.sentAt;
		expect(String(message)).toMatch(/cannot take work right now/);
		expect(String(message)).toMatch(/try again in a minute/);
		expect(world.discord.violations).toEqual([]);
		return { ackMs, messageMs, route };
	}

	async function jobOf(callbackUrl: string): Promise<string> {
		const jobId = decodeURIComponent(new URL(callbackUrl).pathname.split('/').pop()!);
		const jobs = world.bot.store.collection<JobRecord>('jobs');
		await eventually(async () => (await jobs.get(jobId))?.state.phase === 'submitted', 'the job to be submitted');
		return jobId;
	}

	it('answers a callback 503 at once while Redis is stopped, accepts the retry once it is back, and delivers once', async () => {
		const command = imagine();
		const generate = await world.mj.waitForGenerate(0);
		await jobOf(String(generate.body.callBackUrl));
		await world.discord.waitForRequest(originalEdit(command));
		world.mj.succeed(generate.taskId!);

		await redis.stop();
		const startedAt = Date.now();
		const during = await world.mj.sendCallback(generate.taskId!);
		const callbackMs = Date.now() - startedAt;
		expect(during.status).toBe(503);
		console.log(`callback during the outage: ${during.status} after ${callbackMs} ms`);

		await restartRedis();
		// The provider's retry.
		expect((await world.mj.sendCallback(generate.taskId!)).status).toBe(200);
		const result = await world.discord.waitForRequest(resultEdit(command));
		expect(result.files).toHaveLength(4);
		await world.bot.jobs.idle();
		expect(world.discord.requests.filter(resultEdit(command))).toHaveLength(1);
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(world.discord.violations).toEqual([]);
	});

	it('tells a member privately, in time, that it cannot take work while Redis is stopped, and takes it once Redis is back', async () => {
		await redis.stop();
		const refused = imagine('refused while the store is away');
		const timing = await expectToldPrivately(refused);
		console.log(
			`Redis stopped: command → acknowledgement ${timing.ackMs} ms, → message ${timing.messageMs} ms (${timing.route})`,
		);
		await world.bot.jobs.idle();
		expect(world.mj.generateRequests).toHaveLength(0);

		await restartRedis();
		const taken = imagine('taken once the store is back');
		// Bound: the claims' own connection may come back up to 2 s after the store's (reconnection back-off), and a
		// submission the store could not prepare is tried again 2 s later.
		const generate = await world.mj.waitForGenerate(0, 10_000);
		expect(generate.body.prompt).toBe('taken once the store is back');
		world.mj.succeed(generate.taskId!);
		await jobOf(String(generate.body.callBackUrl));
		expect((await world.mj.sendCallback(generate.taskId!)).status).toBe(200);
		await world.discord.waitForRequest(resultEdit(taken));
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(world.discord.violations).toEqual([]);
	});

	it('tells a member in time while Redis is frozen, and answers its callbacks 503 within the store time-out', async () => {
		const command = imagine('submitted before the freeze');
		const generate = await world.mj.waitForGenerate(0);
		await jobOf(String(generate.body.callBackUrl));
		await world.discord.waitForRequest(originalEdit(command));
		world.mj.succeed(generate.taskId!);

		redis.freeze();
		try {
			const refused = imagine('refused while the store is frozen');
			const startedAt = Date.now();
			const [timing, during] = await Promise.all([
				expectToldPrivately(refused),
				world.mj.sendCallback(generate.taskId!).then((answer) => ({ ...answer, ms: Date.now() - startedAt })),
			]);
			console.log(
				`Redis frozen: command → acknowledgement ${timing.ackMs} ms, → message ${timing.messageMs} ms (${timing.route}); callback ${during.status} after ${during.ms} ms`,
			);
			expect(during.status).toBe(503);
			expect(world.mj.generateRequests).toHaveLength(1);
		} finally {
			redis.thaw();
		}

		expect((await world.mj.sendCallback(generate.taskId!)).status).toBe(200);
		await world.discord.waitForRequest(resultEdit(command));
		await world.bot.jobs.idle();
		expect(world.discord.requests.filter(resultEdit(command))).toHaveLength(1);
		// What the frozen server took in and did once thawed left no job for the refused command: a restart submits
		// nothing more.
		await world.restart();
		await world.bot.jobs.idle();
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it('stops cleanly while Redis is stopped with a job in flight, and the next start finishes it', async () => {
		const command = imagine();
		const generate = await world.mj.waitForGenerate(0);
		await jobOf(String(generate.body.callBackUrl));
		await world.discord.waitForRequest(originalEdit(command));

		await redis.stop();
		const startedAt = Date.now();
		await world.stopBot();
		console.log(`bot stopped in ${Date.now() - startedAt} ms with Redis stopped`);

		redis = await startRedis(redis.port, { dataDir });
		world.mj.succeed(generate.taskId!);
		await world.startBotAgain();
		expect((await world.mj.sendCallback(generate.taskId!)).status).toBe(200);
		await world.discord.waitForRequest(resultEdit(command));
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it('decides within its budget, below Discord’s deadline', () => {
		// What the timings above rely on: a slow store is cut short before Discord gives up on the interaction.
		expect(DECISION_BUDGET_MS).toBeLessThan(DISCORD_ACK_DEADLINE_MS);
		expect(STORE_TIMEOUT_MS).toBeLessThan(DECISION_BUDGET_MS);
	});
});
