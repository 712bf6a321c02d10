import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { StoreUnavailableError } from '../store/unavailable.js';
import { callbackRoute, type CallbackRouteDependencies } from './callbackRoute.js';
import { forgedCallbackGuard, type RequestGuard } from './forgedCallbacks.js';
import { serveMetrics } from './metricsRoute.js';

export { CALLBACK_BODY_LIMIT_BYTES } from './callbackRoute.js';

export interface AppDependencies extends CallbackRouteDependencies {
	/** Bearer token `/metrics` requires on this app; without it, `/metrics` is not served here (404). */
	metricsToken?: string | undefined;
	/** Readiness checks for `/readyz`, e.g. gateway connected and store reachable: keep them cheap (it is public). */
	readiness?: () => Promise<Record<string, boolean>>;
}

/** The HTTP app: built from its dependencies, served by the entry point, tested with `app.request()`. */
export function createApp(deps: AppDependencies): Hono {
	const app = new Hono();

	// Liveness: the process answers. Readiness: it can do its work (for load balancers and orchestrators).
	app.get('/healthz', (c) => c.json({ status: 'ok' }));
	// The callback port faces the internet: metrics only for whoever holds the token.
	if (deps.metrics && deps.metricsToken) serveMetrics(app, deps.metrics, deps.metricsToken);

	app.get('/readyz', async (c) => {
		const checks = deps.readiness ? await deps.readiness().catch(() => ({ readiness: false })) : {};
		const ready = Object.values(checks).every(Boolean);
		return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
	});

	app.post('/callbacks/mj/:jobId', ...callbackRoute(deps));

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

/** The app's guard for Node's listener: forged callback URLs refused before Hono (see forgedCallbacks.ts). */
export function appGuard(deps: CallbackRouteDependencies): RequestGuard {
	const refused = deps.metrics?.callbacks.labels({ result: 'bad-signature' });
	return forgedCallbackGuard({
		callbackSecret: deps.callbackSecret,
		logger: deps.logger,
		onRefused: () => refused?.inc(),
	});
}
