/**
 * An HTTP agent that connects to public addresses only. The check is made on the addresses the connection itself
 * uses (the lookup hands the socket only the allowed ones, and the connected socket's peer is checked again), so a
 * name that resolves to a public address when asked and to a private one a moment later (DNS rebinding) gains nothing.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { isPublicAddress } from './safeAddress.js';

/** Every address of a host, as `dns.lookup` with `all: true` gives them; tests give their own. */
export type ResolveAll = (
	hostname: string,
	options: LookupOptions,
	callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const resolveAll: ResolveAll = (hostname, options, callback) => {
	dnsLookup(hostname, { ...options, all: true }, callback);
};

export class ForbiddenAddressError extends Error {
	public readonly code = 'ERR_FORBIDDEN_ADDRESS';
	public constructor(host: string, why: string) {
		super(`refused to connect to ${host}: ${why}`);
		this.name = 'ForbiddenAddressError';
	}
}

/** A lookup for sockets that answers with the host's public addresses only, and fails when it has none. */
export function guardedLookup(resolve: ResolveAll = resolveAll): LookupFunction {
	return (hostname, options, callback) => {
		resolve(hostname, { family: options.family, hints: options.hints }, (error, addresses) => {
			if (error) {
				callback(error, '', 0);
				return;
			}
			const allowed = addresses.filter((entry) => isPublicAddress(entry.address));
			const [first] = allowed;
			if (!first) {
				const found = addresses.map((entry) => entry.address).join(', ') || 'nothing';
				callback(new ForbiddenAddressError(hostname, `it resolves to ${found}, no public address`), '', 0);
			} else if (options.all) callback(null, allowed);
			else callback(null, first.address, first.family);
		});
	};
}

/** An undici agent whose every connection goes to a public address, or fails with {@link ForbiddenAddressError}. */
export function createGuardedAgent(resolve: ResolveAll = resolveAll): Agent {
	const connect = buildConnector({ lookup: guardedLookup(resolve) });
	return new Agent({
		connect: (options, callback) => {
			// An address in the URL itself is never looked up: it is checked here, before any connection is made.
			if (isIP(options.hostname) && !isPublicAddress(options.hostname)) {
				callback(new ForbiddenAddressError(options.hostname, 'not a public address'), null);
				return;
			}
			connect(options, (error, socket) => {
				if (error) {
					callback(error, null);
					return;
				}
				const peer = socket.remoteAddress;
				if (peer === undefined || !isPublicAddress(peer)) {
					socket.destroy();
					callback(
						new ForbiddenAddressError(options.hostname, `connected to ${peer ?? 'nowhere'}, not a public address`),
						null,
					);
					return;
				}
				callback(null, socket);
			});
		},
	});
}
