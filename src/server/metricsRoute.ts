/**
 * `GET /metrics`: what the bot counts, for Prometheus. Not for the public: it is served either on a listener of its
 * own (bound to loopback by default) or to requests bearing the metrics token.
 */
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { Metrics } from '../metrics.js';

/** Adds `GET /metrics` to `app`, behind `Authorization: Bearer <token>` when a token is given. */
export function serveMetrics(app: Hono, metrics: Metrics, token: string | undefined): void {
	const read = async (): Promise<Response> =>
		new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } });
	if (token) app.get('/metrics', bearerAuth({ token }), read);
	else app.get('/metrics', read);
}

/** The app of the metrics listener: `/metrics` and nothing else. */
export function createMetricsApp(metrics: Metrics, token: string | undefined): Hono {
	const app = new Hono();
	serveMetrics(app, metrics, token);
	app.notFound((c) => c.json({ error: 'not found' }, 404));
	return app;
}
