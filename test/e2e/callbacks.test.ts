import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { eventually, startWorld, type World } from './harness.js';
import { originalEdit, resultEdit } from './requests.js';

const STRING = 3;

describe('the callback route refuses anything forged or malformed, without touching Discord', () => {
	let world: World;
	let token: string;
	let taskId: string;
	let callbackUrl: string;

	beforeEach(async () => {
		world = await startWorld({ callbacks: true });
		({ token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'a red fox' }],
		}));
		const generate = await world.mj.waitForGenerate(0);
		taskId = generate.taskId!;
		callbackUrl = String(generate.body.callBackUrl);
		await world.discord.waitForRequest(isWorkingEdit);
		world.mj.succeed(taskId);
	});
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world.close();
	});

	const isWorkingEdit = (r: RecordedRequest): boolean => originalEdit(token)(r) && r.files.length === 0;
	const isResultEdit = (r: RecordedRequest): boolean => resultEdit(token)(r);

	/** After the bad calls, a genuine callback must still deliver exactly once, and nothing else may have reached Discord. */
	async function expectOnlyTheGenuineDelivery(discordRequestsBefore: number) {
		expect(world.discord.requests.length).toBe(discordRequestsBefore);
		expect((await world.mj.sendCallback(taskId)).status).toBe(200);
		await world.discord.waitForRequest(isResultEdit);
		await world.bot.jobs.idle();
		expect(world.discord.requests.slice(discordRequestsBefore).filter((r) => !isResultEdit(r))).toEqual([]);
		expect(world.discord.requests.filter(isResultEdit)).toHaveLength(1);
	}

	it('rejects a bad, missing or borrowed signature with 401', async () => {
		const before = world.discord.requests.length;
		const url = new URL(callbackUrl);
		url.searchParams.set('sig', 'f'.repeat(64));
		expect((await world.mj.sendCallback(taskId, { url: url.toString() })).status).toBe(401);
		url.searchParams.delete('sig');
		expect((await world.mj.sendCallback(taskId, { url: url.toString() })).status).toBe(401);
		// A valid signature of another job id does not open this one.
		const otherJob = new URL(callbackUrl);
		otherJob.pathname = otherJob.pathname.replace(/[^/]+$/, 'someOtherJob');
		expect((await world.mj.sendCallback(taskId, { url: otherJob.toString() })).status).toBe(401);
		await expectOnlyTheGenuineDelivery(before);
	});

	it('rejects malformed JSON and wrong shapes with 400', async () => {
		const before = world.discord.requests.length;
		expect((await world.mj.sendCallback(taskId, { rawBody: '{"code":200,"data":' })).status).toBe(400);
		expect((await world.mj.sendCallback(taskId, { body: { hello: 'world' } })).status).toBe(400);
		expect(
			(await world.mj.sendCallback(taskId, { body: { code: 200, msg: 'success', data: { resultUrls: [] } } })).status,
		).toBe(400);
		await expectOnlyTheGenuineDelivery(before);
	});

	it('rejects an oversized body with 413', async () => {
		const before = world.discord.requests.length;
		const huge = {
			code: 200,
			msg: 'x'.repeat(200 * 1024),
			data: { taskId, resultUrls: ['https://example.com/a.png'] },
		};
		expect((await world.mj.sendCallback(taskId, { body: huge })).status).toBe(413);
		await expectOnlyTheGenuineDelivery(before);
	});

	it('rejects a callback naming another task with 409', async () => {
		const before = world.discord.requests.length;
		const forged = {
			code: 200,
			msg: 'success',
			data: { taskId: 'not-this-task', resultUrls: ['https://example.com/evil.png'] },
		};
		expect((await world.mj.sendCallback(taskId, { body: forged })).status).toBe(409);
		await expectOnlyTheGenuineDelivery(before);
	});

	it('answers 404 for a correctly signed URL of a job that does not exist', async () => {
		const before = world.discord.requests.length;
		const jobId = decodeURIComponent(new URL(callbackUrl).pathname.split('/').pop()!);
		const jobs = world.bot.store.collection<JobRecord>('jobs');
		await eventually(async () => (await jobs.get(jobId))?.state.phase === 'submitted', 'the job to be submitted');
		// Wipe the job (e.g. a store restored from an old backup); its signed URL is still valid.
		await jobs.delete(jobId);
		expect((await world.mj.sendCallback(taskId)).status).toBe(404);
		expect(world.discord.requests.length).toBe(before);
	});

	it('delivers a repeated callback exactly once', async () => {
		const before = world.discord.requests.length;
		const answers = await Promise.all([
			world.mj.sendCallback(taskId),
			world.mj.sendCallback(taskId),
			world.mj.sendCallback(taskId),
		]);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
		await world.discord.waitForRequest(isResultEdit);
		await world.bot.jobs.idle();
		// The provider retries later, too.
		expect((await world.mj.sendCallback(taskId)).status).toBe(200);
		await world.bot.jobs.idle();
		expect(world.discord.requests.slice(before).filter(isResultEdit)).toHaveLength(1);
		expect(world.discord.requests.length).toBe(before + 1);
	});
});

describe('provider webhook signing (MJ_WEBHOOK_HMAC_KEY)', () => {
	let world: World;
	beforeEach(async () => {
		world = await startWorld({ callbacks: true, webhookKey: 'provider-webhook-key' });
	});
	afterEach(async () => {
		await world.close();
	});

	it('accepts a correctly signed callback and refuses one without the provider headers', async () => {
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'owl' }],
		});
		const generate = await world.mj.waitForGenerate(0);
		world.mj.succeed(generate.taskId!);
		const unsigned = await world.mj.sendCallback(generate.taskId!, {
			headers: { 'x-webhook-timestamp': '', 'x-webhook-signature': '' },
		});
		expect(unsigned.status).toBe(401);
		expect((await world.mj.sendCallback(generate.taskId!)).status).toBe(200);
		const result = await world.discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`) && r.files.length > 0,
		);
		expect(result.files).toHaveLength(4);
	});
});
