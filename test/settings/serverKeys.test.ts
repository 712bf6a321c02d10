import { afterEach, describe, expect, it } from 'vitest';
import { providerKeyId } from '../../src/api/keyId.js';
import { KeyVault, type ServerKeyInfo } from '../../src/settings/keyVault.js';
import { ServerKeys } from '../../src/settings/serverKeys.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';

const GUILD = '100000000000000001';
const ADMIN = '200000000000000001';
const KEY = 'mjk_live_0123456789abcdef0123456789abcdef';
const NEW_KEY = 'mjk_live_fedcba9876543210fedcba9876543210';

const opened: Array<Store | Claims> = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map(async (closable) => closable.close()));
});

/** Two processes' views of one store: each its own ServerKeys (and cache), both telling the same list. */
function twoProcesses(options: { required?: boolean; retainRetiredMs?: number } = {}) {
	const store = createStore('memory://');
	const claims = createClaims('memory://');
	opened.push(store, claims);
	const told: Array<{ guildId: string; key: ServerKeyInfo }> = [];
	const make = () =>
		new ServerKeys(store, claims, {
			vault: new KeyVault(
				store,
				claims,
				{ current: Buffer.alloc(32, 7) },
				options.retainRetiredMs === undefined ? {} : { retainRetiredMs: options.retainRetiredMs },
			),
			required: options.required ?? false,
			tellAdmins: async (guildId, key) => {
				told.push({ guildId, key });
			},
		});
	return { first: make(), second: make(), told };
}

describe('ServerKeys', () => {
	it('gives a server’s own key, the default (undefined) without one, or `missing` when the operator requires one', async () => {
		const { first } = twoProcesses();
		expect(await first.forGuild(GUILD)).toBeUndefined();
		await first.set(GUILD, KEY, ADMIN);
		expect(await first.forGuild(GUILD)).toMatchObject({ apiKey: KEY, keyId: providerKeyId(KEY) });
		expect(await twoProcesses({ required: true }).first.forGuild(GUILD)).toBe('missing');
	});

	it('pauses a refused key, tells the admins once across processes, and ends the pause with a new key', async () => {
		const { first, second, told } = twoProcesses();
		await first.set(GUILD, KEY, ADMIN);
		await Promise.all([first.refused(GUILD, providerKeyId(KEY)), second.refused(GUILD, providerKeyId(KEY))]);
		await first.refused(GUILD, providerKeyId(KEY));
		expect(told).toHaveLength(1);
		expect(told[0]!.key).toMatchObject({ last4: KEY.slice(-4), setBy: ADMIN });
		expect(await first.forGuild(GUILD)).toBe('paused');
		expect(await second.forGuild(GUILD)).toBe('paused');
		expect(await first.info(GUILD)).toMatchObject({ refused: true });

		await first.set(GUILD, NEW_KEY, ADMIN);
		expect(await first.forGuild(GUILD)).toMatchObject({ apiKey: NEW_KEY });
		expect(await first.info(GUILD)).toMatchObject({ refused: false });
	});

	it('ignores a refusal of a key the server has since replaced', async () => {
		const { first, told } = twoProcesses();
		await first.set(GUILD, NEW_KEY, ADMIN);
		await first.refused(GUILD, providerKeyId(KEY));
		expect(told).toEqual([]);
		expect(await first.forGuild(GUILD)).toMatchObject({ apiKey: NEW_KEY });
	});

	it('finds a job’s key by id, current, paused or retired, in any process, until the bot leaves the server', async () => {
		const { first, second } = twoProcesses({ retainRetiredMs: 60_000 });
		await first.set(GUILD, KEY, ADMIN);
		expect(await second.byId(GUILD, providerKeyId(KEY))).toMatchObject({ apiKey: KEY });
		await first.refused(GUILD, providerKeyId(KEY));
		expect(await first.byId(GUILD, providerKeyId(KEY))).toMatchObject({ apiKey: KEY });
		await first.set(GUILD, NEW_KEY, ADMIN);
		// The second process still has the old key cached as current: it asks past its cache.
		expect(await second.byId(GUILD, providerKeyId(NEW_KEY))).toMatchObject({ apiKey: NEW_KEY });
		expect(await second.byId(GUILD, providerKeyId(KEY))).toMatchObject({ apiKey: KEY });
		expect(await first.remove(GUILD)).toBe(true);
		expect(await first.byId(GUILD, providerKeyId(NEW_KEY))).toMatchObject({ apiKey: NEW_KEY });
		expect(await first.byId(GUILD, providerKeyId('never-set'))).toBeUndefined();
		await first.forget(GUILD);
		expect(await first.byId(GUILD, providerKeyId(KEY))).toBeUndefined();
		expect(await first.byId(GUILD, providerKeyId(NEW_KEY))).toBeUndefined();
	});

	it('forgets a server’s key and its pause', async () => {
		const { first } = twoProcesses();
		await first.set(GUILD, KEY, ADMIN);
		expect(await first.remove(GUILD)).toBe(true);
		expect(await first.forGuild(GUILD)).toBeUndefined();
		expect(await first.remove(GUILD)).toBe(false);
	});
});
