/**
 * Faults around Vary, Upscale and Extend, end to end through the real bot: a follow-up whose submit answer is lost is
 * never sent again and its task is adopted, and a result whose parent message is gone is still delivered.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { worldPerTest, type World } from '../e2e/harness.js';
import { emoji, jobIdOf, replySaying } from '../e2e/requests.js';
import { waitForDelivery, waitForPick } from '../e2e/stored.js';

const STRING = 3;
const UNCONFIRMED = 'did not confirm whether it started this job';

const open = worldPerTest();

async function grid(w: World): Promise<{ jobId: string; taskId: string; messageId: string }> {
	w.discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: 'a paper boat' }] });
	const generate = await w.mj.waitForGenerate();
	const jobId = jobIdOf(generate);
	w.mj.succeed(generate.taskId!);
	await w.mj.sendCallback(generate.taskId!);
	const { messageId } = await waitForDelivery(() => w.bot.store, jobId);
	return { jobId, taskId: generate.taskId!, messageId };
}

describe('follow-ups under faults', () => {
	it('a vary whose answer was lost after the provider created it is sent once, adopted, and delivered', async () => {
		const w = await open({ callbacks: true, env: { MJ_TIMEOUT_MS: '400', MJ_RETRY_BASE_MS: '20' } });
		const source = await grid(w);
		w.mj.respondTo('vary', { kind: 'destroy' }, 1, { created: true });
		const click = w.discord.sendComponent({ messageId: source.messageId, customId: `mj:vary:${source.jobId}:2` });
		const vary = await w.mj.waitForSubmit('vary');
		expect(vary.taskId).toBeDefined();
		// The member is told the outcome is unclear and that nothing was sent again.
		await w.discord.waitForRequest(replySaying(click.token, UNCONFIRMED));
		w.mj.succeed(vary.taskId!);
		expect((await w.mj.sendCallback(vary.taskId!)).status).toBe(200);
		const delivered = await waitForDelivery(() => w.bot.store, jobIdOf(vary));
		expect(w.discord.messages.get(delivered.messageId)?.attachments).toHaveLength(4);
		await w.bot.jobs.idle();
		expect(w.mj.varyRequests).toHaveLength(1);
		expect(w.mj.recordInfoRequests).toContain(vary.taskId);
		// The job holds the task the callback named: adopted, not submitted again.
		expect(await new JobRepository(w.bot.store).get(jobIdOf(vary))).toMatchObject({
			state: { phase: 'finished', taskId: vary.taskId, outcome: { status: 'succeeded' } },
		});
		expect(w.discord.violations).toEqual([]);
	});

	it('the parent’s message deleted before the result lands: the result is still posted, and says where it came from', async () => {
		const w = await open({ callbacks: true });
		const source = await grid(w);
		w.discord.sendComponent({ messageId: source.messageId, customId: `mj:pick:${source.jobId}:3` });
		const pickId = (await waitForPick(() => w.bot.store, source.jobId, 2)).messageId;
		w.discord.sendReaction({ messageId: pickId, emoji: emoji('🔀') });
		const vary = await w.mj.waitForSubmit('vary');
		// The requester deletes the picked image the reaction was on, while the vary is generating.
		w.discord.sendReaction({ messageId: pickId, emoji: emoji('❌') });
		await w.discord.waitForRequest(
			(r: RecordedRequest) => r.method === 'DELETE' && r.path.endsWith(`/messages/${pickId}`),
		);
		expect(w.discord.messages.has(pickId)).toBe(false);

		w.mj.succeed(vary.taskId!);
		expect((await w.mj.sendCallback(vary.taskId!)).status).toBe(200);
		const delivered = await waitForDelivery(() => w.bot.store, jobIdOf(vary));
		const message = w.discord.messages.get(delivered.messageId)!;
		expect(message.attachments).toHaveLength(4);
		expect(message.content).toContain('**Vary of image 3**');
		expect(w.mj.varyRequests).toHaveLength(1);
		expect(w.discord.violations).toEqual([]);
	});
});
