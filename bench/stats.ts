/** Small statistics helpers for the figures. */

/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
	return sorted[rank - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
	return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
	return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The largest number of timestamps (ms) falling in any window `[t, t + windowMs)`. */
export function maxInWindow(timestamps: readonly number[], windowMs: number): number {
	const sorted = [...timestamps].sort((a, b) => a - b);
	let best = 0;
	let first = 0;
	for (let last = 0; last < sorted.length; last++) {
		while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= windowMs) first++;
		best = Math.max(best, last - first + 1);
	}
	return best;
}

/** Rounds for display and JSON (keeps integers as they are). */
export function round(value: number, digits = 2): number {
	if (!Number.isFinite(value)) return value;
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `check` returns a truthy value; rejects after `timeoutMs` naming `what`. */
export async function waitUntil<T>(
	check: () => T | undefined | false | null,
	what: string,
	timeoutMs: number,
	intervalMs = 5,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(intervalMs);
	}
}
