import { existsSync, readFileSync } from 'node:fs';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { providerKeyId } from '../../src/api/keyId.js';
import { createLogger, protectSecrets } from '../../src/logger.js';
import type { KeyVaultError } from '../../src/settings/keyCipher.js';
import {
	encryptionKeyFingerprint,
	KeyCipher,
	KeyTamperedError,
	UnknownEncryptionKeyError,
} from '../../src/settings/keyCipher.js';
import { KeyVault, RETIRED_KEYS_COLLECTION, SERVER_KEYS_COLLECTION } from '../../src/settings/keyVault.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';
import { freshStores, STORE_KINDS } from '../support/stores.js';

const OLD = Buffer.alloc(32, 1);
const NEW = Buffer.alloc(32, 2);
const API_KEY = 'mjk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const ADMIN = '200000000000000001';

const opened: Array<Store | Claims> = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map(async (closable) => closable.close()));
});

function open(url = 'memory://'): { store: Store; claims: Claims } {
	const store = createStore(url);
	const claims = createClaims(url);
	opened.push(store, claims);
	return { store, claims };
}

/** Every way the key could sit in clear in stored bytes. */
function clearForms(secret: string): string[] {
	return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex'), secret.slice(0, 12)];
}

describe('KeyCipher', () => {
	it('opens what it sealed, for the same context only', () => {
		const cipher = new KeyCipher({ current: NEW });
		const sealed = cipher.seal(API_KEY, 'server 1');
		expect(sealed.keyFingerprint).toBe(encryptionKeyFingerprint(NEW));
		expect(cipher.open(sealed, 'server 1')).toEqual({ secret: API_KEY, stale: false });
		expect(() => cipher.open(sealed, 'server 2')).toThrow(KeyTamperedError);
	});

	it('draws a fresh nonce for every seal', () => {
		const cipher = new KeyCipher({ current: NEW });
		const [a, b] = [cipher.seal(API_KEY, 'x'), cipher.seal(API_KEY, 'x')];
		expect(a.iv).not.toBe(b.iv);
		expect(a.ciphertext).not.toBe(b.ciphertext);
	});

	it.each([
		['a flipped ciphertext bit', (s: { ciphertext: string }) => flip(s, 'ciphertext')],
		['a flipped tag bit', (s: { tag: string }) => flip(s, 'tag')],
		['a flipped nonce bit', (s: { iv: string }) => flip(s, 'iv')],
		['a truncated tag', (s: { tag: string }) => (s.tag = s.tag.slice(0, 8))],
		['an empty ciphertext', (s: { ciphertext: string }) => (s.ciphertext = '')],
	])('refuses %s with a typed error that names no key', (_, tamper) => {
		const cipher = new KeyCipher({ current: NEW });
		const sealed = cipher.seal(API_KEY, 'server 1');
		tamper(sealed);
		const error = thrownBy(() => cipher.open(sealed, 'server 1'));
		expect(error).toBeInstanceOf(KeyTamperedError);
		expect((error as KeyVaultError).code).toBe('tampered');
		expect(String((error as Error).message)).not.toContain(API_KEY);
	});

	it('marks a record under the previous key stale, and refuses one under a key it does not have', () => {
		const sealed = new KeyCipher({ current: OLD }).seal(API_KEY, 'c');
		expect(new KeyCipher({ current: NEW, previous: OLD }).open(sealed, 'c')).toEqual({ secret: API_KEY, stale: true });
		const error = thrownBy(() => new KeyCipher({ current: NEW }).open(sealed, 'c'));
		expect(error).toBeInstanceOf(UnknownEncryptionKeyError);
		expect((error as Error).message).toContain(encryptionKeyFingerprint(OLD));
	});

	it('refuses an encryption key that is not 32 bytes', () => {
		expect(() => new KeyCipher({ current: Buffer.alloc(16) })).toThrow(RangeError);
	});
});

describe('KeyVault', () => {
	it('keeps a server’s key sealed, shows only what may be shown, and forgets it', async () => {
		const { store, claims } = open();
		const protectedSecrets: string[] = [];
		const vault = new KeyVault(
			store,
			claims,
			{ current: NEW },
			{ now: () => 1_700_000_000_000, protect: (s) => protectedSecrets.push(...s) },
		);
		const info = await vault.set(GUILD, API_KEY, ADMIN);
		const expected = { keyId: providerKeyId(API_KEY), last4: 'b1a0', setAt: 1_700_000_000_000, setBy: ADMIN };
		expect(info).toEqual(expected);
		expect(await vault.info(GUILD)).toEqual(expected);
		expect(await vault.get(GUILD)).toEqual({ ...expected, apiKey: API_KEY });
		expect(protectedSecrets).toContain(API_KEY);
		const stored = JSON.stringify(await store.collection(SERVER_KEYS_COLLECTION).get(GUILD));
		for (const form of clearForms(API_KEY)) expect(stored).not.toContain(form);

		expect(await vault.get(OTHER_GUILD)).toBeUndefined();
		expect(await vault.remove(GUILD)).toBe(true);
		expect(await vault.get(GUILD)).toBeUndefined();
		expect(await vault.remove(GUILD)).toBe(false);
	});

	it('keeps a replaced or removed key, sealed, for its jobs until the retention ends; leaving forgets all', async () => {
		const { store, claims } = open();
		let now = 1_700_000_000_000;
		const vault = new KeyVault(store, claims, { current: NEW }, { now: () => now, retainRetiredMs: 60_000 });
		const SECOND = 'mjk_live_second_key_0000000000000000002';
		const THIRD = 'mjk_live_third_key_00000000000000000003';
		await vault.set(GUILD, API_KEY, ADMIN);
		expect(await vault.getRetired(GUILD, providerKeyId(API_KEY))).toBeUndefined();
		await vault.set(GUILD, API_KEY, ADMIN); // Set again: the same key is not retired.
		expect(await vault.getRetired(GUILD, providerKeyId(API_KEY))).toBeUndefined();

		await vault.set(GUILD, SECOND, ADMIN);
		now += 30_000;
		expect(await vault.remove(GUILD)).toBe(true);
		expect((await vault.getRetired(GUILD, providerKeyId(API_KEY)))?.apiKey).toBe(API_KEY);
		expect((await vault.getRetired(GUILD, providerKeyId(SECOND)))?.apiKey).toBe(SECOND);
		expect(await vault.getRetired(OTHER_GUILD, providerKeyId(API_KEY))).toBeUndefined();
		const stored = JSON.stringify(await store.collection(RETIRED_KEYS_COLLECTION).get(GUILD));
		for (const form of [...clearForms(API_KEY), ...clearForms(SECOND)]) expect(stored).not.toContain(form);

		now += 30_001; // The first key's retention is over; the second's (retired later) is not.
		expect(await vault.getRetired(GUILD, providerKeyId(API_KEY))).toBeUndefined();
		expect((await vault.getRetired(GUILD, providerKeyId(SECOND)))?.apiKey).toBe(SECOND);

		await vault.set(GUILD, THIRD, ADMIN);
		await vault.set(GUILD, API_KEY, ADMIN);
		expect((await vault.getRetired(GUILD, providerKeyId(THIRD)))?.apiKey).toBe(THIRD);
		await vault.forget(GUILD);
		expect(await vault.get(GUILD)).toBeUndefined();
		expect(await vault.getRetired(GUILD, providerKeyId(THIRD))).toBeUndefined();
		expect(await vault.getRetired(GUILD, providerKeyId(SECOND))).toBeUndefined();
	});

	it('refuses a record moved to another server, or not a record at all, as tampered', async () => {
		const { store, claims } = open();
		const vault = new KeyVault(store, claims, { current: NEW });
		await vault.set(GUILD, API_KEY, ADMIN);
		const records = store.collection<unknown>(SERVER_KEYS_COLLECTION);
		await records.set(OTHER_GUILD, await records.get(GUILD));
		await expect(vault.get(OTHER_GUILD)).rejects.toBeInstanceOf(KeyTamperedError);
		await records.set(OTHER_GUILD, 'not a record');
		await expect(vault.get(OTHER_GUILD)).rejects.toBeInstanceOf(KeyTamperedError);
		await expect(vault.info(OTHER_GUILD)).rejects.toBeInstanceOf(KeyTamperedError);
	});

	it('reads records under the previous key after a rotation, and seals them again under the new one', async () => {
		const { store, claims } = open();
		await new KeyVault(store, claims, { current: OLD }).set(GUILD, API_KEY, ADMIN);
		await new KeyVault(store, claims, { current: OLD }).set(OTHER_GUILD, `${API_KEY}-2`, ADMIN);
		const records = store.collection<{ sealed: { keyFingerprint: string } }>(SERVER_KEYS_COLLECTION);

		const rotating = new KeyVault(store, claims, { current: NEW, previous: OLD });
		expect((await rotating.get(GUILD))?.apiKey).toBe(API_KEY);
		expect((await records.get(GUILD))?.sealed.keyFingerprint).toBe(encryptionKeyFingerprint(NEW));
		expect(await rotating.rotateAll()).toEqual({ resealed: 1, current: 1, unreadable: [] });

		const rotated = new KeyVault(store, claims, { current: NEW });
		expect((await rotated.get(GUILD))?.apiKey).toBe(API_KEY);
		expect((await rotated.get(OTHER_GUILD))?.apiKey).toBe(`${API_KEY}-2`);
		await expect(new KeyVault(store, claims, { current: OLD }).get(GUILD)).rejects.toBeInstanceOf(
			UnknownEncryptionKeyError,
		);
	});

	it('seals the retired keys kept for running jobs again too, so the previous key can be dropped', async () => {
		const { store, claims } = open();
		let now = 1_000_000;
		const options = { retainRetiredMs: 60_000, now: () => now };
		const before = new KeyVault(store, claims, { current: OLD }, options);
		await before.set(GUILD, API_KEY, ADMIN);
		await before.set(GUILD, `${API_KEY}-replacement`, ADMIN);
		const retiredId = providerKeyId(API_KEY);
		now += 10_000;

		const rotating = new KeyVault(store, claims, { current: NEW, previous: OLD }, options);
		expect(await rotating.rotateAll()).toEqual({ resealed: 2, current: 0, unreadable: [] });
		expect(await rotating.rotateAll()).toEqual({ resealed: 0, current: 2, unreadable: [] });

		const rotated = new KeyVault(store, claims, { current: NEW }, options);
		expect((await rotated.getRetired(GUILD, retiredId))?.apiKey).toBe(API_KEY);
		expect((await rotated.get(GUILD))?.apiKey).toBe(`${API_KEY}-replacement`);
		// Kept no longer than it was: forgotten when its keep period ends, as before the rotation.
		now += 50_001;
		expect(await rotated.getRetired(GUILD, retiredId)).toBeUndefined();
	});

	it('lists records it cannot open in a rotation, and leaves them be', async () => {
		const { store, claims } = open();
		await new KeyVault(store, claims, { current: OLD }).set(GUILD, API_KEY, ADMIN);
		const outcome = await new KeyVault(store, claims, { current: NEW }).rotateAll();
		expect(outcome).toEqual({ resealed: 0, current: 0, unreadable: [GUILD] });
	});
});

describe('KeyVault and the logs', () => {
	it('hands every key it handles to the log scrubber, so no line can carry it', async () => {
		const lines: string[] = [];
		const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
		const { store, claims } = open();
		await new KeyVault(store, claims, { current: NEW }).set(GUILD, API_KEY, ADMIN);
		// Another process, which only ever reads the key.
		const reader = new KeyVault(
			store,
			claims,
			{ current: NEW },
			{ protect: (secrets) => protectSecrets(logger, secrets) },
		);
		const key = await reader.get(GUILD);
		logger.error(
			{ err: new Error(`provider refused ${key!.apiKey}`), apiKeyCopy: key!.apiKey },
			`401 for ${key!.apiKey}`,
		);
		expect(lines.join('\n')).not.toContain(API_KEY);
		expect(lines.join('\n')).toContain('[redacted]');
	});
});

const stores = freshStores('key-vault');

describe.each(STORE_KINDS)('KeyVault on %s: the key is never in clear in the store', (kind) => {
	it('leaves no clear form of the key in the stored bytes', async () => {
		const url = stores.url(kind);
		const { store, claims } = open(url);
		const vault = new KeyVault(store, claims, { current: NEW });
		await vault.set(GUILD, API_KEY, ADMIN);
		expect((await vault.get(GUILD))?.apiKey).toBe(API_KEY);
		const bytes = kind === 'sqlite' ? sqliteBytes(url.slice('sqlite://'.length)) : await redisDump(url);
		expect(bytes).toContain(providerKeyId(API_KEY));
		for (const form of clearForms(API_KEY)) expect(bytes).not.toContain(form);
	});
});

/** The database file and its write-ahead log, where recent writes sit. */
function sqliteBytes(file: string): string {
	return [file, `${file}-wal`]
		.filter((path) => existsSync(path))
		.map((path) => readFileSync(path).toString('latin1'))
		.join('\n');
}

/** Every key and value of a Redis database, as one string. */
async function redisDump(url: string): Promise<string> {
	const client = createClient({ url });
	await client.connect();
	try {
		const keys = await client.keys('*');
		const values = await Promise.all(
			keys.map(async (key) => ((await client.type(key)) === 'string' ? client.get(key) : '')),
		);
		return [...keys, ...values].join('\n');
	} finally {
		await client.close();
	}
}

function flip(sealed: Record<string, string>, field: string): void {
	const bytes = Buffer.from(sealed[field]!, 'base64');
	bytes[0] = bytes[0]! ^ 1;
	sealed[field] = bytes.toString('base64');
}

function thrownBy(run: () => unknown): unknown {
	try {
		run();
	} catch (error) {
		return error;
	}
	return undefined;
}
