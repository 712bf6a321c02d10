/** Checks the fake provider itself, with raw HTTP: other tests rely on it being right. */
import { crc32, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPng, PNG_SIGNATURE, startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';

let fake: FakeMidjourney;

beforeEach(async () => {
	fake = await startFakeMidjourney({ apiKey: 'k' });
});

afterEach(async () => {
	await fake.close();
});

/** `authorization: null` sends no Authorization header at all. */
function authHeader(authorization: string | null): Record<string, string> {
	return authorization === null ? {} : { authorization };
}

async function post(
	body: unknown,
	authorization: string | null = 'Bearer k',
): Promise<{ status: number; json: unknown }> {
	const response = await fetch(`${fake.baseUrl}/api/v1/mj/generate`, {
		method: 'POST',
		headers: { ...authHeader(authorization), 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.status, json: await response.json() };
}

async function get(
	path: string,
	authorization: string | null = 'Bearer k',
): Promise<{ status: number; json: unknown }> {
	const response = await fetch(`${fake.baseUrl}${path}`, { headers: authHeader(authorization) });
	return { status: response.status, json: await response.json() };
}

const IMG = 'https://cdn.example.com/a.png';

describe('generate validation (422)', () => {
	it.each<[string, Record<string, unknown>]>([
		['missing taskType', { prompt: 'p' }],
		['unknown taskType', { taskType: 'mj_blend', prompt: 'p' }],
		['empty prompt', { taskType: 'mj_txt2img', prompt: '' }],
		['missing prompt', { taskType: 'mj_txt2img' }],
		['prompt over 2000 characters', { taskType: 'mj_txt2img', prompt: 'x'.repeat(2001) }],
		['img2img without images', { taskType: 'mj_img2img', prompt: 'p' }],
		['style reference with an empty fileUrls', { taskType: 'mj_style_reference', prompt: 'p', fileUrls: [] }],
		['omni without images', { taskType: 'mj_omni_reference', prompt: 'p' }],
		['video without images', { taskType: 'mj_video', prompt: 'p', motion: 'high' }],
		['video with two images', { taskType: 'mj_video_hd', prompt: 'p', fileUrls: [IMG, IMG], motion: 'high' }],
		['video without motion', { taskType: 'mj_video', prompt: 'p', fileUrls: [IMG] }],
		['video with an unknown motion', { taskType: 'mj_video', prompt: 'p', fileUrls: [IMG], motion: 'medium' }],
		[
			'video with videoBatchSize 3',
			{ taskType: 'mj_video', prompt: 'p', fileUrls: [IMG], motion: 'low', videoBatchSize: 3 },
		],
		['variety 101', { taskType: 'mj_txt2img', prompt: 'p', variety: 101 }],
		['variety -1', { taskType: 'mj_txt2img', prompt: 'p', variety: -1 }],
		['stylization 1001', { taskType: 'mj_txt2img', prompt: 'p', stylization: 1001 }],
		['weirdness 3001', { taskType: 'mj_txt2img', prompt: 'p', weirdness: 3001 }],
		['weirdness not an integer', { taskType: 'mj_txt2img', prompt: 'p', weirdness: 2.5 }],
		['ow 0', { taskType: 'mj_omni_reference', prompt: 'p', fileUrls: [IMG], ow: 0 }],
		['ow 1001', { taskType: 'mj_omni_reference', prompt: 'p', fileUrls: [IMG], ow: 1001 }],
		['unknown aspectRatio', { taskType: 'mj_txt2img', prompt: 'p', aspectRatio: '7:3' }],
		['unknown version', { taskType: 'mj_txt2img', prompt: 'p', version: '8' }],
		['unknown speed', { taskType: 'mj_txt2img', prompt: 'p', speed: 'Relax' }],
		['a null speed', { taskType: 'mj_txt2img', prompt: 'p', speed: null }],
	])('%s', async (_label, body) => {
		const { status, json } = await post(body);
		expect(status).toBe(422);
		expect(json).toMatchObject({ code: 422, msg: expect.any(String) });
		expect(fake.tasks.size).toBe(0);
		await expect(fake.waitForGenerate(0)).resolves.toMatchObject({ taskId: undefined, body });
	});

	it('accepts the range boundaries and fileUrl instead of fileUrls', async () => {
		const bodies = [
			{ taskType: 'mj_txt2img', prompt: 'x'.repeat(2000), variety: 100, stylization: 1000, weirdness: 3000 },
			{ taskType: 'mj_omni_reference', prompt: 'p', fileUrl: IMG, ow: 1, variety: 0, stylization: 0, weirdness: 0 },
			{ taskType: 'mj_video', prompt: 'p', fileUrl: IMG, motion: 'low', videoBatchSize: 4, enableTranslation: true },
			{ taskType: 'mj_txt2img', prompt: 'p', version: 'niji7', aspectRatio: '2:1', speed: 'turbo', ow: 1000 },
		];
		for (const body of bodies) {
			const { status, json } = await post(body);
			expect(status).toBe(200);
			expect(json).toMatchObject({
				code: 200,
				msg: 'success',
				data: { taskId: expect.stringMatching(/^[0-9a-f]{32}$/) },
			});
		}
		expect(fake.tasks.size).toBe(4);
	});
});

describe('violations', () => {
	it('records fields the spec forbids for the task type, and unknown fields', async () => {
		await post({ taskType: 'mj_video', prompt: 'p', fileUrls: [IMG], motion: 'high', speed: 'fast' });
		await post({ taskType: 'mj_omni_reference', prompt: 'p', fileUrls: [IMG], speed: 'relaxed' });
		await post({ taskType: 'mj_img2img', prompt: 'p', fileUrls: [IMG], ow: 100 });
		await post({ taskType: 'mj_txt2img', prompt: 'p', motion: 'low', videoBatchSize: 1 });
		await post({ taskType: 'mj_txt2img', prompt: 'p', watermark: 'w', callbackUrl: 'https://x' });
		expect(fake.violations).toEqual([
			'generate (mj_video): "speed" must not be sent for mj_video',
			'generate (mj_omni_reference): "speed" must not be sent for mj_omni_reference',
			'generate (mj_img2img): "ow" is only for mj_omni_reference',
			'generate (mj_txt2img): "motion" is only for video task types',
			'generate (mj_txt2img): "videoBatchSize" is only for video task types',
			'generate (mj_txt2img): field "watermark" is not in the spec',
			'generate (mj_txt2img): field "callbackUrl" is not in the spec',
		]);
	});

	it('records nothing for a clean body', async () => {
		await post({ taskType: 'mj_video_hd', prompt: 'p', fileUrls: [IMG], motion: 'high', videoBatchSize: 2 });
		expect(fake.violations).toEqual([]);
	});
});

describe('authentication', () => {
	it('every endpoint needs the Bearer key', async () => {
		for (const authorization of [null, 'Bearer wrong', 'k']) {
			await expect(post({ taskType: 'mj_txt2img', prompt: 'p' }, authorization)).resolves.toMatchObject({
				status: 401,
				json: { code: 401 },
			});
			await expect(get('/api/v1/mj/record-info?taskId=x', authorization)).resolves.toMatchObject({ status: 401 });
			await expect(get('/api/v1/chat/credit', authorization)).resolves.toMatchObject({ status: 401 });
		}
		expect(fake.generateRequests.map((request) => request.authorization)).toEqual([undefined, 'Bearer wrong', 'k']);
	});
});

describe('record-info', () => {
	it('reports the documented shape through the life of a task', async () => {
		const { json } = await post({ taskType: 'mj_txt2img', prompt: 'a cat', speed: 'relaxed' });
		const taskId = (json as { data: { taskId: string } }).data.taskId;
		const pending = await get(`/api/v1/mj/record-info?taskId=${taskId}`);
		expect(pending.json).toStrictEqual({
			code: 200,
			msg: 'success',
			data: {
				taskId,
				taskType: 'mj_txt2img',
				paramJson: JSON.stringify({ taskType: 'mj_txt2img', prompt: 'a cat', speed: 'Relax' }),
				completeTime: null,
				createTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
				resultInfoJson: null,
				successFlag: 0,
				errorCode: null,
				errorMessage: null,
			},
		});
		const task = fake.succeed(taskId, { count: 2 });
		const done = await get(`/api/v1/mj/record-info?taskId=${taskId}`);
		expect(done.json).toMatchObject({
			data: {
				successFlag: 1,
				completeTime: expect.any(String),
				resultInfoJson: { resultUrls: task.resultUrls.map((resultUrl) => ({ resultUrl })) },
			},
		});
		fake.fail(taskId, 'nope', 501);
		const failed = await get(`/api/v1/mj/record-info?taskId=${taskId}`);
		expect(failed.json).toMatchObject({
			data: { successFlag: 2, errorCode: 501, errorMessage: 'nope', resultInfoJson: null },
		});
		await expect(get('/api/v1/mj/record-info?taskId=unknown')).resolves.toMatchObject({ json: { code: 404 } });
		expect(fake.recordInfoRequests).toEqual([taskId, taskId, taskId, 'unknown']);
	});
});

describe('files', () => {
	it('serves valid PNGs, one colour per index', async () => {
		const { json } = await post({ taskType: 'mj_txt2img', prompt: 'p' });
		const taskId = (json as { data: { taskId: string } }).data.taskId;
		const task = fake.succeed(taskId);
		const pngs = await Promise.all(
			task.resultUrls.map(async (url) => Buffer.from(await (await fetch(url)).arrayBuffer())),
		);
		for (const png of pngs) {
			expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
			let offset = 8;
			const types: string[] = [];
			let idat = Buffer.alloc(0);
			while (offset < png.length) {
				const length = png.readUInt32BE(offset);
				const typeAndData = png.subarray(offset + 4, offset + 8 + length);
				expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(typeAndData));
				const type = typeAndData.toString('latin1', 0, 4);
				types.push(type);
				if (type === 'IHDR') {
					expect([typeAndData.readUInt32BE(4), typeAndData.readUInt32BE(8)]).toEqual([2, 2]);
				}
				if (type === 'IDAT') idat = Buffer.concat([idat, typeAndData.subarray(4)]);
				offset += 12 + length;
			}
			expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
			expect(inflateSync(idat)).toHaveLength(2 * (1 + 2 * 3));
		}
		expect(new Set(pngs.map((png) => png.toString('hex'))).size).toBe(4);
		expect(createPng(1, 1, [0, 0, 0]).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('serves arbitrary files, and 404 for unknown ones', async () => {
		const url = fake.serveFile('not-an-image.png', 'text/plain', Buffer.from('hello'));
		const response = await fetch(url);
		expect(response.headers.get('content-type')).toBe('text/plain');
		expect(await response.text()).toBe('hello');
		expect((await fetch(`${fake.baseUrl}/files/missing.png`)).status).toBe(404);
	});
});

describe('canned responses and close', () => {
	it('a canned response applies `times` times, then the real behaviour resumes', async () => {
		fake.respondToGenerate({ status: 429, body: { code: 429, msg: 'slow down' } }, 2);
		const body = { taskType: 'mj_txt2img', prompt: 'p' };
		expect((await post(body)).status).toBe(429);
		expect((await post(body)).status).toBe(429);
		expect((await post(body)).status).toBe(200);
		const ids = await Promise.all([0, 1, 2].map(async (index) => (await fake.waitForGenerate(index)).taskId));
		expect(ids.map((id) => typeof id)).toEqual(['undefined', 'undefined', 'string']);
	});

	it('waitForGenerate waits for a request not yet sent, and walks through requests in order', async () => {
		const waiting = fake.waitForGenerate();
		const next = fake.waitForGenerate();
		await post({ taskType: 'mj_txt2img', prompt: 'first' });
		await post({ taskType: 'mj_txt2img', prompt: 'second' });
		await expect(waiting).resolves.toMatchObject({ body: { prompt: 'first' } });
		await expect(next).resolves.toMatchObject({ body: { prompt: 'second' } });
		await expect(fake.waitForGenerate(5, 50)).rejects.toThrow(/not received within 50 ms/);
	});

	it('holdSubmits records and creates the task on arrival, and answers it on release', async () => {
		const release = fake.holdSubmits();
		let answered = false;
		const held = post({ taskType: 'mj_txt2img', prompt: 'held' }).then((answer) => {
			answered = true;
			return answer;
		});
		const { taskId } = await fake.waitForGenerate(0);
		expect(taskId).toEqual(expect.any(String));
		expect(answered).toBe(false);
		release();
		expect(await held).toMatchObject({ status: 200, json: { data: { taskId } } });
		// Released: the next one is answered at once.
		expect((await post({ taskType: 'mj_txt2img', prompt: 'after' })).status).toBe(200);
	});

	it('close() ends a hanging request and rejects pending waiters', async () => {
		fake.respondToGenerate({ kind: 'hang' });
		const hanging = post({ taskType: 'mj_txt2img', prompt: 'p' }).then(
			() => 'answered',
			() => 'failed',
		);
		await fake.waitForGenerate(0);
		const waiter = fake.waitForGenerate(1).catch((error: unknown) => error);
		await fake.close();
		await expect(hanging).resolves.toBe('failed');
		expect(await waiter).toEqual(new Error('fake Midjourney was closed'));
	});
});
