/**
 * Which provider key pays for a server's jobs, as the job service asks it for every submission and poll: the
 * server's own key from the vault (cached briefly: the vault is a store read and a decryption), else the operator's
 * default. A key the provider refused pauses the server's jobs until an admin replaces it; its admins are told once,
 * across processes (a claim per server and key), and the pause is kept in the store.
 */
import type Keyv from 'keyv';
import type { JobKey, JobKeys } from '../jobs/contracts.js';
import type { Claims } from '../store/claims.js';
import type { Store } from '../store/store.js';
import type { KeyVault, ServerKeyInfo } from './keyVault.js';

/** A server's key is read again from the vault after this long (another process may have changed it). */
const CACHE_TTL_MS = 30_000;
/** The cache keeps at most this many servers (oldest dropped first). */
const CACHE_MAX = 10_000;
/** A refused key's admins are told at most once in this long (a key replaced and refused again is told again). */
const TOLD_TTL_MS = 365 * 24 * 60 * 60_000;

export type GuildKey = JobKey | 'paused' | 'missing' | undefined;

export interface ServerKeysOptions {
	/** Undefined: the operator did not set `KEY_ENCRYPTION_KEY`, so servers cannot bring their own key. */
	vault: KeyVault | undefined;
	/** Servers without their own key may not generate. */
	required: boolean;
	/** Tells a server's admins that its key was refused (a message in the server, or to its owner). */
	tellAdmins: (guildId: string, key: ServerKeyInfo) => Promise<void>;
	now?: () => number;
}

export class ServerKeys implements JobKeys {
	private readonly cache = new Map<string, { key: GuildKey; at: number }>();
	/** Servers whose key was refused, by the key id refused (the pause ends when the key changes). */
	private readonly paused: Keyv<string>;
	private readonly now: () => number;

	public constructor(
		store: Store,
		private readonly claims: Claims,
		private readonly options: ServerKeysOptions,
	) {
		this.paused = store.collection<string>('server-key-refused');
		this.now = options.now ?? Date.now;
	}

	/** Whether servers can bring their own key (the operator set the encryption key). */
	public get enabled(): boolean {
		return this.options.vault !== undefined;
	}

	public async forGuild(guildId: string): Promise<GuildKey> {
		const cached = this.cache.get(guildId);
		if (cached && this.now() - cached.at < CACHE_TTL_MS) return cached.key;
		const key = await this.read(guildId);
		if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
		this.cache.set(guildId, { key, at: this.now() });
		return key;
	}

	public async refused(guildId: string, keyId: string): Promise<void> {
		await this.paused.set(guildId, keyId);
		this.cache.delete(guildId);
		const info = await this.options.vault?.info(guildId);
		if (info?.keyId !== keyId) return;
		// One process, once, tells the admins about this key.
		if (!(await this.claims.claim(`key-refused:${guildId}:${keyId}`, TOLD_TTL_MS))) return;
		await this.options.tellAdmins(guildId, info);
	}

	public async byId(guildId: string, keyId: string): Promise<JobKey | undefined> {
		const current = await this.forGuild(guildId);
		if (typeof current === 'object' && current.keyId === keyId) return current;
		const vault = this.options.vault;
		if (!vault) return undefined;
		// Read past the cache: the key may have changed since, or be paused (its tasks are still asked about).
		const own = await vault.get(guildId);
		if (own?.keyId === keyId) return own;
		return vault.getRetired(guildId, keyId);
	}

	/** Checks nothing: the caller checked the key with the provider. Ends any pause. */
	public async set(guildId: string, apiKey: string, setBy: string): Promise<ServerKeyInfo> {
		const vault = this.vaultOrThrow();
		const info = await vault.set(guildId, apiKey, setBy);
		await this.paused.delete(guildId);
		this.cache.delete(guildId);
		return info;
	}

	/** The bot left the server: its key, the keys it retired and its pause are forgotten. */
	public async forget(guildId: string): Promise<void> {
		await this.options.vault?.forget(guildId);
		await this.paused.delete(guildId);
		this.cache.delete(guildId);
	}

	/** Removes a server's key (and its pause); true when it had one. */
	public async remove(guildId: string): Promise<boolean> {
		const removed = (await this.options.vault?.remove(guildId)) ?? false;
		await this.paused.delete(guildId);
		this.cache.delete(guildId);
		return removed;
	}

	/** What may be shown about a server's key, and whether the provider refused it. */
	public async info(guildId: string): Promise<(ServerKeyInfo & { refused: boolean }) | undefined> {
		const info = await this.options.vault?.info(guildId);
		if (!info) return undefined;
		return { ...info, refused: (await this.paused.get(guildId)) === info.keyId };
	}

	private async read(guildId: string): Promise<GuildKey> {
		const own = await this.options.vault?.get(guildId);
		if (own) return (await this.paused.get(guildId)) === own.keyId ? 'paused' : own;
		return this.options.required ? 'missing' : undefined;
	}

	private vaultOrThrow(): KeyVault {
		if (!this.options.vault) throw new Error('Servers cannot bring their own key without KEY_ENCRYPTION_KEY');
		return this.options.vault;
	}
}
