/**
 * The bot's HTTP listeners: @hono/node-server's `serve`, bounded so that slow or idle clients cannot hold it.
 * Node's defaults let a client take a minute to send its headers and five to send its request, without limit on
 * how many connections do so at once: a few hundred slow sockets would keep the provider's callbacks out.
 */
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { HttpLimits } from '../config.js';
import type { RequestGuard } from './forgedCallbacks.js';

export type FetchHandler = Parameters<typeof serve>[0]['fetch'];

/** How often Node looks for requests over their time-outs, at most: a time-out fires up to this much late. */
const MAX_CHECK_INTERVAL_MS = 1_000;

export async function listen(
	fetch: FetchHandler,
	{ port, hostname, limits, guard }: { port: number; hostname: string; limits: HttpLimits; guard?: RequestGuard },
): Promise<Server> {
	return new Promise((resolve, reject) => {
		const server = serve(
			{
				fetch,
				port,
				hostname,
				...(guard ? { createServer: guardedServer(guard) } : {}),
				serverOptions: {
					headersTimeout: limits.headersTimeoutMs,
					requestTimeout: limits.requestTimeoutMs,
					keepAliveTimeout: limits.keepAliveTimeoutMs,
					// Node checks the two time-outs above every 30 s by default, which would let a slow client stay that long.
					connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
				},
			},
			() => resolve(server as Server),
		) as Server;
		// Beyond this, Node closes new connections as soon as they are accepted; those already open keep being served.
		server.maxConnections = limits.maxConnections;
		server.once('error', reject);
	});
}

/** Node's `createServer` with `guard` in front of the app: what it answers never reaches Hono. */
function guardedServer(guard: RequestGuard): typeof createServer {
	const create = (options: ServerOptions, listener: RequestListener): Server =>
		createServer(options, (request, response) => {
			if (!guard(request, response)) void listener(request, response);
		});
	return create as typeof createServer;
}

/** The port a listener actually bound (PORT=0 picks a free one). */
export function boundPort(server: Server): number {
	return (server.address() as AddressInfo).port;
}
