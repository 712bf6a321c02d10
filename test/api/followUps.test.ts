/** vary, upscale, extendVideo and submit: the body on the wire, the image index base, errors and outcomes. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { createMjClient, type MjClient } from '../../src/api/client.js';
import { MjApiError } from '../../src/api/errors.js';
import { toWireIndex, type ImageIndexBase } from '../../src/api/imageIndex.js';
import type { ImageNumber, SubmitRequest } from '../../src/api/types.js';

const CALLBACK = 'https://bot.example.com/callbacks/mj/job-1?sig=abc';

let fake: FakeMidjourney;
let client: MjClient;

const started: FakeMidjourney[] = [];

/** A fake provider counting from `providerBase`, and a client sending `base` (unset: the default). */
async function start(base?: ImageIndexBase, timeoutMs = 5000, providerBase = base): Promise<void> {
	fake = await startFakeMidjourney({
		apiKey: 'test-key',
		...(providerBase === undefined ? {} : { imageIndexBase: providerBase }),
	});
	started.push(fake);
	client = createMjClient({
		baseUrl: fake.baseUrl,
		apiKey: 'test-key',
		timeoutMs,
		...(base === undefined ? {} : { imageIndexBase: base }),
	});
}

afterEach(async () => {
	await Promise.all(started.splice(0).map((one) => one.close()));
});

async function errorOf(action: () => Promise<unknown>): Promise<MjApiError> {
	const error: unknown = await action().then(
		(value) => {
			throw new Error(`expected an MjApiError, got ${JSON.stringify(value)}`);
		},
		(thrown: unknown) => thrown,
	);
	expect(error).toBeInstanceOf(MjApiError);
	return error as MjApiError;
}

/** A finished four-image grid at the fake. */
async function finishedGrid(): Promise<string> {
	const { taskId } = await client.generate({ taskType: 'mj_txt2img', prompt: 'a fox', params: {} });
	fake.succeed(taskId);
	return taskId;
}

/** A finished video task with `count` videos. */
async function finishedVideos(count: 1 | 2 | 4 = 2): Promise<string> {
	const { taskId } = await client.generate({
		taskType: 'mj_video',
		prompt: 'a fox runs',
		imageUrl: 'https://cdn.example.com/fox.png',
		params: { motion: 'high', videoBatchSize: count },
	});
	fake.succeed(taskId);
	return taskId;
}

describe('the image index base', () => {
	it('image N of the grid is N-1 by default and N with base 1', () => {
		const numbers: ImageNumber[] = [1, 2, 3, 4];
		expect(numbers.map((n) => toWireIndex(n, 0))).toEqual([0, 1, 2, 3]);
		expect(numbers.map((n) => toWireIndex(n, 1))).toEqual([1, 2, 3, 4]);
	});
});

describe.each<[ImageIndexBase | undefined, number]>([
	[undefined, 0],
	[0, 0],
	[1, 1],
])('base %s: the bodies on the wire', (base, offset) => {
	beforeEach(async () => {
		await start(base);
	});

	it('vary: the parent task, image 3 as the configured index, watermark and callback', async () => {
		const parent = await finishedGrid();
		const { taskId } = await client.vary({
			action: 'vary',
			parentTaskId: parent,
			imageNumber: 3,
			watermark: 'guild-42',
			callbackUrl: CALLBACK,
		});
		const received = await fake.waitForSubmit('vary');
		expect(received.body).toEqual({
			taskId: parent,
			imageIndex: 2 + offset,
			waterMark: 'guild-42',
			callBackUrl: CALLBACK,
		});
		expect(received.authorization).toBe('Bearer test-key');
		expect(received.taskId).toBe(taskId);
		expect(fake.tasks.get(taskId)).toMatchObject({ endpoint: 'vary', parentTaskId: parent, state: 'pending' });
		expect(fake.violations).toEqual([]);
	});

	it('upscale: image 1 and image 4, nothing optional sent when unset', async () => {
		const parent = await finishedGrid();
		await client.upscale({ action: 'upscale', parentTaskId: parent, imageNumber: 1 });
		await client.upscale({ action: 'upscale', parentTaskId: parent, imageNumber: 4 });
		expect(fake.upscaleRequests.map((request) => request.body)).toEqual([
			{ taskId: parent, imageIndex: 0 + offset },
			{ taskId: parent, imageIndex: 3 + offset },
		]);
		expect(fake.violations).toEqual([]);
	});

	it('extend, automatic: the video task, video 2 as `index`, no prompt', async () => {
		const parent = await finishedVideos(2);
		await client.extendVideo({
			action: 'extend',
			mode: 'auto',
			parentTaskId: parent,
			videoNumber: 2,
			callbackUrl: CALLBACK,
		});
		expect(fake.extendRequests[0]?.body).toEqual({
			taskType: 'mj_video_extend_auto',
			taskId: parent,
			index: 1 + offset,
			callBackUrl: CALLBACK,
		});
		expect(fake.violations).toEqual([]);
	});

	it('extend with a prompt: the manual task type and the prompt', async () => {
		const parent = await finishedVideos(4);
		await client.extendVideo({
			action: 'extend',
			mode: 'manual',
			prompt: 'the fox jumps',
			parentTaskId: parent,
			videoNumber: 4,
			watermark: 'w',
		});
		expect(fake.extendRequests[0]?.body).toEqual({
			taskType: 'mj_video_extend_manual',
			taskId: parent,
			index: 3 + offset,
			prompt: 'the fox jumps',
			waterMark: 'w',
		});
		expect(fake.violations).toEqual([]);
	});
});

describe('submit: one entry point for every kind', () => {
	beforeEach(async () => {
		await start();
	});

	it('sends each request to its own endpoint, and only there', async () => {
		const grid = await finishedGrid();
		const videos = await finishedVideos(1);
		const requests: SubmitRequest[] = [
			{ taskType: 'mj_txt2img', prompt: 'a hare', params: {} },
			{ action: 'vary', parentTaskId: grid, imageNumber: 2 },
			{ action: 'upscale', parentTaskId: grid, imageNumber: 2 },
			{ action: 'extend', mode: 'auto', parentTaskId: videos, videoNumber: 1 },
		];
		const ids = [];
		for (const request of requests) ids.push((await client.submit(request)).taskId);
		expect(new Set(ids).size).toBe(4);
		expect(fake.generateRequests.map((request) => request.body.prompt)).toEqual(['a fox', 'a fox runs', 'a hare']);
		expect(fake.varyRequests.map((request) => request.body)).toEqual([{ taskId: grid, imageIndex: 1 }]);
		expect(fake.upscaleRequests.map((request) => request.body)).toEqual([{ taskId: grid, imageIndex: 1 }]);
		expect(fake.extendRequests.map((request) => request.body.taskId)).toEqual([videos]);
		expect(fake.violations).toEqual([]);
	});

	it('the new tasks are followed like a generation: record-info, then their result files', async () => {
		const grid = await finishedGrid();
		const vary = await client.submit({ action: 'vary', parentTaskId: grid, imageNumber: 1 });
		const upscale = await client.submit({ action: 'upscale', parentTaskId: grid, imageNumber: 1 });
		const videos = await finishedVideos(2);
		const extend = await client.submit({ action: 'extend', mode: 'auto', parentTaskId: videos, videoNumber: 2 });
		await expect(client.getTask(vary.taskId)).resolves.toEqual({ taskId: vary.taskId, outcome: { status: 'pending' } });
		for (const { taskId } of [vary, upscale, extend]) fake.succeed(taskId);
		const counts = [];
		for (const { taskId } of [vary, upscale, extend]) {
			const { outcome } = await client.getTask(taskId);
			if (outcome.status !== 'succeeded') throw new Error(`task ${taskId}: ${outcome.status}`);
			counts.push(outcome.resultUrls.length);
		}
		expect(counts).toEqual([4, 1, 1]);
		const { outcome } = await client.getTask(extend.taskId);
		const url = outcome.status === 'succeeded' ? outcome.resultUrls[0] : undefined;
		const file = await fetch(url ?? '');
		expect(file.headers.get('content-type')).toBe('video/mp4');
	});
});

describe('errors: the same handling as generate', () => {
	it("the provider's refusal is answered: its code and message", async () => {
		await start();
		const error = await errorOf(() => client.vary({ action: 'vary', parentTaskId: 'nope', imageNumber: 1 }));
		expect(error.failure).toMatchObject({ kind: 'api', code: 422, httpStatus: 422 });
		expect(error.message).toContain('Task nope not found');
		expect(error.outcome).toBe('answered');
	});

	it('an index the provider refuses (base 1 at the provider, 0 here) is its 422', async () => {
		await start(undefined, 5000, 1);
		const grid = await finishedGrid();
		const error = await errorOf(() => client.upscale({ action: 'upscale', parentTaskId: grid, imageNumber: 1 }));
		expect(error.code).toBe(422);
		expect(error.message).toContain('imageIndex must be an integer between 1 and 4');
	});

	it.each(['vary', 'upscale', 'extend'] as const)(
		'%s: a time-out leaves the outcome unknown (it must not be sent again)',
		async (endpoint) => {
			await start(undefined, 200);
			fake.respondTo(endpoint, { kind: 'hang' });
			const error = await errorOf(() =>
				client.submit(
					endpoint === 'extend'
						? { action: 'extend', mode: 'auto', parentTaskId: 't', videoNumber: 1 }
						: { action: endpoint, parentTaskId: 't', imageNumber: 1 },
				),
			);
			expect(error.failure).toMatchObject({ kind: 'timeout', timeoutMs: 200 });
			expect(error.outcome).toBe('unknown');
		},
	);

	it('a connection reset after the body was read: unknown, and the task exists at the provider', async () => {
		await start();
		const grid = await finishedGrid();
		fake.respondTo('upscale', { kind: 'destroy' }, 1, { created: true });
		const error = await errorOf(() => client.upscale({ action: 'upscale', parentTaskId: grid, imageNumber: 2 }));
		expect(error.failure.kind).toBe('no-answer');
		expect(error.outcome).toBe('unknown');
		expect([...fake.tasks.values()].filter((task) => task.endpoint === 'upscale')).toHaveLength(1);
	});

	it('a provider that cannot be reached: not sent', async () => {
		await start();
		const { baseUrl } = fake;
		await fake.close();
		const gone = createMjClient({ baseUrl, apiKey: 'test-key', timeoutMs: 2000 });
		const error = await errorOf(() => gone.vary({ action: 'vary', parentTaskId: 't', imageNumber: 1 }));
		expect(error.outcome).toBe('not-sent');
	});

	it('a success without a task id is an invalid response: unknown', async () => {
		await start();
		fake.respondTo('extend', { status: 200, body: { code: 200, msg: 'success', data: {} } });
		const error = await errorOf(() =>
			client.extendVideo({ action: 'extend', mode: 'auto', parentTaskId: 't', videoNumber: 1 }),
		);
		expect(error.failure).toMatchObject({ kind: 'invalid-response', httpStatus: 200 });
		expect(error.outcome).toBe('unknown');
	});
});
