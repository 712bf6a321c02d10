/**
 * Baseline: a bare Hono app on @hono/node-server answering the same POST as the bot's callback route, with the
 * least work a JSON endpoint does (read the body, parse it, answer JSON), as in stack-notes §3. Under `/refuse` the
 * same route answers 403 without reading the body: the least any server can do about a forged callback.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { reportFatal, reportReady, serveCalls } from '../protocol.js';

const app = new Hono();
app.post('/callbacks/mj/:jobId', async (c) => {
	JSON.parse(await c.req.text());
	return c.json({ result: 'accepted' });
});
app.post('/refuse/callbacks/mj/:jobId', (c) => c.json({ error: 'forbidden' }, 403));
app.get('/healthz', (c) => c.json({ status: 'ok' }));

try {
	const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => reportReady(info.port));
	serveCalls({
		port: () => (server.address() as AddressInfo).port,
		stop: () => {
			setImmediate(() => process.exit(0));
			return true;
		},
	});
} catch (error) {
	reportFatal(error);
}
