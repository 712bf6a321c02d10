import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaims, type Claims } from '../src/claims.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from './support/redis.js';

const KINDS = REDIS_TESTS_ENABLED ? (['sqlite', 'redis'] as const) : (['sqlite'] as const);

let redis: RedisServer | undefined;
let dir: string;
beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'mjbot-claims-'));
	if (KINDS.length > 1) redis = await startRedis();
});
afterAll(async () => {
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function storeUrl(kind: 'sqlite' | 'redis'): string {
	counter += 1;
	return kind === 'sqlite' ? `sqlite://${join(dir, `claims-${counter}.sqlite`)}` : `${redis!.url}/${counter}`;
}

describe.each(KINDS)('claims on %s (two independent connections, as two processes would have)', (kind) => {
	let a: Claims;
	let b: Claims;
	beforeAll(() => {
		const url = storeUrl(kind);
		a = createClaims(url);
		b = createClaims(url);
	});
	afterAll(async () => {
		await Promise.all([a.close(), b.close()]);
	});

	it('grants a key to exactly one of many concurrent claimants', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) => (index % 2 ? a : b).claim('finish:job-1', 60_000)),
		);
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('grants a key again once released', async () => {
		expect(await a.claim('poll:job-2', 60_000)).toBe(true);
		expect(await b.claim('poll:job-2', 60_000)).toBe(false);
		await a.release('poll:job-2');
		expect(await b.claim('poll:job-2', 60_000)).toBe(true);
	});

	it('grants a key again once its time is up', async () => {
		expect(await a.claim('lease:job-3', 30)).toBe(true);
		expect(await b.claim('lease:job-3', 30)).toBe(false);
		const deadline = Date.now() + 10_000;
		let granted = false;
		while (!granted && Date.now() < deadline) granted = await b.claim('lease:job-3', 30);
		expect(granted).toBe(true);
	});
});

describe('claims in memory', () => {
	it('grants a key once until released', async () => {
		const claims = createClaims('memory://');
		expect(await claims.claim('k', 1000)).toBe(true);
		expect(await claims.claim('k', 1000)).toBe(false);
		await claims.release('k');
		expect(await claims.claim('k', 1000)).toBe(true);
		await claims.close();
	});
});
