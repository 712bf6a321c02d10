/**
 * Many servers, one bot, end to end: servers' own keys (set through `/server-settings api_key`, checked with the
 * provider, encrypted at rest), rate windows per key, the fair queue, budgets, and a refused key.
 */
import { readFileSync } from 'node:fs';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendCommandInput } from '../../fakes/discord/types.js';
import type { RecordedRequest } from '../../fakes/discord.js';
import { POSITION_EDITS_PER_SECOND } from '../../src/jobs/queuePositions.js';
import { REDIS_TESTS_ENABLED, startRedis, type RedisServer } from '../support/redis.js';
import { eventually, worldPerTest, type World } from './harness.js';
import {
	bool,
	content,
	int,
	originalEdit,
	replySaying,
	resultEdit,
	send as sendTo,
	setKey as setKeyFor,
	str,
	sub,
} from './requests.js';

const ENCRYPTION_KEY = 'k'.repeat(43);
const KEY_A = 'server-a-own-midjourney-key-AAAA1111';
const KEY_B = 'server-b-own-midjourney-key-BBBB2222';

const openWorld = worldPerTest({ callbacks: true });
/** A world whose bot can keep servers' keys (more settings in `env`). */
const open = async (options: { env?: Record<string, string> } = {}): Promise<World> =>
	openWorld({ env: { KEY_ENCRYPTION_KEY: ENCRYPTION_KEY, ...options.env } });

/** Where a guild's commands are sent from: its first text channel. */
function place(world: World, guildId: string): Pick<SendCommandInput, 'guildId' | 'channelId'> {
	const { ids } = world.discord;
	return { guildId, channelId: guildId === ids.guild2 ? ids.channel2 : ids.channel };
}

/** Sends a command and resolves with its token and what the member is first shown (the reply or its first edit). */
const send = async (world: World, input: SendCommandInput) => sendTo(world.discord, input);

/** `/server-settings api_key` in a guild, the form filled in with `key`: resolves with the admin's answer. */
const setKey = async (world: World, key: string, guildId = world.discord.ids.guild): Promise<string> =>
	setKeyFor(world.discord, key, place(world, guildId));

async function imagine(world: World, prompt: string, input: Partial<SendCommandInput> = {}) {
	return send(world, { name: 'imagine', options: [str('prompt', prompt)], ...input });
}

const promptOf = (request: { body: Record<string, unknown> }): string => String(request.body['prompt']);

describe('servers’ own keys', () => {
	it('sends each server’s jobs with its own key, and a burst in one does not delay the other', async () => {
		// Two submits per window per key: a burst of six in one server has four waiting for a long window.
		const world = await open({ env: { MJ_SUBMIT_LIMIT: '2', MJ_SUBMIT_WINDOW_MS: '60000' } });
		const { mj, discord } = world;
		mj.acceptKey(KEY_A);
		mj.acceptKey(KEY_B);
		expect(await setKey(world, KEY_A)).toContain(`\`${KEY_A.slice(-4)}\``);
		expect(await setKey(world, KEY_B, discord.ids.guild2)).toContain(KEY_B.slice(-4));

		const burst = [];
		for (let index = 0; index < 6; index++) burst.push(await imagine(world, `burst ${index}`));
		expect(burst.slice(2).every((reply) => reply.content.includes('Queued — position'))).toBe(true);
		const other = await imagine(world, 'the other server', place(world, discord.ids.guild2));
		expect(other.content).not.toContain('Queued');

		const sent = await mj.waitForGenerate(2);
		expect(promptOf(sent)).toBe('the other server');
		expect(sent.authorization).toBe(`Bearer ${KEY_B}`);
		expect(mj.generateRequests.slice(0, 2).map((request) => request.authorization)).toEqual([
			`Bearer ${KEY_A}`,
			`Bearer ${KEY_A}`,
		]);
		// The task is confirmed with the key that created it.
		mj.succeed(sent.taskId!);
		await mj.sendCallback(sent.taskId!);
		await discord.waitForRequest(resultEdit(other.token));
		expect(mj.violations).toEqual([]);
	});

	it('refuses a key the provider refuses, and never shows or stores a key in clear', async () => {
		const world = await open();
		const { mj, discord } = world;
		expect(await setKey(world, 'not-a-key-the-provider-knows')).toContain('Nothing was saved');
		mj.acceptKey(KEY_A);
		const saved = await setKey(world, KEY_A);
		expect(saved).toContain(KEY_A.slice(-4));
		const shown = await send(world, { name: 'server-settings', options: [sub('show')], userId: discord.ids.admin });
		expect(shown.content).toContain(`\`${KEY_A.slice(-4)}\``);

		const job = await imagine(world, 'a lighthouse');
		const generate = await mj.waitForGenerate(0);
		expect(generate.authorization).toBe(`Bearer ${KEY_A}`);
		mj.succeed(generate.taskId!);
		await mj.sendCallback(generate.taskId!);
		await discord.waitForRequest(resultEdit(job.token));

		await world.stopBot();
		const stored = readFileSync(world.storeFile);
		expect(stored.includes(KEY_A)).toBe(false);
		expect(stored.includes(KEY_A.slice(0, 16))).toBe(false);
		expect(JSON.stringify(world.logs)).not.toContain(KEY_A);
		expect(JSON.stringify(world.logs)).not.toContain(ENCRYPTION_KEY);
		const toDiscord = discord.requests.map((request: RecordedRequest) => JSON.stringify(request.body ?? ''));
		expect(toDiscord.some((body) => body.includes(KEY_A))).toBe(false);
	});

	it('tells the admins once when the provider refuses a server’s key, and pauses its jobs until it is replaced', async () => {
		const world = await open();
		const { mj, discord } = world;
		mj.acceptKey(KEY_A);
		await setKey(world, KEY_A);
		mj.refuseKey(KEY_A);

		const notices = (r: RecordedRequest): boolean =>
			r.method === 'POST' &&
			r.path === `/channels/${discord.ids.channel}/messages` &&
			content(r).includes('refused the API key');
		const first = await imagine(world, 'first');
		const failed = await discord.waitForRequest(
			(r) => originalEdit(first.token)(r) && /refused|invalid/i.test(content(r)),
		);
		expect(content(failed)).toBeTruthy();
		await discord.waitForRequest(notices);
		const second = await imagine(world, 'second');
		expect(second.ephemeral).toBe(true);
		expect(second.content).toContain('paused');
		expect(mj.generateRequests).toHaveLength(1);
		expect(discord.requests.filter(notices)).toHaveLength(1);
		const shown = await send(world, { name: 'server-settings', options: [sub('show')], userId: discord.ids.admin });
		expect(shown.content).toContain('refused by Midjourney');

		mj.acceptKey(KEY_B);
		await setKey(world, KEY_B);
		await imagine(world, 'after the new key');
		const resumed = await mj.waitForGenerate(1);
		expect(resumed.authorization).toBe(`Bearer ${KEY_B}`);
		expect(discord.requests.filter(notices)).toHaveLength(1);
	});

	it('refuses jobs of a server without its own key when the operator has no default key', async () => {
		const world = await open({ env: { MJ_API_KEY: '' } });
		const refused = await imagine(world, 'without a key');
		expect(refused.ephemeral).toBe(true);
		expect(refused.content).toContain('`/server-settings api_key`');
		expect(world.mj.generateRequests).toHaveLength(0);
		world.mj.acceptKey(KEY_A);
		await setKey(world, KEY_A);
		await imagine(world, 'with its key');
		expect((await world.mj.waitForGenerate(0)).authorization).toBe(`Bearer ${KEY_A}`);
	});

	for (const change of ['replaces', 'removes'] as const) {
		it(`confirms a job with the key that paid for it when the admin ${change} the key meanwhile`, async () => {
			const world = await open();
			const { mj, discord } = world;
			mj.acceptKey(KEY_A);
			mj.acceptKey(KEY_B);
			await setKey(world, KEY_A);
			const job = await imagine(world, 'paid with key A');
			const generate = await mj.waitForGenerate(0);
			expect(generate.authorization).toBe(`Bearer ${KEY_A}`);

			if (change === 'replaces') expect(await setKey(world, KEY_B)).toContain(KEY_B.slice(-4));
			else {
				const removal = await send(world, {
					name: 'server-settings',
					options: [sub('api_key', [bool('remove', true)])],
					userId: discord.ids.admin,
				});
				expect(removal.ephemeral).toBe(true);
			}
			mj.succeed(generate.taskId!);
			await mj.sendCallback(generate.taskId!);
			await discord.waitForRequest(resultEdit(job.token));
			const asked = mj.recordInfoAuthorizations.filter((_, index) => mj.recordInfoRequests[index] === generate.taskId);
			expect(asked.length).toBeGreaterThan(0);
			expect(new Set(asked)).toEqual(new Set([`Bearer ${KEY_A}`]));

			// The next job goes with what the server pays with now, and is confirmed with it.
			await imagine(world, 'after the change');
			const next = await mj.waitForGenerate(1);
			expect(next.authorization).not.toBe(`Bearer ${KEY_A}`);
			expect(mj.violations).toEqual([]);
			await world.stopBot();
			expect(readFileSync(world.storeFile).includes(KEY_A)).toBe(false);
		});
	}

	it('tells an admin the operator must set the encryption key first', async () => {
		const world = await open({ env: { KEY_ENCRYPTION_KEY: '' } });
		const answer = await send(world, {
			name: 'server-settings',
			options: [sub('api_key')],
			userId: world.discord.ids.admin,
		});
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain('KEY_ENCRYPTION_KEY');
		const removal = await send(world, {
			name: 'server-settings',
			options: [sub('api_key', [bool('remove', true)])],
			userId: world.discord.ids.admin,
		});
		expect(removal.content).toContain('KEY_ENCRYPTION_KEY');
	});
});

describe.runIf(REDIS_TESTS_ENABLED)('servers’ own keys on a Redis store', () => {
	let redis: RedisServer;
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => redis.stop());

	it('keeps no key in clear among the Redis keys and values', async () => {
		const world = await open({ env: { STORE_URL: `${redis.url}/3` } });
		world.mj.acceptKey(KEY_A);
		expect(await setKey(world, KEY_A)).toContain(KEY_A.slice(-4));
		await imagine(world, 'a lighthouse');
		expect((await world.mj.waitForGenerate(0)).authorization).toBe(`Bearer ${KEY_A}`);
		await world.stopBot();

		const client = createClient({ url: `${redis.url}/3` });
		await client.connect();
		try {
			const keys = await client.keys('*');
			expect(keys.some((key) => key.includes('server-keys'))).toBe(true);
			const values = await Promise.all(
				keys.map(async (key) => ((await client.type(key)) === 'string' ? await client.get(key) : '')),
			);
			// The sealed record is there, and read: the check below looks at what is actually stored.
			expect(values.some((value) => value?.includes('ciphertext'))).toBe(true);
			for (const text of [...keys, ...values]) {
				expect(text).not.toContain(KEY_A);
				expect(text).not.toContain(ENCRYPTION_KEY);
			}
		} finally {
			await client.quit();
		}
	});
});

describe('fair share', () => {
	it('submits a member’s one job within two turns of another member’s ten', async () => {
		const world = await open({ env: { MJ_SUBMIT_LIMIT: '1', MJ_SUBMIT_WINDOW_MS: '300' } });
		const { mj, discord } = world;
		for (let index = 0; index < 10; index++) await imagine(world, `many ${index}`);
		await imagine(world, 'just one', { userId: discord.ids.moderator });
		const queuedAt = mj.generateRequests.length;
		const index = await eventually(
			() => {
				const found = mj.generateRequests.findIndex((request) => promptOf(request) === 'just one');
				return found === -1 ? undefined : found + 1;
			},
			'the single job’s submission',
			15_000,
		);
		expect(index - queuedAt).toBeLessThanOrEqual(2);
	});
});

describe('budgets', () => {
	it('refuses a job over the daily budget with the figures, and gives a failed job’s cost back', async () => {
		const world = await open();
		const { mj, discord } = world;
		const set = await send(world, {
			name: 'server-settings',
			options: [sub('set', [int('daily_budget', 10)])],
			userId: discord.ids.admin,
		});
		expect(set.content).toContain('daily_budget 10');

		const first = await imagine(world, 'within budget');
		expect(first.ephemeral).toBe(false);
		const refused = await imagine(world, 'over budget');
		expect(refused.ephemeral).toBe(true);
		expect(refused.content).toContain('would cost 8 credits');
		expect(refused.content).toContain('spent 8 of its 10 credits');
		expect(refused.content).toMatch(/<t:\d+:R>/);
		const shown = await send(world, { name: 'server-settings', options: [sub('show')], userId: discord.ids.admin });
		expect(shown.content).toContain('8 of 10');
		const info = await send(world, { name: 'info' });
		expect(info.ephemeral).toBe(true);
		expect(info.content).toContain('8 of 10');

		const generate = await mj.waitForGenerate(0);
		mj.fail(generate.taskId!, 'Prompt rejected by the moderation filter');
		await mj.sendCallback(generate.taskId!);
		await discord.waitForRequest(replySaying(first.token, 'moderation'));
		const again = await eventually(async () => {
			const answer = await imagine(world, 'after the refund');
			return answer.ephemeral ? undefined : answer;
		}, 'a job accepted once the failed one’s cost is given back');
		expect(again.content).not.toContain('would cost');
		expect(promptOf(await mj.waitForGenerate(1))).toBe('after the refund');
	});
});

describe('queue positions that scale', () => {
	const BURST = 2_000;
	/** Commands sent before waiting for their replies. */
	const WINDOW = 50;
	/** Generous deadlines for waits on what the fakes record: a loaded 2-core machine is slow, never wrong. */
	const BATCH_MS = 60_000;
	const DRAIN_MS = 240_000;

	it('keeps position edits under the cap in a burst of 2 000 jobs, and shows every member "Working" when theirs goes', async () => {
		// The provider answers no submit until the whole burst is in, so all of it but the few submits in flight waits
		// in the queue however fast this machine takes commands, and the estimates shown drift: only the cap bounds the
		// edits. The provider's answers may be slow on a loaded machine: a submit timed out would be told "unconfirmed".
		const world = await open({
			env: { MJ_SUBMIT_LIMIT: '100', MJ_SUBMIT_WINDOW_MS: '1000', MJ_TIMEOUT_MS: '600000' },
		});
		const { mj, discord, bot } = world;
		mj.credits = BURST * 10;
		const { ids } = discord;
		const members = [ids.user, ids.moderator, ids.admin, ids.owner];
		const tokens: string[] = [];
		/** Every edit of each member's reply so far, the reply itself (its first edit) first: one pass over the requests. */
		const editsOf = (): RecordedRequest[][] => {
			const byToken = new Map(tokens.map((token) => [token, [] as RecordedRequest[]]));
			for (const r of discord.requests) {
				const token = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(r.path)?.[1];
				if (r.method === 'PATCH' && token !== undefined) byToken.get(token)?.push(r);
			}
			return [...byToken.values()];
		};
		const queued = (r: RecordedRequest) => content(r).includes('Queued');
		/**
		 * Position edits: edits after the reply itself that show the job's place. Each changes what the reply shows; one
		 * the same as the edit before it is that edit sent again (discord.js repeats a request whose answer it lost, as
		 * happens on a loaded machine), not another.
		 */
		const positionEditsIn = (edits: RecordedRequest[][]) =>
			edits.reduce(
				(sum, list) =>
					sum + list.filter((r, index) => index > 0 && queued(r) && content(r) !== content(list[index - 1]!)).length,
				0,
			);
		const release = mj.holdSubmits();
		const startedAt = Date.now();
		try {
			// As members send them: a few at a time, each waiting for its reply, never thousands at once.
			for (let start = 0; start < BURST; start += WINDOW) {
				const from = discord.requests.length;
				const batch = Array.from({ length: Math.min(WINDOW, BURST - start) }, (_, offset) => {
					const index = start + offset;
					const userId = members[index % members.length]!;
					return discord.sendCommand({ name: 'imagine', options: [str('prompt', `burst ${index}`)], userId }).token;
				});
				tokens.push(...batch);
				await Promise.all(batch.map(async (token) => discord.waitForRequest(originalEdit(token), BATCH_MS, from)));
			}
			// Every job not sent is shown its place (in its reply, or by the capped editor), and the stale estimates are
			// being edited.
			await eventually(
				() => {
					const edits = editsOf();
					const shown = edits.filter((list) => list.some(queued)).length;
					return shown + mj.generateRequests.length >= BURST && positionEditsIn(edits) >= 3 * POSITION_EDITS_PER_SECOND;
				},
				'every waiting job shown its place, and a few position edits',
				BATCH_MS,
			);
		} finally {
			release();
		}
		await mj.waitForGenerate(BURST - 1, DRAIN_MS);
		const working = (list: RecordedRequest[]) => list.some((r) => content(r).includes('Working on it'));
		await eventually(() => editsOf().every(working), 'every reply saying "Working"', DRAIN_MS);
		const seconds = Math.ceil((Date.now() - startedAt) / 1000);

		const edits = editsOf();
		// All of the burst waited but the few submits in flight when it began.
		expect(edits.filter((list) => list.some(queued)).length).toBeGreaterThan(BURST - WINDOW);
		const positionEdits = positionEditsIn(edits);
		// At most the cap a second, however slow the machine (a slow one edits less often, not more).
		expect(positionEdits).toBeLessThanOrEqual(POSITION_EDITS_PER_SECOND * (seconds + 1));
		expect(bot.jobs.positionEdits).toBe(positionEdits);
		expect(discord.violations).toEqual([]);
	}, 600_000);
});
