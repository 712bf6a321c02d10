import { describe, expect, it } from 'vitest';
import { MjApiError, type MjFailure } from '../../src/api/errors.js';
import { explainProviderFailure, submitRetryDelay } from '../../src/jobs/providerErrors.js';

const api = (code: number): MjFailure => ({ kind: 'api', code, httpStatus: code, message: `error ${code}` });

describe('submitRetryDelay: only what created nothing is sent again', () => {
	it.each<[string, MjFailure]>([
		['connection refused', { kind: 'not-sent', message: 'ECONNREFUSED' }],
		['429 rate limited', api(429)],
		['455 maintenance', api(455)],
	])('%s is retried with back-off', (_name, failure) => {
		expect(submitRetryDelay(new MjApiError(failure), 1, 100)).toBeGreaterThan(0);
	});

	it.each<[string, MjFailure]>([
		['a reset after the body', { kind: 'no-answer', message: 'other side closed' }],
		['a time-out', { kind: 'timeout', message: 'aborted', timeoutMs: 1000 }],
		["a proxy's HTML 502", { kind: 'invalid-response', httpStatus: 502, message: 'body is not JSON' }],
		["the provider's own 500", api(500)],
		['400', api(400)],
		['401', api(401)],
		['402', api(402)],
		['422', api(422)],
		['501', api(501)],
		['505', api(505)],
	])('%s is never sent again', (_name, failure) => {
		expect(submitRetryDelay(new MjApiError(failure), 1, 100)).toBeUndefined();
	});

	it('gives up on a request that never left after three attempts, and on 429 after eight', () => {
		const notSent = new MjApiError({ kind: 'not-sent', message: 'ENOTFOUND' });
		expect(submitRetryDelay(notSent, 2, 100)).toBe(200);
		expect(submitRetryDelay(notSent, 3, 100)).toBeUndefined();
		expect(submitRetryDelay(new MjApiError(api(429)), 7, 100)).toBeDefined();
		expect(submitRetryDelay(new MjApiError(api(429)), 8, 100)).toBeUndefined();
	});
});

describe('explainProviderFailure', () => {
	it('says that a request that never left was not charged', () => {
		expect(explainProviderFailure(new MjApiError({ kind: 'not-sent', message: 'x' }))).toMatch(
			/nothing was sent or charged/,
		);
	});

	it('says an unclear outcome was not resubmitted', () => {
		expect(explainProviderFailure(new MjApiError({ kind: 'no-answer', message: 'x' }))).toMatch(/not resubmitted/);
	});
});
