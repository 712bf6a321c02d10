import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteConnection } from '../src/sqlite/connection.js';
import { SqliteKeyvStore } from '../src/sqlite/keyvStore.js';
import { createStore } from '../src/store.js';

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
		const raw = new sqlite3.Database(file);
		await new Promise<void>((resolve, reject) =>
			raw.exec(
				`CREATE TABLE IF NOT EXISTS jobs(key VARCHAR(255) PRIMARY KEY, value TEXT );
				 INSERT INTO jobs (key, value) VALUES ('jobs:old', '{"value":{"prompt":"from before"},"expires":null}');`,
				(error) => (error ? reject(error) : resolve()),
			),
		);
		await new Promise<void>((resolve) => raw.close(() => resolve()));
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
