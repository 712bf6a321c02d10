/**
 * Server and member settings in the store: one entry per server, one per member of a server. Reads normalise what
 * is stored, so a value the option table no longer accepts is dropped rather than sent to the API.
 */
import type Keyv from 'keyv';
import { SPEEDS } from '../api/spec.js';
import { isLanguage } from '../i18n/index.js';
import { WORK_TYPES } from '../jobs/workType.js';
import { KeyedLock } from '../store/keyedLock.js';
import type { Store } from '../store/store.js';
import { emptyServerSettings, type Limits, type OptionDefaults, type ServerSettings } from './types.js';
import { sanitizeDefaults } from './validate.js';

/**
 * Settings are read on every command, before the interaction is acknowledged, and change rarely: reads are served
 * from memory for a few seconds. This process's own writes update the cache at once; another process's writes (on a
 * shared Redis) are seen within {@link READ_CACHE_MS}.
 */
const READ_CACHE_MS = 5_000;

export class SettingsStore {
	private readonly servers: Keyv<ServerSettings>;
	private readonly members: Keyv<OptionDefaults>;
	private readonly lock = new KeyedLock();
	private readonly cache = new Map<string, { value: ServerSettings | OptionDefaults; expiresAt: number }>();

	public constructor(store: Store) {
		this.servers = store.collection<ServerSettings>('server-settings');
		this.members = store.collection<OptionDefaults>('member-settings');
	}

	public async server(guildId: string): Promise<ServerSettings> {
		return this.cached(`server:${guildId}`, async () => sanitizeServerSettings(await this.servers.get(guildId)));
	}

	private async cached<T extends ServerSettings | OptionDefaults>(key: string, read: () => Promise<T>): Promise<T> {
		const hit = this.cache.get(key);
		if (hit && hit.expiresAt > Date.now()) return structuredClone(hit.value) as T;
		const value = await read();
		// Entries expire but are only dropped when read; a crude bound keeps a huge server from growing the map forever.
		if (this.cache.size >= 10_000) this.cache.clear();
		this.cache.set(key, { value, expiresAt: Date.now() + READ_CACHE_MS });
		return structuredClone(value);
	}

	/**
	 * Applies `change` to the server's current settings under a lock and stores the result. `change` may throw
	 * (a cross-check failed): then nothing is stored.
	 */
	public async updateServer(
		guildId: string,
		change: (current: ServerSettings) => ServerSettings,
	): Promise<{ before: ServerSettings; after: ServerSettings }> {
		return this.lock.run(`server:${guildId}`, async () => {
			this.cache.delete(`server:${guildId}`);
			const before = await this.server(guildId);
			const after = change(structuredClone(before));
			await this.servers.set(guildId, after);
			this.cache.delete(`server:${guildId}`);
			return { before, after };
		});
	}

	public async member(guildId: string, userId: string): Promise<OptionDefaults> {
		const key = memberKey(guildId, userId);
		return this.cached(`member:${key}`, async () => sanitizeDefaults(await this.members.get(key)));
	}

	public async updateMember(
		guildId: string,
		userId: string,
		change: (current: OptionDefaults) => OptionDefaults,
	): Promise<{ before: OptionDefaults; after: OptionDefaults }> {
		const key = memberKey(guildId, userId);
		return this.lock.run(`member:${key}`, async () => {
			this.cache.delete(`member:${key}`);
			const before = await this.member(guildId, userId);
			const after = change({ ...before });
			if (Object.keys(after).length === 0) await this.members.delete(key);
			else await this.members.set(key, after);
			this.cache.delete(`member:${key}`);
			return { before, after };
		});
	}

	/** Forgets a server's settings and its members' settings (the bot left the server). */
	public async removeGuild(guildId: string): Promise<number> {
		await this.lock.run(`server:${guildId}`, async () => this.servers.delete(guildId));
		for (const key of this.cache.keys()) {
			if (key === `server:${guildId}` || key.startsWith(`member:${guildId}:`)) this.cache.delete(key);
		}
		return deleteWithPrefix(this.members, `${guildId}:`);
	}
}

function memberKey(guildId: string, userId: string): string {
	return `${guildId}:${userId}`;
}

/** Deletes every key of a collection that starts with `prefix`; returns how many. */
export async function deleteWithPrefix(collection: Keyv<unknown>, prefix: string): Promise<number> {
	if (!collection.iterator)
		throw new Error('The store cannot list keys; removing a server’s data needs an iterable store');
	const keys: string[] = [];
	for await (const [key] of collection.iterator(undefined)) {
		if (String(key).startsWith(prefix)) keys.push(String(key));
	}
	if (keys.length > 0) await collection.deleteMany(keys);
	return keys.length;
}

/** Every limit a server may set (job counts and budgets in credits). */
const LIMIT_KEYS: ReadonlyArray<keyof Limits> = [
	'memberRunning',
	'memberDaily',
	'serverDaily',
	'serverDailyBudget',
	'serverMonthlyBudget',
	'memberDailyBudget',
];

/** What is stored, made safe to use: unknown task types, speeds and defaults are dropped. */
export function sanitizeServerSettings(stored: unknown): ServerSettings {
	const settings = emptyServerSettings();
	if (typeof stored !== 'object' || stored === null) return settings;
	const raw = stored as Partial<Record<keyof ServerSettings, unknown>>;
	settings.defaults = sanitizeDefaults(raw.defaults);
	if (Array.isArray(raw.allowedTaskTypes)) {
		settings.allowedTaskTypes = WORK_TYPES.filter((type) => (raw.allowedTaskTypes as unknown[]).includes(type));
	}
	if (Array.isArray(raw.allowedSpeeds)) {
		const speeds = SPEEDS.filter((speed) => (raw.allowedSpeeds as unknown[]).includes(speed));
		if (speeds.length > 0) settings.allowedSpeeds = speeds;
	}
	if (Array.isArray(raw.channels)) settings.channels = raw.channels.filter((id) => typeof id === 'string');
	if (typeof raw.requiredRoleId === 'string') settings.requiredRoleId = raw.requiredRoleId;
	if (typeof raw.watermark === 'string' && raw.watermark !== '') settings.watermark = raw.watermark;
	if (raw.showCredits === true) settings.showCredits = true;
	if (typeof raw.limits === 'object' && raw.limits !== null) {
		for (const [name, value] of Object.entries(raw.limits)) {
			if (LIMIT_KEYS.includes(name as keyof Limits) && typeof value === 'number') {
				settings.limits[name as keyof Limits] = value;
			}
		}
	}
	if (typeof raw.emoji === 'object' && raw.emoji !== null) settings.emoji = raw.emoji as ServerSettings['emoji'];
	if (isLanguage(raw.language)) settings.language = raw.language;
	if (Array.isArray(raw.blockedWords)) {
		const words = raw.blockedWords.filter((word): word is string => typeof word === 'string' && word !== '');
		if (words.length > 0) settings.blockedWords = words;
	}
	return settings;
}
