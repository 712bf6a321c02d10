/** The fake provider's vary, upscale and video-extend endpoints, with raw HTTP: the client's tests rely on them. */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';

const PATHS = {
	vary: '/api/v1/mj/generateVary',
	upscale: '/api/v1/mj/generateUpscale',
	extend: '/api/v1/mj/generateVideoExtend',
} as const;
type Endpoint = keyof typeof PATHS;

const started: FakeMidjourney[] = [];

async function start(imageIndexBase?: 0 | 1): Promise<FakeMidjourney> {
	const fake = await startFakeMidjourney({ apiKey: 'k', ...(imageIndexBase === undefined ? {} : { imageIndexBase }) });
	started.push(fake);
	return fake;
}

afterEach(async () => {
	await Promise.all(started.splice(0).map((fake) => fake.close()));
});

interface Answer {
	status: number;
	json: { code: number; msg: string; data: { taskId: string } | null };
}

async function post(fake: FakeMidjourney, path: string, body: unknown, authorization = 'Bearer k'): Promise<Answer> {
	const response = await fetch(`${fake.baseUrl}${path}`, {
		method: 'POST',
		headers: { authorization, 'content-type': 'application/json' },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	return { status: response.status, json: (await response.json()) as Answer['json'] };
}

/** Creates and finishes a task with `body` at `path`: its id. */
async function finished(fake: FakeMidjourney, path: string, body: unknown, count?: number): Promise<string> {
	const answer = await post(fake, path, body);
	const taskId = answer.json.data?.taskId;
	if (taskId === undefined) throw new Error(`not created: ${JSON.stringify(answer.json)}`);
	fake.succeed(taskId, count === undefined ? {} : { count });
	return taskId;
}

const grid = (fake: FakeMidjourney): Promise<string> =>
	finished(fake, '/api/v1/mj/generate', { taskType: 'mj_txt2img', prompt: 'a fox' });
const videos = (fake: FakeMidjourney, batch: 1 | 2 | 4 = 2): Promise<string> =>
	finished(fake, '/api/v1/mj/generate', {
		taskType: 'mj_video',
		prompt: 'a fox runs',
		fileUrls: ['https://cdn.example.com/a.png'],
		motion: 'high',
		videoBatchSize: batch,
	});

describe('bodies refused with the provider error JSON (422)', () => {
	it.each<[string, Endpoint, (parent: string) => Record<string, unknown>, string]>([
		['missing taskId', 'vary', () => ({ imageIndex: 0 }), 'taskId is required'],
		['empty taskId', 'upscale', () => ({ taskId: '', imageIndex: 0 }), 'taskId is required'],
		['taskId not a string', 'vary', () => ({ taskId: 42, imageIndex: 0 }), 'taskId is required'],
		['missing imageIndex', 'upscale', (parent) => ({ taskId: parent }), 'imageIndex is required'],
		['imageIndex as a string', 'vary', (parent) => ({ taskId: parent, imageIndex: '1' }), 'imageIndex must be'],
		['imageIndex not an integer', 'vary', (parent) => ({ taskId: parent, imageIndex: 1.5 }), 'imageIndex must be'],
		['imageIndex 4 (base 0)', 'upscale', (parent) => ({ taskId: parent, imageIndex: 4 }), 'between 0 and 3'],
		['imageIndex -1', 'upscale', (parent) => ({ taskId: parent, imageIndex: -1 }), 'between 0 and 3'],
		['an unknown field', 'vary', (parent) => ({ taskId: parent, imageIndex: 0, index: 0 }), 'index is not a'],
		['waterMark not a string', 'vary', (parent) => ({ taskId: parent, imageIndex: 0, waterMark: 1 }), 'waterMark'],
		['callBackUrl not a string', 'upscale', (p) => ({ taskId: p, imageIndex: 0, callBackUrl: {} }), 'callBackUrl'],
	])('%s (%s)', async (_name, endpoint, body, message) => {
		const fake = await start();
		const parent = await grid(fake);
		const answer = await post(fake, PATHS[endpoint], body(parent));
		expect(answer).toEqual({ status: 422, json: { code: 422, msg: expect.stringContaining(message), data: null } });
		expect(fake.tasks.size).toBe(1);
		expect(fake[`${endpoint}Requests`]).toHaveLength(1);
	});

	it.each<[string, (parent: string) => Record<string, unknown>, string]>([
		['no taskType', (parent) => ({ taskId: parent, index: 0 }), 'taskType must be one of'],
		['an unknown taskType', (parent) => ({ taskType: 'mj_video', taskId: parent, index: 0 }), 'taskType must be'],
		['manual without prompt', (p) => ({ taskType: 'mj_video_extend_manual', taskId: p, index: 0 }), 'prompt is'],
		[
			'manual with a blank prompt',
			(parent) => ({ taskType: 'mj_video_extend_manual', taskId: parent, index: 0, prompt: '  ' }),
			'prompt is required',
		],
		[
			'a prompt over 2000 characters',
			(parent) => ({ taskType: 'mj_video_extend_manual', taskId: parent, index: 0, prompt: 'x'.repeat(2001) }),
			'at most 2000',
		],
		['missing index', (parent) => ({ taskType: 'mj_video_extend_auto', taskId: parent }), 'index is required'],
		[
			'imageIndex instead of index',
			(p) => ({ taskType: 'mj_video_extend_auto', taskId: p, imageIndex: 0 }),
			'imageIndex',
		],
	])('extend: %s', async (_name, body, message) => {
		const fake = await start();
		const parent = await videos(fake);
		const answer = await post(fake, PATHS.extend, body(parent));
		expect(answer.status).toBe(422);
		expect(answer.json.msg).toContain(message);
	});

	it('401 without the key and 400 for a body that is not JSON, as generate', async () => {
		const fake = await start();
		const parent = await grid(fake);
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 }, 'Bearer wrong')).status).toBe(401);
		expect((await post(fake, PATHS.upscale, '{not json')).json.code).toBe(400);
		expect(fake.violations).toEqual(['upscale: the body is not a JSON object']);
	});

	it('402 when the account is out of credits', async () => {
		const fake = await start();
		const parent = await grid(fake);
		fake.credits = 0;
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 })).json.code).toBe(402);
	});
});

describe('the parent task', () => {
	it('must exist', async () => {
		const fake = await start();
		const answer = await post(fake, PATHS.vary, { taskId: 'nope', imageIndex: 0 });
		expect(answer.json).toEqual({ code: 422, msg: 'Task nope not found', data: null });
	});

	it('must have finished successfully', async () => {
		const fake = await start();
		const pending = (await post(fake, '/api/v1/mj/generate', { taskType: 'mj_txt2img', prompt: 'p' })).json.data!
			.taskId;
		expect((await post(fake, PATHS.upscale, { taskId: pending, imageIndex: 0 })).json.msg).toContain('not completed');
		fake.fail(pending, 'banned prompt');
		expect((await post(fake, PATHS.upscale, { taskId: pending, imageIndex: 0 })).json.msg).toContain('not completed');
	});

	it('vary and upscale need a four-image task: not a video, not an upscaled image', async () => {
		const fake = await start();
		const video = await videos(fake);
		expect((await post(fake, PATHS.vary, { taskId: video, imageIndex: 0 })).json.msg).toContain('a video');
		const upscaled = await finished(fake, PATHS.upscale, { taskId: await grid(fake), imageIndex: 0 });
		expect((await post(fake, PATHS.upscale, { taskId: upscaled, imageIndex: 0 })).json.msg).toContain('upscaled');
	});

	it('vary of a vary is a grid like any other', async () => {
		const fake = await start();
		const varied = await finished(fake, PATHS.vary, { taskId: await grid(fake), imageIndex: 1 });
		expect((await post(fake, PATHS.vary, { taskId: varied, imageIndex: 3 })).status).toBe(200);
	});

	it('extend needs a video task, and a video it has', async () => {
		const fake = await start();
		const image = await grid(fake);
		const extend = (taskId: string, index: number) =>
			post(fake, PATHS.extend, { taskType: 'mj_video_extend_auto', taskId, index });
		expect((await extend(image, 0)).json.msg).toContain('not a video task');
		const two = await videos(fake, 2);
		expect((await extend(two, 1)).status).toBe(200);
		expect((await extend(two, 2)).json.msg).toContain('index 2 is beyond the 2 results');
		const extended = (await extend(two, 0)).json.data!.taskId;
		fake.succeed(extended);
		expect((await extend(extended, 0)).status).toBe(200);
	});
});

describe('the index base', () => {
	it('base 1: 1–4 accepted, 0 refused; the same for extend', async () => {
		const fake = await start(1);
		const parent = await grid(fake);
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 })).json.msg).toContain('between 1 and 4');
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 4 })).status).toBe(200);
		const video = await videos(fake, 4);
		const extend = (index: number) =>
			post(fake, PATHS.extend, { taskType: 'mj_video_extend_auto', taskId: video, index });
		expect((await extend(0)).status).toBe(422);
		expect((await extend(4)).status).toBe(200);
	});
});

describe('a new task, followed like a generation', () => {
	it('record-info names it, then serves its results as real files: vary 4 PNGs, upscale 1, extend 1 video', async () => {
		const fake = await start();
		const parent = await grid(fake);
		const vary = (await post(fake, PATHS.vary, { taskId: parent, imageIndex: 1 })).json.data!.taskId;
		const upscale = (await post(fake, PATHS.upscale, { taskId: parent, imageIndex: 2 })).json.data!.taskId;
		const extend = (
			await post(fake, PATHS.extend, {
				taskType: 'mj_video_extend_manual',
				taskId: await videos(fake),
				index: 0,
				prompt: 'faster',
			})
		).json.data!.taskId;
		const info = async (taskId: string) => {
			const response = await fetch(`${fake.baseUrl}/api/v1/mj/record-info?taskId=${taskId}`, {
				headers: { authorization: 'Bearer k' },
			});
			return ((await response.json()) as { data: Record<string, unknown> }).data;
		};
		expect(await info(vary)).toMatchObject({ taskType: 'mj_vary', successFlag: 0, resultInfoJson: null });
		expect(JSON.parse(String((await info(upscale)).paramJson))).toEqual({ taskId: parent, imageIndex: 2 });
		const expected = { [vary]: ['image/png', 4], [upscale]: ['image/png', 1], [extend]: ['video/mp4', 1] };
		for (const [taskId, [type, count]] of Object.entries(expected)) {
			fake.succeed(taskId);
			const data = await info(taskId);
			const urls = (data.resultInfoJson as { resultUrls: { resultUrl: string }[] }).resultUrls;
			expect(urls).toHaveLength(count as number);
			expect((await fetch(urls[0]!.resultUrl)).headers.get('content-type')).toBe(type);
		}
		expect((await info(extend)).taskType).toBe('mj_video_extend_manual');
		expect(fake.violations).toEqual([]);
	});

	it('its callback goes to its callBackUrl with the prompt of the task it came from', async () => {
		const fake = await start();
		const received: unknown[] = [];
		const receiver = createServer((req, res) => {
			let text = '';
			req.on('data', (chunk: Buffer) => (text += chunk.toString()));
			req.on('end', () => {
				received.push(JSON.parse(text));
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			const address = receiver.address();
			const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cb`;
			const parent = await grid(fake);
			const taskId = (await post(fake, PATHS.upscale, { taskId: parent, imageIndex: 0, callBackUrl: url })).json.data!
				.taskId;
			fake.succeed(taskId);
			expect((await fake.sendCallback(taskId)).status).toBe(200);
			expect(received).toEqual([
				{
					code: 200,
					msg: 'success',
					data: {
						taskId,
						promptJson: JSON.stringify({ prompt: 'a fox', model: 'midjourney' }),
						resultUrls: [expect.any(String)],
					},
				},
			]);
		} finally {
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});

	it('respondTo, intercept and waitForSubmit work for the new endpoints', async () => {
		const fake = await start();
		const parent = await grid(fake);
		fake.respondTo('vary', { status: 200, body: { code: 500, msg: 'busy', data: null } });
		const waiting = fake.waitForSubmit('vary', 1);
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 })).json.msg).toBe('busy');
		const second = await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 });
		expect((await waiting).taskId).toBe(second.json.data!.taskId);
		fake.intercept = (endpoint) =>
			endpoint === 'upscale' ? { status: 455, body: { code: 455, msg: 'maintenance' } } : undefined;
		expect((await post(fake, PATHS.upscale, { taskId: parent, imageIndex: 0 })).status).toBe(455);
		expect((await post(fake, PATHS.vary, { taskId: parent, imageIndex: 0 })).status).toBe(200);
		expect(fake.generateRequests).toHaveLength(1);
		expect(fake.varyRequests).toHaveLength(3);
	});
});
