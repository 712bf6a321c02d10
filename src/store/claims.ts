/**
 * Atomic claims across every process sharing the store. Keyv has no compare-and-set, so the few steps that must
 * happen exactly once (finishing a job, submitting it, taking a poll lease) or one process at a time (a server's
 * limits, see settings/sharedLock.ts) claim a key here first:
 * SQLite does it in one `INSERT … ON CONFLICT` statement, Redis with `SET NX PX`, memory with a Map.
 *
 * Like every store call, each claim and release is bounded in time and rejects with `StoreUnavailableError` when the
 * store does not answer (see unavailable.ts).
 */
import { parseStoreUrl } from './backend.js';
import { RedisConnection } from './redis/connection.js';
import { SqliteConnection } from './sqlite/connection.js';

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
	/**
	 * Extends a claim `owner` still holds to `ttlMs` from now (a holder whose work outlasts the claim's first life);
	 * false when it has expired or is someone else's.
	 */
	renew(key: string, ttlMs: number, owner: string): Promise<boolean>;
	close(): Promise<void>;
}

/** The owner of claims taken without one: releasing them without an owner is unconditional, as before owners. */
const NO_OWNER = '';

export interface ClaimsOptions {
	/** How long one claim or release may take before it rejects with `StoreUnavailableError` (default 2 s). */
	timeoutMs?: number;
}

/** Claims over a connection of their own to the store at `storeUrl`; `close()` closes it. */
export function createClaims(storeUrl: string, now: () => number = Date.now, options: ClaimsOptions = {}): Claims {
	const connectionOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
	const backend = parseStoreUrl(storeUrl);
	switch (backend.kind) {
		case 'sqlite':
			return sqliteClaims(SqliteConnection.open(backend.file, connectionOptions), now);
		case 'redis':
			return redisClaims(RedisConnection.open(backend.url, connectionOptions));
		case 'memory':
			return memoryClaims(now);
	}
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
		async renew(key, ttlMs, owner) {
			const current = held.get(key);
			if (current === undefined || current.owner !== owner || current.expiresAt <= now()) return false;
			current.expiresAt = now() + ttlMs;
			return true;
		},
		async close() {
			held.clear();
		},
	};
}

/** The claims table, with its owner column (a file from before owners has the table without it). */
async function createClaimsTable(connection: SqliteConnection): Promise<void> {
	await connection.exec(
		"CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, owner TEXT NOT NULL DEFAULT '')",
	);
	// Another process may be adding the column right now.
	await connection.exec("ALTER TABLE claims ADD COLUMN owner TEXT NOT NULL DEFAULT ''").catch((error: unknown) => {
		if (!String(error).includes('duplicate column name')) throw error;
	});
}

function sqliteClaims(connection: SqliteConnection, now: () => number): Claims {
	let ready = createClaimsTable(connection);
	ready.catch(() => undefined);
	const run = async (sql: string, params: Array<string | number>): Promise<unknown[]> => {
		const creating = ready;
		try {
			await creating;
		} catch (error) {
			// Not created then (a locked file, say): the next call tries again, rather than every call failing for ever.
			if (ready === creating) {
				ready = createClaimsTable(connection);
				ready.catch(() => undefined);
			}
			throw error;
		}
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
		async renew(key, ttlMs, owner) {
			const at = now();
			const rows = await run(
				'UPDATE claims SET expires_at = ? WHERE key = ? AND owner = ? AND expires_at > ? RETURNING key',
				[at + ttlMs, key, owner, at],
			);
			return rows.length === 1;
		},
		async close() {
			await ready.catch(() => undefined);
			await connection.close();
		},
	};
}

/** Deletes the claim only if its value is still our owner token: a check and a delete Redis runs as one. */
const RELEASE_OWNED = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
/** Extends the claim only if its value is still our owner token. */
const RENEW_OWNED =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

function redisClaims(connection: RedisConnection): Claims {
	return {
		async claim(key, ttlMs, owner) {
			const answer = await connection.call('SET NX PX', async (client) =>
				client.set(`claims:${key}`, owner ?? NO_OWNER, { NX: true, PX: ttlMs }),
			);
			return answer === 'OK';
		},
		async release(key, owner) {
			await connection.call('DEL', async (client) =>
				owner === undefined
					? client.del(`claims:${key}`)
					: client.eval(RELEASE_OWNED, { keys: [`claims:${key}`], arguments: [owner] }),
			);
		},
		async renew(key, ttlMs, owner) {
			const answer = await connection.call('PEXPIRE', async (client) =>
				client.eval(RENEW_OWNED, { keys: [`claims:${key}`], arguments: [owner, String(ttlMs)] }),
			);
			return Number(answer) === 1;
		},
		async close() {
			await connection.close();
		},
	};
}
