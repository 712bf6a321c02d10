import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { parseCallbackBody, PROVIDER_SIGNATURE_HEADERS, verifyProviderSignature } from '../api/index.js';
import type { CallbackReport } from '../api/types.js';
import type { CallbackVerdict } from '../jobs/contracts.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { isValidJobSignature } from './callbackSigning.js';
import { serveMetrics } from './metricsRoute.js';

/** Callback bodies are a few hundred bytes; anything much larger is not from the provider. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDependencies {
	acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict>;
	callbackSecret: string;
	/** The provider's webhook signing key, when the account has signing enabled. */
	providerWebhookKey: string | undefined;
	logger: Logger;
	/** Prometheus metrics: count callbacks by result; served at `/metrics` only with `metricsToken`. */
	metrics?: Metrics;
	/** Bearer token `/metrics` requires on this app; without it, `/metrics` is not served here (404). */
	metricsToken?: string | undefined;
	/** Readiness checks for `/readyz`, e.g. gateway connected and store reachable: keep them cheap (it is public). */
	readiness?: () => Promise<Record<string, boolean>>;
	nowSeconds?: () => number;
}

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

/** The HTTP app: built from its dependencies, served by the entry point, tested with `app.request()`. */
export function createApp(deps: AppDependencies): Hono {
	const app = new Hono();
	const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

	// Liveness: the process answers. Readiness: it can do its work (for load balancers and orchestrators).
	app.get('/healthz', (c) => c.json({ status: 'ok' }));
	// The callback port faces the internet: metrics only for whoever holds the token.
	if (deps.metrics && deps.metricsToken) serveMetrics(app, deps.metrics, deps.metricsToken);
	const rejected = (reason: string) => deps.metrics?.callbacks.inc({ result: reason });

	app.get('/readyz', async (c) => {
		const checks = deps.readiness ? await deps.readiness().catch(() => ({ readiness: false })) : {};
		const ready = Object.values(checks).every(Boolean);
		return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
	});

	app.post(
		'/callbacks/mj/:jobId',
		// Cheapest check first: a forged URL is refused before its body is read.
		async (c, next) => {
			if (!isValidJobSignature(deps.callbackSecret, c.req.param('jobId'), c.req.query('sig'))) {
				// Debug only: a flood of forged calls must not cost a log write each; /metrics counts them.
				deps.logger.debug({ jobId: c.req.param('jobId').slice(0, 64), reason: 'bad-signature' }, 'Callback rejected');
				rejected('bad-signature');
				return c.json({ error: 'invalid signature' }, 401);
			}
			await next();
			return undefined;
		},
		announcedBodyLimit(CALLBACK_BODY_LIMIT_BYTES, (c) => {
			rejected('too-large');
			return c.json({ error: 'body too large' }, 413);
		}),
		async (c) => {
			const jobId = c.req.param('jobId');
			const log = deps.logger.child({ jobId });
			let body: unknown;
			try {
				body = JSON.parse(await c.req.text());
			} catch {
				log.warn({ reason: 'malformed-json' }, 'Callback rejected');
				rejected('malformed-json');
				return c.json({ error: 'body is not JSON' }, 400);
			}
			const parsed = parseCallbackBody(body);
			if (!parsed.ok) {
				log.warn({ reason: 'bad-shape', detail: parsed.error }, 'Callback rejected');
				rejected('bad-shape');
				return c.json({ error: `unexpected body: ${parsed.error}` }, 400);
			}
			const { report } = parsed;
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
				log.warn({ taskId: report.taskId, reason: 'bad-provider-signature' }, 'Callback rejected');
				rejected('bad-provider-signature');
				return c.json({ error: 'invalid provider signature' }, 401);
			}
			const verdict = await deps.acceptCallback(jobId, report);
			const status = VERDICT_STATUS[verdict];
			deps.metrics?.callbacks.inc({ result: verdict });
			(status === 200 ? log.info.bind(log) : log.warn.bind(log))(
				{ taskId: report.taskId, verdict, outcome: report.outcome.status },
				'Callback handled',
			);
			return c.json({ result: verdict }, status);
		},
	);

	app.notFound((c) => c.json({ error: 'not found' }, 404));
	app.onError((error, c) => {
		if (error instanceof HTTPException) return error.getResponse();
		if (error instanceof StoreUnavailableError) {
			// Nothing was changed that a retry could not redo: 503 tells the provider to send it again later (its own
			// retries come after 1, 5 and 15 minutes; a minute is what we ask of anyone else).
			deps.logger.warn({ err: error, path: c.req.path }, 'Store unavailable; asked the caller to retry');
			return c.json({ error: 'store unavailable, retry later' }, 503, { 'Retry-After': '60' });
		}
		deps.logger.error({ err: error, path: c.req.path }, 'HTTP handler failed');
		return c.json({ error: 'internal error' }, 500);
	});
	return app;
}
