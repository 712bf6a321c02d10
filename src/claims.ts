/**
 * Atomic claims across every process sharing the store. Keyv has no compare-and-set, so the few steps that must
 * happen exactly once (finishing a job, submitting it, taking a poll lease) claim a key here first:
 * SQLite does it in one `INSERT … ON CONFLICT` statement, Redis with `SET NX PX`, memory with a Map.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient } from '@keyv/redis';
import sqlite3 from 'sqlite3';

export interface Claims {
	/** True for exactly one caller per key until `ttlMs` has passed, across all processes sharing the store. */
	claim(key: string, ttlMs: number): Promise<boolean>;
	/** Gives a claim up early (e.g. a poll lease once the poll is done). */
	release(key: string): Promise<void>;
	close(): Promise<void>;
}

export function createClaims(storeUrl: string, now: () => number = Date.now): Claims {
	if (storeUrl.startsWith('sqlite://')) return sqliteClaims(storeUrl.slice('sqlite://'.length), now);
	if (storeUrl.startsWith('redis://') || storeUrl.startsWith('rediss://')) return redisClaims(storeUrl);
	return memoryClaims(now);
}

function memoryClaims(now: () => number): Claims {
	const held = new Map<string, number>();
	return {
		async claim(key, ttlMs) {
			const expiresAt = held.get(key);
			if (expiresAt !== undefined && expiresAt > now()) return false;
			held.set(key, now() + ttlMs);
			return true;
		},
		async release(key) {
			held.delete(key);
		},
		async close() {
			held.clear();
		},
	};
}

function sqliteClaims(file: string, now: () => number): Claims {
	if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
	const db = new sqlite3.Database(file);
	db.configure('busyTimeout', 10_000);
	// The same journal settings as the store's connections (see store.ts): WAL, synced at checkpoints.
	db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;', () => undefined);
	const ready = new Promise<void>((resolveReady, reject) =>
		db.run('CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)', (error) =>
			error ? reject(error) : resolveReady(),
		),
	);
	const run = async (sql: string, params: unknown[]): Promise<number> => {
		await ready;
		return new Promise((resolveRun, reject) =>
			db.run(sql, params, function onDone(this: sqlite3.RunResult, error: Error | null) {
				if (error) reject(error);
				else resolveRun(this.changes);
			}),
		);
	};
	return {
		async claim(key, ttlMs) {
			const at = now();
			// One statement, so SQLite's write lock makes it atomic across connections and processes.
			const changes = await run(
				'INSERT INTO claims (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claims.expires_at <= ?',
				[key, at + ttlMs, at],
			);
			return changes === 1;
		},
		async release(key) {
			await run('DELETE FROM claims WHERE key = ?', [key]);
		},
		async close() {
			await ready.catch(() => undefined);
			await new Promise<void>((resolveClose) => db.close(() => resolveClose()));
		},
	};
}

function redisClaims(url: string): Claims {
	const client = createClient({ url });
	client.on('error', () => undefined);
	const connected = client.connect();
	return {
		async claim(key, ttlMs) {
			await connected;
			return (await client.set(`claims:${key}`, '1', { NX: true, PX: ttlMs })) === 'OK';
		},
		async release(key) {
			await connected;
			await client.del(`claims:${key}`);
		},
		async close() {
			await connected.catch(() => undefined);
			await client.quit().catch(() => undefined);
		},
	};
}
