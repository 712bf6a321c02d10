/**
 * Fresh store URLs on both stores a test can run against: a SQLite file in a temporary folder, and a database of a
 * throwaway redis-server where one is installed (always in CI; see redis.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from './redis.js';

export type StoreKind = 'sqlite' | 'redis';

export const STORE_KINDS: readonly StoreKind[] = REDIS_TESTS_ENABLED ? ['sqlite', 'redis'] : ['sqlite'];

export interface FreshStores {
	/** A store URL nobody has used yet (Redis: one of its 16 databases, so at most 15 per file). */
	url(kind: StoreKind): string;
	/** The temporary folder (for files of a test's own). */
	readonly dir: string;
}

/** Registers the set-up and tear-down with the calling test file's hooks. `name` tells the files apart. */
export function freshStores(name: string): FreshStores {
	let redis: RedisServer | undefined;
	let dir = '';
	let counter = 0;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), `mjbot-${name}-`));
		if (STORE_KINDS.includes('redis')) redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.stop();
		rmSync(dir, { recursive: true, force: true });
	});
	return {
		url(kind) {
			counter += 1;
			if (kind === 'sqlite') return `sqlite://${join(dir, `${name}-${counter}.sqlite`)}`;
			if (!redis) throw new Error('Redis tests are not enabled here');
			return `${redis.url}/${counter}`;
		},
		get dir() {
			return dir;
		},
	};
}
