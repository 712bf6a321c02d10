import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PNG_SIGNATURE, startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { createMjClient, type MjClient } from '../../src/api/client.js';
import { MjApiError, type MjFailure } from '../../src/api/errors.js';
import type { GenerateRequest, ImageParams, OmniParams, VideoParams } from '../../src/api/types.js';

const CALLBACK = 'https://bot.example.com/webhooks/midjourney';
const IMAGE_A = 'https://cdn.example.com/a.png';
const IMAGE_B = 'https://cdn.example.com/b.jpg';

let fake: FakeMidjourney;
let client: MjClient;

beforeEach(async () => {
	fake = await startFakeMidjourney({ apiKey: 'test-key' });
	client = createMjClient({ baseUrl: fake.baseUrl, apiKey: 'test-key', timeoutMs: 5000 });
});

afterEach(async () => {
	await fake.close();
});

/** Runs `action`, which must throw an MjApiError, and returns its failure. */
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

async function failureOf(action: () => Promise<unknown>): Promise<MjFailure> {
	return (await errorOf(action)).failure;
}

/** Generates, then checks the body the fake received, that it created the task and that nothing was off-spec. */
async function generateAndCapture(request: GenerateRequest): Promise<Record<string, unknown>> {
	const { taskId } = await client.generate(request);
	expect(taskId).toMatch(/^[0-9a-f]{32}$/);
	const received = await fake.waitForGenerate(0);
	expect(received.taskId).toBe(taskId);
	expect(received.authorization).toBe('Bearer test-key');
	expect(fake.tasks.get(taskId)?.state).toBe('pending');
	expect(fake.violations).toEqual([]);
	expect(fake.generateRequests).toHaveLength(1);
	return received.body;
}

describe('generate: the exact body per task type', () => {
	it('mj_txt2img with every parameter', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_txt2img',
			prompt: 'a lighthouse at dusk',
			watermark: 'guild-42',
			callbackUrl: CALLBACK,
			params: {
				speed: 'fast',
				aspectRatio: '16:9',
				version: '7',
				variety: 10,
				stylization: 250,
				weirdness: 300,
			},
		});
		expect(body).toStrictEqual({
			taskType: 'mj_txt2img',
			prompt: 'a lighthouse at dusk',
			speed: 'fast',
			aspectRatio: '16:9',
			version: '7',
			variety: 10,
			stylization: 250,
			weirdness: 300,
			waterMark: 'guild-42',
			callBackUrl: CALLBACK,
		});
	});

	it('mj_txt2img with nothing optional sends only taskType and prompt', async () => {
		const body = await generateAndCapture({ taskType: 'mj_txt2img', prompt: 'a cat', watermark: '', params: {} });
		expect(body).toStrictEqual({ taskType: 'mj_txt2img', prompt: 'a cat' });
	});

	it('mj_txt2img sends boundary values (0) rather than dropping them', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_txt2img',
			prompt: 'a cat',
			params: { variety: 0, stylization: 0, weirdness: 0 },
		});
		expect(body).toStrictEqual({ taskType: 'mj_txt2img', prompt: 'a cat', variety: 0, stylization: 0, weirdness: 0 });
	});

	it('mj_img2img sends every image in fileUrls', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_img2img',
			prompt: 'in the style of a woodcut',
			imageUrls: [IMAGE_A, IMAGE_B],
			callbackUrl: CALLBACK,
			params: { speed: 'relaxed', version: '6.1', aspectRatio: '2:3' },
		});
		expect(body).toStrictEqual({
			taskType: 'mj_img2img',
			prompt: 'in the style of a woodcut',
			fileUrls: [IMAGE_A, IMAGE_B],
			speed: 'relaxed',
			aspectRatio: '2:3',
			version: '6.1',
			callBackUrl: CALLBACK,
		});
	});

	it('mj_style_reference', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_style_reference',
			prompt: 'a harbour',
			imageUrls: [IMAGE_A],
			watermark: 'wm',
			params: { speed: 'turbo', version: 'niji6', stylization: 1000 },
		});
		expect(body).toStrictEqual({
			taskType: 'mj_style_reference',
			prompt: 'a harbour',
			fileUrls: [IMAGE_A],
			speed: 'turbo',
			version: 'niji6',
			stylization: 1000,
			waterMark: 'wm',
		});
	});

	it('mj_omni_reference sends ow and no speed', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_omni_reference',
			prompt: 'this robot on the moon',
			imageUrl: IMAGE_A,
			callbackUrl: CALLBACK,
			params: { aspectRatio: '1:1', version: '7', variety: 5, stylization: 50, weirdness: 100, omniWeight: 500 },
		});
		expect(body).toStrictEqual({
			taskType: 'mj_omni_reference',
			prompt: 'this robot on the moon',
			fileUrls: [IMAGE_A],
			aspectRatio: '1:1',
			version: '7',
			variety: 5,
			stylization: 50,
			weirdness: 100,
			ow: 500,
			callBackUrl: CALLBACK,
		});
	});

	it('mj_video sends motion, videoBatchSize and one fileUrl, no speed', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_video',
			prompt: 'the waves start moving',
			imageUrl: IMAGE_A,
			watermark: 'wm',
			callbackUrl: CALLBACK,
			params: { motion: 'low', videoBatchSize: 2, aspectRatio: '9:16', version: '7' },
		});
		expect(body).toStrictEqual({
			taskType: 'mj_video',
			prompt: 'the waves start moving',
			fileUrls: [IMAGE_A],
			motion: 'low',
			videoBatchSize: 2,
			aspectRatio: '9:16',
			version: '7',
			waterMark: 'wm',
			callBackUrl: CALLBACK,
		});
	});

	it('mj_video_hd', async () => {
		const body = await generateAndCapture({
			taskType: 'mj_video_hd',
			prompt: 'slow pan',
			imageUrl: IMAGE_B,
			params: { motion: 'high' },
		});
		expect(body).toStrictEqual({ taskType: 'mj_video_hd', prompt: 'slow pan', fileUrls: [IMAGE_B], motion: 'high' });
	});

	// The types forbid these fields, but params often come from loosely typed places (stored settings, forms):
	// the body builder must still not put them on the wire.
	it('drops speed from video and omni, and ow / motion from image types, even when smuggled in at run time', async () => {
		const videoParams = { motion: 'high', speed: 'fast', omniWeight: 10 } as VideoParams & Record<string, unknown>;
		const omniParams = { omniWeight: 7, speed: 'fast', motion: 'low' } as OmniParams & Record<string, unknown>;
		const imageParams = { speed: 'fast', omniWeight: 7, motion: 'low', videoBatchSize: 2 } as ImageParams &
			Record<string, unknown>;
		await client.generate({ taskType: 'mj_video', prompt: 'p', imageUrl: IMAGE_A, params: videoParams });
		await client.generate({ taskType: 'mj_omni_reference', prompt: 'p', imageUrl: IMAGE_A, params: omniParams });
		await client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: imageParams });
		await client.generate({ taskType: 'mj_img2img', prompt: 'p', imageUrls: [IMAGE_A], params: imageParams });
		expect(fake.generateRequests.map((request) => request.body)).toStrictEqual([
			{ taskType: 'mj_video', prompt: 'p', fileUrls: [IMAGE_A], motion: 'high' },
			{ taskType: 'mj_omni_reference', prompt: 'p', fileUrls: [IMAGE_A], ow: 7 },
			{ taskType: 'mj_txt2img', prompt: 'p', speed: 'fast' },
			{ taskType: 'mj_img2img', prompt: 'p', fileUrls: [IMAGE_A], speed: 'fast' },
		]);
		expect(fake.violations).toEqual([]);
	});

	it('sends JSON with the Bearer key and a trailing slash in baseUrl does not matter', async () => {
		const slashed = createMjClient({ baseUrl: `${fake.baseUrl}//`, apiKey: 'test-key', timeoutMs: 5000 });
		await slashed.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} });
		expect(fake.generateRequests[0]?.authorization).toBe('Bearer test-key');
		expect(fake.violations).toEqual([]);
	});
});

describe('getTask', () => {
	async function newTask(request?: GenerateRequest): Promise<string> {
		const { taskId } = await client.generate(request ?? { taskType: 'mj_txt2img', prompt: 'a cat', params: {} });
		return taskId;
	}

	it('pending (successFlag 0)', async () => {
		const taskId = await newTask();
		await expect(client.getTask(taskId)).resolves.toStrictEqual({ taskId, outcome: { status: 'pending' } });
		expect(fake.recordInfoRequests).toEqual([taskId]);
	});

	it('succeeded: object-shaped resultUrls are normalised to strings, and the files are real PNGs', async () => {
		const taskId = await newTask();
		const task = fake.succeed(taskId);
		expect(task.resultUrls).toHaveLength(4);
		const details = await client.getTask(taskId);
		expect(details).toStrictEqual({ taskId, outcome: { status: 'succeeded', resultUrls: task.resultUrls } });
		const first = task.resultUrls[0] ?? '';
		expect(first).toBe(`${fake.baseUrl}/files/${taskId}_0.png`);
		const file = await fetch(first);
		expect(file.status).toBe(200);
		expect(file.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await file.arrayBuffer()).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('succeeded video task: mp4 results, one per batch item', async () => {
		const taskId = await newTask({
			taskType: 'mj_video',
			prompt: 'waves',
			imageUrl: IMAGE_A,
			params: { motion: 'high', videoBatchSize: 2 },
		});
		fake.succeed(taskId);
		const details = await client.getTask(taskId);
		expect(details.outcome).toStrictEqual({
			status: 'succeeded',
			resultUrls: [`${fake.baseUrl}/files/${taskId}_0.mp4`, `${fake.baseUrl}/files/${taskId}_1.mp4`],
		});
		const file = await fetch(`${fake.baseUrl}/files/${taskId}_1.mp4`);
		expect(file.headers.get('content-type')).toBe('video/mp4');
		expect(Buffer.from(await file.arrayBuffer()).toString('latin1', 4, 8)).toBe('ftyp');
	});

	it('succeeded: plain-string resultUrls and a resultInfoJson sent as a JSON string are accepted too', async () => {
		const data = { taskId: 't-1', successFlag: 1, errorCode: null, errorMessage: null };
		fake.respondToRecordInfo({
			status: 200,
			body: { code: 200, msg: 'success', data: { ...data, resultInfoJson: { resultUrls: ['https://x/1.png'] } } },
		});
		fake.respondToRecordInfo({
			status: 200,
			body: {
				code: 200,
				msg: 'success',
				data: { ...data, resultInfoJson: JSON.stringify({ resultUrls: [{ resultUrl: 'https://x/2.png' }] }) },
			},
		});
		await expect(client.getTask('t-1')).resolves.toStrictEqual({
			taskId: 't-1',
			outcome: { status: 'succeeded', resultUrls: ['https://x/1.png'] },
		});
		await expect(client.getTask('t-1')).resolves.toStrictEqual({
			taskId: 't-1',
			outcome: { status: 'succeeded', resultUrls: ['https://x/2.png'] },
		});
	});

	it('successFlag 1 without any URL is a failure the member can see', async () => {
		const taskId = await newTask();
		fake.succeed(taskId, { resultUrls: [] });
		const { outcome } = await client.getTask(taskId);
		expect(outcome.status).toBe('failed');
	});

	it('failed (successFlag 2) with message and code', async () => {
		const taskId = await newTask();
		fake.fail(taskId, 'Prompt rejected by the content policy', 422);
		await expect(client.getTask(taskId)).resolves.toStrictEqual({
			taskId,
			outcome: { status: 'failed', reason: 'Prompt rejected by the content policy', code: 422 },
		});
	});

	it('failed (successFlag 2) without an error code', async () => {
		const taskId = await newTask();
		fake.fail(taskId, 'Generation failed');
		await expect(client.getTask(taskId)).resolves.toStrictEqual({
			taskId,
			outcome: { status: 'failed', reason: 'Generation failed' },
		});
	});

	it('failed (successFlag 3, created but generation failed), string error code, no message', async () => {
		fake.respondToRecordInfo({
			status: 200,
			body: {
				code: 200,
				msg: 'success',
				data: {
					taskId: 't-3',
					taskType: 'mj_txt2img',
					paramJson: '{}',
					createTime: 1710930540000,
					completeTime: 1710930600000,
					resultInfoJson: null,
					successFlag: 3,
					errorCode: '501',
					errorMessage: null,
				},
			},
		});
		const { outcome } = await client.getTask('t-3');
		expect(outcome).toMatchObject({ status: 'failed', code: 501 });
		expect(outcome.status === 'failed' && outcome.reason.length > 0).toBe(true);
	});

	it('an undocumented successFlag is treated as pending', async () => {
		fake.respondToRecordInfo({
			status: 200,
			body: { code: 200, msg: 'success', data: { taskId: 't-9', successFlag: 9, resultInfoJson: null } },
		});
		await expect(client.getTask('t-9')).resolves.toStrictEqual({ taskId: 't-9', outcome: { status: 'pending' } });
	});

	it('the task id is URL-encoded in the query', async () => {
		await failureOf(() => client.getTask('a b&c=d/é'));
		expect(fake.recordInfoRequests).toEqual(['a b&c=d/é']);
	});

	it('an unknown task is an API error 404', async () => {
		const failure = await failureOf(() => client.getTask('0123456789abcdef0123456789abcdef'));
		expect(failure).toMatchObject({ kind: 'api', code: 404 });
	});
});

describe('errors', () => {
	const codes = [400, 401, 402, 404, 422, 429, 455, 500, 501, 505];

	it.each(codes)('body code %i (HTTP status mirroring it) is an MjApiError of kind api', async (code) => {
		fake.respondToGenerate({ status: code, body: { code, msg: `message for ${code}`, data: null } });
		const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toStrictEqual({ kind: 'api', code, httpStatus: code, message: `message for ${code}` });
	});

	it.each(codes)('body code %i with HTTP 200 is an MjApiError of kind api', async (code) => {
		fake.respondToRecordInfo({ status: 200, body: { code, msg: `message for ${code}` } });
		const failure = await failureOf(() => client.getTask('t'));
		expect(failure).toStrictEqual({ kind: 'api', code, httpStatus: 200, message: `message for ${code}` });
	});

	it('the error exposes the code and a readable message', async () => {
		fake.respondToGenerate({ status: 200, body: { code: 500, msg: 'server error', data: null } });
		const error: unknown = await client
			.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} })
			.catch((thrown: unknown) => thrown);
		expect(error).toBeInstanceOf(MjApiError);
		expect((error as MjApiError).code).toBe(500);
		expect((error as MjApiError).message).toContain('server error');
	});

	it('a wrong key gets the real 401 from the provider', async () => {
		const wrong = createMjClient({ baseUrl: fake.baseUrl, apiKey: 'not-the-key', timeoutMs: 5000 });
		const failure = await failureOf(() => wrong.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toMatchObject({ kind: 'api', code: 401, httpStatus: 401 });
		expect(fake.generateRequests[0]?.authorization).toBe('Bearer not-the-key');
		expect(fake.tasks.size).toBe(0);
		await expect(failureOf(() => wrong.getCredits())).resolves.toMatchObject({ kind: 'api', code: 401 });
	});

	it('the provider validates what the client does not: an over-long prompt is a 422', async () => {
		const failure = await failureOf(() =>
			client.generate({ taskType: 'mj_txt2img', prompt: 'x'.repeat(2001), params: {} }),
		);
		expect(failure).toMatchObject({ kind: 'api', code: 422 });
	});

	it('no credits left is a 402', async () => {
		fake.credits = 0;
		const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toMatchObject({ kind: 'api', code: 402 });
	});

	it('an HTTP error status with a body code of 200 is still an error', async () => {
		fake.respondToGenerate({ status: 503, body: { code: 200, msg: 'success', data: { taskId: 'x' } } });
		const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toMatchObject({ kind: 'api', code: 503, httpStatus: 503 });
	});

	it('HTTP 500 with a non-JSON body is an invalid response', async () => {
		fake.respondToGenerate({ kind: 'raw', status: 500, contentType: 'text/html', text: '<h1>Bad gateway</h1>' });
		const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toMatchObject({ kind: 'invalid-response', httpStatus: 500 });
	});

	it('HTTP 200 with JSON that is not an envelope is an invalid response', async () => {
		fake.respondToGenerate({ status: 200, body: { taskId: 'abc' } });
		fake.respondToGenerate({ status: 200, body: { code: '200', msg: 'success', data: { taskId: 'abc' } } });
		for (let i = 0; i < 2; i++) {
			const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
			expect(failure).toMatchObject({ kind: 'invalid-response', httpStatus: 200 });
		}
	});

	it('a success envelope without a task id is an invalid response', async () => {
		fake.respondToGenerate({ status: 200, body: { code: 200, msg: 'success', data: {} } }, 2);
		const failure = await failureOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(failure).toMatchObject({ kind: 'invalid-response', httpStatus: 200 });
		fake.respondToRecordInfo({ status: 200, body: { code: 200, msg: 'success', data: null } });
		await expect(failureOf(() => client.getTask('t'))).resolves.toMatchObject({ kind: 'invalid-response' });
	});

	it('no answer within timeoutMs is a timeout', async () => {
		const quick = createMjClient({ baseUrl: fake.baseUrl, apiKey: 'test-key', timeoutMs: 200 });
		fake.respondToGenerate({ kind: 'hang' });
		const error = await errorOf(() => quick.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(error.failure).toMatchObject({ kind: 'timeout', timeoutMs: 200 });
		// The request did reach the provider: the outcome is unknown.
		expect(fake.generateRequests).toHaveLength(1);
		expect(error.outcome).toBe('unknown');
	});

	it('a time-out on record-info too', async () => {
		const quick = createMjClient({ baseUrl: fake.baseUrl, apiKey: 'test-key', timeoutMs: 200 });
		fake.respondToRecordInfo({ kind: 'hang' });
		await expect(failureOf(() => quick.getTask('t'))).resolves.toMatchObject({ kind: 'timeout', timeoutMs: 200 });
	});

	it('headers sent but the body stalls: still a timeout', async () => {
		const stalling = createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.write('{"code":200,');
		});
		await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = stalling.address() as AddressInfo;
			const quick = createMjClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 200 });
			await expect(failureOf(() => quick.getCredits())).resolves.toMatchObject({ kind: 'timeout', timeoutMs: 200 });
		} finally {
			stalling.closeAllConnections();
			await new Promise<void>((resolve) => stalling.close(() => resolve()));
		}
	});

	it('a connection dropped after the request was read is no answer: its outcome is unknown', async () => {
		fake.respondToGenerate({ kind: 'destroy' });
		const error = await errorOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(error.failure.kind).toBe('no-answer');
		expect(error.outcome).toBe('unknown');
		expect(fake.generateRequests).toHaveLength(1);
	});

	it("a proxy's HTML error page is not the provider answering: its outcome is unknown", async () => {
		fake.respondToGenerate({ kind: 'raw', status: 502, contentType: 'text/html', text: '<h1>502 Bad Gateway</h1>' });
		const error = await errorOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(error.failure).toMatchObject({ kind: 'invalid-response', httpStatus: 502 });
		expect(error.outcome).toBe('unknown');
	});

	it("the provider's own error envelope is an answer", async () => {
		fake.respondToGenerate({ status: 500, body: { code: 500, msg: 'server error', data: null } });
		const error = await errorOf(() => client.generate({ taskType: 'mj_txt2img', prompt: 'p', params: {} }));
		expect(error.outcome).toBe('answered');
	});

	it('connection refused is not sent: nothing reached the provider', async () => {
		// A port that was just listened on and closed: nothing answers there.
		const probe = createServer();
		await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
		const { port } = probe.address() as AddressInfo;
		await new Promise<void>((resolve) => probe.close(() => resolve()));
		const refused = createMjClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 5000 });
		const failure = await failureOf(() => refused.getCredits());
		expect(failure.kind).toBe('not-sent');
		expect(failure.kind === 'not-sent' && failure.message).toMatch(/ECONNREFUSED/);
	});
});

describe('getCredits', () => {
	it('returns the remaining credits', async () => {
		fake.credits = 1234;
		await expect(client.getCredits()).resolves.toBe(1234);
		fake.credits = 0;
		await expect(client.getCredits()).resolves.toBe(0);
		expect(fake.violations).toEqual([]);
	});
});
