/**
 * A callback names its results, so the bot starts downloading them while it confirms the job with record-info:
 * delivery waits for the longer of the two, not both in turn. What is delivered is still only what the provider
 * confirms.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { eventually, startWorld, type World } from './harness.js';
import { originalEdit, resultEdit } from './requests.js';

const STRING = 3;
/** A valid PNG that differs from the fake's result files. */
const DECOY_PNG = Buffer.from(
	'89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
		'1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082',
	'hex',
);

describe('results fetched ahead of their confirmation', () => {
	let world: World;
	let token: string;
	let taskId: string;

	beforeEach(async () => {
		world = await startWorld({ callbacks: true });
		({ token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: 'a lighthouse at dusk' }],
		}));
		taskId = (await world.mj.waitForGenerate(0)).taskId!;
		await world.discord.waitForRequest((r) => isReplyEdit(r) && r.files.length === 0);
	});
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world.close();
	});

	const isReplyEdit = (r: RecordedRequest): boolean => originalEdit(token)(r);
	const taskFiles = () => world.mj.fileRequests.filter((name) => name.startsWith(`${taskId}_`));

	it('downloads the results while record-info is still answering, and each file only once', async () => {
		world.mj.succeed(taskId);
		const release = world.mj.holdRecordInfo();
		expect((await world.mj.sendCallback(taskId)).status).toBe(200);
		await eventually(() => world.mj.recordInfoRequests.includes(taskId), 'the confirmation query');
		// All four are fetched before the provider has confirmed anything, and nothing is posted before it has.
		await eventually(() => taskFiles().length === 4, 'the four downloads');
		expect(world.discord.requests.filter(resultEdit(token))).toEqual([]);
		release();
		const result = await world.discord.waitForRequest(resultEdit(token));
		await world.bot.jobs.idle();
		expect(result.files).toHaveLength(4);
		expect(taskFiles()).toHaveLength(4);
		expect(world.mj.recordInfoRequests.filter((id) => id === taskId)).toHaveLength(1);
	});

	it('delivers the results the provider confirms, not those a callback claimed', async () => {
		world.mj.succeed(taskId);
		const decoys = [1, 2, 3, 4].map((n) => world.mj.serveFile(`decoy_${n}.png`, 'image/png', DECOY_PNG));
		const answer = await world.mj.sendCallback(taskId, {
			body: { code: 200, msg: 'success', data: { taskId, promptJson: '{}', resultUrls: decoys } },
		});
		expect(answer.status).toBe(200);
		const result = await world.discord.waitForRequest(resultEdit(token));
		await world.bot.jobs.idle();
		expect(result.files).toHaveLength(4);
		for (const file of result.files) expect(file.data.equals(DECOY_PNG)).toBe(false);
		expect(taskFiles()).toHaveLength(4);
	});

	it('posts no image when the provider says the job failed, whatever the callback claimed', async () => {
		world.mj.fail(taskId, 'Your prompt was rejected by the content filter', 422);
		const decoy = world.mj.serveFile('decoy.png', 'image/png', DECOY_PNG);
		const answer = await world.mj.sendCallback(taskId, {
			body: { code: 200, msg: 'success', data: { taskId, promptJson: '{}', resultUrls: [decoy] } },
		});
		expect(answer.status).toBe(200);
		const failure = await world.discord.waitForRequest(
			(r) => isReplyEdit(r) && JSON.stringify(r.body ?? {}).includes('content filter'),
		);
		await world.bot.jobs.idle();
		expect(failure.files).toEqual([]);
		expect(world.discord.requests.filter(resultEdit(token))).toEqual([]);
	});
});
