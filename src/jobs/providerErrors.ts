import type { MjApiError } from '../api/errors.js';

/** What a provider failure means for the member and the operator. */
export interface FailureExplanation {
	/** Shown to the member, in plain language. */
	reason: string;
	/** Whether trying the same request again later could succeed. */
	retryable: boolean;
	/** The request may have been accepted by the API (a paid task may exist): never resubmit blindly. */
	outcomeUnknown: boolean;
}

export function explainProviderFailure(error: MjApiError): FailureExplanation {
	const failure = error.failure;
	switch (failure.kind) {
		case 'timeout':
			return {
				reason:
					'The Midjourney API did not answer in time, so it is unknown whether the job started. It was not resubmitted, to avoid paying twice; check back in a few minutes or try again.',
				retryable: false,
				outcomeUnknown: true,
			};
		case 'network':
			return {
				reason: 'The Midjourney API could not be reached. Please try again in a minute.',
				retryable: true,
				outcomeUnknown: false,
			};
		case 'invalid-response':
			return {
				reason: `The Midjourney API sent an unexpected answer (HTTP ${failure.httpStatus}). Please try again later.`,
				retryable: true,
				outcomeUnknown: false,
			};
		case 'api':
			return explainCode(failure.code, failure.message);
	}
}

function explainCode(code: number, message: string): FailureExplanation {
	const terminal = (reason: string): FailureExplanation => ({ reason, retryable: false, outcomeUnknown: false });
	switch (code) {
		case 400:
		case 422:
			return terminal(`Midjourney refused the request: ${message}`);
		case 401:
			return terminal("The bot's Midjourney API key is invalid — a server admin must fix it.");
		case 402:
			return terminal('The Midjourney account behind this bot is out of credits — a server admin must top it up.');
		case 404:
			return terminal('The Midjourney API does not know this task.');
		case 429:
			return {
				reason: 'Midjourney is rate-limiting this bot. Please try again in a moment.',
				retryable: true,
				outcomeUnknown: false,
			};
		case 455:
			return {
				reason: 'Midjourney is under maintenance. Please try again later.',
				retryable: true,
				outcomeUnknown: false,
			};
		case 501:
			return terminal(`Generation failed: ${message}`);
		case 505:
			return terminal('This feature is disabled on the Midjourney account behind this bot.');
		default:
			if (code >= 500)
				return {
					reason: `The Midjourney API had an error (${code}). Please try again later.`,
					retryable: true,
					outcomeUnknown: false,
				};
			return terminal(`The Midjourney API answered with error ${code}: ${message}`);
	}
}

/** Attempts (the first included) before a retryable failure becomes final. */
const MAX_ATTEMPTS = { rateLimited: 8, maintenance: 4, serverError: 3 } as const;

/**
 * How long to wait before trying a submit again after `error`, given the attempts made so far; undefined when it
 * must not be retried (a final answer, or a time-out whose task may exist and would be paid twice).
 */
export function submitRetryDelay(error: MjApiError, attempts: number, baseMs: number): number | undefined {
	const failure = error.failure;
	const backoff = (factor: number, capMs: number) => Math.min(capMs, baseMs * factor * 2 ** (attempts - 1));
	if (failure.kind === 'timeout') return undefined;
	if (failure.kind === 'network' || failure.kind === 'invalid-response') {
		return attempts < MAX_ATTEMPTS.serverError ? backoff(1, 30_000) : undefined;
	}
	if (failure.code === 429) return attempts < MAX_ATTEMPTS.rateLimited ? backoff(1, 30_000) : undefined;
	if (failure.code === 455) return attempts < MAX_ATTEMPTS.maintenance ? backoff(5, 120_000) : undefined;
	if (failure.code >= 500 && failure.code !== 501 && failure.code !== 505) {
		return attempts < MAX_ATTEMPTS.serverError ? backoff(1, 30_000) : undefined;
	}
	return undefined;
}
