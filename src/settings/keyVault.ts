/**
 * Each server's own provider key, encrypted at rest (see keyCipher.ts) in the `server-keys` collection. The store
 * holds only the sealed key and what may be shown about it: its key id, its last four characters, when it was set and
 * by whom. The key in clear exists only in memory, handed to `protect` (the log scrubber) whenever the vault sees it.
 *
 * Writes of one server's record (set, remove, re-encryption after a rotation) take a lock shared by every process,
 * so a re-encryption can never bring back a key that was removed or replaced meanwhile.
 *
 * A key replaced or removed is kept, sealed as it was, among the server's retired keys (`server-keys-retired`) for
 * `retainRetiredMs`: a job it paid for may still be at the provider, and its task is only told to that key's account.
 * Then it is forgotten (the store's expiry, and pruning on each write). Leaving the server forgets them all.
 */
import type Keyv from 'keyv';
import { z } from 'zod';
import { providerKeyId, type ProviderKeyId } from '../api/keyId.js';
import type { Claims } from '../store/claims.js';
import type { Store } from '../store/store.js';
import { KeyCipher, KeyTamperedError, type EncryptionKeys } from './keyCipher.js';
import { SharedLock } from './sharedLock.js';

export const SERVER_KEYS_COLLECTION = 'server-keys';
export const RETIRED_KEYS_COLLECTION = 'server-keys-retired';
/** At most this many retired keys are kept per server (the oldest go first): bounds a record an admin can grow. */
const RETIRED_MAX = 20;

/** What may be shown about a server's key: never the key. */
export interface ServerKeyInfo {
	keyId: ProviderKeyId;
	last4: string;
	/** Epoch ms. */
	setAt: number;
	/** The member who set it. */
	setBy: string;
}

export interface ServerKey extends ServerKeyInfo {
	apiKey: string;
}

const storedRecord = z.object({
	version: z.literal(1),
	sealed: z.object({ ciphertext: z.string(), iv: z.string(), tag: z.string(), keyFingerprint: z.string() }),
	keyId: z.string(),
	last4: z.string(),
	setAt: z.number(),
	setBy: z.string(),
});
type StoredRecord = z.output<typeof storedRecord>;

const retiredRecord = storedRecord.extend({ retiredAt: z.number(), until: z.number() });
type RetiredRecord = z.output<typeof retiredRecord>;
const retiredList = z.array(retiredRecord);

export interface KeyVaultOptions {
	/** Told every key in clear the vault handles, so that no log line can carry it. */
	protect?: (secrets: readonly string[]) => void;
	/** How long a replaced or removed key is kept for the jobs it paid for; 0 (the default): not kept. */
	retainRetiredMs?: number;
	now?: () => number;
}

/** What a rotation did: records sealed again, already under the current key, and those it could not open. */
export interface RotationOutcome {
	resealed: number;
	current: number;
	unreadable: string[];
}

export class KeyVault {
	private readonly records: Keyv<unknown>;
	private readonly retired: Keyv<unknown>;
	private readonly cipher: KeyCipher;
	private readonly lock: SharedLock;
	private readonly now: () => number;

	public constructor(
		store: Store,
		claims: Claims,
		keys: EncryptionKeys,
		private readonly options: KeyVaultOptions = {},
	) {
		this.records = store.collection<unknown>(SERVER_KEYS_COLLECTION);
		this.retired = store.collection<unknown>(RETIRED_KEYS_COLLECTION);
		this.cipher = new KeyCipher(keys);
		this.lock = new SharedLock(claims, 'server-key');
		this.now = options.now ?? Date.now;
	}

	/** Stores a server's key (replacing any), sealed under the current encryption key. */
	public async set(guildId: string, apiKey: string, setBy: string): Promise<ServerKeyInfo> {
		this.options.protect?.([apiKey]);
		const record: StoredRecord = {
			version: 1,
			sealed: this.cipher.seal(apiKey, context(guildId)),
			keyId: providerKeyId(apiKey),
			last4: apiKey.slice(-4),
			setAt: this.now(),
			setBy,
		};
		await this.lock.run(guildId, async () => {
			await this.retireCurrent(guildId, record.keyId);
			await this.records.set(guildId, record);
		});
		return infoOf(record);
	}

	/**
	 * A server's key in clear, or undefined when it has none. A record under the previous encryption key is sealed
	 * again under the current one. Throws a `KeyVaultError` for a record that cannot be opened.
	 */
	public async get(guildId: string): Promise<ServerKey | undefined> {
		const record = await this.read(guildId);
		if (!record) return undefined;
		const { secret, stale } = this.cipher.open(record.sealed, context(guildId));
		this.options.protect?.([secret]);
		if (stale) await this.reseal(guildId, record, secret);
		return { ...infoOf(record), apiKey: secret };
	}

	/** What may be shown about a server's key, without opening it. */
	public async info(guildId: string): Promise<ServerKeyInfo | undefined> {
		const record = await this.read(guildId);
		return record && infoOf(record);
	}

	/** Removes a server's key (kept among its retired keys for the jobs it paid for); true when it had one. */
	public async remove(guildId: string): Promise<boolean> {
		return this.lock.run(guildId, async () => {
			await this.retireCurrent(guildId, undefined);
			return this.records.delete(guildId);
		});
	}

	/** Forgets a server's key and every key it retired: the bot left the server. */
	public async forget(guildId: string): Promise<void> {
		await this.lock.run(guildId, async () => {
			await Promise.all([this.records.delete(guildId), this.retired.delete(guildId)]);
		});
	}

	/** A key the server replaced or removed lately, in clear, by its key id; undefined when none is kept. */
	public async getRetired(guildId: string, keyId: string): Promise<ServerKey | undefined> {
		const record = (await this.readRetired(guildId)).find((retired) => retired.keyId === keyId);
		if (!record) return undefined;
		const { secret } = this.cipher.open(record.sealed, context(guildId));
		this.options.protect?.([secret]);
		return { ...infoOf(record), apiKey: secret };
	}

	/**
	 * Seals again, under the current encryption key, every record still under the previous one: the servers' keys and
	 * the retired keys kept for their jobs. Run after a rotation, so the previous key can be retired. Records that
	 * cannot be opened are counted (a retired one named `<server> (retired <key id>)`), left as they are.
	 */
	public async rotateAll(): Promise<RotationOutcome> {
		const outcome: RotationOutcome = { resealed: 0, current: 0, unreadable: [] };
		for (const guildId of await keysOf(this.records)) {
			const record = await this.read(guildId).catch(() => undefined);
			if (record?.sealed.keyFingerprint === this.cipher.currentFingerprint) {
				outcome.current += 1;
				continue;
			}
			try {
				if (await this.get(guildId)) outcome.resealed += 1;
			} catch {
				outcome.unreadable.push(guildId);
			}
		}
		for (const guildId of await keysOf(this.retired)) {
			await this.resealRetired(guildId, outcome).catch(() => outcome.unreadable.push(`${guildId} (retired)`));
		}
		return outcome;
	}

	/** Under the server's lock: seals its retired keys still under the previous key again, keeping their expiry. */
	private async resealRetired(guildId: string, outcome: RotationOutcome): Promise<void> {
		await this.lock.run(guildId, async () => {
			let changed = false;
			const records = (await this.readRetired(guildId)).map((record) => {
				if (record.sealed.keyFingerprint === this.cipher.currentFingerprint) {
					outcome.current += 1;
					return record;
				}
				try {
					const { secret } = this.cipher.open(record.sealed, context(guildId));
					this.options.protect?.([secret]);
					outcome.resealed += 1;
					changed = true;
					return { ...record, sealed: this.cipher.seal(secret, context(guildId)) };
				} catch {
					outcome.unreadable.push(`${guildId} (retired ${record.keyId})`);
					return record;
				}
			});
			const keepMs = Math.max(0, ...records.map((record) => record.until)) - this.now();
			if (changed && keepMs > 0) await this.retired.set(guildId, records, keepMs);
		});
	}

	private async read(guildId: string): Promise<StoredRecord | undefined> {
		const stored = await this.records.get(guildId);
		if (stored === undefined) return undefined;
		const parsed = storedRecord.safeParse(stored);
		if (!parsed.success) throw new KeyTamperedError(context(guildId));
		return parsed.data;
	}

	/** Retired keys still kept (expired ones left out). Throws a `KeyTamperedError` for a record that is not one. */
	private async readRetired(guildId: string): Promise<RetiredRecord[]> {
		const stored = await this.retired.get(guildId);
		if (stored === undefined) return [];
		const parsed = retiredList.safeParse(stored);
		if (!parsed.success) throw new KeyTamperedError(context(guildId));
		const now = this.now();
		return parsed.data.filter((record) => record.until > now);
	}

	/**
	 * Under the server's lock: moves its current key (unless it is `keepingKeyId`, set again) among its retired keys,
	 * sealed as it is, until the jobs it paid for can no longer need it.
	 */
	private async retireCurrent(guildId: string, keepingKeyId: string | undefined): Promise<void> {
		const retainMs = this.options.retainRetiredMs ?? 0;
		if (retainMs <= 0) return;
		const current = await this.read(guildId).catch(() => undefined);
		if (!current || current.keyId === keepingKeyId) return;
		const now = this.now();
		const kept = (await this.readRetired(guildId).catch(() => [])).filter((record) => record.keyId !== current.keyId);
		const retired = [...kept, { ...current, retiredAt: now, until: now + retainMs }].slice(-RETIRED_MAX);
		await this.retired.set(guildId, retired, retainMs);
	}

	/** Seals the key again unless the record changed since it was read (set again, or removed, meanwhile). */
	private async reseal(guildId: string, read: StoredRecord, secret: string): Promise<void> {
		await this.lock.run(guildId, async () => {
			const now = storedRecord.safeParse(await this.records.get(guildId));
			// Every seal draws a fresh nonce: the same nonce is the same record.
			if (!now.success || now.data.sealed.iv !== read.sealed.iv) return;
			await this.records.set(guildId, { ...read, sealed: this.cipher.seal(secret, context(guildId)) });
		});
	}
}

/** What a server's sealed key is bound to: the record opens for that server only. */
function context(guildId: string): string {
	return `server ${guildId}`;
}

/** Every key of a collection (server ids). */
async function keysOf(collection: Keyv<unknown>): Promise<string[]> {
	if (!collection.iterator) throw new Error('The store cannot list keys; a rotation needs an iterable store');
	const keys: string[] = [];
	for await (const [key] of collection.iterator(undefined)) keys.push(String(key));
	return keys;
}

function infoOf(record: StoredRecord): ServerKeyInfo {
	return { keyId: record.keyId, last4: record.last4, setAt: record.setAt, setBy: record.setBy };
}
