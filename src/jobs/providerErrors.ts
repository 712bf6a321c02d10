import type { MjApiError } from '../api/errors.js';
import { DEFAULT_LANGUAGE, t, type Language, type MessageKey } from '../i18n/index.js';
import { failedWith, failureReason, type FailedOutcome } from './failureReason.js';

/**
 * What a failed submit means for the member, in plain language (the job's language; the provider's own message is
 * quoted as it wrote it). A submit whose outcome is unknown (the request left and no answer of the provider's came
 * back) is explained by {@link unknownOutcome}, not here.
 */
export function explainProviderFailure(error: MjApiError, language: Language = DEFAULT_LANGUAGE): string {
	const failure = error.failure;
	switch (failure.kind) {
		case 'not-sent':
			return t(language, 'provider.notSent');
		case 'timeout':
		case 'no-answer':
		case 'invalid-response':
			return unknownOutcomeReason(false, language);
		case 'api':
			return explainCode(failure.code, failure.message, language);
	}
}

/**
 * The final word on a job whose submit may have created a paid task that never reported back: either no callback can
 * come (the bot polls, and only a callback can name the task), or the provider's callback window has passed.
 */
export function unknownOutcome(waitedForCallback: boolean): FailedOutcome {
	return failedWith(waitedForCallback ? 'unknown-after-waiting' : 'unknown-outcome');
}

/** {@link unknownOutcome}'s words in `language`. */
export function unknownOutcomeReason(waitedForCallback: boolean, language: Language = DEFAULT_LANGUAGE): string {
	return failureReason(unknownOutcome(waitedForCallback), language);
}

const CODE_KEYS: Readonly<Record<number, MessageKey>> = {
	400: 'provider.refused',
	422: 'provider.refused',
	401: 'provider.invalidKey',
	402: 'provider.noCredits',
	404: 'provider.unknownTask',
	429: 'provider.rateLimited',
	455: 'provider.maintenance',
	501: 'provider.generationFailed',
	505: 'provider.featureDisabled',
};

function explainCode(code: number, message: string, language: Language): string {
	const key = CODE_KEYS[code] ?? (code >= 500 ? 'provider.serverError' : 'provider.otherError');
	return t(language, key, { code: String(code), message });
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
