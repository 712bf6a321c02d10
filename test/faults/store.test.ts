/**
 * Faults of the store that are not Redis's alone: a SQLite file locked by another process while members run commands,
 * the HTTP answer to a store that cannot answer, and a submission whose shared grant the store could not give.
 * What a paying member must get: at most one generate request per command, and the result or a clear final message
 * within a stated bound (Discord's 3 s for the acknowledgement).
 */
import Database from 'better-sqlite3';
import type Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InteractionHandle, RecordedRequest } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { createMjClient } from '../../src/api/client.js';
import { DECISION_BUDGET_MS } from '../../src/commands/runGeneration.js';
import type { DownloadResult } from '../../src/jobs/download.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { JobService, type JobPublisher, type PublishedMessage } from '../../src/jobs/service.js';
import type { FinishedJob, JobRecord } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/app.js';
import { signJobId } from '../../src/server/callbackSigning.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, StoreUnavailableError, type Store } from '../../src/store/store.js';
import { eventually, startWorld, type World } from '../e2e/harness.js';

const STRING = 3;
const EPHEMERAL = 64;
/** Discord fails an interaction not acknowledged within 3 s of its creation. */
const DISCORD_ACK_DEADLINE_MS = 3_000;

describe('the callback route when the store cannot answer', () => {
	const secret = 'callback-secret-for-store-faults';
	const body = { code: 200, msg: 'success', data: { taskId: 'task-1', resultUrls: ['https://cdn.example.com/1.png'] } };

	async function answerWhenAcceptThrows(error: Error): Promise<Response> {
		const app = createApp({
			acceptCallback: async () => {
				throw error;
			},
			callbackSecret: secret,
			providerWebhookKey: undefined,
			logger: createLogger('silent'),
		});
		return app.request(`/callbacks/mj/job-1?sig=${signJobId(secret, 'job-1')}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
	}

	it('answers 503 with Retry-After, so the provider sends it again later', async () => {
		const response = await answerWhenAcceptThrows(new StoreUnavailableError('The store did not answer'));
		expect(response.status).toBe(503);
		expect(response.headers.get('retry-after')).toBe('60');
	});

	it('answers 500 for any other failure', async () => {
		const response = await answerWhenAcceptThrows(new TypeError('a bug'));
		expect(response.status).toBe(500);
		expect(response.headers.get('retry-after')).toBeNull();
	});
});

describe('a submission whose shared grant the store could not give', () => {
	class RecordingPublisher implements JobPublisher {
		public readonly published: FinishedJob[] = [];
		public async showWorking(): Promise<string> {
			return '300000000000000001';
		}
		public async publish(job: FinishedJob, _files: DownloadResult[]): Promise<PublishedMessage> {
			this.published.push(job);
			return { via: 'interaction', messageId: '300000000000000001', attachments: [] };
		}
	}

	let mj: FakeMidjourney;
	let store: Store;
	let claims: Claims;
	let service: JobService | undefined;
	beforeEach(async () => {
		mj = await startFakeMidjourney();
		store = createStore('memory://');
		claims = createClaims('memory://');
	});
	afterEach(async () => {
		await service?.stop();
		await Promise.all([store.close(), claims.close(), mj.close()]);
	});

	it('is tried again once the store answers, and submitted once', async () => {
		// The account's submit window is shared through the claims; the first grant fails as an unavailable store would.
		let failed = 0;
		const flaky: Claims = {
			...claims,
			async claim(key, ttlMs, owner) {
				if (key.startsWith('rate:submit:') && failed === 0) {
					failed += 1;
					throw new StoreUnavailableError('The store did not answer');
				}
				return claims.claim(key, ttlMs, owner);
			},
		};
		service = new JobService({
			repository: new JobRepository(store),
			claims: flaky,
			shareLimits: true,
			api: createMjClient({ baseUrl: mj.baseUrl, apiKey: mj.apiKey, timeoutMs: 2_000 }),
			publisher: new RecordingPublisher(),
			logger: createLogger('silent'),
			callbackUrlFor: () => undefined,
			poll: { firstDelayMs: 20, callbackGraceMs: 20, maxDelayMs: 50 },
			jobTimeoutMs: 60_000,
			submitLimit: { limit: 100, windowMs: 1_000 },
			queryRatePerSecond: 100,
			retryBaseMs: 10,
			adoption: { windowMs: 60_000, requestDeadlineMs: 5_000, callbacks: false },
			download: { maxBytes: 10_000_000, timeoutMs: 2_000 },
		});
		const job = await service.start({
			kind: 'imagine',
			target: { guildId: '300000000000000002', channelId: '300000000000000003', requesterId: '300000000000000004' },
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'a lighthouse', options: {} }),
		});
		// Before, the job stayed `queued` until the next start: nobody would have submitted it.
		const generate = await mj.waitForGenerate(0, 15_000);
		expect(failed).toBe(1);
		expect(generate.body.prompt).toBe('a lighthouse');
		await eventually(
			async () => (await new JobRepository(store).get(job.id))?.state.phase === 'submitted',
			'the task id to be stored',
		);
		expect(mj.generateRequests).toHaveLength(1);
	});
});

describe('a job whose recording timed out but landed later', () => {
	let mj: FakeMidjourney;
	let store: Store;
	let claims: Claims;
	const services: JobService[] = [];
	beforeEach(async () => {
		mj = await startFakeMidjourney();
		store = createStore('memory://');
		claims = createClaims('memory://');
	});
	afterEach(async () => {
		await Promise.all(services.splice(0).map(async (service) => service.stop()));
		await Promise.all([store.close(), claims.close(), mj.close()]);
	});

	function startService(): JobService {
		const service = new JobService({
			repository: new JobRepository(store),
			claims,
			api: createMjClient({ baseUrl: mj.baseUrl, apiKey: mj.apiKey, timeoutMs: 2_000 }),
			publisher: {
				showWorking: async () => '300000000000000001',
				publish: async () => Promise.reject(new Error('no')),
			},
			logger: createLogger('silent'),
			callbackUrlFor: () => undefined,
			poll: { firstDelayMs: 20, callbackGraceMs: 20, maxDelayMs: 50 },
			jobTimeoutMs: 60_000,
			submitLimit: { limit: 100, windowMs: 1_000 },
			queryRatePerSecond: 100,
			retryBaseMs: 10,
			adoption: { windowMs: 60_000, requestDeadlineMs: 5_000, callbacks: false },
			download: { maxBytes: 10_000_000, timeoutMs: 2_000 },
		});
		services.push(service);
		return service;
	}

	it('is never submitted, by this process or after a restart: the member was told it was not taken', async () => {
		// The job's write reaches the store, but its answer does not come back in time.
		const jobs = store.collection<JobRecord>('jobs');
		const set = jobs.set.bind(jobs);
		let late = true;
		jobs.set = (async (key: string, value: JobRecord, ttl?: number) => {
			const done = await set(key, value, ttl);
			if (!late) return done;
			late = false;
			throw new StoreUnavailableError('The store did not answer (SET) within 2000 ms');
		}) as typeof jobs.set;

		const service = startService();
		const start = service.start({
			kind: 'imagine',
			target: { guildId: '300000000000000002', channelId: '300000000000000003', requesterId: '300000000000000004' },
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'told not taken', options: {} }),
		});
		await expect(start).rejects.toBeInstanceOf(StoreUnavailableError);
		await service.idle();
		const stored = await entries(jobs);
		expect(stored).toHaveLength(1);
		const [jobId, withdrawn] = stored[0]!;
		expect(withdrawn.state).toMatchObject({ phase: 'finished', delivery: { state: 'failed' } });

		// Worse: the write lands after the job was closed, as it was first written (queued, in the open index).
		await jobs.set(jobId, { ...withdrawn, state: { phase: 'queued', attempts: 0 } });
		await store.collection<number>('open-jobs').set(jobId, withdrawn.createdAt);
		const restarted = startService();
		expect(await restarted.resume()).toBe(1);
		await restarted.stop(); // Waits for the submission the resume started.
		expect(mj.generateRequests).toHaveLength(0);
	});

	async function entries(collection: Keyv<JobRecord>): Promise<Array<[string, JobRecord]>> {
		const found: Array<[string, JobRecord]> = [];
		for await (const [key, value] of collection.iterator!(undefined)) found.push([String(key), value as JobRecord]);
		return found;
	}
});

describe('a SQLite file locked by another process while members run commands', () => {
	let world: World;
	let holder: Database.Database | undefined;

	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await unlock();
		await world.close();
	});

	/** Another process takes the file's write lock and keeps it (readers go on: WAL). */
	async function lock(): Promise<void> {
		holder = new Database(world.storeFile);
		holder.exec('BEGIN IMMEDIATE');
	}
	async function unlock(): Promise<void> {
		if (!holder) return;
		const database = holder;
		holder = undefined;
		database.exec('ROLLBACK');
		database.close();
	}

	function imagine(prompt: string): InteractionHandle & { sentAt: number } {
		const handle = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: prompt }],
		});
		return { ...handle, sentAt: Date.now() };
	}
	const acknowledgement = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'POST' && r.path === `/interactions/${handle.id}/${handle.token}/callback`;
	const originalEdit = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'PATCH' && r.path.endsWith(`/${handle.token}/messages/@original`);
	const followUp = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'POST' && r.path.endsWith(`/webhooks/${world.discord.ids.application}/${handle.token}`);
	const deletedReply = (handle: InteractionHandle) => (r: RecordedRequest) =>
		r.method === 'DELETE' && r.path.endsWith(`/${handle.token}/messages/@original`);

	/** The acknowledgement (within Discord's deadline) and the message only the member sees, with their timings. */
	async function toldPrivately(handle: InteractionHandle & { sentAt: number }) {
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
			message = ((await world.discord.waitForRequest(originalEdit(handle))).body as { content?: unknown }).content;
			route = 'private defer, then its edit';
		} else {
			const told = await world.discord.waitForRequest(followUp(handle));
			expect(world.discord.requests.some(deletedReply(handle))).toBe(true);
			const data = told.body as { content?: unknown; flags?: number };
			expect((data.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
			message = data.content;
			route = 'public defer deleted, ephemeral follow-up';
		}
		expect(String(message)).toMatch(/cannot take work right now/);
		expect(world.discord.violations).toEqual([]);
		return { ackMs, messageMs: Date.now() - handle.sentAt, route, type: body.type };
	}

	async function setMemberDailyLimit(limit: number): Promise<void> {
		await world.bot.settings.settings.updateServer(world.discord.ids.guild, (settings) => ({
			...settings,
			limits: { ...settings.limits, memberDaily: limit },
		}));
	}

	it('refuses privately in time when the server’s limits cannot be decided, and takes the command once unlocked', async () => {
		world = await startWorld({ callbacks: true });
		await setMemberDailyLimit(5);
		await lock();
		const refused = imagine('refused while the file is locked');
		const timing = await toldPrivately(refused);
		console.log(`SQLite locked, limits set: ack ${timing.ackMs} ms, message ${timing.messageMs} ms (${timing.route})`);
		await unlock();

		const taken = imagine('taken once unlocked');
		const generate = await world.mj.waitForGenerate(0);
		expect(generate.body.prompt).toBe('taken once unlocked');
		await world.discord.waitForRequest(originalEdit(taken));
		await world.bot.jobs.idle();
		expect(world.mj.generateRequests).toHaveLength(1);
		// The refused command took no place under the limit.
		expect((await world.bot.settings.usage.memberUsage(world.discord.ids.guild, world.discord.ids.user)).today).toBe(1);
	});

	it('acknowledges at once, and says privately that the store is slow when deciding takes longer than its budget', async () => {
		// A store time-out longer than the budget: the decision would keep the member waiting for 6 s.
		world = await startWorld({ callbacks: true, env: { STORE_TIMEOUT_MS: '6000' } });
		await setMemberDailyLimit(5);
		await lock();
		const refused = imagine('decided too late');
		const timing = await toldPrivately(refused);
		console.log(
			`SQLite locked, 6 s store time-out: ack ${timing.ackMs} ms, message ${timing.messageMs} ms (${timing.route})`,
		);
		expect(timing.type).toBe(5);
		expect(timing.route).toBe('public defer deleted, ephemeral follow-up');
		expect(timing.ackMs).toBeLessThan(DECISION_BUDGET_MS);
		expect(timing.messageMs).toBeGreaterThanOrEqual(DECISION_BUDGET_MS - 50);
		expect(timing.messageMs).toBeLessThan(DECISION_BUDGET_MS + 2000);
		await unlock();
		await world.bot.jobs.idle();
		expect(world.mj.generateRequests).toHaveLength(0);
	});

	it('tells the member privately when the job cannot be recorded, records nothing, and submits nothing after a restart', async () => {
		world = await startWorld({ callbacks: true });
		await lock();
		const refused = imagine('not recorded');
		const timing = await toldPrivately(refused);
		console.log(`SQLite locked, no limits: ack ${timing.ackMs} ms, message ${timing.messageMs} ms (${timing.route})`);
		// The bot stops cleanly with the file still locked.
		const stoppingAt = Date.now();
		await world.stopBot();
		console.log(`bot stopped in ${Date.now() - stoppingAt} ms with the file locked`);
		await unlock();
		await world.startBotAgain();
		await world.bot.jobs.idle();
		expect(world.mj.generateRequests).toHaveLength(0);
		const jobs = world.bot.store.collection('jobs');
		const stored: unknown[] = [];
		for await (const entry of jobs.iterator!(undefined)) stored.push(entry);
		expect(stored).toEqual([]);
	});
});
