import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobRepository } from '../../src/jobs/repository.js';
import type { Delivery, FinishedOutcome, JobRecord } from '../../src/jobs/types.js';
import { createStore, type Store } from '../../src/store/store.js';

const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

function jobRecord(id: string, createdAt = T0): JobRecord {
	return {
		id,
		kind: 'imagine',
		createdAt,
		target: {
			guildId: '100000000000000001',
			channelId: '100000000000000002',
			requesterId: '100000000000000003',
			interaction: {
				applicationId: '100000000000000004',
				token: 'interaction-token',
				expiresAt: createdAt + 15 * 60_000,
			},
		},
		request: { taskType: 'mj_txt2img', prompt: 'a lighthouse at dusk', params: { speed: 'fast', aspectRatio: '16:9' } },
		state: { phase: 'queued', attempts: 0 },
	};
}

const SUCCEEDED: FinishedOutcome = { status: 'succeeded', resultUrls: ['https://cdn.example.com/1.png'] };

function finished(job: JobRecord, delivery: Delivery): JobRecord {
	return {
		...job,
		state: { phase: 'finished', taskId: 'task-1', outcome: SUCCEEDED, finishedAt: T0 + 60_000, delivery },
	};
}

let dir: string;
let file: string;
let store: Store;
let repository: JobRepository;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mj-bot-repo-'));
	file = join(dir, 'nested', 'bot.sqlite');
	store = createStore(`sqlite://${file}`);
	repository = new JobRepository(store);
});

afterEach(async () => {
	vi.useRealTimers();
	await store.close();
	await rm(dir, { recursive: true, force: true });
});

describe('JobRepository on a SQLite file', () => {
	it('creates and gets a job', async () => {
		const job = jobRecord('job-1');
		await repository.create(job);
		expect(await repository.get('job-1')).toEqual(job);
		expect(await repository.get('job-unknown')).toBeUndefined();
	});

	it('lists a created job as open', async () => {
		await repository.create(jobRecord('job-1'));
		await repository.create(jobRecord('job-2'));
		expect((await repository.listOpen()).sort()).toEqual(['job-1', 'job-2']);
	});

	it('updates a job and returns it before and after', async () => {
		const job = jobRecord('job-1');
		await repository.create(job);
		const result = await repository.update('job-1', (current) => ({
			...current,
			state: { phase: 'submitted', taskId: 'task-1', submittedAt: T0 + 1000 },
		}));
		expect(result?.before).toEqual(job);
		expect(result?.after.state).toEqual({ phase: 'submitted', taskId: 'task-1', submittedAt: T0 + 1000 });
		expect(await repository.get('job-1')).toEqual(result?.after);
	});

	it('gives the change a copy: mutating it does not alter `before`', async () => {
		await repository.create(jobRecord('job-1'));
		const result = await repository.update('job-1', (current) => {
			current.target.messageId = '100000000000000009';
			return current;
		});
		expect(result?.before.target.messageId).toBeUndefined();
		expect(result?.after.target.messageId).toBe('100000000000000009');
		expect((await repository.get('job-1'))?.target.messageId).toBe('100000000000000009');
	});

	it('leaves the job as it is when the change returns undefined', async () => {
		const job = jobRecord('job-1');
		await repository.create(job);
		const change = vi.fn(() => undefined);
		const result = await repository.update('job-1', change);
		expect(change).toHaveBeenCalledTimes(1);
		expect(result).toEqual({ before: job, after: job });
		expect(await repository.get('job-1')).toEqual(job);
	});

	it('returns undefined for an unknown job without calling the change', async () => {
		const change = vi.fn((job: JobRecord) => job);
		await expect(repository.update('job-unknown', change)).resolves.toBeUndefined();
		expect(change).not.toHaveBeenCalled();
		expect(await repository.get('job-unknown')).toBeUndefined();
	});

	it('serialises concurrent updates of one job: none is lost', async () => {
		await repository.create(finished(jobRecord('job-1'), { state: 'pending', attempts: 0 }));
		const increment = (job: JobRecord): JobRecord => {
			if (job.state.phase !== 'finished' || job.state.delivery.state !== 'pending') throw new Error('unexpected state');
			return {
				...job,
				state: { ...job.state, delivery: { state: 'pending', attempts: job.state.delivery.attempts + 1 } },
			};
		};
		const results = await Promise.all(Array.from({ length: 20 }, async () => repository.update('job-1', increment)));
		const stored = await repository.get('job-1');
		expect(stored?.state).toMatchObject({ phase: 'finished', delivery: { state: 'pending', attempts: 20 } });
		// Each update saw the previous one's result.
		const seen = results.map((result) =>
			result?.before.state.phase === 'finished' && result.before.state.delivery.state === 'pending'
				? result.before.state.delivery.attempts
				: -1,
		);
		expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
	});

	it('keeps jobs apart: concurrent updates of different jobs all land', async () => {
		const ids = Array.from({ length: 10 }, (_, index) => `job-${index}`);
		for (const id of ids) await repository.create(jobRecord(id));
		await Promise.all(
			ids.flatMap((id) =>
				Array.from({ length: 5 }, async () =>
					repository.update(id, (job) => ({
						...job,
						target: { ...job.target, uploadLimitBytes: (job.target.uploadLimitBytes ?? 0) + 1 },
					})),
				),
			),
		);
		for (const id of ids) expect((await repository.get(id))?.target.uploadLimitBytes).toBe(5);
	});

	it('a change that throws rejects that update only; later updates still run', async () => {
		await repository.create(jobRecord('job-1'));
		const failing = repository.update('job-1', () => {
			throw new Error('boom');
		});
		const next = repository.update('job-1', (job) => ({
			...job,
			target: { ...job.target, messageId: '100000000000000009' },
		}));
		await expect(failing).rejects.toThrow('boom');
		await expect(next).resolves.toMatchObject({ after: { target: { messageId: '100000000000000009' } } });
		expect((await repository.get('job-1'))?.target.messageId).toBe('100000000000000009');
	});

	it('drops a dangling open entry, but not one whose job may be being created right now', async () => {
		// What a crash between the two writes of create() leaves, and what a create() half done looks like.
		await store.collection<number>('open-jobs').set('old-dangling', T0);
		await store.collection<number>('open-jobs').set('being-created', T0 + 59 * 60_000);
		expect(await repository.forgetOpen('old-dangling', T0 + 60 * 60_000)).toBe(true);
		expect(await repository.forgetOpen('being-created', T0 + 60 * 60_000)).toBe(false);
		expect((await repository.listOpen()).sort()).toEqual(['being-created']);
	});

	it('keeps a finished job open while its delivery is pending', async () => {
		await repository.create(jobRecord('job-1'));
		await repository.update('job-1', (job) => finished(job, { state: 'pending', attempts: 1 }));
		expect(await repository.listOpen()).toEqual(['job-1']);
	});

	it.each<[string, Delivery]>([
		[
			'delivered',
			{ state: 'delivered', at: T0 + 70_000, via: 'interaction', messageId: '100000000000000009', attachments: [] },
		],
		['failed', { state: 'failed', at: T0 + 70_000, reason: 'channel deleted' }],
	])('a finished job whose delivery is %s leaves listOpen() but stays readable', async (_label, delivery) => {
		await repository.create(jobRecord('job-1'));
		await repository.create(jobRecord('job-2'));
		await repository.update('job-1', (job) => finished(job, delivery));
		expect(await repository.listOpen()).toEqual(['job-2']);
		expect((await repository.get('job-1'))?.state).toMatchObject({ phase: 'finished', delivery });
	});

	it('keeps settled jobs for 30 days, unsettled ones indefinitely', async () => {
		vi.useFakeTimers({ toFake: ['Date'], now: T0 });
		await repository.create(jobRecord('settled'));
		await repository.create(jobRecord('unsettled'));
		await repository.update('settled', (job) =>
			finished(job, { state: 'delivered', at: T0, via: 'dm', messageId: '1', attachments: [] }),
		);
		vi.setSystemTime(T0 + 29 * DAY);
		expect(await repository.get('settled')).toBeDefined();
		vi.setSystemTime(T0 + 31 * DAY);
		expect(await repository.get('settled')).toBeUndefined();
		vi.setSystemTime(T0 + 365 * DAY);
		expect(await repository.get('unsettled')).toBeDefined();
		expect(await repository.listOpen()).toEqual(['unsettled']);
	});

	it('keeps everything across closing and reopening the store on the same file', async () => {
		await repository.create(jobRecord('job-open'));
		await repository.create(jobRecord('job-done'));
		await repository.update('job-open', (job) => ({
			...job,
			state: { phase: 'submitted', taskId: 'task-open', submittedAt: T0 + 5 },
		}));
		await repository.update('job-done', (job) => finished(job, { state: 'failed', at: T0, reason: 'gone' }));
		const before = { open: await repository.get('job-open'), done: await repository.get('job-done') };
		await store.close();

		store = createStore(`sqlite://${file}`);
		repository = new JobRepository(store);
		expect(await repository.get('job-open')).toEqual(before.open);
		expect(await repository.get('job-done')).toEqual(before.done);
		expect(await repository.listOpen()).toEqual(['job-open']);
		expect(before.open?.state).toEqual({ phase: 'submitted', taskId: 'task-open', submittedAt: T0 + 5 });
	});
});
