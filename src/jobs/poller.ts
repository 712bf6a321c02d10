/**
 * When to ask the provider about a task again. The scheduling itself is in `pollScheduler.ts`.
 */

export interface PollPolicy {
	/** Delay before the first poll of a job that gets no callbacks. */
	firstDelayMs: number;
	/** Delay before the first poll of a job whose callback is expected (a safety net for lost callbacks). */
	callbackGraceMs: number;
	/** Upper bound of the back-off. */
	maxDelayMs: number;
}

/** The delay before poll number `attempt` (0-based): a few seconds first, growing to `maxDelayMs`. */
export function pollDelay(policy: PollPolicy, attempt: number, expectsCallback: boolean): number {
	if (attempt === 0) return expectsCallback ? policy.callbackGraceMs : policy.firstDelayMs;
	return Math.min(policy.maxDelayMs, Math.round(policy.firstDelayMs * 1.5 ** attempt));
}
