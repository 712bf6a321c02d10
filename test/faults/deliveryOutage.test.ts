/**
 * Discord down for longer than the delivery's quick retries (a proxy's HTML 502, a JSON 503, reset connections): the
 * result is paid and in hand, so it stays pending and is posted once Discord is back, also after a restart; past the
 * give-up time the member gets a final message instead, or the job records why not.
 */
import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { FailureSpec, RecordedRequest } from '../../fakes/discord.js';
import { t } from '../../src/i18n/index.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { eventually, worldPerTest, type World } from '../e2e/harness.js';
import { content, originalEdit, resultEdit } from '../e2e/requests.js';

const STRING = 3;
/** Quick retries for the tests: 20 ms, 100 ms, then every 150 ms. */
const FAST_RETRIES = { DELIVERY_RETRY_BASE_MS: '20', DELIVERY_RETRY_MAX_MS: '150' };
const open = worldPerTest({ callbacks: true, env: FAST_RETRIES });

const PROXY_502: FailureSpec = {
	status: 502,
	body: undefined,
	raw: { data: Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>'), contentType: 'text/html' },
};
const OUTAGES: Array<{ name: string; answer: FailureSpec }> = [
	{ name: 'a proxy’s HTML 502 page', answer: PROXY_502 },
	{ name: 'a JSON 503', answer: { status: 503, body: { message: 'Service Unavailable', code: 0 } } },
	{ name: 'a reset connection', answer: { status: 0, body: undefined, reset: true } },
];

/** Discord answering `answer` to every request with files (the result's delivery) until `recover()`. */
function outage(w: World, answer: FailureSpec, fails: (r: RecordedRequest) => boolean = (r) => r.files.length > 0) {
	const state = { down: true, failures: 0 };
	w.discord.failNext(
		(r) => {
			if (!state.down || !fails(r)) return false;
			state.failures += 1;
			return true;
		},
		answer,
		100_000,
	);
	return { state, recover: () => void (state.down = false) };
}

async function submitted(w: World, prompt = 'a paper boat') {
	const { token } = w.discord.sendCommand({
		name: 'imagine',
		options: [{ name: 'prompt', type: STRING, value: prompt }],
	});
	const generate = await w.mj.waitForGenerate(w.mj.generateRequests.length);
	await w.discord.waitForRequest((r) => originalEdit(token)(r) && content(r).includes('Working'));
	await w.bot.jobs.idle();
	const jobId = /\/callbacks\/mj\/([\w-]+)/.exec(String(generate.body.callBackUrl))?.[1];
	if (!jobId || !generate.taskId) throw new Error('The job was not submitted with a callback URL');
	return { token, taskId: generate.taskId, jobId };
}

async function finish(w: World, taskId: string): Promise<void> {
	w.mj.succeed(taskId);
	expect((await w.mj.sendCallback(taskId)).status).toBe(200);
}

async function delivery(w: World, jobId: string) {
	const job = await w.bot.store.collection<JobRecord>('jobs').get(jobId);
	return job?.state.phase === 'finished' ? job.state.delivery : undefined;
}

/** Waits until the job's delivery has failed `attempts` times (more than the old three retries) and is still pending. */
async function pendingAfter(w: World, jobId: string, attempts: number) {
	return eventually(async () => {
		const state = await delivery(w, jobId);
		return state?.state === 'pending' && state.attempts >= attempts ? state : undefined;
	}, `${attempts} failed attempts`);
}

/** Requests that delivered the job's result: the reply's edit or a new message, with files, that Discord took. */
function resultDeliveries(w: World, token: string): RecordedRequest[] {
	const { channel } = w.discord.ids;
	return w.discord.requests.filter(
		(r) =>
			r.response.status === 200 &&
			r.files.length > 0 &&
			(resultEdit(token)(r) || (r.method === 'POST' && r.path === `/channels/${channel}/messages`)),
	);
}

describe('Discord down for longer than the delivery’s retries', () => {
	for (const { name, answer } of OUTAGES) {
		it(`${name}: the result stays pending, then is posted once when Discord is back`, async () => {
			const w = await open();
			const { token, taskId, jobId } = await submitted(w);
			const down = outage(w, answer);
			await finish(w, taskId);

			const pending = await pendingAfter(w, jobId, 5);
			expect(pending.retryAt).toBeGreaterThan(0);
			expect(resultDeliveries(w, token)).toEqual([]);
			down.recover();

			const final = await eventually(async () => {
				const state = await delivery(w, jobId);
				return state?.state === 'delivered' ? state : undefined;
			}, 'the delivery once Discord is back');
			await w.bot.jobs.idle();
			const [result, ...more] = resultDeliveries(w, token);
			expect(more).toEqual([]);
			expect(result?.files).toHaveLength(4);
			expect(final).toMatchObject({ via: 'interaction', messageId: (result!.response.body as APIMessage).id });
			expect(w.discord.messages.get(final.messageId)?.attachments).toHaveLength(4);
			// One warning for the outage, not one per attempt; one line once it is over.
			const warned = w.logs.filter((line) => Number(line.level) >= 40 && /Discord|Delivery/.test(String(line.msg)));
			expect(warned.map((line) => line.msg)).toEqual([expect.stringContaining('Discord did not take a result')]);
			expect(w.logs.filter((line) => String(line.msg).startsWith('Every result Discord had not taken'))).toHaveLength(
				1,
			);
			expect(w.mj.generateRequests).toHaveLength(1);
			expect(w.discord.violations).toEqual([]);
		});
	}

	it('a bot stopped while the delivery is pending delivers it once after its restart', async () => {
		const w = await open();
		const { token, taskId, jobId } = await submitted(w);
		const down = outage(w, PROXY_502);
		await finish(w, taskId);
		await pendingAfter(w, jobId, 4);
		await w.stopBot();
		expect(resultDeliveries(w, token)).toEqual([]);
		down.recover();

		await w.startBotAgain();
		await eventually(async () => (await delivery(w, jobId))?.state === 'delivered', 'the delivery after restart');
		await w.bot.jobs.idle();
		expect(resultDeliveries(w, token)).toHaveLength(1);
		expect(w.mj.generateRequests).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});

	it('past the give-up time, the member is told the result could not be posted, once', async () => {
		const w = await open({ env: { ...FAST_RETRIES, DELIVERY_GIVE_UP_MS: '600' } });
		const { token, taskId, jobId } = await submitted(w);
		// The result's files are what Discord cannot take; a message without files still goes through.
		outage(w, PROXY_502);
		await finish(w, taskId);

		const final = await eventually(async () => {
			const state = await delivery(w, jobId);
			return state?.state === 'failed' ? state : undefined;
		}, 'the give-up to be recorded');
		await w.bot.jobs.idle();
		expect(final.reason).toContain('Discord did not take the job’s message');
		expect(final.notified?.via).toBe('interaction');
		const told = w.discord.requests.filter(
			(r) =>
				originalEdit(token)(r) &&
				r.response.status === 200 &&
				content(r).includes(t('en', 'result.undeliverableResult')),
		);
		expect(told).toHaveLength(1);
		expect(content(told[0]!)).toContain(jobId);
		expect(content(told[0]!)).toContain('until the bot stopped trying');
		expect(resultDeliveries(w, token)).toEqual([]);
		expect(w.discord.violations).toEqual([]);
	});

	it('past the give-up time with Discord still down: recorded as failed for /jobs, logged, nothing posted', async () => {
		const w = await open({ env: { ...FAST_RETRIES, DELIVERY_GIVE_UP_MS: '600' } });
		const { token, taskId, jobId } = await submitted(w);
		const from = w.discord.requests.length;
		outage(w, PROXY_502, (r) => r.method !== 'GET' && r.path.includes('/messages'));
		await finish(w, taskId);

		const final = await eventually(async () => {
			const state = await delivery(w, jobId);
			return state?.state === 'failed' ? state : undefined;
		}, 'the give-up to be recorded');
		await w.bot.jobs.idle();
		expect(final.reason).toContain('Discord did not take the job’s message');
		expect(final.notified).toBeUndefined();
		expect(w.logs.filter((line) => line.level === 50 && String(line.msg).includes('Gave up delivering'))).toHaveLength(
			1,
		);
		const taken = w.discord.requests.slice(from).filter((r) => r.response.status === 200 && r.method !== 'GET');
		expect(taken.filter((r) => originalEdit(token)(r) || r.path.includes('/messages'))).toEqual([]);
		// Settled: a restart leaves it alone.
		await w.restart();
		await w.bot.jobs.idle();
		expect((await delivery(w, jobId))?.state).toBe('failed');
	});
});
