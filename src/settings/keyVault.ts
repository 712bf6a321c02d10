/**
 * Each server's own provider key, encrypted at rest (see keyCipher.ts) in the `server-keys` collection. The store
 * holds only the sealed key and what may be shown about it: its key id, its last four characters, when it was set and
 * by whom. The key in clear exists only in memory, handed to `protect` (the log scrubber) whenever the vault sees it.
 *
 * Writes of one server's record (set, remove, re-encryption after a rotation) take a lock shared by every process,
 * so a re-encryption can never bring back a key that was removed or replaced meanwhile.
 */
import type Keyv from 'keyv';
import { z } from 'zod';
import { providerKeyId, type ProviderKeyId } from '../api/keyId.js';
import type { Claims } from '../store/claims.js';
import type { Store } from '../store/store.js';
import { KeyCipher, KeyTamperedError, type EncryptionKeys } from './keyCipher.js';
import { SharedLock } from './sharedLock.js';

export const SERVER_KEYS_COLLECTION = 'server-keys';

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

export interface KeyVaultOptions {
	/** Told every key in clear the vault handles, so that no log line can carry it. */
	protect?: (secrets: readonly string[]) => void;
	now?: () => number;
}

export class KeyVault {
	private readonly records: Keyv<unknown>;
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
		await this.lock.run(guildId, async () => this.records.set(guildId, record));
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

	/** Forgets a server's key; true when it had one. */
	public async remove(guildId: string): Promise<boolean> {
		return this.lock.run(guildId, async () => this.records.delete(guildId));
	}

	/**
	 * Seals again, under the current encryption key, every record still under the previous one: run after a rotation,
	 * so the previous key can be retired. Records that cannot be opened are counted, left as they are.
	 */
	public async rotateAll(): Promise<{ resealed: number; current: number; unreadable: string[] }> {
		if (!this.records.iterator) throw new Error('The store cannot list keys; a rotation needs an iterable store');
		const guildIds: string[] = [];
		for await (const [key] of this.records.iterator(undefined)) guildIds.push(String(key));
		const outcome = { resealed: 0, current: 0, unreadable: [] as string[] };
		for (const guildId of guildIds) {
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
		return outcome;
	}

	private async read(guildId: string): Promise<StoredRecord | undefined> {
		const stored = await this.records.get(guildId);
		if (stored === undefined) return undefined;
		const parsed = storedRecord.safeParse(stored);
		if (!parsed.success) throw new KeyTamperedError(context(guildId));
		return parsed.data;
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

function infoOf(record: StoredRecord): ServerKeyInfo {
	return { keyId: record.keyId, last4: record.last4, setAt: record.setAt, setBy: record.setBy };
}
