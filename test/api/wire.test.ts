import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { createMjClient, type MjClient } from '../../src/api/client.js';
import {
	PROVIDER_SIGNATURE_HEADERS,
	PROVIDER_SIGNATURE_WINDOW_SECONDS,
	signProviderWebhook,
	verifyProviderSignature,
} from '../../src/api/webhookSignature.js';
import { parseCallbackBody } from '../../src/api/wire.js';

const WEBHOOK_KEY = 'whk_test_0123456789';

/** A callback receiver: records what the provider posted and answers 200. */
interface Received {
	headers: IncomingHttpHeaders;
	text: string;
}
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({ headers: req.headers, text: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end('ok');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/midjourney`;
});

afterAll(async () => {
	receiver.closeAllConnections();
	await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

let fake: FakeMidjourney;
let client: MjClient;

beforeEach(async () => {
	received.length = 0;
	fake = await startFakeMidjourney({ apiKey: 'test-key', webhookKey: WEBHOOK_KEY });
	client = createMjClient({ baseUrl: fake.baseUrl, apiKey: 'test-key', timeoutMs: 5000 });
});

afterEach(async () => {
	await fake.close();
});

async function newTask(): Promise<string> {
	const { taskId } = await client.generate({
		taskType: 'mj_txt2img',
		prompt: 'a lighthouse',
		callbackUrl: receiverUrl,
		params: {},
	});
	return taskId;
}

/** The one callback the receiver got. */
function onlyCallback(): Received {
	expect(received).toHaveLength(1);
	const [callback] = received;
	if (callback === undefined) throw new Error('no callback received');
	return callback;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value[0] : value;
}

describe('parseCallbackBody, with the bodies the provider posts', () => {
	it('success: plain-string resultUrls', async () => {
		const taskId = await newTask();
		const task = fake.succeed(taskId);
		await expect(fake.sendCallback(taskId)).resolves.toStrictEqual({ status: 200, text: 'ok' });
		const callback = onlyCallback();
		expect(header(callback.headers, 'content-type')).toBe('application/json');
		expect(parseCallbackBody(JSON.parse(callback.text))).toStrictEqual({
			ok: true,
			report: { taskId, outcome: { status: 'succeeded', resultUrls: task.resultUrls } },
		});
	});

	it('failure: code 500 with msg and empty resultUrls', async () => {
		const taskId = await newTask();
		fake.fail(taskId, 'Image generation failed: banned prompt');
		await fake.sendCallback(taskId);
		expect(parseCallbackBody(JSON.parse(onlyCallback().text))).toStrictEqual({
			ok: true,
			report: {
				taskId,
				outcome: { status: 'failed', reason: 'Image generation failed: banned prompt', code: 500 },
			},
		});
	});

	it('the fake refuses to call back a pending task', async () => {
		const taskId = await newTask();
		await expect(fake.sendCallback(taskId)).rejects.toThrow(/pending/);
		expect(received).toHaveLength(0);
	});
});

describe('parseCallbackBody, other shapes', () => {
	const promptJson = '{"prompt":"a cat","model":"midjourney"}';

	it('accepts the task_id spelling', () => {
		expect(
			parseCallbackBody({
				code: 200,
				msg: 'success',
				data: { task_id: 'abc', promptJson, resultUrls: ['https://x/1.png'] },
			}),
		).toStrictEqual({
			ok: true,
			report: { taskId: 'abc', outcome: { status: 'succeeded', resultUrls: ['https://x/1.png'] } },
		});
	});

	it('prefers taskId when both spellings are present', () => {
		const parsed = parseCallbackBody({ code: 200, data: { taskId: 'a', task_id: 'b', resultUrls: ['u'] } });
		expect(parsed.ok && parsed.report.taskId).toBe('a');
	});

	it('normalises object-shaped result URLs', () => {
		expect(
			parseCallbackBody({
				code: 200,
				msg: 'success',
				data: { taskId: 'abc', resultUrls: [{ resultUrl: 'https://x/1.png' }, 'https://x/2.png'] },
			}),
		).toStrictEqual({
			ok: true,
			report: { taskId: 'abc', outcome: { status: 'succeeded', resultUrls: ['https://x/1.png', 'https://x/2.png'] } },
		});
	});

	it('a success code without any URL is a failure', () => {
		const parsed = parseCallbackBody({ code: 200, msg: 'success', data: { taskId: 'abc', resultUrls: [] } });
		expect(parsed).toMatchObject({ ok: true, report: { taskId: 'abc', outcome: { status: 'failed' } } });
	});

	it('a failure without a message gets a readable reason', () => {
		const parsed = parseCallbackBody({ code: 501, msg: null, data: { taskId: 'abc', resultUrls: [] } });
		expect(parsed).toMatchObject({ ok: true, report: { outcome: { status: 'failed', code: 501 } } });
		expect(parsed.ok && parsed.report.outcome.status === 'failed' && parsed.report.outcome.reason).toMatch(/\w/);
	});

	it.each([
		['null', null],
		['a string', 'code=200'],
		['an array', [{ code: 200 }]],
		['an empty object', {}],
		['a string code', { code: '200', data: { taskId: 'abc', resultUrls: ['u'] } }],
		['no data', { code: 200, msg: 'success' }],
		['data null', { code: 200, msg: 'success', data: null }],
		['no task id', { code: 200, data: { resultUrls: ['u'] } }],
		['an empty task id', { code: 200, data: { taskId: '', resultUrls: ['u'] } }],
		['a numeric task id', { code: 200, data: { taskId: 42, resultUrls: ['u'] } }],
		['resultUrls not an array', { code: 200, data: { taskId: 'abc', resultUrls: 'https://x/1.png' } }],
		['a numeric result URL', { code: 200, data: { taskId: 'abc', resultUrls: [1] } }],
		['an object URL without resultUrl', { code: 200, data: { taskId: 'abc', resultUrls: [{ url: 'u' }] } }],
	])('rejects %s', (_label, body) => {
		const parsed = parseCallbackBody(body);
		expect(parsed.ok).toBe(false);
		expect(!parsed.ok && parsed.error.length).toBeGreaterThan(0);
	});

	it('a forged, malformed body posted by the fake is rejected too', async () => {
		const taskId = await newTask();
		await fake.sendCallback(taskId, { rawBody: '{"code":200,"data":{"resultUrls":"nope"}}' });
		expect(parseCallbackBody(JSON.parse(onlyCallback().text))).toMatchObject({ ok: false });
	});
});

describe('verifyProviderSignature', () => {
	const NOW = 1_760_000_000;
	/** base64(HMAC-SHA256("task-1.1760000000", WEBHOOK_KEY)), computed independently with openssl. */
	const EXPECTED_SIGNATURE = 'kIXirE94zV89RQmWf4S6vkk3T+NHFGoy4xNXYb9D7a0=';

	function verify(overrides: Partial<Parameters<typeof verifyProviderSignature>[0]> = {}): boolean {
		const timestamp = String(NOW);
		return verifyProviderSignature({
			key: WEBHOOK_KEY,
			taskId: 'task-1',
			timestamp,
			signature: signProviderWebhook(WEBHOOK_KEY, 'task-1', timestamp),
			nowSeconds: NOW,
			...overrides,
		});
	}

	it('accepts the headers the provider sends', async () => {
		const taskId = await newTask();
		fake.succeed(taskId);
		await fake.sendCallback(taskId);
		const { headers, text } = onlyCallback();
		const timestamp = header(headers, PROVIDER_SIGNATURE_HEADERS.timestamp);
		const signature = header(headers, PROVIDER_SIGNATURE_HEADERS.signature);
		expect(timestamp).toMatch(/^\d{10}$/);
		const body: unknown = JSON.parse(text);
		const parsed = parseCallbackBody(body);
		if (!parsed.ok) throw new Error(parsed.error);
		const nowSeconds = Math.floor(Date.now() / 1000);
		expect(
			verifyProviderSignature({ key: WEBHOOK_KEY, taskId: parsed.report.taskId, timestamp, signature, nowSeconds }),
		).toBe(true);
		expect(verifyProviderSignature({ key: 'another-key', taskId, timestamp, signature, nowSeconds })).toBe(false);
		expect(verifyProviderSignature({ key: WEBHOOK_KEY, taskId: `${taskId}x`, timestamp, signature, nowSeconds })).toBe(
			false,
		);
	});

	it('matches an independently computed HMAC-SHA256 in base64', () => {
		expect(signProviderWebhook(WEBHOOK_KEY, 'task-1', String(NOW))).toBe(EXPECTED_SIGNATURE);
		expect(verify({ signature: EXPECTED_SIGNATURE })).toBe(true);
	});

	it('rejects a wrong key or a tampered signature', () => {
		expect(verify()).toBe(true);
		expect(verify({ key: 'whk_other' })).toBe(false);
		expect(verify({ taskId: 'task-2' })).toBe(false);
		const good = signProviderWebhook(WEBHOOK_KEY, 'task-1', String(NOW));
		const flipped = `${good[0] === 'A' ? 'B' : 'A'}${good.slice(1)}`;
		expect(verify({ signature: flipped })).toBe(false);
		expect(verify({ signature: good.slice(0, -4) })).toBe(false);
		expect(verify({ signature: Buffer.from(good, 'base64').toString('hex') })).toBe(false);
	});

	it('rejects a timestamp more than 30 minutes away, either way', () => {
		expect(PROVIDER_SIGNATURE_WINDOW_SECONDS).toBe(30 * 60);
		const signedAt = (timestamp: number): Parameters<typeof verifyProviderSignature>[0] => ({
			key: WEBHOOK_KEY,
			taskId: 'task-1',
			timestamp: String(timestamp),
			signature: signProviderWebhook(WEBHOOK_KEY, 'task-1', String(timestamp)),
			nowSeconds: NOW,
		});
		expect(verifyProviderSignature(signedAt(NOW - 30 * 60))).toBe(true);
		expect(verifyProviderSignature(signedAt(NOW - 30 * 60 - 1))).toBe(false);
		expect(verifyProviderSignature(signedAt(NOW - 24 * 3600))).toBe(false);
		expect(verifyProviderSignature(signedAt(NOW + 30 * 60 + 1))).toBe(false);
	});

	it('a stale timestamp forged through the fake is rejected', async () => {
		const taskId = await newTask();
		fake.succeed(taskId);
		const stale = String(Math.floor(Date.now() / 1000) - 31 * 60);
		await fake.sendCallback(taskId, {
			headers: { 'X-Webhook-Timestamp': stale, 'X-Webhook-Signature': signProviderWebhook(WEBHOOK_KEY, taskId, stale) },
		});
		const { headers } = onlyCallback();
		expect(header(headers, 'x-webhook-timestamp')).toBe(stale);
		expect(
			verifyProviderSignature({
				key: WEBHOOK_KEY,
				taskId,
				timestamp: header(headers, 'x-webhook-timestamp'),
				signature: header(headers, 'x-webhook-signature'),
				nowSeconds: Math.floor(Date.now() / 1000),
			}),
		).toBe(false);
	});

	it('rejects missing or malformed headers', () => {
		expect(verify({ timestamp: undefined })).toBe(false);
		expect(verify({ signature: undefined })).toBe(false);
		expect(verify({ timestamp: '', signature: '' })).toBe(false);
		expect(verify({ timestamp: `${NOW}.0` })).toBe(false);
		expect(verify({ timestamp: `${NOW * 1000}` })).toBe(false); // milliseconds, not seconds
	});

	it('an unsigned callback (no webhook key on the account) has no signature headers', async () => {
		const unsigned = await startFakeMidjourney({ apiKey: 'test-key' });
		try {
			const unsignedClient = createMjClient({ baseUrl: unsigned.baseUrl, apiKey: 'test-key', timeoutMs: 5000 });
			const { taskId } = await unsignedClient.generate({
				taskType: 'mj_txt2img',
				prompt: 'p',
				callbackUrl: receiverUrl,
				params: {},
			});
			unsigned.fail(taskId, 'failed');
			await unsigned.sendCallback(taskId);
			const { headers } = onlyCallback();
			expect(
				verifyProviderSignature({
					key: WEBHOOK_KEY,
					taskId,
					timestamp: header(headers, PROVIDER_SIGNATURE_HEADERS.timestamp),
					signature: header(headers, PROVIDER_SIGNATURE_HEADERS.signature),
					nowSeconds: Math.floor(Date.now() / 1000),
				}),
			).toBe(false);
		} finally {
			await unsigned.close();
		}
	});
});
