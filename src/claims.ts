/**
 * Atomic claims across every process sharing the store. Keyv has no compare-and-set, so the few steps that must
 * happen exactly once (finishing a job, submitting it, taking a poll lease) or one process at a time (a server's
 * limits, see settings/sharedLock.ts) claim a key here first:
 * SQLite does it in one `INSERT … ON CONFLICT` statement, Redis with `SET NX PX`, memory with a Map.
 */
import KeyvRedis, { createClient } from '@keyv/redis';
import { SqliteConnection } from './sqlite/connection.js';
import { SqliteKeyvStore } from './sqlite/keyvStore.js';
import type { Store } from './store.js';

export interface Claims {
	/**
	 * True for exactly one caller per key until `ttlMs` has passed, across all processes sharing the store. `owner`
	 * names the holder, so that only it can release the claim (see {@link release}).
	 */
	claim(key: string, ttlMs: number, owner?: string): Promise<boolean>;
	/**
	 * Gives a claim up early (e.g. a poll lease once the poll is done). With `owner`, only while that owner holds it:
	 * a holder whose claim expired must not delete the claim someone else has taken since.
	 */
	release(key: string, owner?: string): Promise<void>;
	close(): Promise<void>;
}

/** The owner of claims taken without one: releasing them without an owner is unconditional, as before owners. */
const NO_OWNER = '';

/** Claims over a connection of their own to the store at `storeUrl`; `close()` closes it. */
export function createClaims(storeUrl: string, now: () => number = Date.now): Claims {
	if (storeUrl.startsWith('sqlite://')) return ownSqliteClaims(storeUrl.slice('sqlite://'.length), now);
	if (storeUrl.startsWith('redis://') || storeUrl.startsWith('rediss://')) return ownRedisClaims(storeUrl);
	return memoryClaims(now);
}

/**
 * Claims over the store's own connections, interchangeable with {@link createClaims} on the same URL (same SQLite
 * table, same Redis keys). For a component that is handed a store only; `close()` does nothing, the store owns them.
 */
export function claimsInStore(store: Store, now: () => number = Date.now): Claims {
	let claims = storeClaims.get(store);
	if (!claims) {
		claims = borrowedClaims(store, now);
		storeClaims.set(store, claims);
	}
	return claims;
}

/** One per store, so that every user of an in-memory store shares its claims, as they share its data. */
const storeClaims = new WeakMap<Store, Claims>();

function borrowedClaims(store: Store, now: () => number): Claims {
	// `meta` is a small collection every store has (the callback secret, readiness probes): its adapter's connection.
	const adapter: unknown = store.collection<unknown>('meta').store;
	if (adapter instanceof SqliteKeyvStore) return sqliteClaims(adapter.connection, now, async () => undefined);
	if (adapter instanceof KeyvRedis) {
		return redisClaims(
			async () => adapter.getClient(),
			async () => undefined,
		);
	}
	if (adapter instanceof Map) return memoryClaims(now);
	throw new Error('Claims are not supported on this store');
}

function memoryClaims(now: () => number): Claims {
	const held = new Map<string, { expiresAt: number; owner: string }>();
	return {
		async claim(key, ttlMs, owner = NO_OWNER) {
			const current = held.get(key);
			if (current !== undefined && current.expiresAt > now()) return false;
			held.set(key, { expiresAt: now() + ttlMs, owner });
			return true;
		},
		async release(key, owner) {
			if (owner === undefined || held.get(key)?.owner === owner) held.delete(key);
		},
		async close() {
			held.clear();
		},
	};
}

function ownSqliteClaims(file: string, now: () => number): Claims {
	const connection = SqliteConnection.open(file);
	return sqliteClaims(connection, now, async () => connection.close());
}

function sqliteClaims(connection: SqliteConnection, now: () => number, closeConnection: () => Promise<void>): Claims {
	const ready = (async () => {
		await connection.exec(
			"CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, owner TEXT NOT NULL DEFAULT '')",
		);
		// A file from before owners has the table without the column; another process may be adding it right now.
		await connection.exec("ALTER TABLE claims ADD COLUMN owner TEXT NOT NULL DEFAULT ''").catch((error: unknown) => {
			if (!String(error).includes('duplicate column name')) throw error;
		});
	})();
	const run = async (sql: string, params: Array<string | number>): Promise<unknown[]> => {
		await ready;
		return connection.all(sql, params);
	};
	return {
		async claim(key, ttlMs, owner = NO_OWNER) {
			const at = now();
			// One statement, so SQLite's write lock makes it atomic across connections and processes; it returns the row
			// only when it inserted or took over an expired claim.
			const rows = await run(
				'INSERT INTO claims (key, expires_at, owner) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, owner = excluded.owner WHERE claims.expires_at <= ? RETURNING key',
				[key, at + ttlMs, owner, at],
			);
			return rows.length === 1;
		},
		async release(key, owner) {
			if (owner === undefined) await run('DELETE FROM claims WHERE key = ?', [key]);
			else await run('DELETE FROM claims WHERE key = ? AND owner = ?', [key, owner]);
		},
		async close() {
			await ready.catch(() => undefined);
			await closeConnection();
		},
	};
}

/** The commands claims need, common to the plain, cluster and sentinel clients. */
interface RedisCommands {
	set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>;
	del(key: string): Promise<unknown>;
	eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** How long closing waits for a Redis connection's pending commands before dropping it. */
const REDIS_CLOSE_GRACE_MS = 1_000;

/** Deletes the claim only if its value is still our owner token: a check and a delete Redis runs as one. */
const RELEASE_OWNED = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

function ownRedisClaims(url: string): Claims {
	const client = createClient({ url });
	client.on('error', () => undefined);
	const connected = client.connect();
	return redisClaims(
		async () => {
			await connected;
			return client;
		},
		async () => {
			// With the server gone, a graceful close waits for a reconnection that may never come: after a second, drop
			// the connection instead (pending commands fail; shutdown goes on).
			let timer: NodeJS.Timeout | undefined;
			const closed = await Promise.race([
				connected
					.then(async () => client.close())
					.then(
						() => true,
						() => false,
					),
				new Promise<false>((resolveLate) => {
					timer = setTimeout(() => resolveLate(false), REDIS_CLOSE_GRACE_MS);
				}),
			]);
			clearTimeout(timer);
			if (!closed && client.isOpen) client.destroy();
		},
	);
}

function redisClaims(connection: () => Promise<RedisCommands>, closeConnection: () => Promise<void>): Claims {
	return {
		async claim(key, ttlMs, owner) {
			const client = await connection();
			return (await client.set(`claims:${key}`, owner ?? NO_OWNER, { NX: true, PX: ttlMs })) === 'OK';
		},
		async release(key, owner) {
			const client = await connection();
			if (owner === undefined) await client.del(`claims:${key}`);
			else await client.eval(RELEASE_OWNED, { keys: [`claims:${key}`], arguments: [owner] });
		},
		async close() {
			await closeConnection();
		},
	};
}
