/**
 * The bot's persistent state, on Keyv. Everything another process (or this one after a restart) needs lives here.
 * Each collection is its own Keyv namespace so it can be iterated (restart recovery lists unfinished jobs).
 */
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { SqliteConnection } from './sqlite/connection.js';
import { SqliteKeyvStore } from './sqlite/keyvStore.js';

export interface Store {
	/** Keyv namespace by name, created once per store. */
	collection<Value>(name: string): Keyv<Value>;
	close(): Promise<void>;
}

/**
 * Every collection is made with `throwOnErrors`: by default Keyv swallows its adapter's errors, so a read the store
 * could not answer came back as "no such value" (a job would read as unknown, its callback answered 404, its poll
 * dropped) and a failed write as done. A failure now surfaces where it happened, to be logged, answered 500, retried.
 */
export function createStore(url: string): Store {
	const collections = new Map<string, Keyv<unknown>>();
	const closers: Array<() => Promise<void>> = [];

	const factory = adapterFactory(url, closers);

	return {
		collection<Value>(name: string): Keyv<Value> {
			let keyv = collections.get(name);
			if (!keyv) {
				keyv = factory(name);
				collections.set(name, keyv);
			}
			return keyv as Keyv<Value>;
		},
		async close() {
			await Promise.allSettled(closers.map(async (close) => close()));
			collections.clear();
		},
	};
}

/** How long a Redis connection may take to finish its pending commands when the store closes. */
const REDIS_CLOSE_GRACE_MS = 1_000;

/**
 * Closes a Redis connection gracefully (pending commands finish), or drops it when that does not happen soon: with
 * the server gone, a graceful close would wait for a reconnection that may never come, and shutdown with it.
 */
async function closeRedis(adapter: KeyvRedis<unknown>): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const gaveUp = new Promise<'timeout'>((resolveTimeout) => {
		timer = setTimeout(() => resolveTimeout('timeout'), REDIS_CLOSE_GRACE_MS);
	});
	try {
		const outcome = await Promise.race([adapter.disconnect().then(() => 'closed' as const), gaveUp]);
		if (outcome === 'timeout') await adapter.disconnect(true);
	} catch {
		await adapter.disconnect(true).catch(() => undefined);
	} finally {
		clearTimeout(timer);
	}
}

function adapterFactory(url: string, closers: Array<() => Promise<void>>): (name: string) => Keyv<unknown> {
	if (url.startsWith('memory://')) {
		return (name) => new Keyv<unknown>({ namespace: name, throwOnErrors: true });
	}
	if (url.startsWith('sqlite://')) {
		// One connection for the whole store, one table per collection (named as @keyv/sqlite named them before).
		const connection = SqliteConnection.open(url.slice('sqlite://'.length));
		closers.push(async () => connection.close());
		return (name) =>
			new Keyv<unknown>({
				store: new SqliteKeyvStore(connection, name.replace(/[^a-z0-9_]/gi, '_')),
				namespace: name,
				throwOnErrors: true,
			});
	}
	if (url.startsWith('redis://') || url.startsWith('rediss://')) {
		return (name) => {
			const adapter = new KeyvRedis(url);
			closers.push(async () => closeRedis(adapter));
			return new Keyv<unknown>({ store: adapter, namespace: name, throwOnErrors: true });
		};
	}
	throw new Error(`Unsupported STORE_URL scheme: ${url.split(':')[0] ?? ''}`);
}
