import { afterEach, describe, expect, it } from 'vitest';
import { createMjClient } from '../../src/api/client.js';
import { FailureDigest, storeWriteLines } from '../../src/jobs/failureDigest.js';
import { persist } from '../../src/jobs/persist.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { JobService } from '../../src/jobs/service.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, StoreUnavailableError } from '../../src/store/store.js';
import { logSink } from '../e2e/harness.js';

const ERROR = 50;
const INFO = 30;

function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
	const lines: Array<Record<string, unknown>> = [];
	return { logger: createLogger('debug', logSink(lines)), lines };
}

/** A write that fails `times` times, then stores. */
function failing(times: number, error = 'SQLITE_BUSY: database is locked'): () => Promise<string> {
	let calls = 0;
	return async () => {
		calls += 1;
		if (calls <= times) throw new Error(`${error} (${calls})`);
		return 'stored';
	};
}

describe('a digest of failures retried alike', () => {
	it('logs the first failure, then at most one summary per interval, then one line when all are stored', async () => {
		const { logger, lines } = capture();
		let now = 0;
		const digest = new FailureDigest(logger, storeWriteLines('the withdrawals'), { intervalMs: 1_000, now: () => now });
		// A burst: 1000 writes, each failing 5 times; the clock moves 10 ms per failure (50 s in all).
		const writes = Array.from({ length: 1_000 }, (_, index) => ({ key: `job-${index}`, write: failing(5) }));
		for (let round = 0; round < 6; round += 1) {
			for (const { key, write } of writes) {
				try {
					await write();
					digest.succeeded(key);
				} catch (error) {
					now += 10;
					digest.failed(key, error);
				}
			}
		}
		const errors = lines.filter((line) => line.level === ERROR);
		// 5000 failures over 50 s: the first, then one summary per second at most.
		expect(errors.length).toBeLessThanOrEqual(51);
		expect(errors[0]).toMatchObject({ key: 'job-0', msg: 'Could not store the withdrawals; retrying' });
		expect(errors[1]).toMatchObject({
			failures: 100,
			waiting: 101,
			msg: 'Still could not store the withdrawals; retrying',
		});
		expect(String((errors.at(-1)?.err as { message?: string }).message)).toMatch(/SQLITE_BUSY/);
		const summed = errors.slice(1).reduce((sum, line) => sum + Number(line.failures), 0);
		expect(summed).toBeGreaterThanOrEqual(4_800);
		const recovered = lines.filter((line) => line.level === INFO);
		expect(recovered).toEqual([
			expect.objectContaining({ failures: 5_000, msg: 'Stored the withdrawals after the store failed' }),
		]);
	});

	it('persist tells the digest instead of logging each failure', async () => {
		const { logger, lines } = capture();
		const digest = new FailureDigest(logger, storeWriteLines('the withdrawals'));
		const stored = await Promise.all(
			Array.from({ length: 200 }, async (_, index) =>
				persist(failing(3), {
					logger,
					what: 'a withdrawal',
					delaysMs: [1],
					report: { to: digest, key: `job-${index}` },
				}),
			),
		);
		expect(stored.every((value) => value === 'stored')).toBe(true);
		expect(lines.filter((line) => line.level === ERROR)).toHaveLength(1);
		expect(lines.filter((line) => line.level === INFO)).toHaveLength(1);
	});
});

describe('withdrawals under a burst of store failures', () => {
	let claims: Claims | undefined;
	let service: JobService | undefined;
	afterEach(async () => {
		await service?.stop();
		await claims?.close();
	});

	it('log a few lines, not one per attempt, and one when they are stored', async () => {
		const store = createStore('memory://');
		const real = createClaims('memory://');
		claims = real;
		// The job's write times out, and so do the first two withdrawal claims of each job.
		const jobs = store.collection('open-jobs');
		jobs.set = (async () => {
			throw new StoreUnavailableError('The store did not answer (SET) within 2000 ms');
		}) as typeof jobs.set;
		const tries = new Map<string, number>();
		const flaky: Claims = {
			...real,
			claim: async (key, ttlMs, owner) => {
				const seen = (tries.get(key) ?? 0) + 1;
				tries.set(key, seen);
				if (seen <= 2) throw new StoreUnavailableError('The store did not answer (SET NX PX) within 2000 ms');
				return real.claim(key, ttlMs, owner);
			},
		};
		const { logger, lines } = capture();
		service = new JobService({
			repository: new JobRepository(store),
			claims: flaky,
			api: createMjClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', timeoutMs: 2_000 }),
			publisher: { showWorking: async () => '1', publish: async () => Promise.reject(new Error('no')) },
			logger,
			callbackUrlFor: () => undefined,
			poll: { firstDelayMs: 20, callbackGraceMs: 20, maxDelayMs: 50 },
			jobTimeoutMs: 60_000,
			submitLimit: { limit: 100, windowMs: 1_000 },
			queryRatePerSecond: 100,
			retryBaseMs: 10,
			adoption: { windowMs: 60_000, requestDeadlineMs: 5_000, callbacks: false },
			download: { maxBytes: 10_000_000, timeoutMs: 2_000 },
		});
		const started = await Promise.allSettled(
			Array.from({ length: 200 }, async (_, index) =>
				service!.start({
					kind: 'imagine',
					target: { guildId: '1', channelId: '2', requesterId: String(index + 3) },
					request: buildGenerateRequest({ kind: 'imagine', prompt: `burst ${index}`, options: {} }),
				}),
			),
		);
		expect(started.every((outcome) => outcome.status === 'rejected')).toBe(true);
		await service.idle();
		expect([...tries.values()].filter((count) => count === 3)).toHaveLength(200);
		const withdrawalLines = lines.filter((line) => /withdrawal/.test(String(line.msg)));
		// 400 failed attempts: the first logged, the rest within the summary interval; then the recovery.
		expect(withdrawalLines.filter((line) => line.level === ERROR)).toHaveLength(1);
		expect(withdrawalLines.filter((line) => line.level === INFO)).toEqual([expect.objectContaining({ failures: 400 })]);
	});
});
