import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClaims } from '../../src/store/claims.js';
import { SqliteConnection } from '../../src/store/sqlite/connection.js';
import { SqliteKeyvStore } from '../../src/store/sqlite/keyvStore.js';
import { startSweeping } from '../../src/store/sqlite/sweeper.js';
import { createStore, StoreUnavailableError } from '../../src/store/store.js';
import { TIMING_CHANNEL } from '../../src/timing.js';

let dir: string;
let connection: SqliteConnection;

beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'mj-sqlite-'));
	connection = SqliteConnection.open(join(dir, 'store.sqlite'));
});

afterEach(async () => {
	await connection.close();
	rmSync(dir, { recursive: true, force: true });
});

function keyv<Value>(table: string, namespace = table): Keyv<Value> {
	return new Keyv<Value>({ store: new SqliteKeyvStore(connection, table), namespace });
}

describe('SqliteKeyvStore under Keyv', () => {
	it('keeps the order of writes to one key made at once, across many keys', async () => {
		const jobs = keyv<number>('jobs');
		const keys = Array.from({ length: 40 }, (_, index) => `job-${index}`);
		// Not awaited one by one: the writes run side by side, those of one key in the order they were made.
		await Promise.all(keys.flatMap((key) => [1, 2, 3, 4, 5].map(async (version) => jobs.set(key, version))));
		expect(await jobs.get(keys)).toEqual(keys.map(() => 5));
	});

	it('sends writes made while one runs together, as one statement, the later write of a key winning', async () => {
		const jobs = keyv<string>('jobs');
		await jobs.set('warm', 'table created');
		const statements: string[] = [];
		const listener = (message: unknown): void => void statements.push((message as { detail: string }).detail);
		subscribe(TIMING_CHANNEL, listener);
		try {
			const values = Array.from({ length: 50 }, (_, index) => `it's "${index}" ✓`);
			await Promise.all(values.map(async (value, index) => jobs.set(`job-${index % 25}`, value)));
			expect(await jobs.get(Array.from({ length: 25 }, (_, index) => `job-${index}`))).toEqual(values.slice(25));
		} finally {
			unsubscribe(TIMING_CHANNEL, listener);
		}
		// The first write alone, the 49 made while it ran in one batch, then the read.
		expect(statements.filter((sql) => sql.startsWith('INSERT'))).toHaveLength(2);
	});

	it('sends reads made while one runs together, as one statement, each caller getting its own key', async () => {
		const jobs = keyv<string>('jobs');
		await Promise.all(Array.from({ length: 30 }, async (_, index) => jobs.set(`job-${index}`, `value ${index}`)));
		const statements: string[] = [];
		const listener = (message: unknown): void => void statements.push((message as { detail: string }).detail);
		subscribe(TIMING_CHANNEL, listener);
		let read: Array<string | undefined>;
		try {
			// Duplicates and keys with no row among them; every read is its own Keyv `get`.
			const keys = [...Array.from({ length: 40 }, (_, index) => `job-${index}`), 'job-3', 'job-3'];
			read = await Promise.all(keys.map(async (key) => jobs.get(key)));
		} finally {
			unsubscribe(TIMING_CHANNEL, listener);
		}
		expect(read).toEqual([
			...Array.from({ length: 40 }, (_, index) => (index < 30 ? `value ${index}` : undefined)),
			'value 3',
			'value 3',
		]);
		// The first read alone, the 41 made while it ran in one batch.
		expect(statements.filter((sql) => sql.startsWith('SELECT'))).toEqual([
			'SELECT value FROM jobs WHERE key = ?',
			'SELECT key, value FROM jobs WHERE key IN (SELECT value FROM json_each(?))',
		]);
	});

	it('fails every read of a batch when its statement fails, and reads again afterwards', async () => {
		const store = new SqliteKeyvStore(connection, 'jobs');
		await store.set('a', 'kept');
		const all = vi.spyOn(connection, 'all').mockRejectedValueOnce(new Error('disk I/O error'));
		const first = store.get('a');
		// Made while the first runs: they go together, after it, and succeed.
		const later = Promise.all(['b', 'a'].map(async (key) => store.get(key)));
		await expect(first).rejects.toThrow('disk I/O error');
		await expect(later).resolves.toEqual([undefined, 'kept']);
		all.mockRestore();
	});

	it('sets, gets, checks, deletes, and reads many at once', async () => {
		const jobs = keyv<{ prompt: string }>('jobs');
		await jobs.set('a', { prompt: 'a cat' });
		await jobs.set('b', { prompt: 'a dog' });
		await jobs.set('a', { prompt: 'a lion' });
		expect(await jobs.get('a')).toEqual({ prompt: 'a lion' });
		expect(await jobs.get(['a', 'missing', 'b'])).toEqual([{ prompt: 'a lion' }, undefined, { prompt: 'a dog' }]);
		expect(await jobs.has('b')).toBe(true);
		expect(await jobs.delete('b')).toBe(true);
		expect(await jobs.delete('b')).toBe(false);
		expect(await jobs.has('b')).toBe(false);
		expect(await jobs.get('b')).toBeUndefined();
	});

	it('expires values through Keyv’s own expiry', async () => {
		const jobs = keyv<string>('jobs');
		vi.useFakeTimers({ toFake: ['Date'] });
		try {
			await jobs.set('short', 'gone soon', 1_000);
			await jobs.set('long', 'still here', 60_000);
			vi.setSystemTime(Date.now() + 1_001);
			expect(await jobs.get('short')).toBeUndefined();
			expect(await jobs.get('long')).toBe('still here');
		} finally {
			vi.useRealTimers();
		}
	});

	it('iterates every key of its namespace, across pages, even while they are deleted', async () => {
		const open = keyv<number>('open_jobs', 'open-jobs');
		const other = keyv<number>('open_jobs', 'open_jobsX');
		await other.set('stranger', 1);
		const ids = Array.from({ length: 1_203 }, (_, index) => `job-${String(index).padStart(5, '0')}`);
		await Promise.all(ids.map(async (id, index) => open.set(id, index)));
		const seen: string[] = [];
		for await (const [key, value] of open.iterator!(undefined)) {
			seen.push(String(key));
			expect(value).toBe(ids.indexOf(String(key)));
			// Restart recovery forgets ids as it goes: paging by key must not skip the rest.
			await open.delete(String(key));
		}
		expect(seen).toEqual(ids);
		expect(await other.get('stranger')).toBe(1);
	});

	it('clears only its namespace, with LIKE’s wildcards in the name taken literally', async () => {
		const mine = keyv<string>('shared', 'a_b');
		const lookalike = keyv<string>('shared', 'aXb');
		await mine.set('k', 'mine');
		await lookalike.set('k', 'theirs');
		await mine.clear();
		expect(await mine.get('k')).toBeUndefined();
		expect(await lookalike.get('k')).toBe('theirs');
	});

	it('reads a file in the layout @keyv/sqlite wrote, and shares one connection between tables', async () => {
		const file = join(dir, 'before.sqlite');
		const raw = new Database(file);
		raw.exec(
			`CREATE TABLE IF NOT EXISTS jobs(key VARCHAR(255) PRIMARY KEY, value TEXT );
			 INSERT INTO jobs (key, value) VALUES ('jobs:old', '{"value":{"prompt":"from before"},"expires":null}');`,
		);
		raw.close();
		const store = createStore(`sqlite://${file}`);
		try {
			expect(await store.collection<{ prompt: string }>('jobs').get('old')).toEqual({ prompt: 'from before' });
			await store.collection<number>('open-jobs').set('old', 1);
			const adapters = ['jobs', 'open-jobs'].map((name) => store.collection(name).store as SqliteKeyvStore);
			expect(adapters[0]!.connection).toBe(adapters[1]!.connection);
		} finally {
			await store.close();
		}
	});

	it('refuses a table name that is not a plain identifier', () => {
		expect(() => new SqliteKeyvStore(connection, 'jobs; DROP TABLE claims')).toThrow(/Invalid SQLite table name/);
	});
});

describe('createStore', () => {
	it('surfaces a store failure as an error, never as a missing value or a write that did not happen', async () => {
		// Keyv swallows adapter errors unless told otherwise: a job the store could not read would read as unknown (a
		// callback answered 404), and a write that failed would pass for done.
		const store = createStore(`sqlite://${join(dir, 'failing.sqlite')}`);
		const jobs = store.collection<number>('jobs');
		await jobs.set('a', 1);
		expect(await jobs.get('a')).toBe(1);
		await store.close();
		await expect(jobs.get('a')).rejects.toThrow('The SQLite connection is closed');
		await expect(jobs.set('a', 2)).rejects.toThrow('The SQLite connection is closed');
		await expect(jobs.delete('a')).rejects.toThrow('The SQLite connection is closed');
	});
});

describe('SqliteConnection', () => {
	it('reuses one prepared statement per SQL text and fails clearly once closed', async () => {
		await connection.exec('CREATE TABLE t (n INTEGER)');
		await Promise.all([1, 2, 3].map(async (n) => connection.run('INSERT INTO t (n) VALUES (?)', [n])));
		expect(await connection.all('SELECT n FROM t ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		await connection.close();
		await expect(connection.all('SELECT n FROM t')).rejects.toThrow('The SQLite connection is closed');
	});
});

describe('statements run in place', () => {
	it('leave timers and sockets their turn in a long loop of them', async () => {
		await connection.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
		let timerRanAfter: number | undefined;
		let done = 0;
		setTimeout(() => (timerRanAfter = done), 0);
		// Each statement is awaited, as a caller walking every open job does: without turns of their own they would run
		// as one chain of microtasks, and the timer only after the last.
		for (; done < 20_000; done++) await connection.run('INSERT INTO t (k, v) VALUES (?, ?)', [done, 'x'.repeat(200)]);
		expect(timerRanAfter).toBeDefined();
		expect(timerRanAfter).toBeLessThan(20_000);
	});

	it('still run in the order they were made when some wait for a turn of their own', async () => {
		await connection.exec('CREATE TABLE t (k INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER)');
		const made: Array<Promise<void>> = [];
		// Made over many turns (from timers, which run before a waiting statement's turn) without waiting for them:
		// those of a later turn must not overtake one that waits.
		for (let value = 0; value < 30_000; value++) {
			made.push(connection.run('INSERT INTO t (v) VALUES (?)', [value]));
			if (value % 500 === 499) await new Promise<void>((resolve) => setTimeout(resolve, 0));
		}
		await Promise.all(made);
		const rows = await connection.all('SELECT v FROM t ORDER BY k');
		expect(rows.map((row) => row['v'])).toEqual(Array.from({ length: 30_000 }, (_, value) => value));
	});
});

describe('a statement that fails on a locked file', () => {
	it('leaves no transaction open behind it: every connection can write once the lock is gone', async () => {
		const file = join(dir, 'locked.sqlite');
		const own = SqliteConnection.open(file, { timeoutMs: 1_000 });
		const other = SqliteConnection.open(file, { timeoutMs: 1_000 });
		const holder = new Database(file);
		const exec = (sql: string): void => void holder.exec(sql);
		try {
			await own.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
			const insert = 'INSERT INTO t (k) VALUES (?) RETURNING k';
			expect(await own.all(insert, ['before'])).toEqual([{ k: 'before' }]);
			exec('BEGIN IMMEDIATE');
			await expect(own.all(insert, ['while locked'])).rejects.toBeInstanceOf(StoreUnavailableError);
			await expect(own.run('INSERT INTO t (k) VALUES (?)', ['while locked'])).rejects.toBeInstanceOf(
				StoreUnavailableError,
			);
			exec('ROLLBACK');
			// A failed kept statement that was not reset would hold its transaction: this write would join it, uncommitted,
			// and the other connection would find the file locked.
			await own.run('INSERT INTO t (k) VALUES (?)', ['after']);
			await other.run('INSERT INTO t (k) VALUES (?)', ['from the other connection']);
			expect((await other.all('SELECT k FROM t ORDER BY k')).map((row) => row['k'])).toEqual([
				'after',
				'before',
				'from the other connection',
			]);
		} finally {
			holder.close();
			await other.close();
			await own.close();
		}
	});
});

describe('sweeping expired rows', () => {
	/** Rows in a table, counted from outside the store. */
	async function count(table: string): Promise<number> {
		const [row] = await connection.all(`SELECT count(*) AS n FROM ${table}`);
		return Number(row?.['n']);
	}

	it('deletes every expired row of every Keyv table and of the claims, in batches, and nothing else', async () => {
		const jobs = keyv<number>('jobs');
		const early = keyv<string>('early_callbacks', 'early-callbacks');
		await Promise.all([
			...Array.from({ length: 1_200 }, async (_, index) => jobs.set(`done-${index}`, index, 60_000)),
			...Array.from({ length: 10 }, async (_, index) => jobs.set(`open-${index}`, index)),
			...Array.from({ length: 30 }, async (_, index) => early.set(`job-${index}`, 'task', 60_000)),
			early.set('later', 'task', 10 * 60_000),
		]);
		await connection.run("INSERT INTO jobs (key, value) VALUES ('jobs:not-json', 'plain text')");
		const claims = createClaims(`sqlite://${join(dir, 'store.sqlite')}`);
		expect(await claims.claim('expired', 1_000)).toBe(true);
		expect(await claims.claim('held', 10 * 60_000)).toBe(true);
		expect([await count('jobs'), await count('early_callbacks'), await count('claims')]).toEqual([1_211, 31, 2]);

		// Swept as if two minutes had passed: the minute-long entries are due, the ten-minute ones and the rest are not.
		const sweeper = startSweeping(connection, { now: () => Date.now() + 2 * 60_000, intervalMs: 60 * 60_000 });
		try {
			expect(await sweeper.sweep()).toBe(1_200 + 30 + 1);
			expect([await count('jobs'), await count('early_callbacks'), await count('claims')]).toEqual([11, 1, 1]);
			expect(await jobs.get('open-3')).toBe(3);
			expect(await early.get('later')).toBe('task');
			expect(await claims.claim('held', 1_000)).toBe(false);
			expect(await sweeper.sweep()).toBe(0);
		} finally {
			await sweeper.stop();
			await claims.close();
		}
	});

	it('runs once at open and then on its schedule in a store, and stops when the store closes', async () => {
		const file = join(dir, 'swept.sqlite');
		const store = createStore(`sqlite://${file}`, { sweepIntervalMs: 50 });
		const outside = SqliteConnection.open(file);
		try {
			const early = store.collection<string>('early-callbacks');
			// They expire after the count below (which a loaded machine may take a while to reach), then await the sweep.
			await Promise.all(Array.from({ length: 20 }, async (_, index) => early.set(`job-${index}`, 'task', 1_000)));
			await early.set('kept', 'task');
			const rows = async () => Number((await outside.all('SELECT count(*) AS n FROM early_callbacks'))[0]?.['n']);
			expect(await rows()).toBe(21);
			// Nobody reads the expired entries: only the sweep can remove them.
			const deadline = Date.now() + 10_000;
			while ((await rows()) > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
			expect(await rows()).toBe(1);
		} finally {
			await store.close();
			await outside.close();
		}
	});
});
