/**
 * What a store URL (`STORE_URL`) names: the one place its schemes are read, for the store, the claims and whoever
 * needs to know what the store runs on.
 */
export type StoreBackend =
	/** A SQLite file (`:memory:` for a private in-memory database). */
	| { kind: 'sqlite'; file: string }
	/** A Redis server, `redis://` or `rediss://` (TLS), as node-redis takes it. */
	| { kind: 'redis'; url: string }
	/** This process's memory: for tests, nothing outlives the process or is shared with another. */
	| { kind: 'memory' };

const SQLITE = 'sqlite://';

/** Throws on a scheme the bot does not know (the configuration refuses those before anything is opened). */
export function parseStoreUrl(url: string): StoreBackend {
	if (url.startsWith('memory://')) return { kind: 'memory' };
	if (url.startsWith(SQLITE)) return { kind: 'sqlite', file: url.slice(SQLITE.length) };
	if (url.startsWith('redis://') || url.startsWith('rediss://')) return { kind: 'redis', url };
	throw new Error(`Unsupported STORE_URL scheme: ${url.split(':')[0] ?? ''}`);
}
