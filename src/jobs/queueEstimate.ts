/**
 * When a queued job should start, from its position and its key's submit rate: what a member sees as a live
 * `<t:…:R>` timestamp, so that the reply need not be edited every time the queue moves, only when the estimate drifts.
 */

export interface KeyRate {
	/** Submits allowed per window. */
	limit: number;
	windowMs: number;
}

/**
 * The estimated start (epoch ms) of the job at `position` (1 = next), when `freeNow` submits are allowed at once
 * (the window's grants left): those go now, the rest `limit` per window after.
 */
export function estimatedStart(position: number, rate: KeyRate, now: number, freeNow = rate.limit): number {
	if (!Number.isInteger(position) || position < 1) throw new RangeError('position must be a positive integer');
	const free = Math.max(0, Math.min(freeNow, rate.limit));
	if (position <= free) return now;
	return now + Math.ceil((position - free) / rate.limit) * rate.windowMs;
}

/** Whether a shown estimate is off the fresh one by more than `marginMs`: only then is the reply worth an edit. */
export function estimateDrifted(shownAt: number, freshAt: number, marginMs: number): boolean {
	return Math.abs(shownAt - freshAt) > marginMs;
}
