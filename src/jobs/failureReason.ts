/**
 * Failures the bot words itself (a key it cannot use, a submit with no clear answer, a time-out…) are stored by code
 * and figures, and written in the reader's language only when shown: the stored English `reason` stays for logs, and
 * is what a record written before the codes existed still shows.
 */
import type { FailureCode, FailureWhy } from '../api/types.js';
import { DEFAULT_LANGUAGE, t, type Language, type MessageKey } from '../i18n/index.js';
import type { FinishedOutcome } from './types.js';

export type FailedOutcome = Extract<FinishedOutcome, { status: 'failed' }>;

const KEYS: Readonly<Record<Exclude<FailureCode, 'unknown-outcome' | 'unknown-after-waiting'>, MessageKey>> = {
	'no-result-files': 'provider.noResultFiles',
	'no-reason-given': 'provider.noReasonGiven',
	'key-paused': 'provider.keyPaused',
	'key-missing': 'provider.keyMissing',
	'key-gone': 'provider.keyGone',
	'not-taken': 'provider.notTaken',
	'timed-out': 'provider.timedOut',
};

/** The failure in `language`; undefined for a code this version does not know (a newer process stored it). */
function worded(why: FailureWhy, language: Language): string | undefined {
	if (why.code === 'unknown-outcome' || why.code === 'unknown-after-waiting') {
		const waited = why.code === 'unknown-after-waiting';
		const what = t(language, waited ? 'provider.unknownAfterWaiting' : 'provider.unknownNoCallback');
		return t(language, 'provider.unknownOutcome', { what });
	}
	const key = Object.hasOwn(KEYS, why.code) ? KEYS[why.code] : undefined;
	return key && t(language, key, why.figures);
}

/** A failure the bot words itself, with its English words kept beside its code. */
export function failedWith(code: FailureCode, figures?: Readonly<Record<string, number>>): FailedOutcome {
	const why: FailureWhy = figures ? { code, figures } : { code };
	return { status: 'failed', reason: worded(why, DEFAULT_LANGUAGE) ?? code, why };
}

/**
 * Why a job failed, in `language` (a job's recorded language; absent: English): the bot's own words translated, the
 * provider's quoted as it wrote them.
 */
export function failureReason(outcome: FailedOutcome, language: Language = DEFAULT_LANGUAGE): string {
	return (outcome.why && worded(outcome.why, language)) ?? outcome.reason;
}
