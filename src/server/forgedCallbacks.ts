/**
 * Refuses callbacks with a forged URL on Node's own request, before Hono builds its request, routes it and runs the
 * route's steps: a flood of forged calls then costs the HMAC check and a fixed answer. Anything this guard is unsure
 * of (another path, a percent-encoded part) goes on to the app, whose callback route checks the signature again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { isValidJobSignature } from './callbackSigning.js';

/**
 * The callback route's path with a job id as the bot makes them (base64url: nothing a URL parser would normalise or
 * Hono would decode) and an optional query.
 */
const CALLBACK_URL = /^\/callbacks\/mj\/([\w-]+)(?:\?([^#]*))?$/;
/** The first `sig` of a query. */
const SIG_PARAM = /(?:^|&)sig=([^&]*)/;
/** A value Hono would decode before comparing: left to Hono. */
const ENCODED = /[%+]/;

const REFUSAL = JSON.stringify({ error: 'invalid signature' });
const REFUSAL_HEADERS = {
	'content-type': 'application/json',
	'content-length': String(Buffer.byteLength(REFUSAL)),
} as const;

export interface ForgedCallbackGuardDependencies {
	callbackSecret: string;
	logger: Logger;
	/** Called once per refused callback (the metrics counter). */
	onRefused?: () => void;
}

/** A request listener's first step: true when it answered (a forged callback URL), false to hand the request on. */
export type RequestGuard = (request: IncomingMessage, response: ServerResponse) => boolean;

export function forgedCallbackGuard(deps: ForgedCallbackGuardDependencies): RequestGuard {
	return (request, response) => {
		if (request.method !== 'POST' || request.url === undefined) return false;
		const url = CALLBACK_URL.exec(request.url);
		if (!url) return false;
		const sig = url[2] === undefined ? undefined : SIG_PARAM.exec(url[2])?.[1];
		if (sig !== undefined && ENCODED.test(sig)) return false;
		const jobId = url[1] as string;
		if (isValidJobSignature(deps.callbackSecret, jobId, sig)) return false;
		// Debug only: a flood of forged calls must not cost a log write each; /metrics counts them.
		if (deps.logger.isLevelEnabled('debug'))
			deps.logger.debug({ jobId: jobId.slice(0, 64), reason: 'bad-signature' }, 'Callback rejected');
		deps.onRefused?.();
		response.writeHead(401, REFUSAL_HEADERS).end(REFUSAL);
		return true;
	};
}
