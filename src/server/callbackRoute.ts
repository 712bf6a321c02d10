/**
 * The provider's callback route as named steps, cheapest check first: the URL's signature (before the body is
 * read), the body's size, its JSON and shape, the provider's own signature, then the job service's verdict.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { parseCallbackBody, PROVIDER_SIGNATURE_HEADERS, verifyProviderSignature } from '../api/index.js';
import type { CallbackReport } from '../api/types.js';
import type { Foreground } from '../foreground.js';
import type { CallbackVerdict } from '../jobs/contracts.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { isValidJobSignature } from './callbackSigning.js';

/** Callback bodies are a few hundred bytes; anything much larger is not from the provider. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

/** What the steps hand on to the next. */
interface CallbackEnv {
	Variables: { log: Logger; report: CallbackReport };
}

export interface CallbackRouteDependencies {
	acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict>;
	callbackSecret: string;
	/** The provider's webhook signing key, when the account has signing enabled. */
	providerWebhookKey: string | undefined;
	logger: Logger;
	/** Prometheus metrics: count callbacks by result; served at `/metrics` only with `metricsToken`. */
	metrics?: Metrics;
	/** Answering callbacks is foreground work: delivering results waits for it. */
	foreground?: Foreground;
	nowSeconds?: () => number;
}
type RouteDeps = CallbackRouteDependencies;

/**
 * Hono's `bodyLimit`, with a fast path for bodies that announce their length (the provider's always do): those are
 * judged by the header alone and read later by `c.req.text()`, which @hono/node-server serves straight from the socket.
 * `bodyLimit` itself always builds the full web `Request` and its body stream first: in a profile, 0.6 of the 1.1 ms
 * a callback spent in Hono and @hono/node-server. Bodies
 * without a length (chunked) still go through `bodyLimit`, which counts them as they arrive.
 */
function announcedBodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
	const counting = bodyLimit({ maxSize, onError });
	return async (c, next) => {
		const length = c.req.header('content-length');
		if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counting(c, next);
		if (!/^\d+$/.test(length) || Number(length) > maxSize) return onError(c);
		await next();
		return undefined;
	};
}

const VERDICT_STATUS: Record<CallbackVerdict, 200 | 404 | 409> = {
	accepted: 200,
	duplicate: 200,
	'unknown-job': 404,
	'task-mismatch': 409,
};

const rejectedBy = (deps: RouteDeps) => (reason: string) => deps.metrics?.callbacks.inc({ result: reason });

/** A signed callback is foreground work until its answer is ready. */
function answeredFirst(deps: RouteDeps): MiddlewareHandler {
	return async (_c, next) => {
		const end = deps.foreground?.begin();
		try {
			await next();
		} finally {
			end?.();
		}
	};
}

/** A forged URL is refused before its body is read. */
function jobSignature(deps: RouteDeps): MiddlewareHandler {
	return async (c, next) => {
		if (!isValidJobSignature(deps.callbackSecret, c.req.param('jobId') ?? '', c.req.query('sig'))) {
			// Debug only: a flood of forged calls must not cost a log write each; /metrics counts them.
			deps.logger.debug({ jobId: c.req.param('jobId')?.slice(0, 64), reason: 'bad-signature' }, 'Callback rejected');
			rejectedBy(deps)('bad-signature');
			return c.json({ error: 'invalid signature' }, 401);
		}
		await next();
		return undefined;
	};
}

function sizeLimit(deps: RouteDeps): MiddlewareHandler {
	return announcedBodyLimit(CALLBACK_BODY_LIMIT_BYTES, (c) => {
		rejectedBy(deps)('too-large');
		return c.json({ error: 'body too large' }, 413);
	});
}

/** The body as the provider's report: JSON, of the documented shape. */
function parsedReport(deps: RouteDeps) {
	return createMiddleware<CallbackEnv>(async (c, next) => {
		const log = deps.logger.child({ jobId: c.req.param('jobId') ?? '' });
		let body: unknown;
		try {
			body = JSON.parse(await c.req.text());
		} catch {
			log.warn({ reason: 'malformed-json' }, 'Callback rejected');
			rejectedBy(deps)('malformed-json');
			return c.json({ error: 'body is not JSON' }, 400);
		}
		const parsed = parseCallbackBody(body);
		if (!parsed.ok) {
			log.warn({ reason: 'bad-shape', detail: parsed.error }, 'Callback rejected');
			rejectedBy(deps)('bad-shape');
			return c.json({ error: `unexpected body: ${parsed.error}` }, 400);
		}
		c.set('log', log);
		c.set('report', parsed.report);
		await next();
		return undefined;
	});
}

/** The provider's own signature, when the account signs its webhooks. */
function providerSignature(deps: RouteDeps) {
	const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
	return createMiddleware<CallbackEnv>(async (c, next) => {
		const report = c.get('report');
		if (
			deps.providerWebhookKey &&
			!verifyProviderSignature({
				key: deps.providerWebhookKey,
				taskId: report.taskId,
				timestamp: c.req.header(PROVIDER_SIGNATURE_HEADERS.timestamp),
				signature: c.req.header(PROVIDER_SIGNATURE_HEADERS.signature),
				nowSeconds: nowSeconds(),
			})
		) {
			c.get('log').warn({ taskId: report.taskId, reason: 'bad-provider-signature' }, 'Callback rejected');
			rejectedBy(deps)('bad-provider-signature');
			return c.json({ error: 'invalid provider signature' }, 401);
		}
		await next();
		return undefined;
	});
}

/** Hands the report to the job service and answers with its verdict. */
function verdict(deps: RouteDeps) {
	return async (c: Context<CallbackEnv>) => {
		const report = c.get('report');
		const log = c.get('log');
		const verdict = await deps.acceptCallback(c.req.param('jobId') ?? '', report);
		const status = VERDICT_STATUS[verdict];
		deps.metrics?.callbacks.inc({ result: verdict });
		(status === 200 ? log.info.bind(log) : log.warn.bind(log))(
			{ taskId: report.taskId, verdict, outcome: report.outcome.status },
			'Callback handled',
		);
		return c.json({ result: verdict }, status);
	};
}

/** The callback route's steps, in order, for `app.post('/callbacks/mj/:jobId', ...)`. */
export function callbackRoute(deps: RouteDeps) {
	return [
		jobSignature(deps),
		// After the URL's signature: a request nobody signed never holds deliveries back.
		answeredFirst(deps),
		sizeLimit(deps),
		parsedReport(deps),
		providerSignature(deps),
		verdict(deps),
	] as const;
}
