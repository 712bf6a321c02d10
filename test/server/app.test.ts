import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	PROVIDER_SIGNATURE_HEADERS,
	PROVIDER_SIGNATURE_WINDOW_SECONDS,
	signProviderWebhook,
} from '../../src/api/index.js';
import type { CallbackReport } from '../../src/api/types.js';
import type { CallbackVerdict } from '../../src/jobs/service.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { CALLBACK_BODY_LIMIT_BYTES, createApp, type AppDependencies } from '../../src/server/app.js';
import { signJobId } from '../../src/server/callbackSigning.js';
import { createMetricsApp } from '../../src/server/metricsRoute.js';

const SECRET = 'callback-secret-for-tests-0123456789';
const JOB = 'job-0001';
const TASK = 'mj_task_12345';
const NOW = 1_700_000_000;
const WEBHOOK_KEY = 'provider-webhook-key';
const RESULTS = ['https://cdn.example.com/1.png', 'https://cdn.example.com/2.png'];

const SUCCESS_BODY = {
	code: 200,
	msg: 'success',
	data: { taskId: TASK, promptJson: '{"prompt":"a beautiful landscape"}', resultUrls: RESULTS },
};

interface Harness {
	app: ReturnType<typeof createApp>;
	calls: Array<{ jobId: string; report: CallbackReport }>;
	logs: string[];
}

let verdict: CallbackVerdict | Error;

function harness(overrides: Partial<AppDependencies> = {}): Harness {
	const calls: Harness['calls'] = [];
	const logs: string[] = [];
	const app = createApp({
		acceptCallback: async (jobId, report) => {
			calls.push({ jobId, report });
			if (verdict instanceof Error) throw verdict;
			return verdict;
		},
		callbackSecret: SECRET,
		providerWebhookKey: undefined,
		// Every level, captured: the tests also check what reaches the logs.
		logger: createLogger('trace', { write: (line: string) => void logs.push(line) }),
		nowSeconds: () => NOW,
		...overrides,
	});
	return { app, calls, logs };
}

/** The callback path of `jobId`, with a valid `sig` unless one is given (`null`: no `sig` at all). */
function callbackPath(jobId = JOB, sig: string | null = signJobId(SECRET, jobId)): string {
	const path = `/callbacks/mj/${encodeURIComponent(jobId)}`;
	return sig === null ? path : `${path}?sig=${sig}`;
}

function post(
	app: Harness['app'],
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return Promise.resolve(
		app.request(path, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: typeof body === 'string' ? body : JSON.stringify(body),
		}),
	);
}

/** A request body as a stream, so no content-length is known in advance (chunked transfer). */
function streamOf(text: string, chunkSize = 8192): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	let offset = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= bytes.length) {
				controller.close();
				return;
			}
			controller.enqueue(bytes.subarray(offset, offset + chunkSize));
			offset += chunkSize;
		},
	});
}

/** A valid success body padded with whitespace to exactly `size` bytes. */
function paddedBody(size: number): string {
	const json = JSON.stringify(SUCCESS_BODY);
	return json + ' '.repeat(size - Buffer.byteLength(json));
}

beforeEach(() => {
	verdict = 'accepted';
});

describe('GET /healthz', () => {
	it('answers 200', async () => {
		const { app } = harness();
		const response = await app.request('/healthz');
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ status: 'ok' });
	});
});

describe('POST /callbacks/mj/:jobId', () => {
	it('accepts a signed success callback and hands over the normalised report', async () => {
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), SUCCESS_BODY);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ result: 'accepted' });
		expect(calls).toEqual([
			{ jobId: JOB, report: { taskId: TASK, outcome: { status: 'succeeded', resultUrls: RESULTS } } },
		]);
	});

	it('hands over a failure with the provider’s reason and code', async () => {
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), {
			code: 500,
			msg: 'Image generation failed',
			data: { taskId: TASK, resultUrls: [] },
		});
		expect(response.status).toBe(200);
		expect(calls[0]?.report).toEqual({
			taskId: TASK,
			outcome: { status: 'failed', reason: 'Image generation failed', code: 500 },
		});
	});

	it('decodes an encoded job id before checking its signature', async () => {
		const { app, calls } = harness();
		const jobId = 'job with/slash';
		const response = await post(app, callbackPath(jobId), SUCCESS_BODY);
		expect(response.status).toBe(200);
		expect(calls[0]?.jobId).toBe(jobId);
	});

	it.each([
		['accepted', 200],
		['duplicate', 200],
		['unknown-job', 404],
		['task-mismatch', 409],
	] as const)('maps the verdict %s to %i', async (given, status) => {
		verdict = given;
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), SUCCESS_BODY);
		expect(response.status).toBe(status);
		expect(await response.json()).toEqual({ result: given });
		expect(calls).toHaveLength(1);
	});

	describe('refuses a bad signature without reading on', () => {
		it.each([
			['no sig', callbackPath(JOB, null)],
			['an empty sig', callbackPath(JOB, '')],
			['a sig of zeros', callbackPath(JOB, '0'.repeat(64))],
			['the sig of another job', callbackPath(JOB, signJobId(SECRET, 'job-0002'))],
			['a sig made with another secret', callbackPath(JOB, signJobId('another-secret-0123456789', JOB))],
			['an upper-case sig', callbackPath(JOB, signJobId(SECRET, JOB).toUpperCase())],
			['a truncated sig', callbackPath(JOB, signJobId(SECRET, JOB).slice(0, 63))],
			['a sig with junk appended', callbackPath(JOB, `${signJobId(SECRET, JOB)}00`)],
		])('%s → 401', async (_label, path) => {
			const { app, calls } = harness();
			const response = await post(app, path, SUCCESS_BODY);
			expect(response.status).toBe(401);
			expect(calls).toEqual([]);
		});

		it('before the body limit: an oversized forged callback is 401, not 413', async () => {
			const { app, calls } = harness();
			const body = paddedBody(CALLBACK_BODY_LIMIT_BYTES * 2);
			const response = await post(app, callbackPath(JOB, '0'.repeat(64)), body, {
				'content-length': String(body.length),
			});
			expect(response.status).toBe(401);
			expect(calls).toEqual([]);
		});

		it('and never logs the signature or the secret', async () => {
			const { app, logs } = harness();
			const forged = signJobId(SECRET, 'job-0002');
			await post(app, callbackPath(JOB, forged), SUCCESS_BODY);
			await post(app, callbackPath(), SUCCESS_BODY);
			expect(logs.length).toBeGreaterThan(0);
			const text = logs.join('');
			expect(text).not.toContain(SECRET);
			expect(text).not.toContain(forged);
			expect(text).not.toContain(signJobId(SECRET, JOB));
		});
	});

	it.each(['{', 'not json', '', '{"code":200,'])('refuses malformed JSON %j with 400', async (body) => {
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), body);
		expect(response.status).toBe(400);
		expect(calls).toEqual([]);
	});

	it.each([
		['no data', { code: 200, msg: 'success' }],
		['no task id', { code: 200, data: { resultUrls: RESULTS } }],
		['no code', { msg: 'success', data: { taskId: TASK, resultUrls: RESULTS } }],
		['a string code', { code: '200', data: { taskId: TASK, resultUrls: RESULTS } }],
		[
			'result URLs that are not a list',
			{ code: 200, data: { taskId: TASK, resultUrls: 'https://cdn.example.com/1.png' } },
		],
		['an array', [SUCCESS_BODY]],
		['null', null],
		['a number', 42],
	])('refuses a body with %s with 400', async (_label, body) => {
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), body);
		expect(response.status).toBe(400);
		expect(calls).toEqual([]);
	});

	describe('body size', () => {
		it('accepts a body of exactly 64 KiB', async () => {
			const { app, calls } = harness();
			const body = paddedBody(CALLBACK_BODY_LIMIT_BYTES);
			expect(CALLBACK_BODY_LIMIT_BYTES).toBe(64 * 1024);
			const response = await post(app, callbackPath(), body, { 'content-length': String(body.length) });
			expect(response.status).toBe(200);
			expect(calls).toHaveLength(1);
		});

		it('refuses a body over 64 KiB announced by content-length with 413', async () => {
			const { app, calls } = harness();
			const body = paddedBody(CALLBACK_BODY_LIMIT_BYTES + 1);
			const response = await post(app, callbackPath(), body, { 'content-length': String(body.length) });
			expect(response.status).toBe(413);
			expect(calls).toEqual([]);
		});

		it('refuses a body over 64 KiB sent without content-length with 413', async () => {
			const { app, calls } = harness();
			const response = await app.request(callbackPath(), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: streamOf(paddedBody(CALLBACK_BODY_LIMIT_BYTES + 1)),
				duplex: 'half',
			} as RequestInit);
			expect(response.status).toBe(413);
			expect(calls).toEqual([]);
		});

		it('accepts a streamed body within the limit', async () => {
			const { app, calls } = harness();
			const response = await app.request(callbackPath(), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: streamOf(paddedBody(CALLBACK_BODY_LIMIT_BYTES - 10), 1000),
				duplex: 'half',
			} as RequestInit);
			expect(response.status).toBe(200);
			expect(calls).toHaveLength(1);
		});
	});

	describe('with the provider’s webhook signing enabled', () => {
		function signed(taskId = TASK, timestamp = String(NOW)): Record<string, string> {
			return {
				[PROVIDER_SIGNATURE_HEADERS.timestamp]: timestamp,
				[PROVIDER_SIGNATURE_HEADERS.signature]: signProviderWebhook(WEBHOOK_KEY, taskId, timestamp),
			};
		}

		it('accepts correct headers', async () => {
			const { app, calls } = harness({ providerWebhookKey: WEBHOOK_KEY });
			const response = await post(app, callbackPath(), SUCCESS_BODY, signed());
			expect(response.status).toBe(200);
			expect(calls).toHaveLength(1);
		});

		it('accepts the header names in any case (X-Webhook-…)', async () => {
			const { app, calls } = harness({ providerWebhookKey: WEBHOOK_KEY });
			const response = await post(app, callbackPath(), SUCCESS_BODY, {
				'X-Webhook-Timestamp': String(NOW),
				'X-Webhook-Signature': signProviderWebhook(WEBHOOK_KEY, TASK, String(NOW)),
			});
			expect(response.status).toBe(200);
			expect(calls).toHaveLength(1);
		});

		it('accepts a timestamp just inside the window', async () => {
			const { app } = harness({ providerWebhookKey: WEBHOOK_KEY });
			const edge = String(NOW - PROVIDER_SIGNATURE_WINDOW_SECONDS);
			expect((await post(app, callbackPath(), SUCCESS_BODY, signed(TASK, edge))).status).toBe(200);
		});

		it.each([
			['no headers', {}],
			['no signature', { [PROVIDER_SIGNATURE_HEADERS.timestamp]: String(NOW) }],
			['no timestamp', { [PROVIDER_SIGNATURE_HEADERS.signature]: signProviderWebhook(WEBHOOK_KEY, TASK, String(NOW)) }],
			['a stale timestamp', signed(TASK, String(NOW - PROVIDER_SIGNATURE_WINDOW_SECONDS - 1))],
			['a timestamp from the future', signed(TASK, String(NOW + PROVIDER_SIGNATURE_WINDOW_SECONDS + 1))],
			['the signature of another task', signed('mj_task_other')],
			[
				'a signature made with another key',
				{
					[PROVIDER_SIGNATURE_HEADERS.timestamp]: String(NOW),
					[PROVIDER_SIGNATURE_HEADERS.signature]: signProviderWebhook('wrong-key', TASK, String(NOW)),
				},
			],
			[
				'a timestamp other than the signed one',
				{ ...signed(), [PROVIDER_SIGNATURE_HEADERS.timestamp]: String(NOW + 1) },
			],
		])('refuses %s with 401', async (_label, headers) => {
			const { app, calls } = harness({ providerWebhookKey: WEBHOOK_KEY });
			const response = await post(app, callbackPath(), SUCCESS_BODY, headers);
			expect(response.status).toBe(401);
			expect(calls).toEqual([]);
		});

		it('still requires our own signature', async () => {
			const { app, calls } = harness({ providerWebhookKey: WEBHOOK_KEY });
			const response = await post(app, callbackPath(JOB, null), SUCCESS_BODY, signed());
			expect(response.status).toBe(401);
			expect(calls).toEqual([]);
		});
	});

	it('answers 500 without leaking the error when acceptCallback throws', async () => {
		verdict = new Error('SQLITE_BUSY at /srv/bot/data/bot.sqlite token=hunter2');
		const { app, calls } = harness();
		const response = await post(app, callbackPath(), SUCCESS_BODY);
		expect(response.status).toBe(500);
		const text = await response.text();
		expect(text).not.toContain('hunter2');
		expect(text).not.toContain('SQLITE_BUSY');
		expect(JSON.parse(text)).toEqual({ error: 'internal error' });
		expect(calls).toHaveLength(1);
	});
});

describe('routing', () => {
	it.each([
		['GET', '/'],
		['GET', '/nope'],
		['POST', '/healthz'],
		['GET', callbackPath()],
		['POST', '/callbacks/mj'],
		['POST', '/callbacks/mj/'],
		['POST', `/callbacks/other/${JOB}`],
	])('%s %s → 404', async (method, path) => {
		const { app, calls } = harness();
		const response = await app.request(path, { method });
		expect(response.status).toBe(404);
		expect(calls).toEqual([]);
	});
});

describe('over a real socket', () => {
	let server: ServerType | undefined;

	afterEach(async () => {
		const running = server;
		server = undefined;
		if (!running) return;
		// Connections answered 413 before their body was read would otherwise hold close() up.
		if ('closeAllConnections' in running) running.closeAllConnections();
		await new Promise<void>((resolve) => running.close(() => resolve()));
	});

	it('serves health, callbacks and the size limit through @hono/node-server', async () => {
		const { app, calls } = harness();
		const port = await new Promise<number>((resolve) => {
			server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
		});
		const base = `http://127.0.0.1:${port}`;

		expect((await fetch(`${base}/healthz`)).status).toBe(200);

		const accepted = await fetch(`${base}${callbackPath()}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(SUCCESS_BODY),
		});
		expect(accepted.status).toBe(200);
		expect(await accepted.json()).toEqual({ result: 'accepted' });
		expect(calls).toEqual([
			{ jobId: JOB, report: { taskId: TASK, outcome: { status: 'succeeded', resultUrls: RESULTS } } },
		]);

		const forged = await fetch(`${base}${callbackPath(JOB, '0'.repeat(64))}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(SUCCESS_BODY),
		});
		expect(forged.status).toBe(401);

		const large = await fetch(`${base}${callbackPath()}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: paddedBody(CALLBACK_BODY_LIMIT_BYTES + 1),
		});
		expect(large.status).toBe(413);

		const chunked = await fetch(`${base}${callbackPath()}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: streamOf(paddedBody(CALLBACK_BODY_LIMIT_BYTES * 2)),
			duplex: 'half',
		} as RequestInit);
		expect(chunked.status).toBe(413);
		expect(calls).toHaveLength(1);
	});
});

describe('GET /readyz', () => {
	const appWith = (readiness: AppDependencies['readiness']) =>
		createApp({
			acceptCallback: async () => 'accepted',
			callbackSecret: 'readyz-test-secret',
			providerWebhookKey: undefined,
			logger: createLogger('silent'),
			readiness,
		});

	it('answers 200 when every check passes', async () => {
		const response = await appWith(async () => ({ gateway: true, store: true })).request('/readyz');
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ status: 'ready', checks: { gateway: true, store: true } });
	});

	it('answers 503 naming the failed check when the store does not answer', async () => {
		const response = await appWith(async () => ({ gateway: true, store: false })).request('/readyz');
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({ status: 'not ready', checks: { gateway: true, store: false } });
	});

	it('answers 503 when a check throws', async () => {
		const response = await appWith(async () => {
			throw new Error('boom');
		}).request('/readyz');
		expect(response.status).toBe(503);
	});
});

describe('GET /metrics', () => {
	const TOKEN = 'metrics-token-0123456789abcdef';
	const appWith = (metricsToken: string | undefined) =>
		createApp({
			acceptCallback: async () => 'accepted',
			callbackSecret: 'metrics-test-secret',
			providerWebhookKey: undefined,
			logger: createLogger('silent'),
			metrics: createMetrics(),
			metricsToken,
		});
	const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

	it('is not served without a token (404), even to a request that sends one', async () => {
		const app = appWith(undefined);
		expect((await app.request('/metrics')).status).toBe(404);
		expect((await app.request('/metrics', bearer(TOKEN))).status).toBe(404);
	});

	it.each([
		['no Authorization header', {}, 401],
		['another token', bearer('another-token-0123456789abcdef'), 401],
		['the token with another scheme', { headers: { authorization: `Basic ${TOKEN}` } }, 400],
	])('refuses %s (%#) with no metrics', async (_label, init, status) => {
		const response = await appWith(TOKEN).request('/metrics', init);
		expect(response.status).toBe(status);
		expect(await response.text()).not.toContain('mjbot_');
	});

	it('serves the registry to the token', async () => {
		const response = await appWith(TOKEN).request('/metrics', bearer(TOKEN));
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain('text/plain');
		expect(await response.text()).toContain('mjbot_callbacks_total');
	});
});

describe('the metrics listener’s app', () => {
	it('serves /metrics, open without a token, and nothing else', async () => {
		const app = createMetricsApp(createMetrics(), undefined);
		expect((await app.request('/metrics')).status).toBe(200);
		expect((await app.request('/healthz')).status).toBe(404);
		expect((await app.request('/callbacks/mj/x', { method: 'POST' })).status).toBe(404);
	});

	it('requires the token when one is set', async () => {
		const app = createMetricsApp(createMetrics(), 'metrics-token-0123456789abcdef');
		expect((await app.request('/metrics')).status).toBe(401);
		const authorised = await app.request('/metrics', {
			headers: { authorization: 'Bearer metrics-token-0123456789abcdef' },
		});
		expect(authorised.status).toBe(200);
	});
});
