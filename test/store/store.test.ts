/**
 * The store's availability: every store and claims call settles within its time-out, whatever the server does (gone,
 * frozen, never answering, a SQLite file locked by another process), with one error callers recognise, and the store
 * answers again once the server does, without a restart. And one callback secret per store, however many processes
 * start together.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCallbackSecret } from '../../src/server/callbackSigning.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, StoreUnavailableError, type Store } from '../../src/store/store.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { freshStores, STORE_KINDS } from '../support/stores.js';

const stores = freshStores('store');
let opened: Array<Store | Claims> = [];
let dir: string;

beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'mj-store-'));
	opened = [];
});
afterEach(async () => {
	await Promise.all(opened.map(async (closable) => closable.close()));
	rmSync(dir, { recursive: true, force: true });
});

function open<T extends Store | Claims>(closable: T): T {
	opened.push(closable);
	return closable;
}

/** Resolves once `check` resolves true (the store coming back has no event of its own to wait on). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check().catch(() => false))) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Every call the store and the claims serve, each expected to reject with `StoreUnavailableError`. */
async function expectEveryCallUnavailable(store: Store, claims: Claims[]): Promise<void> {
	const jobs = store.collection<number>('jobs');
	const calls: Array<[string, () => Promise<unknown>]> = [
		['get', async () => jobs.get('a')],
		['getMany', async () => jobs.getMany(['a', 'b'])],
		['set', async () => jobs.set('a', 1)],
		['delete', async () => jobs.delete('a')],
		['has', async () => jobs.has('a')],
		[
			'iterate',
			async () => {
				for await (const entry of jobs.iterator!(undefined)) void entry;
			},
		],
		['putIfAbsent', async () => store.putIfAbsent('meta', 'k', 'v')],
		...claims.flatMap((each, index): Array<[string, () => Promise<unknown>]> => [
			[`claim ${index}`, async () => each.claim('k', 1_000, 'me')],
			[`release ${index}`, async () => each.release('k', 'me')],
		]),
	];
	const outcomes = await Promise.all(
		calls.map(
			async ([name, call]) =>
				[
					name,
					await call().then(
						() => 'answered',
						(error: unknown) => error,
					),
				] as const,
		),
	);
	for (const [name, outcome] of outcomes) {
		expect(outcome, name).toBeInstanceOf(StoreUnavailableError);
	}
}

describe('store and claims calls are bounded in time', () => {
	it('rejects every call with StoreUnavailableError when a Redis server accepts connections but never answers', async () => {
		const sockets = new Set<net.Socket>();
		const silent = net.createServer((socket) => {
			sockets.add(socket);
			socket.on('error', () => undefined);
		});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const url = `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
		try {
			const store = open(createStore(url, { timeoutMs: 150 }));
			const claims = open(createClaims(url, Date.now, { timeoutMs: 150 }));
			await expectEveryCallUnavailable(store, [claims]);
			// Closing does not wait for a server that never answers.
			await Promise.all([store.close(), claims.close()]);
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => silent.close(() => resolve()));
		}
	});

	it('rejects writes with StoreUnavailableError while another process holds the SQLite file’s write lock', async () => {
		const file = join(dir, 'locked.sqlite');
		// Long enough for a loaded machine to answer what is not locked; the lock's waits are cut at 3/4 of it.
		const store = open(createStore(`sqlite://${file}`, { timeoutMs: 1_000 }));
		const claims = open(createClaims(`sqlite://${file}`, Date.now, { timeoutMs: 1_000 }));
		const jobs = store.collection<number>('jobs');
		await jobs.set('a', 1);
		expect(await claims.claim('warm-up', 1_000)).toBe(true);

		const other = new Database(file);
		other.exec('BEGIN IMMEDIATE');
		try {
			// Readers are not blocked by a writer (WAL): what does not need the lock still answers.
			expect(await jobs.get('a')).toBe(1);
			const failures = await Promise.all([
				jobs.set('a', 2).catch((error: unknown) => error),
				claims.claim('k', 1_000).catch((error: unknown) => error),
				store.putIfAbsent('meta', 'k', 'v').catch((error: unknown) => error),
			]);
			for (const failure of failures) expect(failure).toBeInstanceOf(StoreUnavailableError);
		} finally {
			other.exec('ROLLBACK');
			other.close();
		}
		// Statements still waiting for the lock when it went finish first; then the file is the store's again.
		await eventually(async () => (await jobs.set('a', 3)) && (await jobs.get('a')) === 3, 'writes to go through');
		await eventually(async () => claims.claim('k', 1_000), 'claims to go through');
	});

	describe.runIf(REDIS_TESTS_ENABLED)('with a real redis-server', () => {
		let redis: RedisServer;
		beforeEach(async () => {
			redis = await startRedis();
		});
		afterEach(async () => {
			await redis.stop();
		});

		it('fails at once while the server is gone (nothing queued), and answers again once it is back', async () => {
			// A long time-out: a call that waited for the server instead of failing would show as a time-out here.
			const store = open(createStore(redis.url, { timeoutMs: 10_000 }));
			const claims = open(createClaims(redis.url, Date.now, { timeoutMs: 10_000 }));
			const jobs = store.collection<number>('jobs');
			await jobs.set('a', 1);
			expect(await claims.claim('warm-up', 60_000)).toBe(true);

			await redis.stop();
			const failures = await Promise.all([
				jobs.get('a').catch((error: unknown) => error),
				jobs.set('a', 2).catch((error: unknown) => error),
				claims.claim('k', 1_000).catch((error: unknown) => error),
			]);
			for (const failure of failures) {
				expect(failure).toBeInstanceOf(StoreUnavailableError);
				expect((failure as Error).message).toMatch(/cannot answer now/);
			}

			redis = await startRedis(redis.port);
			await eventually(async () => (await jobs.set('b', 2)) && (await jobs.get('b')) === 2, 'the store to answer');
			await eventually(async () => claims.claim('back', 60_000), 'the claims to answer');
		});

		it('rejects after the time-out while the server is frozen, and answers again once it thaws', async () => {
			const store = open(createStore(redis.url, { timeoutMs: 500 }));
			const claims = open(createClaims(redis.url, Date.now, { timeoutMs: 500 }));
			await store.collection<number>('jobs').set('a', 1);
			expect(await claims.claim('warm-up', 60_000)).toBe(true);

			redis.freeze();
			try {
				await expectEveryCallUnavailable(store, [claims]);
			} finally {
				redis.thaw();
			}
			expect(await store.collection<number>('jobs').get('a')).toBe(1);
			expect(await claims.claim('after', 60_000)).toBe(true);
		});

		it('stops without waiting for a server that is gone', async () => {
			const store = open(createStore(redis.url));
			const claims = open(createClaims(redis.url));
			await store.collection<number>('jobs').set('a', 1);
			expect(await claims.claim('warm-up', 60_000)).toBe(true);
			await redis.stop();
			await Promise.all([store.close(), claims.close()]);
			redis = await startRedis(redis.port);
		});
	});
});

describe.each(STORE_KINDS)('one callback secret per store (%s)', (kind) => {
	it('gives 20 simultaneous resolutions, from four processes’ connections, one secret', async () => {
		const url = stores.url(kind);
		const processes = Array.from({ length: 4 }, () => open(createStore(url)));
		const secrets = await Promise.all(
			Array.from({ length: 20 }, async (_, index) => resolveCallbackSecret(undefined, processes[index % 4]!)),
		);
		expect(new Set(secrets).size).toBe(1);
		// Kept as any other value: read back through Keyv, by a process that starts later.
		const later = open(createStore(url));
		expect(await later.collection<string>('meta').get('callback-secret')).toBe(secrets[0]);
		expect(await resolveCallbackSecret(undefined, later)).toBe(secrets[0]);
	});

	it('keeps a secret stored by an earlier version, and never stores a configured one', async () => {
		const url = stores.url(kind);
		const store = open(createStore(url));
		await store.collection<string>('meta').set('callback-secret', 'kept-from-before');
		expect(await resolveCallbackSecret(undefined, store)).toBe('kept-from-before');
		expect(await resolveCallbackSecret('configured-secret-16', store)).toBe('configured-secret-16');
		expect(await store.collection<string>('meta').get('callback-secret')).toBe('kept-from-before');
	});
});

describe('one callback secret per store (memory)', () => {
	it('gives 20 simultaneous resolutions one secret', async () => {
		const store = open(createStore('memory://'));
		const secrets = await Promise.all(Array.from({ length: 20 }, async () => resolveCallbackSecret(undefined, store)));
		expect(new Set(secrets).size).toBe(1);
	});
});

describe('putIfAbsent on SQLite', () => {
	it('writes the value as Keyv does, so Keyv on the same table reads it', async () => {
		const file = join(dir, 'put.sqlite');
		const store = open(createStore(`sqlite://${file}`));
		expect(await store.putIfAbsent('meta', 'k', { n: 1 })).toEqual({ n: 1 });
		expect(await store.putIfAbsent('meta', 'k', { n: 2 })).toEqual({ n: 1 });
		const raw = new Keyv<{ n: number }>({ store: store.collection('meta').store, namespace: 'meta' });
		expect(await raw.get('k')).toEqual({ n: 1 });
	});
});
