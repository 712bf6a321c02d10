import { describe, expect, it } from 'vitest';
import { ActionClaims, ActionRecords, REPEAT_REACTION_WINDOW_MS } from '../../src/actions/records.js';
import { fileAt, filesOf, loadResult, withFreshUrls } from '../../src/actions/result.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { isSucceeded, shapeOf } from '../../src/jobs/resultShape.js';
import { createClaims } from '../../src/store/claims.js';
import { createStore } from '../../src/store/store.js';
import { UserError } from '../../src/userError.js';
import { discordUrl, finishedJob, JOB_ID, providerUrl, VIDEO } from './fixtures.js';

describe('a result to act on', () => {
	it('has a shape from its task type and its number of results', () => {
		const shape = (job: ReturnType<typeof finishedJob>) => (isSucceeded(job) ? shapeOf(job) : undefined);
		expect(shape(finishedJob())).toBe('grid');
		expect(shape(finishedJob({ count: 1 }))).toBe('single');
		expect(shape(finishedJob({ count: 0 }))).toBe('empty');
		expect(shape(finishedJob({ request: VIDEO, count: 2 }))).toBe('video');
		expect(isSucceeded(finishedJob({ outcome: { status: 'failed', reason: 'no' } }))).toBe(false);
	});

	it('prefers Discord’s copy of each file and falls back to the provider’s link', () => {
		const job = finishedJob({ delivered: [1, 3] });
		if (!isSucceeded(job)) throw new Error('fixture');
		expect(filesOf(job)).toStrictEqual([
			{ index: 0, url: discordUrl(1), providerUrl: providerUrl(1), filename: `${JOB_ID}_1.png`, hosted: true },
			{ index: 1, url: providerUrl(2), filename: `${JOB_ID}_2.png`, hosted: false },
			{ index: 2, url: discordUrl(3), providerUrl: providerUrl(3), filename: `${JOB_ID}_3.png`, hosted: true },
			{ index: 3, url: providerUrl(4), filename: `${JOB_ID}_4.png`, hosted: false },
		]);
	});

	it('takes freshly signed URLs from the message the member acted on, matched by file name', () => {
		const job = finishedJob({ count: 2 });
		if (!isSucceeded(job)) throw new Error('fixture');
		const fresh = withFreshUrls(filesOf(job), [{ name: `${JOB_ID}_2.png`, url: 'https://cdn.discordapp.com/fresh' }]);
		expect(fresh.map((file) => file.url)).toStrictEqual([discordUrl(1), 'https://cdn.discordapp.com/fresh']);
		expect(withFreshUrls(filesOf(job), undefined)).toStrictEqual(filesOf(job));
	});

	it('explains why a result cannot be acted on', async () => {
		const store = createStore('memory://');
		const jobs = new JobRepository(store);
		await expect(loadResult(jobs, 'gone')).rejects.toThrow(/no longer has the record/);
		await jobs.create(finishedJob({ outcome: { status: 'failed', reason: 'no' } }));
		await expect(loadResult(jobs, JOB_ID)).rejects.toThrow(UserError);
		await store.close();
	});

	it('refuses with a code that says what kind of refusal it is, not only words', async () => {
		const store = createStore('memory://');
		const jobs = new JobRepository(store);
		await expect(loadResult(jobs, 'gone')).rejects.toMatchObject({ code: 'stale' });
		await jobs.create(finishedJob({ outcome: { status: 'failed', reason: 'no' } }));
		await expect(loadResult(jobs, JOB_ID)).rejects.toMatchObject({ code: 'not-applicable' });
		await store.close();
	});

	it('names a missing image', async () => {
		const store = createStore('memory://');
		const jobs = new JobRepository(store);
		await jobs.create(finishedJob({ count: 2 }));
		const result = await loadResult(jobs, JOB_ID);
		expect(() => fileAt(result, 3)).toThrow('Image #4 of this result is no longer available.');
		await store.close();
	});
});

describe('ActionRecords and ActionClaims', () => {
	it('claims a member’s emoji on a message once per minute, even when asked twice at once', async () => {
		let now = 1_000;
		const claims = new ActionClaims(createClaims('memory://', () => now));
		const both = await Promise.all([claims.claimReaction('m', 'u', '🔁'), claims.claimReaction('m', 'u', '🔁')]);
		expect(both.sort()).toStrictEqual([false, true]);
		expect(await claims.claimReaction('m', 'u', '🎨')).toBe(true);
		expect(await claims.claimReaction('m', 'other', '🔁')).toBe(true);
		now += REPEAT_REACTION_WINDOW_MS - 1;
		expect(await claims.claimReaction('m', 'u', '🔁')).toBe(false);
		now += 1;
		expect(await claims.claimReaction('m', 'u', '🔁')).toBe(true);
		await claims.releaseReaction('m', 'u', '🔁');
		expect(await claims.claimReaction('m', 'u', '🔁')).toBe(true);
	});

	it('resolves result and pick messages, and forgets a deleted pick so it can be picked again', async () => {
		const store = createStore('memory://');
		const records = new ActionRecords(store);
		await records.recordResultMessage('grid', JOB_ID);
		const pick = {
			sourceJobId: JOB_ID,
			index: 1,
			url: discordUrl(2),
			messageId: 'pick',
			channelId: 'c',
			guildId: 'g',
			pickedBy: 'u',
			pickedAt: 1,
		};
		await records.recordPick(pick);
		expect(await records.messageRef('grid')).toStrictEqual({ type: 'job', jobId: JOB_ID });
		expect(await records.messageRef('pick')).toStrictEqual({ type: 'pick', jobId: JOB_ID, index: 1 });
		expect(await records.pick(JOB_ID, 1)).toStrictEqual(pick);
		await records.forgetMessage('pick');
		expect(await records.pick(JOB_ID, 1)).toBeUndefined();
		expect(await records.messageRef('pick')).toBeUndefined();
		expect(await records.messageRef('grid')).toBeDefined();
		await store.close();
	});
});
