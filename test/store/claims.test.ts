import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { freshStores, STORE_KINDS, type StoreKind } from '../support/stores.js';

const stores = freshStores('claims');
const storeUrl = (kind: StoreKind): string => stores.url(kind);

/** Claims `key` as soon as its ttl is up: the expiry is the event waited on, checked as fast as the store answers. */
async function claimOnceExpired(claims: Claims, key: string, ttlMs: number, owner?: string): Promise<boolean> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) if (await claims.claim(key, ttlMs, owner)) return true;
	return false;
}

/** Two claimants, as two processes have them: each over a connection of its own. */
describe.each(STORE_KINDS)('claims on %s', (kind) => {
	let a: Claims;
	let b: Claims;
	beforeAll(() => {
		const url = storeUrl(kind);
		[a, b] = [createClaims(url), createClaims(url)];
	});
	afterAll(async () => {
		await Promise.all([a.close(), b.close()]);
	});

	it('grants a key to exactly one of many concurrent claimants', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) => (index % 2 ? a : b).claim('finish:job-1', 60_000)),
		);
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('grants a key again once released', async () => {
		expect(await a.claim('poll:job-2', 60_000)).toBe(true);
		expect(await b.claim('poll:job-2', 60_000)).toBe(false);
		await a.release('poll:job-2');
		expect(await b.claim('poll:job-2', 60_000)).toBe(true);
	});

	it('grants a key again once its time is up', async () => {
		// Long enough that the second claim comes while the first holds, even on a loaded machine; short enough to wait out.
		expect(await a.claim('lease:job-3', 1_000)).toBe(true);
		expect(await b.claim('lease:job-3', 1_000)).toBe(false);
		expect(await claimOnceExpired(b, 'lease:job-3', 1_000)).toBe(true);
	});

	it('lets only the owner release an owned claim', async () => {
		expect(await a.claim('lock:4', 60_000, 'owner-a')).toBe(true);
		await b.release('lock:4', 'owner-b');
		expect(await b.claim('lock:4', 60_000, 'owner-b')).toBe(false);
		await a.release('lock:4', 'owner-a');
		expect(await b.claim('lock:4', 60_000, 'owner-b')).toBe(true);
	});

	it('keeps a claim taken over after expiry when the late former owner releases', async () => {
		expect(await a.claim('lock:5', 30, 'owner-a')).toBe(true);
		expect(await claimOnceExpired(b, 'lock:5', 60_000, 'owner-b')).toBe(true);
		// The first holder finishes late and lets go of what it thinks is its claim: b's stays.
		await a.release('lock:5', 'owner-a');
		expect(await a.claim('lock:5', 60_000, 'owner-a')).toBe(false);
		// Releasing without an owner stays unconditional, as the job service's claims expect.
		await a.release('lock:5');
		expect(await a.claim('lock:5', 60_000)).toBe(true);
	});

	it('renews a claim for its owner only, and not once it has lapsed', async () => {
		expect(await a.claim('deliver:6', 60_000, 'owner-a')).toBe(true);
		expect(await b.renew('deliver:6', 60_000, 'owner-b')).toBe(false);
		expect(await a.renew('deliver:6', 60_000, 'owner-a')).toBe(true);
		expect(await b.claim('deliver:6', 60_000, 'owner-b')).toBe(false);
		expect(await a.claim('deliver:7', 30, 'owner-a')).toBe(true);
		expect(await claimOnceExpired(b, 'deliver:7', 60_000, 'owner-b')).toBe(true);
		expect(await a.renew('deliver:7', 60_000, 'owner-a')).toBe(false);
	});
});

describe('claims in memory', () => {
	it('grants a key once until released, by its owner when it has one', async () => {
		const claims = createClaims('memory://');
		expect(await claims.claim('k', 1000)).toBe(true);
		expect(await claims.claim('k', 1000)).toBe(false);
		await claims.release('k');
		expect(await claims.claim('k', 1000, 'me')).toBe(true);
		await claims.release('k', 'someone else');
		expect(await claims.claim('k', 1000)).toBe(false);
		await claims.release('k', 'me');
		expect(await claims.claim('k', 1000)).toBe(true);
		await claims.close();
	});
});

describe('claims on a SQLite file from before owners', () => {
	it('adds the owner column and keeps the claims already held', async () => {
		const file = join(stores.dir, 'old-claims.sqlite');
		const db = new Database(file);
		db.exec(
			`CREATE TABLE claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
			INSERT INTO claims VALUES ('held', ${Date.now() + 60_000});`,
		);
		db.close();
		const [a, b] = [createClaims(`sqlite://${file}`), createClaims(`sqlite://${file}`)];
		expect(await Promise.all([a.claim('held', 1000, 'a'), b.claim('held', 1000, 'b')])).toEqual([false, false]);
		expect(await a.claim('new', 60_000, 'a')).toBe(true);
		await b.release('new', 'b');
		expect(await b.claim('new', 60_000, 'b')).toBe(false);
		await Promise.all([a.close(), b.close()]);
	});
});
