/**
 * A delivery whose retry was scheduled by a process that then stopped is taken up by another process already running
 * on the store (its sweep of deferred deliveries), once, and leaves the list of deferred deliveries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMjClient } from '../../src/api/client.js';
import { DeliveryError } from '../../src/jobs/errors.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { JobService, type JobPublisher } from '../../src/jobs/service.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { createClaims } from '../../src/store/claims.js';
import { createStore } from '../../src/store/store.js';
import { eventually } from '../e2e/harness.js';

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const close of closing.splice(0).reverse()) await close();
});

/** One process: its own store connection, claims and job service, publishing through `publisher`. */
function startProcess(url: string, publisher: JobPublisher): { service: JobService; repository: JobRepository } {
	const store = createStore(url);
	const claims = createClaims(url);
	const repository = new JobRepository(store);
	const service = new JobService({
		repository,
		claims,
		api: createMjClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', timeoutMs: 1_000 }),
		publisher,
		logger: createLogger('silent'),
		callbackUrlFor: () => undefined,
		poll: { firstDelayMs: 20, callbackGraceMs: 20, maxDelayMs: 50 },
		jobTimeoutMs: 60_000,
		submitLimit: { limit: 100, windowMs: 1_000 },
		queryRatePerSecond: 100,
		retryBaseMs: 10,
		adoption: { windowMs: 60_000, requestDeadlineMs: 5_000, callbacks: false },
		download: { maxBytes: 10_000_000, timeoutMs: 1_000 },
		deliveryRetry: { baseMs: 100, maxMs: 100, giveUpMs: 60_000 },
	});
	closing.push(async () => {
		await service.stop();
		await Promise.all([store.close(), claims.close()]);
	});
	return { service, repository };
}

/** A publisher that counts its attempts and answers as `answer` says. */
function publisher(answer: () => 'down' | 'up'): JobPublisher & { attempts: number } {
	const counted = {
		attempts: 0,
		showWorking: async () => '300000000000000009',
		publish: async () => {
			counted.attempts += 1;
			if (answer() === 'down') throw new DeliveryError('Bad Gateway', true);
			return { via: 'channel-edit' as const, messageId: '300000000000000010', attachments: [] };
		},
	};
	return counted;
}

describe('a deferred delivery', () => {
	it('is taken up once by another running process after the one that scheduled it stopped', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'mjbot-sweep-'));
		closing.push(async () => rmSync(dir, { recursive: true, force: true }));
		const url = `sqlite://${join(dir, 'bot.sqlite')}`;
		const down = publisher(() => 'down');
		const first = startProcess(url, down);
		const upElsewhere = publisher(() => 'up');
		const other = startProcess(url, upElsewhere);
		const job: JobRecord = {
			id: 'job-deferred-1',
			kind: 'imagine',
			createdAt: Date.now(),
			target: { guildId: '300000000000000002', channelId: '300000000000000003', requesterId: '300000000000000004' },
			request: buildGenerateRequest({ kind: 'imagine', prompt: 'a lighthouse', options: {} }),
			state: {
				phase: 'finished',
				taskId: 'task-1',
				outcome: { status: 'failed', reason: 'refused' },
				finishedAt: Date.now(),
				delivery: { state: 'pending', attempts: 0 },
			},
		};
		await first.repository.create(job);

		// The first process tries, fails, schedules the retry, and stops before it is due.
		await first.service.resume();
		await first.service.idle();
		expect(down.attempts).toBe(1);
		await first.service.stop();
		const stored = await first.repository.get(job.id);
		expect(stored?.state).toMatchObject({ delivery: { state: 'pending', attempts: 1 } });

		await eventually(async () => {
			const now = await other.repository.get(job.id);
			return now?.state.phase === 'finished' && now.state.delivery.state === 'delivered';
		}, 'the other process to deliver it');
		await other.service.idle();
		expect(upElsewhere.attempts).toBe(1);
		expect(await other.repository.dueDeliveries(Number.POSITIVE_INFINITY)).toEqual([]);
	});
});
