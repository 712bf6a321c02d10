/**
 * JobService against the fake provider over HTTP, with a store and claims that can be made to fail: what happens to a
 * job when the store is unavailable for a moment.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { createMjClient } from '../../src/api/client.js';
import type { DownloadResult } from '../../src/jobs/download.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { JobService, type JobPublisher, type PublishedMessage } from '../../src/jobs/service.js';
import type { FinishedJob } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';

/** A publisher that records what it is asked to deliver. */
class RecordingPublisher implements JobPublisher {
	public readonly published: Array<{ job: FinishedJob; files: DownloadResult[] }> = [];
	private readonly waiters: Array<() => void> = [];

	public async showWorking(): Promise<string> {
		return '300000000000000001';
	}

	public async publish(job: FinishedJob, files: DownloadResult[]): Promise<PublishedMessage> {
		this.published.push({ job, files });
		for (const resolve of this.waiters.splice(0)) resolve();
		return { via: 'interaction', messageId: '300000000000000001', attachments: [] };
	}

	public async nextPublish(): Promise<void> {
		return new Promise((resolve) => this.waiters.push(resolve));
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

function startService(serviceClaims: Claims, publisher: JobPublisher): JobService {
	service = new JobService({
		repository: new JobRepository(store),
		claims: serviceClaims,
		api: createMjClient({ baseUrl: mj.baseUrl, apiKey: mj.apiKey, timeoutMs: 2_000 }),
		publisher,
		logger: createLogger('silent'),
		// Polling mode: no callbacks, the job is confirmed by its polls.
		callbackUrlFor: () => undefined,
		poll: { firstDelayMs: 20, callbackGraceMs: 20, maxDelayMs: 50 },
		jobTimeoutMs: 60_000,
		submitLimit: { limit: 100, windowMs: 1_000 },
		queryRatePerSecond: 100,
		retryBaseMs: 10,
		adoption: { windowMs: 60_000, requestDeadlineMs: 5_000, callbacks: false },
		// The fake serves result files on loopback, which downloads refuse unless allow-listed.
		download: { maxBytes: 10_000_000, timeoutMs: 2_000, allowHosts: [new URL(mj.baseUrl).host] },
	});
	return service;
}

describe('JobService when the store fails for a moment', () => {
	it('polls the job again after a failed confirmation, and delivers it once', async () => {
		// The store answers every claim but the first poll lease, which fails as an unreachable store would.
		const failures: string[] = [];
		const flaky: Claims = {
			...claims,
			async claim(key, ttlMs, owner) {
				if (key.startsWith('poll:') && failures.length === 0) {
					failures.push(key);
					throw new Error('store unavailable');
				}
				return claims.claim(key, ttlMs, owner);
			},
		};
		const publisher = new RecordingPublisher();
		const jobs = startService(flaky, publisher);
		const delivered = publisher.nextPublish();
		const job = await jobs.start({
			kind: 'imagine',
			target: { guildId: '300000000000000002', channelId: '300000000000000003', requesterId: '300000000000000004' },
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'a lighthouse', options: {} }),
		});
		const { taskId } = await mj.waitForGenerate(0);
		mj.succeed(taskId!);

		await delivered;
		await jobs.idle();
		expect(failures).toEqual([`poll:${job.id}`]);
		expect(publisher.published).toHaveLength(1);
		expect(publisher.published[0]!.files.filter((file) => file.ok)).toHaveLength(4);
		expect((await new JobRepository(store).get(job.id))?.state).toMatchObject({
			phase: 'finished',
			taskId,
			delivery: { state: 'delivered' },
		});
	});
});
