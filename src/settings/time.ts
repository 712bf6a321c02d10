/** Daily limits follow the UTC day: one reset moment for everybody, whatever their time zone. */
const DAY_MS = 24 * 60 * 60 * 1000;

export function startOfUtcDay(at: number): number {
	return Math.floor(at / DAY_MS) * DAY_MS;
}

export function nextUtcMidnight(at: number): number {
	return startOfUtcDay(at) + DAY_MS;
}

/** `2025-01-31`: names a day's usage in the store. */
export function utcDayKey(at: number): string {
	return new Date(startOfUtcDay(at)).toISOString().slice(0, 10);
}
