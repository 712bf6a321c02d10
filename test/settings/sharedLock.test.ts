import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, SharedLock } from '../../src/settings/sharedLock.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { freshStores, STORE_KINDS, type StoreKind } from '../support/stores.js';

const KINDS = STORE_KINDS;

const stores = freshStores('lock');
const storeUrl = (kind: StoreKind): string => stores.url(kind);

/** A promise with its resolver outside, to wait on something another task does. */
function signal(): { promise: Promise<void>; resolve: () => void } {
	let resolve = () => undefined as void;
	const promise = new Promise<void>((done) => {
		resolve = done;
	});
	return { promise, resolve };
}

/** Claims that count how many `claim()` calls are in flight at once, and how many were made. */
function counting(claims: Claims): Claims & { calls: number; maxInFlight: number } {
	let inFlight = 0;
	const counted = {
		calls: 0,
		maxInFlight: 0,
		async claim(key: string, ttlMs: number, owner?: string) {
			counted.calls += 1;
			inFlight += 1;
			counted.maxInFlight = Math.max(counted.maxInFlight, inFlight);
			try {
				return await claims.claim(key, ttlMs, owner);
			} finally {
				inFlight -= 1;
			}
		},
		release: async (key: string, owner?: string) => claims.release(key, owner),
		renew: async (key: string, ttlMs: number, owner: string) => claims.renew(key, ttlMs, owner),
		close: async () => claims.close(),
	};
	return counted;
}

describe.each(KINDS)('the shared lock on %s (two processes: two connections to one store)', (kind) => {
	let url: string;
	let claimsA: Claims;
	let claimsB: Claims;
	let lockA: SharedLock;
	let lockB: SharedLock;
	beforeAll(() => {
		url = storeUrl(kind);
		[claimsA, claimsB] = [createClaims(url), createClaims(url)];
		lockA = new SharedLock(claimsA, 'test', { waitMs: 10_000 });
		lockB = new SharedLock(claimsB, 'test', { waitMs: 10_000 });
	});
	afterAll(async () => {
		await Promise.all([claimsA.close(), claimsB.close()]);
	});

	it('runs one task at a time across both, however many ask at once', async () => {
		let inside = 0;
		let most = 0;
		const ran: string[] = [];
		const task = (name: string) => async () => {
			inside += 1;
			most = Math.max(most, inside);
			// A few store round trips inside, as a decision has: the other process has every chance to barge in.
			await (name.startsWith('a') ? claimsA : claimsB).claim(`probe:${name}`, 1000);
			await new Promise((resolve) => setImmediate(resolve));
			inside -= 1;
			ran.push(name);
		};
		await Promise.all(
			Array.from({ length: 10 }, (_, index) => [
				lockA.run('guild-1', task(`a${index}`)),
				lockB.run('guild-1', task(`b${index}`)),
			]).flat(),
		);
		expect(most).toBe(1);
		expect(ran).toHaveLength(20);
	});

	it('does not hold up other keys', async () => {
		const held = signal();
		const other = signal();
		const holding = lockA.run('guild-2', async () => {
			await held.promise;
		});
		await lockB.run('guild-3', async () => other.resolve());
		await other.promise;
		held.resolve();
		await holding;
	});

	it('lets go in the end, whether the task succeeded or threw', async () => {
		await lockA.run('guild-4', async () => 'done');
		expect(await claimsB.claim(lockA.claimKey('guild-4'), 1000, 'probe')).toBe(true);
		await claimsB.release(lockA.claimKey('guild-4'), 'probe');
		await expect(
			lockA.run('guild-4', async () => {
				throw new Error('boom');
			}),
		).rejects.toThrow('boom');
		expect(await claimsB.claim(lockA.claimKey('guild-4'), 1000, 'probe')).toBe(true);
	});

	it('is had once a dead holder’s claim expires', async () => {
		// A process took the lock and died: nobody will release it.
		expect(await claimsA.claim(lockB.claimKey('guild-5'), 100, 'dead process')).toBe(true);
		const started = Date.now();
		expect(await lockB.run('guild-5', async () => 'mine')).toBe('mine');
		expect(Date.now() - started).toBeGreaterThanOrEqual(90);
	});

	it('gives up at the deadline without running the task', async () => {
		expect(await claimsA.claim(lockB.claimKey('guild-6'), 60_000, 'a long holder')).toBe(true);
		let ran = false;
		const started = Date.now();
		const attempt = lockB.run(
			'guild-6',
			async () => {
				ran = true;
			},
			Date.now() + 100,
		);
		await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
		expect(ran).toBe(false);
		expect(Date.now() - started).toBeGreaterThanOrEqual(95);
		await claimsA.release(lockB.claimKey('guild-6'), 'a long holder');
	});

	it('never releases the lock of a holder that took it after ours expired', async () => {
		const shortA = new SharedLock(claimsA, 'test', { ttlMs: 50 });
		const aHolds = signal();
		const bHolds = signal();
		const bMayFinish = signal();
		let bDone = false;
		// A's task outlives A's claim (a stalled process); B takes the lock meanwhile.
		const a = shortA.run('guild-7', async () => {
			aHolds.resolve();
			await bHolds.promise;
		});
		// B asks only once A holds it (asking together, B might win, and A would then wait for B in vain).
		await aHolds.promise;
		const b = lockB.run('guild-7', async () => {
			bHolds.resolve();
			await bMayFinish.promise;
			bDone = true;
		});
		await a;
		// A let go of "its" lock: B's claim must still stand.
		expect(bDone).toBe(false);
		expect(await claimsA.claim(lockB.claimKey('guild-7'), 60_000, 'a third')).toBe(false);
		bMayFinish.resolve();
		await b;
	});

	it('lets one waiter per process poll the store', async () => {
		const polled = counting(createClaims(url));
		const lock = new SharedLock(polled, 'test', { waitMs: 10_000 });
		const held = signal();
		const release = signal();
		const holding = lockB.run('guild-8', async () => {
			held.resolve();
			await release.promise;
		});
		await held.promise;
		const waiters = Array.from({ length: 5 }, async () => lock.run('guild-8', async () => undefined));
		// The waiters are polling (a few attempts made) while B holds the lock.
		while (polled.calls < 3) await new Promise((resolve) => setImmediate(resolve));
		release.resolve();
		await Promise.all([holding, ...waiters]);
		expect(polled.maxInFlight).toBe(1);
		await polled.close();
	});
});
