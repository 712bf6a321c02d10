/**
 * Faults between the submit and its answer, end to end through the real bot: whatever the network does to a generate
 * request, a member action makes at most one generate request, and the member ends with the result or a clear final
 * message — never "Working…" forever.
 */
import { describe, expect, it } from 'vitest';
import type { FakeResponse } from '../../fakes/midjourney.js';
import { eventually, worldPerTest, type World } from '../e2e/harness.js';
import { content, originalEdit, resultEdit, replySaying } from '../e2e/requests.js';
import { failWrites } from './sqliteFaults.js';

const STRING = 3;

const open = worldPerTest();

function imagine(w: World, prompt = 'a paper boat'): { token: string } {
	return w.discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: prompt }] });
}

const UNCONFIRMED = 'did not confirm whether it started this job';

/** The provider created (and charged for) the task, but its answer never reached the bot as the provider's. */
const LOST_ANSWERS: Array<{ name: string; answer: FakeResponse }> = [
	{ name: 'a reset after the body was read', answer: { kind: 'destroy' } },
	{
		name: "a proxy's HTML 502 page",
		answer: { kind: 'raw', status: 502, contentType: 'text/html', text: '<html><h1>502 Bad Gateway</h1></html>' },
	},
	{ name: 'a time-out', answer: { kind: 'hang' } },
];

describe('a submit whose answer was lost is never sent again, and its task is adopted by the callback', () => {
	it.each(LOST_ANSWERS)('$name', async ({ answer }) => {
		const w = await open({ callbacks: true, env: { MJ_TIMEOUT_MS: '400', MJ_RETRY_BASE_MS: '20' } });
		w.mj.respondToGenerate(answer, 1, { created: true });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		expect(taskId).toBeDefined();
		// The member is told the outcome is unclear and that nothing was sent again.
		await w.discord.waitForRequest(replySaying(token, UNCONFIRMED));
		// The provider finishes the task it did create and calls back with the signed URL the request carried.
		w.mj.succeed(taskId!);
		expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
		const result = await w.discord.waitForRequest(resultEdit(token));
		expect(result.files).toHaveLength(4);
		await w.bot.jobs.idle();
		expect(w.mj.generateRequests).toHaveLength(1);
		// Confirmed with the source of truth before delivery, as every callback is.
		expect(w.mj.recordInfoRequests).toContain(taskId);
		expect(w.discord.violations).toEqual([]);
	});

	it('a failure callback for an adopted task tells the member it failed', async () => {
		const w = await open({ callbacks: true, env: { MJ_TIMEOUT_MS: '400' } });
		w.mj.respondToGenerate({ kind: 'destroy' }, 1, { created: true });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(replySaying(token, UNCONFIRMED));
		w.mj.fail(taskId!, 'Image generation failed: content moderation');
		expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
		const failure = await w.discord.waitForRequest(replySaying(token, '❌'));
		expect(content(failure)).toMatch(/content moderation/);
		expect(w.mj.generateRequests).toHaveLength(1);
	});

	it('when no callback ever names the task, the member gets a final message once the window closes', async () => {
		const w = await open({ callbacks: true, env: { MJ_TIMEOUT_MS: '400', ADOPTION_WINDOW_MS: '1500' } });
		w.mj.respondToGenerate({ kind: 'destroy' }); // Nothing was created: no callback will come.
		const { token } = imagine(w);
		await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(replySaying(token, UNCONFIRMED));
		const started = Date.now();
		const final = await w.discord.waitForRequest(replySaying(token, '❌'), 10_000);
		expect(content(final)).toMatch(/never reported back on this job.*not resubmitted/s);
		expect(Date.now() - started).toBeLessThan(10_000);
		await w.bot.jobs.idle();
		expect(w.mj.generateRequests).toHaveLength(1);
	});

	it('a callback after a restart still adopts the task (the window outlives the process)', async () => {
		const w = await open({ callbacks: true, env: { MJ_TIMEOUT_MS: '400' } });
		w.mj.respondToGenerate({ kind: 'raw', status: 504, contentType: 'text/html', text: 'Gateway Timeout' }, 1, {
			created: true,
		});
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(replySaying(token, UNCONFIRMED));
		await w.bot.jobs.idle();
		await w.restart();
		w.mj.succeed(taskId!);
		expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
		await w.discord.waitForRequest(resultEdit(token));
		expect(w.mj.generateRequests).toHaveLength(1);
	});

	it('a callback with a task id for a job that is not waiting for adoption changes nothing', async () => {
		const w = await open({ callbacks: true });
		const { token } = imagine(w);
		const { taskId } = await w.mj.waitForGenerate(0);
		await w.discord.waitForRequest(originalEdit(token));
		await w.bot.jobs.idle();
		// Same signed URL, another task id: refused as a mismatch, the job keeps its own task.
		const forged = await w.mj.sendCallback(taskId!, {
			body: { code: 200, msg: 'success', data: { taskId: 'someone-elses-task', resultUrls: [] } },
		});
		expect(forged.status).toBe(409);
		w.mj.succeed(taskId!);
		await w.mj.sendCallback(taskId!);
		await w.discord.waitForRequest(resultEdit(token));
	});
});

describe('polling mode: no callback can name the task, so the member is told at once', () => {
	it('a reset after the body: one request, a clear final message', async () => {
		const w = await open({ callbacks: false, env: { MJ_TIMEOUT_MS: '400' } });
		w.mj.respondToGenerate({ kind: 'destroy' }, 1, { created: true });
		const { token } = imagine(w);
		const final = await w.discord.waitForRequest(replySaying(token, '❌'));
		expect(content(final)).toMatch(/did not confirm whether it started this job\. It was not resubmitted/);
		await w.bot.jobs.idle();
		expect(w.mj.generateRequests).toHaveLength(1);
	});
});

describe('the store failing right after a paid submit', () => {
	it('the task id is kept and stored once the store is back; a callback meanwhile is not lost', async () => {
		const w = await open({ callbacks: true });
		const fault = await failWrites(w.storeFile, 'jobs', '"phase":"submitted"');
		try {
			const { token } = imagine(w);
			const { taskId } = await w.mj.waitForGenerate(0);
			await eventually(async () => (await fault.refused()) > 0, 'the write of the task id to be refused');
			// The provider is fast: its callback arrives while the task id is still not stored.
			w.mj.succeed(taskId!);
			expect((await w.mj.sendCallback(taskId!)).status).toBe(200);
			await fault.heal();
			const result = await w.discord.waitForRequest(resultEdit(token), 10_000);
			expect(result.files).toHaveLength(4);
			await w.bot.jobs.idle();
			expect(w.mj.generateRequests).toHaveLength(1);
		} finally {
			await fault.close();
		}
	});
});
