/**
 * Delivery faults, end to end through the real bot: whatever Discord refuses, the member ends with the result or a
 * clear final message, and each result is posted once, across a store failure and a restart.
 */
import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest, StoredMessage } from '../../fakes/discord.js';
import { t } from '../../src/i18n/index.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { createStore } from '../../src/store/store.js';
import { eventually, worldPerTest, type World } from '../e2e/harness.js';
import { content, originalEdit } from '../e2e/requests.js';

const SUB = 1;
const STRING = 3;

const open = worldPerTest({ callbacks: true });

const components = (r: RecordedRequest): unknown[] =>
	(r.body as { components?: unknown[] } | undefined)?.components ?? [];
const channelPost = (channelId: string) => (r: RecordedRequest) =>
	r.method === 'POST' && r.path === `/channels/${channelId}/messages`;

/** A /imagine submitted and shown as working (`working`: how the server's language says it). */
async function submitted(w: World, prompt = 'a paper boat', working = 'Working') {
	const { token } = w.discord.sendCommand({
		name: 'imagine',
		options: [{ name: 'prompt', type: STRING, value: prompt }],
	});
	const generate = await w.mj.waitForGenerate(w.mj.generateRequests.length);
	const shown = await w.discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes(working));
	await w.bot.jobs.idle();
	const jobId = /\/callbacks\/mj\/([\w-]+)/.exec(String(generate.body.callBackUrl))?.[1];
	if (!jobId || !generate.taskId) throw new Error('The job was not submitted with a callback URL');
	return { token, taskId: generate.taskId, jobId, replyId: (shown.response.body as APIMessage).id };
}

async function finish(w: World, taskId: string): Promise<void> {
	w.mj.succeed(taskId);
	expect((await w.mj.sendCallback(taskId)).status).toBe(200);
}

async function storedJob(w: World, jobId: string): Promise<JobRecord | undefined> {
	return w.bot.store.collection<JobRecord>('jobs').get(jobId);
}

async function delivery(w: World, jobId: string) {
	const job = await storedJob(w, jobId);
	return job?.state.phase === 'finished' ? job.state.delivery : undefined;
}

/** Messages in a channel that show a job: its buttons name it, or its text does. */
function messagesOf(w: World, channelId: string, jobId: string): StoredMessage[] {
	return [...w.discord.messages.values()].filter(
		(message) =>
			message.channel_id === channelId &&
			(message.content.includes(jobId) || JSON.stringify(message.components ?? []).includes(`:${jobId}`)),
	);
}

/** `/server-settings emoji <action>:<value>` as an admin; resolves with the (deferred) answer's text. */
async function setEmoji(w: World, action: string, value: string): Promise<string> {
	const from = w.discord.requests.length;
	const { token } = w.discord.sendCommand({
		name: 'server-settings',
		options: [{ name: 'emoji', type: SUB, options: [{ name: action, type: STRING, value }] }],
		userId: w.discord.ids.admin,
	});
	return content(await w.discord.waitForRequest(originalEdit(token), 5000, from));
}

/** Makes the bot's job store refuse the writes `fails` picks (as a locked SQLite file would), while it is wrapped. */
function breakJobWrites(w: World, fails: (job: JobRecord) => boolean): { failures: number } {
	const jobs = w.bot.store.collection<JobRecord>('jobs');
	const original = jobs.set.bind(jobs);
	const counter = { failures: 0 };
	const set = async (key: string, value: JobRecord, ttl?: number): Promise<boolean> => {
		if (fails(value)) {
			counter.failures += 1;
			throw new Error('SQLITE_BUSY: database is locked');
		}
		return original(key, value, ttl);
	};
	Object.assign(jobs, { set });
	return counter;
}

const isDelivered = (job: JobRecord): boolean =>
	job.state.phase === 'finished' && job.state.delivery.state === 'delivered';

describe('a delivery Discord refuses for good ends in a message to the member', () => {
	it('a result whose buttons Discord refuses (a server emoji deleted since) arrives without them', async () => {
		const w = await open();
		const emojiId = w.discord.addEmoji('spin');
		expect(await setEmoji(w, 'reroll', `<:spin:${emojiId}>`)).toContain('Saved');
		w.discord.removeEmoji(emojiId);
		const { token, taskId, jobId } = await submitted(w);
		await finish(w, taskId);

		const refused = await w.discord.waitForRequest((r) => originalEdit(token)(r) && r.files.length > 0);
		expect(refused.response.status).toBe(400);
		expect(JSON.stringify(refused.response.body)).toContain('emoji');
		const delivered = await w.discord.waitForRequest(
			(r) => originalEdit(token)(r) && r.files.length > 0 && r.response.status === 200,
		);
		expect(components(delivered)).toEqual([]);
		expect(content(delivered)).toContain('its buttons could not be shown');
		const shown = w.discord.messages.get((delivered.response.body as APIMessage).id)!;
		expect(shown.attachments).toHaveLength(4);
		expect(shown.components).toEqual([]);
		expect(shown.content).not.toContain('Working');

		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery to be recorded');
		expect(await delivery(w, jobId)).toMatchObject({ state: 'delivered', via: 'interaction' });
		expect(w.mj.generateRequests).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('a result Discord refuses altogether is replaced by a final message naming the job', async () => {
		const w = await open();
		const emojiId = w.discord.addEmoji('spin');
		expect(await setEmoji(w, 'reroll', `<:spin:${emojiId}>`)).toContain('Saved');
		w.discord.removeEmoji(emojiId);
		const { token, taskId, jobId, replyId } = await submitted(w);
		// Without its buttons, the result is refused too: its files are over a limit Discord applies.
		w.discord.failNext(
			(r) => r.files.length > 0 && components(r).length === 0,
			{ status: 413, body: { code: 40005, message: 'Request entity too large' } },
			20,
		);
		const from = w.discord.requests.length;
		await finish(w, taskId);

		const notice = await w.discord.waitForRequest(
			(r) => originalEdit(token)(r) && content(r).includes('could not be posted'),
			5000,
			from,
		);
		expect(notice.response.status).toBe(200);
		expect(content(notice)).toContain(jobId);
		expect(content(notice)).toContain('40005');
		expect(w.discord.messages.get(replyId)?.content).not.toContain('Working');

		const final = await eventually(async () => {
			const state = await delivery(w, jobId);
			return state?.state === 'failed' ? state : undefined;
		}, 'the failure to be recorded');
		expect(final).toMatchObject({ notified: { via: 'interaction', messageId: replyId } });
		expect(final.reason).toContain('40005');
		await w.bot.jobs.idle();
		// Each route tried with and without buttons, then the notice: a bounded number of requests, then nothing.
		const sends = w.discord.requests.slice(from).filter((r) => r.method !== 'GET' && r.path.includes('/messages'));
		expect(sends.length).toBeLessThanOrEqual(6);
		expect(w.mj.generateRequests).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('in a server set to ja, the final message and the reply saying where the result went are Japanese', async () => {
		const w = await open();
		const from = w.discord.requests.length;
		const { token: setToken } = w.discord.sendCommand({
			name: 'server-settings',
			options: [{ name: 'set', type: SUB, options: [{ name: 'language', type: STRING, value: 'ja' }] }],
			userId: w.discord.ids.admin,
		});
		expect(content(await w.discord.waitForRequest(originalEdit(setToken), 5000, from))).toContain('`ja`');

		// Refused by the reply only: posted below, and the reply says so in Japanese.
		const moved = await submitted(w, 'a calm sea', t('ja', 'result.working'));
		w.discord.failNext((r) => originalEdit(moved.token)(r) && r.files.length > 0, {
			status: 400,
			body: { code: 50035, message: 'Invalid Form Body', errors: { attachments: {} } },
		});
		await finish(w, moved.taskId);
		const where = t('ja', 'result.elsewhere', { where: t('ja', 'result.elsewherePostedBelow') });
		await w.discord.waitForRequest((r) => originalEdit(moved.token)(r) && content(r).includes(where));

		// Refused everywhere: a final message, its reason introduced in Japanese and Discord's words kept.
		const refused = await submitted(w, 'a storm', t('ja', 'result.working'));
		w.discord.failNext(
			(r) => r.files.length > 0,
			{ status: 413, body: { code: 40005, message: 'Request entity too large' } },
			20,
		);
		await finish(w, refused.taskId);
		const notice = await w.discord.waitForRequest(
			(r) => originalEdit(refused.token)(r) && content(r).includes(t('ja', 'result.undeliverableResult')),
		);
		const why = t('ja', 'result.discordRefused', { status: 413, code: 40005, message: '' }).trim();
		expect(content(notice)).toContain(why);
		expect(content(notice)).toContain('Request entity too large');
		expect(content(notice)).toContain(t('ja', 'result.jobLine', { jobId: refused.jobId }));
		await eventually(async () => (await delivery(w, refused.jobId))?.state === 'failed', 'the failure to be recorded');
		expect(w.discord.violations).toEqual([]);
	});

	it('a result the reply refuses is posted as a new message, and the reply says where it went', async () => {
		const w = await open();
		const { token, taskId, jobId, replyId } = await submitted(w);
		w.discord.failNext((r) => originalEdit(token)(r) && r.files.length > 0, {
			status: 400,
			body: { code: 50035, message: 'Invalid Form Body', errors: { attachments: {} } },
		});
		await finish(w, taskId);
		const { channel } = w.discord.ids;
		const post = await w.discord.waitForRequest(channelPost(channel));
		expect(post.response.status).toBe(200);
		expect(post.files).toHaveLength(4);
		expect(content(post).startsWith(`<@${w.discord.ids.user}>`)).toBe(true);
		await w.discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('posted below'));
		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery to be recorded');
		expect(await delivery(w, jobId)).toMatchObject({ via: 'channel-message' });
		expect(w.discord.messages.get(replyId)?.content).not.toContain('Working');
		expect(messagesOf(w, channel, jobId)).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('every route closed (channel gone, DMs closed): recorded as failed with its reason, and nothing loops', async () => {
		const w = await open();
		const { taskId, jobId } = await submitted(w);
		const { channel, user } = w.discord.ids;
		w.discord.removeChannel(channel);
		const dmChannel = w.discord.dmChannelId(user);
		w.discord.failNext(
			channelPost(dmChannel),
			{ status: 403, body: { code: 50007, message: 'Cannot send messages to this user' } },
			5,
		);
		const from = w.discord.requests.length;
		await finish(w, taskId);

		const final = await eventually(async () => {
			const state = await delivery(w, jobId);
			return state?.state === 'failed' ? state : undefined;
		}, 'the failure to be recorded');
		expect(final.reason).toContain('No route reaches the member');
		expect(final.reason).toContain('10003');
		expect(final.reason).toContain('50007');
		await w.bot.jobs.idle();
		const attempts = w.discord.requests.slice(from).filter((r) => r.path.includes('/messages'));
		expect(attempts.filter(channelPost(dmChannel))).toHaveLength(1);

		// Settled: a restart leaves it alone.
		await w.restart();
		await w.bot.jobs.idle();
		expect(w.discord.requests.slice(from).filter((r) => r.path.includes('/messages'))).toHaveLength(attempts.length);
		expect(w.mj.generateRequests).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});
});

describe('exactly one post per result', () => {
	/** The reply deleted and the token expired: the result can only be posted as a new message. */
	async function onlyByPost(w: World) {
		const job = await submitted(w);
		w.discord.expireToken(job.token);
		w.discord.messages.delete(job.replyId);
		return job;
	}

	it('the store failing once right after the post: recorded anyway, one message after a restart', async () => {
		const w = await open();
		const { taskId, jobId } = await onlyByPost(w);
		const broken = breakJobWrites(w, (job) => isDelivered(job) && broken.failures === 0);
		const { channel } = w.discord.ids;
		await finish(w, taskId);

		const post = await w.discord.waitForRequest(channelPost(channel));
		expect(post.response.status).toBe(200);
		expect((post.body as { enforce_nonce?: boolean }).enforce_nonce).toBe(true);
		expect(typeof (post.body as { nonce?: unknown }).nonce).toBe('string');
		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery to be recorded');
		expect(broken.failures).toBe(1);
		expect(await delivery(w, jobId)).toMatchObject({
			state: 'delivered',
			via: 'channel-message',
			messageId: (post.response.body as APIMessage).id,
		});

		await w.restart();
		await w.bot.jobs.idle();
		expect(messagesOf(w, channel, jobId)).toHaveLength(1);
		expect(w.discord.requests.filter(channelPost(channel))).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('stopped between the post and its record, long after Discord forgot the nonce: one message after restart', async () => {
		const w = await open({ discord: { nonceWindowMs: 0 } });
		const { taskId, jobId } = await onlyByPost(w);
		const broken = breakJobWrites(w, isDelivered);
		const { channel } = w.discord.ids;
		await finish(w, taskId);
		const post = await w.discord.waitForRequest(channelPost(channel));
		expect(post.response.status).toBe(200);
		await eventually(() => broken.failures > 0, 'the record of the delivery to fail');
		await w.stopBot();

		const store = createStore(`sqlite://${w.storeFile}`);
		const pending = (await store.collection<JobRecord>('jobs').get(jobId))?.state;
		await store.close();
		expect(pending).toMatchObject({
			phase: 'finished',
			delivery: { state: 'pending', posting: { channelId: channel } },
		});

		await w.startBotAgain();
		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery to be recorded');
		await w.bot.jobs.idle();
		expect(await delivery(w, jobId)).toMatchObject({
			via: 'channel-message',
			messageId: (post.response.body as APIMessage).id,
		});
		expect(messagesOf(w, channel, jobId)).toHaveLength(1);
		expect(w.discord.requests.filter(channelPost(channel))).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('a repeated post within Discord’s nonce window gets the message already made', async () => {
		const w = await open();
		const { taskId, jobId } = await onlyByPost(w);
		const { channel } = w.discord.ids;
		// Each post lands, but its answer is lost: discord.js repeats it three times, then the bot tries again later.
		w.discord.failNext(
			channelPost(channel),
			{ status: 500, body: { message: 'Internal Server Error', code: 0 }, handled: true },
			4,
		);
		await finish(w, taskId);
		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery', 15_000);
		await w.bot.jobs.idle();
		expect(messagesOf(w, channel, jobId)).toHaveLength(1);
		expect(new Set(w.discord.requests.filter(channelPost(channel)).map((r) => JSON.stringify(r.body))).size).toBe(1);
	});
});

describe('custom action emoji are checked when an admin sets them', () => {
	it('refuses an emoji that is not the server’s own, and saves nothing', async () => {
		const w = await open();
		const elsewhere = w.discord.addEmoji('wave', w.discord.ids.guild2);
		const answer = await setEmoji(w, 'reroll', `<:wave:${elsewhere}>`);
		expect(answer).toContain('Nothing was changed');
		expect(answer).toContain('not one of this server’s emoji');
		expect(await setEmoji(w, 'delete', '<:gone:123456789012345678>')).toContain('Nothing was changed');
		expect(await w.bot.settings.emojiFor(w.discord.ids.guild)).toMatchObject({ reroll: '🔁', delete: '❌' });

		const own = w.discord.addEmoji('spin');
		expect(await setEmoji(w, 'reroll', `<:spin:${own}>`)).toContain('Saved');
		expect(await setEmoji(w, 'delete', '🗑️')).toContain('Saved');
		expect(await w.bot.settings.emojiFor(w.discord.ids.guild)).toMatchObject({
			reroll: `<:spin:${own}>`,
			delete: '🗑️',
		});
		expect(w.discord.violations).toEqual([]);
	});
});

describe('prompts are shown as typed, never as markdown or mentions', () => {
	it('escapes the prompt in the working message and the result', async () => {
		const w = await open();
		const prompt = `# FREE NITRO\n-# tiny\n[click](https://evil.example) @everyone <@${w.discord.ids.admin}> **bold** \`code\``;
		const { token, taskId } = await submitted(w, prompt);
		const working = w.discord.requests.find((r) => originalEdit(token)(r) && content(r).includes('Working'))!;
		const escaped = [
			'> \\# FREE NITRO',
			'> \\-# tiny',
			`> \\[click](https://evil.example) @\u200Beveryone \\<@${w.discord.ids.admin}> \\*\\*bold\\*\\* \\\`code\\\``,
		].join('\n');
		expect(content(working)).toContain(escaped);
		await finish(w, taskId);
		const result = await w.discord.waitForRequest((r) => originalEdit(token)(r) && r.files.length > 0);
		expect(content(result)).toContain(escaped);
		const shown = w.discord.messages.get((result.response.body as APIMessage).id)!;
		expect(shown.mentions.map((user) => user.id)).not.toContain(w.discord.ids.admin);
		expect(shown.mention_everyone).toBe(false);
		expect(w.discord.violations).toEqual([]);
	});
});
