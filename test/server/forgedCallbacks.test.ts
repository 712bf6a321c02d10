import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallbackVerdict } from '../../src/jobs/contracts.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { appGuard, createApp, type AppDependencies } from '../../src/server/app.js';
import { signJobId } from '../../src/server/callbackSigning.js';
import { boundPort, listen } from '../../src/server/listen.js';

const SECRET = 'callback-secret-for-tests-0123456789';
const JOB = 'Abc_123-xyz';
const BODY = JSON.stringify({
	code: 200,
	msg: 'success',
	data: { taskId: 'mj_task_1', promptJson: '{"prompt":"a cat"}', resultUrls: ['https://cdn.example.com/1.png'] },
});
const LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 100 };

let server: Server;
let base: string;
let metrics: Metrics;
let accepted: string[];
let logs: string[];

beforeEach(async () => {
	metrics = createMetrics();
	accepted = [];
	logs = [];
	const deps: AppDependencies = {
		acceptCallback: async (jobId): Promise<CallbackVerdict> => {
			accepted.push(jobId);
			return 'accepted';
		},
		callbackSecret: SECRET,
		providerWebhookKey: undefined,
		logger: createLogger('debug', { write: (line: string) => void logs.push(line) }),
		metrics,
	};
	server = await listen(createApp(deps).fetch, {
		port: 0,
		hostname: '127.0.0.1',
		limits: LIMITS,
		guard: appGuard(deps),
	});
	base = `http://127.0.0.1:${boundPort(server)}`;
});

afterEach(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(path: string): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${base}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: BODY,
	});
	return { status: response.status, body: await response.json() };
}

async function refusedCount(): Promise<number> {
	const metric = await metrics.callbacks.get();
	return metric.values.find((value) => value.labels.result === 'bad-signature')?.value ?? 0;
}

describe('forged callback URLs on the listener', () => {
	it('are refused 401 before the app, counted and logged at debug', async () => {
		const forged = await post(`/callbacks/mj/${JOB}?sig=${'0'.repeat(64)}`);
		const unsigned = await post(`/callbacks/mj/${JOB}`);
		const otherParams = await post(`/callbacks/mj/${JOB}?a=1&sig=${'f'.repeat(64)}&b=2`);

		for (const answer of [forged, unsigned, otherParams]) {
			expect(answer).toEqual({ status: 401, body: { error: 'invalid signature' } });
		}
		expect(accepted).toEqual([]);
		expect(await refusedCount()).toBe(3);
		expect(logs.filter((line) => line.includes('"reason":"bad-signature"'))).toHaveLength(3);
	});

	it('let a signed callback through to the route, once', async () => {
		const answer = await post(`/callbacks/mj/${JOB}?sig=${signJobId(SECRET, JOB)}`);

		expect(answer).toEqual({ status: 200, body: { result: 'accepted' } });
		expect(accepted).toEqual([JOB]);
		expect(await refusedCount()).toBe(0);
	});

	it('leave what Hono would decode or not route to the app, which answers as before', async () => {
		const sig = signJobId(SECRET, JOB);
		const encodedSig = await post(`/callbacks/mj/${JOB}?sig=%${sig.charCodeAt(0).toString(16)}${sig.slice(1)}`);
		const otherPath = await post(`/callbacks/mj/${JOB}/more?sig=${'0'.repeat(64)}`);
		const notPost = await fetch(`${base}/callbacks/mj/${JOB}?sig=${'0'.repeat(64)}`);

		// The encoded signature is the right one once decoded: only Hono's decoding could accept it.
		expect(encodedSig).toEqual({ status: 200, body: { result: 'accepted' } });
		expect(otherPath.status).toBe(404);
		expect(notPost.status).toBe(404);
		expect(await refusedCount()).toBe(0);
	});
});
