/**
 * An encryption-key rotation while a job runs on a key its server has since replaced: the bot started with the new
 * key and the previous one seals every record again, the retired keys kept for running jobs included, so that once
 * the operator drops the previous key the job is still confirmed with the key that paid for it, and delivered.
 */
import { describe, expect, it } from 'vitest';
import { SERVER_KEY_MODAL_ID } from '../../src/commands/serverSettingsKey.js';
import { encryptionKeyFingerprint } from '../../src/settings/keyCipher.js';
import { RETIRED_KEYS_COLLECTION } from '../../src/settings/keyVault.js';
import { eventually, worldPerTest, type World } from '../e2e/harness.js';
import { content, originalEdit } from '../e2e/requests.js';

const SUB = 1;
const STRING = 3;
const OLD_ENCRYPTION_KEY = 'k'.repeat(43);
const NEW_ENCRYPTION_KEY = 'n'.repeat(43);
const KEY_A = 'server-a-own-midjourney-key-AAAA1111';
const KEY_B = 'server-a-new-midjourney-key-BBBB2222';

const open = worldPerTest({ callbacks: true });

/** `/server-settings api_key` with the form filled in with `key`: resolves with the admin's answer. */
async function setKey(world: World, key: string): Promise<string> {
	const { discord } = world;
	const opened = discord.sendCommand({
		name: 'server-settings',
		options: [{ name: 'api_key', type: SUB, options: [] }],
		userId: discord.ids.admin,
	});
	await discord.waitForRequest((r) => r.path.endsWith(`/${opened.token}/callback`));
	const submit = discord.sendModalSubmit({ customId: SERVER_KEY_MODAL_ID, fields: { api_key: key } });
	return content(await discord.waitForRequest(originalEdit(submit.token)));
}

/** The fingerprints of the encryption keys the server's retired keys are sealed under. */
async function retiredSealedUnder(world: World): Promise<string[]> {
	const retired = await world.bot.store
		.collection<Array<{ sealed: { keyFingerprint: string } }>>(RETIRED_KEYS_COLLECTION)
		.get(world.discord.ids.guild);
	return (retired ?? []).map((record) => record.sealed.keyFingerprint);
}

describe('rotating the encryption key while a job runs on a retired key', () => {
	it('the job is confirmed with its key and delivered after the previous encryption key is dropped', async () => {
		const world = await open({ env: { KEY_ENCRYPTION_KEY: OLD_ENCRYPTION_KEY } });
		const { mj, discord } = world;
		mj.acceptKey(KEY_A);
		mj.acceptKey(KEY_B);
		expect(await setKey(world, KEY_A)).toContain(KEY_A.slice(-4));
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'paid with key A' }],
		});
		const generate = await mj.waitForGenerate(0);
		expect(generate.authorization).toBe(`Bearer ${KEY_A}`);
		expect(await setKey(world, KEY_B)).toContain(KEY_B.slice(-4));
		await world.bot.jobs.idle();

		// The rotation: the new key, and the previous one to read what it sealed.
		await world.restart({ KEY_ENCRYPTION_KEY: NEW_ENCRYPTION_KEY, KEY_ENCRYPTION_KEY_PREVIOUS: OLD_ENCRYPTION_KEY });
		const newFingerprint = encryptionKeyFingerprint(Buffer.from(NEW_ENCRYPTION_KEY, 'base64'));
		await eventually(async () => {
			const under = await retiredSealedUnder(world);
			return under.length === 1 && under.every((fingerprint) => fingerprint === newFingerprint);
		}, 'the retired key to be sealed under the new encryption key');

		// The operator drops the previous key; the job's task is done only now.
		await world.restart({ KEY_ENCRYPTION_KEY_PREVIOUS: '' });
		const from = discord.requests.length;
		mj.succeed(generate.taskId!);
		expect((await mj.sendCallback(generate.taskId!)).status).toBe(200);
		const result = await discord.waitForRequest((r) => originalEdit(token)(r) && r.files.length > 0, 8000, from);
		expect(result.response.status).toBe(200);
		const asked = mj.recordInfoAuthorizations.filter((_, index) => mj.recordInfoRequests[index] === generate.taskId);
		expect(asked.length).toBeGreaterThan(0);
		expect(new Set(asked)).toEqual(new Set([`Bearer ${KEY_A}`]));
		expect(mj.generateRequests).toHaveLength(1);
		expect(world.logs.filter((line) => /encryption key/i.test(String(line.msg)) && line.level === 50)).toEqual([]);
	});
});
