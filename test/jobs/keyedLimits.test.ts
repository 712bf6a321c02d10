import { afterAll, describe, expect, it } from 'vitest';
import { providerKeyId } from '../../src/api/keyId.js';
import { KeyedProviderLimits } from '../../src/jobs/keyedLimits.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { freshStores, STORE_KINDS } from '../support/stores.js';

const LIMITS = { submitLimit: { limit: 3, windowMs: 60_000 }, queryRatePerSecond: 2 };

/** Claims that remember every key asked for. */
function recordingClaims(): Pick<Claims, 'claim'> & { keys: string[] } {
	const inner = createClaims('memory://');
	const keys: string[] = [];
	return {
		keys,
		async claim(key, ttlMs, owner) {
			keys.push(key);
			return inner.claim(key, ttlMs, owner);
		},
	};
}

describe('providerKeyId', () => {
	it('is 16 hex digits of the key’s SHA-256, the same for the same key, never the key', () => {
		const id = providerKeyId('sk-live-abcdef0123456789');
		expect(id).toMatch(/^[0-9a-f]{16}$/);
		expect(providerKeyId('sk-live-abcdef0123456789')).toBe(id);
		expect(providerKeyId('sk-live-abcdef012345678A')).not.toBe(id);
		expect(id).not.toContain('abcdef0123');
	});
});

describe('KeyedProviderLimits in one process', () => {
	it('keeps a window per key: one key’s burst leaves another’s untouched', () => {
		const limits = new KeyedProviderLimits(LIMITS);
		const a = limits.for(providerKeyId('key-of-server-a'));
		const b = limits.for(providerKeyId('key-of-server-b'));
		for (let index = 0; index < 3; index++) expect(a.submits.tryTake()).toBe(true);
		expect(a.submits.tryTake()).toBe(false);
		expect(a.submits.delay()).toBeGreaterThan(0);
		expect(b.submits.delay()).toBe(0);
		expect(b.submits.tryTake()).toBe(true);
		expect(limits.for(providerKeyId('key-of-server-a'))).toBe(a);
	});

	it('names the default key’s shared windows as a single-key bot did, and others’ by key id only', async () => {
		const claims = recordingClaims();
		const defaultKeyId = providerKeyId('operator-default-key');
		const serverKey = 'server-own-secret-key';
		const limits = new KeyedProviderLimits({ ...LIMITS, sharedThrough: claims, defaultKeyId });
		await limits.for(defaultKeyId).shared!.submits.tryTake();
		await limits.for(defaultKeyId).shared!.queries.tryTake();
		await limits.for(providerKeyId(serverKey)).shared!.submits.tryTake();
		expect(claims.keys[0]).toMatch(/^rate:submit:\d$/);
		expect(claims.keys[1]).toMatch(/^rate:query:\d$/);
		expect(claims.keys[2]).toMatch(new RegExp(`^rate:submit:${providerKeyId(serverKey)}:\\d$`));
		expect(claims.keys.join(' ')).not.toContain(serverKey);
	});

	it('forgets idle keys’ limits and keeps busy ones', () => {
		const limits = new KeyedProviderLimits(LIMITS);
		const busy = limits.for('busy');
		busy.submits.tryTake();
		limits.for('idle');
		expect(limits.size).toBe(2);
		expect(limits.sweep()).toBe(1);
		expect(limits.size).toBe(1);
		expect(limits.for('busy')).toBe(busy);
	});
});

const stores = freshStores('keyed-limits');

describe.each(STORE_KINDS)('KeyedProviderLimits across two processes (%s)', (kind) => {
	const opened: Claims[] = [];
	afterAll(async () => {
		await Promise.all(opened.map(async (claims) => claims.close()));
	});

	it('splits one key’s window between processes, and never lets it touch another key’s', async () => {
		const url = stores.url(kind);
		const [one, two] = [createClaims(url), createClaims(url)];
		opened.push(one, two);
		const processes = [one, two].map((claims) => new KeyedProviderLimits({ ...LIMITS, sharedThrough: claims }));
		const keyA = providerKeyId('server-a-key');
		const keyB = providerKeyId('server-b-key');
		const burst = await Promise.all(
			Array.from({ length: 8 }, async (_, index) => processes[index % 2]!.for(keyA).shared!.submits.tryTake()),
		);
		expect(burst.filter(Boolean)).toHaveLength(3);
		const other = await Promise.all(processes.map(async (limits) => limits.for(keyB).shared!.submits.tryTake()));
		expect(other).toEqual([true, true]);
	});
});
