/**
 * The bot's HTTP listeners: @hono/node-server's `serve`, bounded so that slow or idle clients cannot hold it.
 * Node's defaults let a client take a minute to send its headers and five to send its request, without limit on
 * how many connections do so at once: a few hundred slow sockets would keep the provider's callbacks out.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { HttpLimits } from '../config.js';

export type FetchHandler = Parameters<typeof serve>[0]['fetch'];

/** How often Node looks for requests over their time-outs, at most: a time-out fires up to this much late. */
const MAX_CHECK_INTERVAL_MS = 1_000;

export async function listen(
	fetch: FetchHandler,
	{ port, hostname, limits }: { port: number; hostname: string; limits: HttpLimits },
): Promise<Server> {
	return new Promise((resolve, reject) => {
		const server = serve(
			{
				fetch,
				port,
				hostname,
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

/** The port a listener actually bound (PORT=0 picks a free one). */
export function boundPort(server: Server): number {
	return (server.address() as AddressInfo).port;
}
