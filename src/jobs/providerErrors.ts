import type { MjApiError } from '../api/errors.js';

/**
 * What a failed submit means for the member, in plain language. A submit whose outcome is unknown (the request left
 * and no answer of the provider's came back) is explained by {@link unknownOutcomeReason}, not here.
 */
export function explainProviderFailure(error: MjApiError): string {
	const failure = error.failure;
	switch (failure.kind) {
		case 'not-sent':
			return 'The Midjourney API could not be reached, so nothing was sent or charged. Please try again in a minute.';
		case 'timeout':
		case 'no-answer':
		case 'invalid-response':
			return unknownOutcomeReason(false);
		case 'api':
			return explainCode(failure.code, failure.message);
	}
}

/**
 * The final word on a job whose submit may have created a paid task that never reported back: either no callback can
 * come (the bot polls, and only a callback can name the task), or the provider's callback window has passed.
 */
export function unknownOutcomeReason(waitedForCallback: boolean): string {
	const what = waitedForCallback
		? 'Midjourney never reported back on this job, so it is unknown whether it started.'
		: 'The Midjourney API did not confirm whether it started this job.';
	return `${what} It was not resubmitted, so it cannot have been charged twice. If the account's task history shows it, a server admin can find the result there; otherwise please run the command again.`;
}

function explainCode(code: number, message: string): string {
	switch (code) {
		case 400:
		case 422:
			return `Midjourney refused the request: ${message}`;
		case 401:
			return "The bot's Midjourney API key is invalid — a server admin must fix it.";
		case 402:
			return 'The Midjourney account behind this bot is out of credits — a server admin must top it up.';
		case 404:
			return 'The Midjourney API does not know this task.';
		case 429:
			return 'Midjourney is rate-limiting this bot. Please try again in a moment.';
		case 455:
			return 'Midjourney is under maintenance. Please try again later.';
		case 501:
			return `Generation failed: ${message}`;
		case 505:
			return 'This feature is disabled on the Midjourney account behind this bot.';
		default:
			if (code >= 500) return `The Midjourney API had an error (${code}). Please try again later.`;
			return `The Midjourney API answered with error ${code}: ${message}`;
	}
}

/** Attempts (the first included) before a failure that created nothing becomes final. */
const MAX_ATTEMPTS = { rateLimited: 8, maintenance: 4, notSent: 3 } as const;

/**
 * How long to wait before sending a submit again after `error`, given the attempts made so far; undefined when it must
 * not be sent again. Only a request that created nothing is sent again: one that never left (`not-sent`), and the
 * provider's documented refusals that queue nothing (429 rate limit, 455 maintenance). Any other answer is final, and
 * a request whose outcome is unknown (a reset after the body left, a time-out, a proxy's HTML page) may have created a
 * paid task: it is never resent.
 */
export function submitRetryDelay(error: MjApiError, attempts: number, baseMs: number): number | undefined {
	const backoff = (factor: number, capMs: number) => Math.min(capMs, baseMs * factor * 2 ** (attempts - 1));
	if (error.outcome === 'not-sent') return attempts < MAX_ATTEMPTS.notSent ? backoff(1, 30_000) : undefined;
	if (error.code === 429) return attempts < MAX_ATTEMPTS.rateLimited ? backoff(1, 30_000) : undefined;
	if (error.code === 455) return attempts < MAX_ATTEMPTS.maintenance ? backoff(5, 120_000) : undefined;
	return undefined;
}
