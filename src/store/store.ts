/**
 * The bot's persistent state, on Keyv. Everything another process (or this one after a restart) needs lives here.
 * Each collection is its own Keyv namespace so it can be iterated (restart recovery lists unfinished jobs).
 *
 * Every call is bounded in time (`timeoutMs`, default 2 s): one the store does not answer in time, or cannot answer
 * now (Redis unreachable, the SQLite file locked), rejects with {@link StoreUnavailableError}. A Map in memory always
 * answers at once, so `memory://` needs no bound.
 */
import Keyv from 'keyv';
import type { Logger } from '../logger.js';
import { parseStoreUrl } from './backend.js';
import { RedisConnection } from './redis/connection.js';
import { RedisKeyvStore } from './redis/keyvStore.js';
import { deserialize, serialize } from './serialization.js';
import { SqliteConnection } from './sqlite/connection.js';
import { SqliteKeyvStore } from './sqlite/keyvStore.js';
import { startSweeping } from './sqlite/sweeper.js';
import { DEFAULT_STORE_TIMEOUT_MS } from './unavailable.js';

export { StoreUnavailableError } from './unavailable.js';

export interface Store {
	/** Keyv namespace by name, created once per store. */
	collection<Value>(name: string): Keyv<Value>;
	/**
	 * Stores `value` under `key` of a collection unless a value is there already, atomically across every process on
	 * the store, and answers the value kept: the same for all of them. For values without expiry.
	 */
	putIfAbsent<Value>(collection: string, key: string, value: Value): Promise<Value>;
	close(): Promise<void>;
}

export interface StoreOptions {
	/** How long one store call may take before it rejects with `StoreUnavailableError` (default 2 s). */
	timeoutMs?: number;
	/** SQLite: how often expired rows are swept (default 10 minutes). */
	sweepIntervalMs?: number;
	logger?: Logger;
}

/**
 * Every collection is made with `throwOnErrors`: by default Keyv swallows its adapter's errors, so a read the store
 * could not answer came back as "no such value" (a job would read as unknown, its callback answered 404, its poll
 * dropped) and a failed write as done. A failure now surfaces where it happened, to be logged, answered, retried.
 */
export function createStore(url: string, options: StoreOptions = {}): Store {
	const collections = new Map<string, Collection>();
	const backend = openBackend(url, options);
	const open = (name: string): Collection => {
		let opened = collections.get(name);
		if (!opened) {
			const adapter = backend.adapter(name);
			const keyv = new Keyv<unknown>({
				...(adapter ? { store: adapter } : {}),
				namespace: name,
				throwOnErrors: true,
				serialize,
				deserialize,
			});
			opened = { keyv, adapter };
			collections.set(name, opened);
		}
		return opened;
	};
	const collection = <Value>(name: string): Keyv<Value> => open(name).keyv as Keyv<Value>;
	// Within one process the memory store has nobody to race but itself: its put-if-absent calls run one at a time.
	let memoryTurn: Promise<unknown> = Promise.resolve();

	return {
		collection,
		async putIfAbsent<Value>(name: string, key: string, value: Value): Promise<Value> {
			const { adapter } = open(name);
			const keyv = collection<Value>(name);
			if (adapter) {
				// Written as Keyv writes it (its key prefix, its serialisation), so that `get` reads it like any other value.
				const serialized = keyv.serialize ? await keyv.serialize({ value }) : JSON.stringify({ value });
				await adapter.setIfAbsent(`${name}:${key}`, serialized);
			} else {
				const turn = memoryTurn.then(async () => {
					if ((await keyv.get(key)) === undefined) await keyv.set(key, value);
				});
				memoryTurn = turn.catch(() => undefined);
				await turn;
			}
			const kept = await keyv.get(key);
			if (kept === undefined) throw new Error(`The store lost ${name}:${key} just after writing it`);
			return kept;
		},
		async close() {
			await backend.close();
			collections.clear();
		},
	};
}

/** A collection's Keyv adapter on SQLite or Redis: both can also write a value only if its key is absent. */
type Adapter = SqliteKeyvStore | RedisKeyvStore;

/** A collection, and its adapter kept beside it: put-if-absent goes to the adapter itself. */
interface Collection {
	keyv: Keyv<unknown>;
	/** Undefined: Keyv's own Map. */
	adapter: Adapter | undefined;
}

interface OpenBackend {
	/** The Keyv adapter of a collection; undefined: Keyv's own Map. */
	adapter(name: string): Adapter | undefined;
	close(): Promise<void>;
}

function openBackend(url: string, options: StoreOptions): OpenBackend {
	const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
	const backend = parseStoreUrl(url);
	switch (backend.kind) {
		case 'memory':
			return { adapter: () => undefined, close: async () => undefined };
		case 'sqlite': {
			// One connection for the whole store, one table per collection (named as @keyv/sqlite named them before).
			const connection = SqliteConnection.open(backend.file, { timeoutMs });
			const sweeper = startSweeping(connection, {
				...(options.sweepIntervalMs === undefined ? {} : { intervalMs: options.sweepIntervalMs }),
				onError: (error) => options.logger?.warn({ err: error }, 'Could not sweep expired rows; will try again'),
				onSwept: (deleted) => {
					if (deleted > 0) options.logger?.debug({ deleted }, 'Swept expired rows from the store');
				},
			});
			return {
				adapter: (name) => new SqliteKeyvStore(connection, name.replace(/[^a-z0-9_]/gi, '_')),
				async close() {
					await sweeper.stop();
					await connection.close();
				},
			};
		}
		case 'redis': {
			// One connection for every collection: they answer (or not) together, and commands keep their order.
			const connection = RedisConnection.open(backend.url, {
				timeoutMs,
				...(options.logger ? { logger: options.logger } : {}),
			});
			return {
				adapter: () => new RedisKeyvStore(connection),
				close: async () => connection.close(),
			};
		}
	}
}
