/**
 * The bot's persistent state, on Keyv. Everything another process (or this one after a restart) needs lives here.
 * Each collection is its own Keyv namespace so it can be iterated (restart recovery lists unfinished jobs).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';

export interface Store {
	/** Keyv namespace by name, created once per store. */
	collection<Value>(name: string): Keyv<Value>;
	close(): Promise<void>;
}

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
		return (name) => new Keyv<unknown>({ namespace: name });
	}
	if (url.startsWith('sqlite://')) {
		const file = url.slice('sqlite://'.length);
		if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
		return (name) => {
			// One table per collection; busyTimeout because each table's adapter holds its own connection to the file.
			const adapter = new KeyvSqlite({ uri: url, table: name.replace(/[^a-z0-9_]/gi, '_'), busyTimeout: 10_000 });
			// WAL lets readers and the writer proceed together, and NORMAL syncs at checkpoints instead of every commit:
			// the default (a rollback journal with a disk flush per write) made each job's few writes cost ~50 ms. A
			// process crash loses nothing; only a power cut may lose the last commits.
			void adapter.query('PRAGMA journal_mode = WAL').catch(() => undefined);
			void adapter.query('PRAGMA synchronous = NORMAL').catch(() => undefined);
			closers.push(async () => adapter.disconnect());
			return new Keyv<unknown>({ store: adapter, namespace: name });
		};
	}
	if (url.startsWith('redis://') || url.startsWith('rediss://')) {
		return (name) => {
			const adapter = new KeyvRedis(url);
			closers.push(async () => closeRedis(adapter));
			return new Keyv<unknown>({ store: adapter, namespace: name });
		};
	}
	throw new Error(`Unsupported STORE_URL scheme: ${url.split(':')[0] ?? ''}`);
}
